#!/usr/bin/env node
// Writes outputs/emnist-lines.png: lines written with real EMNIST letters (src/synth/emnist_line.ts),
// dark ink on white, each with its writer's style, so a person can judge by eye whether they look
// like handwriting; prints how long a 30-character line takes.
//   npm run build && node scripts/emnist-line-sheet.js [--seed 0] [--part test|train] [--scale 1] [--texts 'one line|another']
// EMNIST comes from EMNIST_DIR (default ../shared/data/emnist62) and EMNIST_SPLIT (default emnist62).
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist', 'src');
const { loadEmnistPart } = require(path.join(dist, 'data', 'emnist'));
const { createEmnistGlyphs, renderEmnistLine } = require(path.join(dist, 'synth', 'emnist_line'));
const { imageGrid } = require(path.join(dist, 'plot', 'index'));
const { createRng, deriveSeed } = require(path.join(dist, 'util', 'rng'));

const DEFAULT_TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'Meet me at 10:30, near the old Bridge!',
  'Is it really 1984? Yes; it is.',
  '"Hello," she said - (quietly).',
  'Invoice 2023/07/15 total 42 items',
  'SAVE THE DATE: JUNE 21',
  'apples, pears and figs',
  'Kingdom of Glass and Quiet Hills',
  "it's a jolly good day, isn't it?",
  'Call 555 0199 before Friday',
  'mixed CaSe and numbers 7 8 9',
  'Why? Because (i) we can / we will',
];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

function main() {
  const seed = Number(option('seed', 0));
  const part = option('part', 'test');
  const scale = Number(option('scale', 1));
  const texts = option('texts') ? option('texts').split('|') : DEFAULT_TEXTS;
  if (!(scale > 0)) throw new Error(`--scale needs a number > 0, got '${option('scale')}'`);
  if (!Number.isFinite(seed)) throw new Error(`--seed needs a number, got '${option('seed')}'`);
  if (part !== 'test' && part !== 'train') throw new Error(`--part must be test or train, got '${part}'`);
  const dir = process.env.EMNIST_DIR || path.join(__dirname, '..', '..', 'shared', 'data', 'emnist62');
  const split = process.env.EMNIST_SPLIT || 'emnist62';
  const chars = loadEmnistPart(part, { dir, split });
  const glyphs = createEmnistGlyphs(chars, { split: part });

  const images = [];
  const titles = [];
  const labels = [];
  texts.forEach((text, n) => {
    const line = renderEmnistLine(text, glyphs, createRng(deriveSeed(seed, 'emnist-line-sheet', n)));
    const s = line.style;
    // Dark ink on white paper: what a person expects to read.
    images.push(Array.from({ length: line.height }, (_, y) => Array.from(line.ink.subarray(y * line.width, (y + 1) * line.width), (v) => 255 - Math.round(255 * v))));
    titles.push(
      `body ${s.bodyHeight.toFixed(0)} px, cap x${(s.capHeight / s.bodyHeight).toFixed(2)}, slant ${s.slantDegrees.toFixed(0)}°, ` +
        `pen ${line.penWidth.toFixed(1)} px, ${line.width}x${line.height}`,
    );
    labels.push(`"${text}"`);
  });
  const out = path.join(__dirname, '..', 'outputs', 'emnist-lines.png');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  imageGrid(images, { cols: 1, scale, titles, labels, title: `EMNIST lines from ${chars.name} ${part}, seed ${seed}` }).save(out);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);

  // Speed: 200 lines of 30 characters (style, glyphs, punctuation, slant, crop).
  const text = 'Call me at 10:30, said Quinn.';
  // CPU time as well as wall time: on a shared machine the wall clock also counts other processes.
  // 50 lines first, so the figure is the steady state rather than the compiler warming up.
  for (let n = 0; n < 50; n++) renderEmnistLine(text + '!', glyphs, createRng(deriveSeed(seed, 'warm-up', n)));
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let pixels = 0;
  for (let n = 0; n < 200; n++) pixels += renderEmnistLine(text + '!', glyphs, createRng(deriveSeed(seed, 'speed', n))).ink.length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${(ms / 200).toFixed(2)} ms per 30-character line (${((cpu.user + cpu.system) / 1000 / 200).toFixed(2)} ms CPU), ` +
      `${(pixels / 200).toFixed(0)} px mean canvas`,
  );
}

try {
  main();
} catch (err) {
  console.error(`emnist-line-sheet: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
