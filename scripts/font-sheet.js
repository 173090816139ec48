#!/usr/bin/env node
// Writes outputs/font-sheet.png: one line per handwriting font drawn by renderFontLine (a random
// style, body height fixed so fonts compare), with the family, its split and, for fonts that are not
// used, why. For checking the fonts by eye: illegible, caps-only or symbol fonts go in
// REJECTED_BY_EYE (src/synth/fonts.ts). Uses dist/, so build first:
//   npm run build && node scripts/font-sheet.js [--seed 0] [--body 20] [--text "..."] [--out outputs/font-sheet.png]
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist', 'src');
const { HANDWRITING_FONTS, checkFont, loadFont } = require(path.join(dist, 'synth', 'fonts'));
const { renderFontLine, fontCanWrite } = require(path.join(dist, 'synth', 'font_line'));
const { createRng, deriveSeed } = require(path.join(dist, 'util', 'rng'));
const { imageGrid } = require(path.join(dist, 'plot'));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

function main() {
  const seed = Number(option('seed', 0));
  const body = Number(option('body', 20));
  const text = option('text', 'Quick brown fox, 1984: jumps!');
  const out = path.resolve(option('out', path.join(__dirname, '..', 'outputs', 'font-sheet.png')));
  const images = [];
  const titles = [];
  const excluded = [];
  // Usable fonts first (train, then test), then the excluded ones, so the eye checks both.
  const order = [...HANDWRITING_FONTS].sort((a, b) => {
    const rank = (f) => (checkFont(f.family).problems.length ? 2 : f.split === 'train' ? 0 : 1);
    return rank(a) - rank(b);
  });
  for (const { family, split } of order) {
    const font = loadFont(family);
    const problems = checkFont(family).problems;
    if (!fontCanWrite(font, text)) {
      excluded.push(`${family}: cannot write the sample text`);
      continue;
    }
    const line = renderFontLine(text, font, createRng(deriveSeed(seed, 'font-sheet', family)), { bodyHeight: [body, body] });
    // Dark ink on white paper, as a person reads it; the baseline as a faint grey row.
    const rows = [];
    const baseline = Math.round(line.baseline);
    for (let y = 0; y < line.height; y++) {
      const row = new Array(line.width);
      for (let x = 0; x < line.width; x++) {
        const ink = line.ink[y * line.width + x];
        row[x] = Math.round(255 * (1 - ink) * (y === baseline && ink < 0.5 ? 0.85 : 1));
      }
      rows.push(row);
    }
    images.push(rows);
    const status = problems.length ? `NOT USED: ${problems[0].split(':')[0]}` : split;
    titles.push(`${family} (${status}) · body ${line.bodyHeight.toFixed(1)} px`);
    if (problems.length) excluded.push(`${family}: ${problems.join('; ')}`);
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  imageGrid(images, { cols: 2, scale: 1, titles, title: `Handwriting fonts, body ${body} px, seed ${seed}: "${text}"` }).save(out);
  console.log(`wrote ${path.relative(process.cwd(), out)} (${images.length} fonts)`);
  for (const line of excluded) console.log(`excluded ${line}`);
  timeLines(seed);
}

// How long a 30-character line at body height 20 takes, over the usable fonts (they are drawn
// fresh for every training step, on the main thread).
function timeLines(seed) {
  const { usableFonts } = require(path.join(dist, 'synth', 'fonts'));
  const fonts = usableFonts().map(loadFont);
  const text = 'The quick brown fox jumps over'; // 30 characters
  const rng = createRng(deriveSeed(seed, 'font-sheet-timing'));
  const draw = (i) => renderFontLine(text, fonts[i % fonts.length], rng, { bodyHeight: [20, 20] });
  for (let i = 0; i < fonts.length; i++) draw(i); // warm-up: outline caches, JIT
  const n = 10 * fonts.length;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) draw(i);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${n} lines of ${text.length} characters at body 20 px: ${wall.toFixed(2)} ms each (${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms CPU)`,
  );
}

try {
  main();
} catch (err) {
  console.error(`font-sheet: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
