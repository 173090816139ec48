/**
 * How fast synthetic handwriting is made (prints figures, not a test):
 *   npm run build && node dist/bench/handwriting_speed.js [--lines 200] [--emnist-dir DIR]
 * Each stage of src/synth/handwriting.ts timed separately on the same lines: text, drawing (fonts or
 * EMNIST letters), paper and camera, and the line recipe that reads the photo in. Lines are made on
 * the training loop's main thread, so this is the budget a training step pays for fresh lines.
 */
import * as fs from 'fs';
import * as os from 'os';
import { loadEmnistPart } from '../src/data/emnist';
import { createHandwritingGenerator } from '../src/synth/handwriting';
import { numberArg, stringArg } from './argv';

function main(): void {
  const n = numberArg('lines', 200);
  const dir = stringArg('emnist-dir', '../shared/data/emnist62');
  const emnist = fs.existsSync(dir) ? loadEmnistPart('train', { dir, split: 'emnist62' }) : undefined;
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
  console.log(`${cpu}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}; EMNIST ${emnist ? dir : 'absent: fonts only'}`);
  const gen = createHandwritingGenerator({ split: 'train', seed: 1, emnist });
  gen.line(0); // fonts and corpus loaded, caches warm
  const bySource = new Map<string, number[]>();
  let chars = 0;
  let fits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= n; i++) {
    const s = process.hrtime.bigint();
    const line = gen.line(i);
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    const key = line.source.startsWith('font') ? 'font' : 'emnist';
    bySource.set(key, [...(bySource.get(key) ?? []), ms]);
    chars += line.text.length;
    if (line.fits) fits++;
  }
  const total = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${n} lines in ${(total / 1000).toFixed(2)} s: ${(total / n).toFixed(1)} ms a line, ${(n / (total / 1000)).toFixed(0)} lines/s on one thread; ${(chars / n).toFixed(1)} characters a line; ${fits} of ${n} fit their CTC frames`);
  for (const [k, v] of bySource) {
    v.sort((a, b) => a - b);
    console.log(`  ${k}: ${v.length} lines, median ${v[v.length >> 1].toFixed(1)} ms, 90th percentile ${v[Math.floor(v.length * 0.9)].toFixed(1)} ms`);
  }
}

main();
