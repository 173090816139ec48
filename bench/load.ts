/**
 * Dataset loading benchmark (prints figures, not a test):
 *   npm run build && node --expose-gc dist/bench/load.js
 * Times loading all of MNIST (70,000 images + labels, raw IDX) and EMNIST dev47 train (111,439, gzip,
 * transposed on load) from EMNIST_DIR or ../shared/data/emnist47, and the memory each load holds
 * (heap + ArrayBuffer growth after GC) against the plain uint8 size of the data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Dataset } from '../src/data/dataset';
import { loadEmnistPart } from '../src/data/emnist';
import { loadMnist } from '../src/data/mnist';
import { benchEmnistDir } from './emnist_dir';

const REPEATS = 3;
const gc = (globalThis as { gc?: () => void }).gc;

function heldBytes(): number {
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const mb = (b: number) => (b / 1e6).toFixed(1) + ' MB';
const uint8Size = (sets: Dataset[]) => sets.reduce((s, d) => s + d.images.length + d.labels.length, 0);

/** Loads `repeats` times; reports the best and median time, and the memory held by one loaded copy. */
function bench(name: string, target: string, load: () => Dataset[]): void {
  const times: number[] = [];
  let kept: Dataset[] = [];
  let held = 0;
  for (let r = 0; r < REPEATS; r++) {
    const before = r === 0 ? heldBytes() : 0;
    const t0 = process.hrtime.bigint();
    kept = load();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    // Only the first load is measured: freeing an earlier copy's ArrayBuffers happens lazily after
    // GC, and would be subtracted from a later load's growth.
    if (r === 0) held = heldBytes() - before;
  }
  times.sort((a, b) => a - b);
  const size = uint8Size(kept);
  const count = kept.reduce((s, d) => s + d.count, 0);
  console.log(
    `${name}: ${count.toLocaleString('en-US')} images; load best ${times[0].toFixed(3)} s, ` +
      `median ${times[REPEATS >> 1].toFixed(3)} s (target ${target}); held ${mb(held)} for ${mb(size)} of uint8 data ` +
      `(${(held / size).toFixed(2)}x)`,
  );
}

function main(): void {
  if (!gc) console.log('note: run with node --expose-gc for memory figures after GC');
  console.log(`node ${process.version}, ${REPEATS} loads each`);
  bench('MNIST train+test (raw IDX)', '< 0.5 s', () => {
    const { train, test } = loadMnist();
    return [train, test];
  });
  const dir = benchEmnistDir();
  if (!fs.existsSync(path.join(dir, 'emnist-dev47-mapping.txt'))) {
    console.log(`EMNIST dev47 not found in ${dir}; set EMNIST_DIR to benchmark it`);
    return;
  }
  bench('EMNIST dev47 train (gzip, transposed)', '< 2 s', () => [loadEmnistPart('train', { dir, split: 'dev47' })]);
}

main();
