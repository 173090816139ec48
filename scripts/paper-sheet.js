#!/usr/bin/env node
// Writes outputs/paper-sheet.png: one ink line (textPath strokes rasterised by sharp) put on paper
// by src/synth/paper.ts with 16 seeds (rows) at strengths 0.3, 0.6 and 1 (columns; one seed draws the
// same kind of paper and camera at each strength), and prints how long putOnPaper takes per line.
//   npm run build && node scripts/paper-sheet.js [--seed 0] [--body 20]
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');
const dist = path.join(__dirname, '..', 'dist', 'src');
const { textPath, renderCoverage } = require(path.join(dist, 'image', 'render'));
const { putOnPaper } = require(path.join(dist, 'synth', 'paper'));
const { createRng, deriveSeed } = require(path.join(dist, 'util', 'rng'));

const TEXT = 'Ethan had a dean 1984 then LA Death 2035';
const STRENGTHS = [0.3, 0.6, 1];
const ROWS = 16;
const GAP = 6;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number, got '${process.argv[i + 1]}'`);
  return v;
}

/** The text as an InkLine: glyph boxes are 100 units, lower case from y 40 to the baseline at 90. */
async function inkLine(text, body) {
  const k = body / 50;
  const { path: d, width } = textPath(text, { wobble: 3, seed: 7 });
  const pad = body;
  const W = Math.ceil(width * k + 2 * pad);
  const H = Math.ceil(100 * k + pad);
  const coverage = await renderCoverage(d, W, H, { strokeWidth: 7, ink: '#fff', x: pad, y: pad / 2, size: 100 * k });
  return { width: W, height: H, ink: coverage.data, baseline: pad / 2 + 90 * k, bodyHeight: body, text };
}

async function main() {
  const seed = option('seed', 0);
  const body = option('body', 20);
  const line = await inkLine(TEXT, body);
  const cells = [];
  for (let row = 0; row < ROWS; row++) {
    for (const strength of STRENGTHS) cells.push(putOnPaper(line, createRng(deriveSeed(seed, 'sheet', row)), { strength }));
  }
  const colWidth = STRENGTHS.map((_, c) => Math.max(...cells.filter((_, i) => i % STRENGTHS.length === c).map((p) => p.image.width)));
  const rowHeight = [];
  for (let r = 0; r < ROWS; r++) rowHeight.push(Math.max(...cells.slice(r * STRENGTHS.length, (r + 1) * STRENGTHS.length).map((p) => p.image.height)));
  const header = 28;
  const width = colWidth.reduce((a, b) => a + b + GAP, GAP);
  const height = rowHeight.reduce((a, b) => a + b + GAP, header + GAP);
  const composites = [];
  let y = header + GAP;
  for (let r = 0; r < ROWS; r++) {
    let x = GAP;
    for (let c = 0; c < STRENGTHS.length; c++) {
      const { image } = cells[r * STRENGTHS.length + c];
      composites.push({ input: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), raw: { width: image.width, height: image.height, channels: 4 }, left: x, top: y });
      x += colWidth[c] + GAP;
    }
    y += rowHeight[r] + GAP;
  }
  let x = GAP;
  const labels = STRENGTHS.map((s, c) => {
    const label = `<text x="${x + 4}" y="20" font-family="sans-serif" font-size="16">strength ${s}</text>`;
    x += colWidth[c] + GAP;
    return label;
  });
  composites.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${header}">${labels.join('')}</svg>`), left: 0, top: 0 });
  const out = path.join(__dirname, '..', 'outputs', 'paper-sheet.png');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await sharp({ create: { width, height, channels: 4, background: '#808080' } }).composite(composites).png().toFile(out);
  console.log(`wrote ${path.relative(process.cwd(), out)} (${line.width} x ${line.height} ink line, body ${body} px, "${TEXT}")`);

  // Speed in steady state (the JIT needs a few hundred lines to settle): the clean preset, the
  // strength-1 mix, and every optional effect switched on; CPU time of this process per line.
  const everything = {
    ruledProbability: 1,
    neighbourProbability: 1,
    motionBlurProbability: 1,
    saltPepperProbability: 1,
    jpegProbability: 1,
    lowContrastProbability: 1,
    shadowProbability: 1,
  };
  const configs = [
    ['clean', { strength: 0 }],
    ['strength 1', {}],
    ['every effect', everything],
  ];
  for (const [, opts] of configs) for (let i = 0; i < 200; i++) putOnPaper(line, createRng(i), opts);
  for (const [name, opts] of configs) {
    const n = 200;
    let pixels = 0;
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const { image } = putOnPaper(line, createRng(1000 + i), opts);
      pixels += image.width * image.height;
    }
    const ms = process.cpuUsage(cpu).user / 1e3 / n;
    const kpx = pixels / n / 1000;
    console.log(`${name}: ${ms.toFixed(2)} ms CPU a line, ${kpx.toFixed(0)}k pixels a line (${((100 * ms) / kpx).toFixed(2)} ms per 100k pixels)`);
  }
}

main().catch((err) => {
  console.error(`paper-sheet: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
