#!/usr/bin/env node
// Writes docs/lines-synthetic.png (or --out FILE): synthetic handwritten lines from each source
// (held-out-font test lines, EMNIST ByClass test letters, training fonts), each as the photo the
// generator makes and, under it, the model input the line recipe reads from that photo, with its text.
//   npm run build && node scripts/make-line-samples.js [--emnist-dir ../shared/data/emnist62] [--seed 7] [--out docs/lines-synthetic.png]
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');
const dist = path.join(__dirname, '..', 'dist', 'src');
const { loadEmnistPart } = require(path.join(dist, 'data', 'emnist'));
const { createHandwritingGenerator, splitFonts } = require(path.join(dist, 'synth', 'handwriting'));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

const WIDTH = 900; // pixels of the sheet
const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A caption strip of the sheet's width. */
function caption(text, height = 20, fill = '#fffbe6') {
  return Buffer.from(`<svg width="${WIDTH}" height="${height}"><rect width="100%" height="100%" fill="${fill}"/>` +
    `<text x="6" y="${height - 6}" font-size="13" font-family="DejaVu Sans">${escape(text)}</text></svg>`);
}

/** The photo (fitted to the sheet's width) and the model input (2x, nearest) of line n, with a caption. */
async function lineParts(gen, n) {
  const { photo, line } = gen.stages(n);
  const img = photo.image;
  const scale = Math.min(1, WIDTH / img.width);
  const pw = Math.max(1, Math.round(img.width * scale));
  const ph = Math.max(1, Math.round(img.height * scale));
  const photoPng = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 4 } })
    .resize(pw, ph).png().toBuffer();
  const zoom = 2;
  const mw = Math.min(WIDTH, line.paddedWidth * zoom);
  const inputPng = await sharp(Buffer.from(line.pixels), { raw: { width: line.paddedWidth, height: line.height, channels: 1 } })
    .resize(line.paddedWidth * zoom, line.height * zoom, { kernel: 'nearest' })
    .extract({ left: 0, top: 0, width: mw, height: line.height * zoom }).png().toBuffer();
  const where = line.source.replace(/^font:/, 'font ');
  const look = line.strength > 0 ? `paper and camera at strength ${line.strength.toFixed(2)}` : 'clean paper';
  return [
    { input: photoPng, height: ph },
    { input: inputPng, height: line.height * zoom },
    { input: caption(`"${line.text}"  -  ${where}, ${look}`), height: 20 },
  ];
}

async function main() {
  const seed = Number(option('seed', '7'));
  const out = path.resolve(option('out', path.join(__dirname, '..', 'docs', 'lines-synthetic.png')));
  const dir = option('emnist-dir', path.join(__dirname, '..', '..', 'shared', 'data', 'emnist62'));
  const split = option('split', 'emnist62');
  const haveEmnist = fs.existsSync(dir);
  const sections = [
    ['Test lines in the five held-out fonts (never trained on)', createHandwritingGenerator({ split: 'test', seed, fonts: splitFonts('test') }), [0, 1, 2]],
    ...(haveEmnist ? [['Test lines in EMNIST ByClass test letters, placed by class', createHandwritingGenerator({ split: 'test', seed, fonts: [], emnist: loadEmnistPart('test', { dir, split }) }), [0, 1, 2]]] : []),
    ['Training lines (training fonts and EMNIST training letters)', createHandwritingGenerator({ split: 'train', seed, emnist: haveEmnist ? loadEmnistPart('train', { dir, split }) : undefined }), [0, 1, 2, 3]],
  ];
  const parts = [];
  for (const [title, gen, numbers] of sections) {
    parts.push({ input: caption(title, 26, '#dde8f5'), height: 26 });
    for (const n of numbers) parts.push(...(await lineParts(gen, n)));
  }
  let top = 0;
  const layers = parts.map((p) => {
    const layer = { input: p.input, top, left: 0 };
    top += p.height + 3;
    return layer;
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await sharp({ create: { width: WIDTH, height: top, channels: 3, background: '#9a9a9a' } }).composite(layers).png().toFile(out);
  console.log(`wrote ${path.relative(process.cwd(), out)}: each line as the photo the generator makes, then the model input (2x) the line recipe reads from it${haveEmnist ? '' : ' (no EMNIST ByClass found: fonts only)'}`);
}

main().catch((err) => {
  console.error(`make-line-samples: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
