#!/usr/bin/env node
// Writes outputs/lines-sample.png: synthetic handwritten lines (train, validation and test words,
// random strings, MNIST digits) with their texts, and prints how long 1,000 lines take to generate.
// EMNIST comes from EMNIST_DIR / EMNIST_SPLIT as everywhere else, e.g.
//   npm run build && EMNIST_DIR=../shared/data/emnist47 EMNIST_SPLIT=dev47 node scripts/make-line-samples.js [--height 32] [--seed 0]
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist', 'src');
const { loadEmnist } = require(path.join(dist, 'data', 'emnist'));
const { loadMnistPart } = require(path.join(dist, 'data', 'mnist'));
const { createLineGenerator } = require(path.join(dist, 'data', 'lines'));
const { lineSampleSheet } = require(path.join(dist, 'data', 'line_samples'));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number, got '${process.argv[i + 1]}'`);
  return v;
}

function main() {
  const height = option('height', 28);
  const seed = option('seed', 0);
  const emnist = loadEmnist();
  const mnistTest = loadMnistPart('test');
  const gen = (chars, split, mode) => createLineGenerator({ chars, split, mode, seed, height });
  const train = gen(emnist.train, 'train', 'words');
  const sections = [
    { title: 'train words', batch: train.batch(0, 5) },
    { title: 'val words', batch: gen(emnist.train, 'val', 'words').batch(0, 3) },
    { title: 'test words (unseen words, test images)', batch: gen(emnist.test, 'test', 'words').batch(0, 5) },
    { title: 'test random', batch: gen(emnist.test, 'test', 'random').batch(0, 3) },
    { title: 'MNIST test digits', batch: gen(mnistTest, 'test', 'digits').batch(0, 3) },
  ];
  const out = path.join(__dirname, '..', 'outputs', 'lines-sample.png');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  lineSampleSheet(sections, { title: `Synthetic lines from ${emnist.train.name}, height ${height}, seed ${seed}` }).save(out);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);

  // 1,000 training lines in batches of 64 (the last batch is lines 960..999).
  const t0 = process.hrtime.bigint();
  let lines = 0;
  let pixels = 0;
  for (let first = 0; first < 1000; first += 64) {
    const b = train.lines(first, Math.min(64, 1000 - first));
    lines += b.size;
    pixels += b.images.length;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`generated ${lines} lines in batches of 64 in ${ms.toFixed(0)} ms (${(pixels / lines / height).toFixed(0)} px mean batch width)`);
}

try {
  main();
} catch (err) {
  console.error(`make-line-samples: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
