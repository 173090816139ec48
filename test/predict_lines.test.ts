/**
 * `hwr predict` on words and lines (data/samples/words): with a line model and with a character
 * model through --segment. The line model is a tiny crnn trained here, in seconds, on renderings of
 * the sample texts in other hands (seeds) than the committed images, through the line recipe: if
 * prediction fed the model anything else (height, polarity, scale, right padding, frames), it would
 * not read the committed samples (without the right padding it reads 2 of 6).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend';
import { runCli as run } from './cli_helpers';
import { ctcLoss } from '../src/ctc/loss';
import { greedyDecode } from '../src/ctc/decode';
import { decodeRgba } from '../src/image/decode';
import { preprocessLineGray, preprocessLineRgba } from '../src/image/line';
import { TRAINING_SLANTS, shearImage } from '../src/image/slant';
import { PixelBox, asFloat } from '../src/image/gray';
import { rgbaToGray } from '../src/image/rgba';
import { findTextLines } from '../src/image/page';
import { iou, renderPage, trueBoxes } from './page_fixtures';
import { SampleSpec, WORD_SAMPLE_SPECS, renderSample } from '../src/image/samples';
import { loadModel, saveModel } from '../src/io/saved_model';
import { LineModelMetadata, lineMetadataProblem } from '../src/lines/read';
import { MAX_LINE_ASPECT, linePreprocessOptionsFor, padRight } from '../src/lines/line_model';
import { crnn } from '../src/models/crnn';
import { predictLineFiles } from '../src/read/lines';
import { readPage } from '../src/read/page';

const ROOT = path.join(__dirname, '..');
const WORDS = path.join(ROOT, 'data', 'samples', 'words');
const EMNIST = path.join(ROOT, 'saved_models', 'emnist');

interface LineRow { text: string; confidence: number; box: { x: number; y: number; width: number; height: number } }
interface Row { file: string; text?: string; confidence?: number; lines?: LineRow[]; notes?: string[]; error?: string }

const TEXTS = WORD_SAMPLE_SPECS.map((s) => s.label);
let dir: string;
let lineModelDir: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-lines-'));
  await sharp({ create: { width: 300, height: 120, channels: 3, background: '#f4f1e8' } }).png().toFile(path.join(dir, 'blank.png'));
  fs.writeFileSync(path.join(dir, 'broken.jpg'), 'not a jpeg');
  // ~150 characters on one line: wider than a line model reads (80 x its height: 2,240 px at 28).
  const long: SampleSpec = { file: 'long.png', label: 'HELLO READ '.repeat(16).trim(), width: 4100, height: 70, background: 'white', ink: [20, 20, 20], strokeWidth: 9, x: 10, y: 10, size: 36, seed: 9 };
  fs.writeFileSync(path.join(dir, 'long.png'), await renderSample(long));
  lineModelDir = await trainTinyLineModel(path.join(dir, 'lines'));
}, 240_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A crnn that reads the six sample texts: trained on 24 renderings of them through the line
 * recipe, each in its sample's situation but another hand (seed: other wobble, grain and noise).
 */
async function trainTinyLineModel(out: string): Promise<string> {
  const charset = [...new Set(TEXTS.join('').replace(/ /g, ''))].sort().concat(' ');
  const C = charset.length + 1;
  const lines: Array<{ pixels: Float32Array; width: number; inkEnd: number; text: string }> = [];
  for (const spec of WORD_SAMPLE_SPECS) {
    for (const seed of [101, 202, 303, 404]) {
      // The sample's situation (paper, pen, lighting, slant, format) in another hand: other wobble, noise and grain.
      const s: SampleSpec = { ...spec, seed };
      const { rgba } = await decodeRgba(await renderSample(s), spec.file);
      const l = preprocessLineRgba(rgba, { height: 28 }, spec.file);
      lines.push({ pixels: l.pixels, width: l.width, inkEnd: l.inkEnd, text: spec.label });
    }
  }
  const n = lines.length;
  // Padded like prediction pads a line (padRight): at least 16 black columns after every line's ink.
  const W = Math.ceil((Math.max(...lines.map((l) => l.inkEnd)) + 16) / 16) * 16;
  const T = W / 4;
  const x = new Float32Array(n * 28 * W); // [n, 28, W, 1], left-aligned, black padding
  lines.forEach((l, i) => { for (let y = 0; y < 28; y++) x.set(l.pixels.subarray(y * l.width, (y + 1) * l.width), (i * 28 + y) * W); });
  const L = Math.max(...TEXTS.map((t) => t.length));
  const labels = new Int32Array(n * L);
  lines.forEach((l, i) => [...l.text].forEach((c, k) => (labels[i * L + k] = charset.indexOf(c))));
  const frames = Int32Array.from(lines, (l) => Math.min(T, Math.ceil(l.inkEnd / 4) + 1));
  const model = crnn({ numClasses: C, height: 28, blocks: [[16], [32]], features: 64, headUnits: 64, headLayers: 1, seed: 1 });
  const xs = tf.tensor4d(x, [n, 28, W, 1]);
  const ys = tf.tensor2d(labels, [n, L], 'int32');
  const labelLengths = tf.tensor1d(Int32Array.from(lines, (l) => l.text.length), 'int32');
  const logitLengths = tf.tensor1d(frames, 'int32');
  const optimizer = tf.train.adam(0.003);
  let read = 0;
  for (let step = 1; step <= 400 && read < n; step++) {
    optimizer.minimize(() => tf.mean(ctcLoss(model.apply(xs, { training: true }) as tf.Tensor3D, ys, labelLengths, logitLengths)));
    if (step % 25 !== 0) continue;
    const logits = model.predict(xs) as tf.Tensor3D;
    const d = logits.dataSync() as Float32Array;
    logits.dispose();
    read = lines.filter((l, i) => greedyDecode(d.subarray(i * T * C, (i * T + frames[i]) * C), frames[i], C).labels.map((k) => charset[k]).join('') === l.text).length;
  }
  expect(read).toBe(n); // the fixture itself works
  const meta: LineModelMetadata = {
    family: 'crnn', task: 'lines', dataset: 'sample-texts', classes: charset, charset, blank: charset.length, height: 28, imageSize: 28, downsample: 4,
  };
  await saveModel(model, out, meta);
  tf.dispose([xs, ys, labelLengths, logitLengths, model]);
  return out;
}

describe('hwr predict with a line model', () => {
  test('reads the committed word and line samples; JSON rows [{ file, text, confidence }]; a grid of what it saw', async () => {
    const grid = path.join(dir, 'lines.png');
    const r = await run('predict', '--model', lineModelDir, '--json', '--out', grid, WORDS);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Row[];
    expect(rows.map((x) => path.basename(x.file))).toEqual(fs.readdirSync(WORDS).sort());
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['confidence', 'file', 'lines', 'text']);
      expect(row.confidence).toBeGreaterThan(0);
      expect(row.confidence).toBeLessThanOrEqual(1);
      // One word or line per sample: one line, the file's text and confidence, a box inside the image.
      expect(row.lines).toHaveLength(1);
      const [line] = row.lines as LineRow[];
      expect([line.text, line.confidence]).toEqual([row.text, row.confidence]);
      expect(line.box.width).toBeGreaterThan(20);
    }
    const right = rows.filter((x) => x.text === TEXTS[WORD_SAMPLE_SPECS.findIndex((s) => path.basename(s.file) === path.basename(x.file))]);
    console.log(`predict_lines.test: the tiny line model read ${right.length}/${rows.length}: ${rows.map((x) => `"${x.text}"`).join(' ')}`);
    expect(right.length).toBeGreaterThanOrEqual(5);
    expect(fs.existsSync(grid)).toBe(true);
    const meta = await sharp(grid).metadata();
    expect(meta.width).toBeGreaterThan(100);
  }, 120_000);

  test('the CLI prints what predictLineFiles returns; beam decoding agrees on a confident model', async () => {
    const { model, metadata } = await loadModel(lineModelDir);
    const files = [path.join(WORDS, 'word-HELLO-photo.jpg'), path.join(WORDS, 'line-and_then-photo.jpg')];
    const direct = await predictLineFiles(model, metadata as LineModelMetadata, files);
    const greedy = JSON.parse((await run('predict', '--model', lineModelDir, '--json', '--decoder', 'greedy', '--out', path.join(dir, 'g.png'), ...files)).out) as Row[];
    // The default decoder is beam search (this tiny model has no LM).
    const beam = JSON.parse((await run('predict', '--model', lineModelDir, '--json', '--out', path.join(dir, 'b.png'), ...files)).out) as Row[];
    expect(greedy.map((x) => x.text)).toEqual(direct.map((p) => (p.ok ? p.text : p.error)));
    expect(beam.map((x) => x.text)).toEqual(greedy.map((x) => x.text));
    // Beam: p(text) summed over alignments, at least the best path's probability.
    beam.forEach((b, i) => expect(b.confidence as number).toBeGreaterThanOrEqual((greedy[i].confidence as number) - 1e-6));
    model.dispose();
  }, 60_000);

  test('bad input: no ink -> empty text and a note; unreadable and far too wide files -> errors naming them; the rest still read', async () => {
    const r = await run('predict', '--model', lineModelDir, '--json', '--out', path.join(dir, 'bad.png'),
      path.join(dir, 'blank.png'), path.join(dir, 'broken.jpg'), path.join(dir, 'long.png'), path.join(WORDS, 'word-READ-transparent.png'));
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.out) as Row[];
    expect(rows[0]).toMatchObject({ text: '', confidence: 0 });
    expect(rows[0].notes?.join(' ')).toMatch(/blank\.png: no ink/);
    expect(rows[1].error).toMatch(/broken\.jpg: not a readable image .*PNG, JPEG or WebP/);
    expect(rows[2].error).toMatch(/long\.png: the writing is \d+ px wide at the model's height of 28 px .*crop the image to one line/);
    expect(rows[3].text).toBe('READ');
    const table = await run('predict', '--model', lineModelDir, '--out', path.join(dir, 'bad2.png'), path.join(dir, 'blank.png'), path.join(WORDS, 'word-READ-transparent.png'));
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/blank\.png\s+""\s+0\.0%/);
    expect(table.out).toMatch(/note: .*no ink/);
    expect(table.out).toMatch(/word-READ-transparent\.png\s+"READ"\s+[\d.]+%\s+\(right\)/);
  }, 60_000);

  test('usage mistakes: --segment with a line model, an unknown decoder', async () => {
    const seg = await run('predict', '--model', lineModelDir, '--segment', WORDS);
    expect(seg.code).toBe(2);
    expect(seg.err).toMatch(/--segment .* is a line model .*drop --segment/);
    const dec = await run('predict', '--model', lineModelDir, '--decoder', 'viterbi', WORDS);
    expect(dec.code).toBe(2);
    expect(dec.err).toMatch(/--decoder must be greedy or beam/);
  });
});

describe('hwr predict with a line model reads pages', () => {
  let pageModelDir: string;
  let pageFile: string;
  let truthBoxes: PixelBox[];

  beforeAll(async () => {
    // A random-weight crnn: what it reads does not matter here, only how many lines and in which order.
    const charset = ['a', 'd', 'e', 'h', 'n', 't', ' '];
    const model = crnn({ numClasses: charset.length + 1, height: 28, blocks: [[4], [8]], features: 8, headUnits: 8, headLayers: 1, seed: 5 });
    const meta: LineModelMetadata = {
      family: 'crnn', task: 'lines', dataset: 'random', classes: charset, charset, blank: charset.length, height: 28, imageSize: 28, downsample: 4,
      body: { height: 10, baseline: 19 },
    };
    pageModelDir = path.join(dir, 'random-lines');
    await saveModel(model, pageModelDir, meta);
    model.dispose();
    // Two lines of writing on paper, the second shorter and lower.
    const spec = { width: 700, height: 320, lines: [{ text: 'and then the end', x: 60, y: 50 }, { text: 'hat', x: 90, y: 170 }] };
    const gray = await renderPage(spec);
    pageFile = path.join(dir, 'two-lines.png');
    await sharp(Buffer.from(Uint8Array.from(gray.data, (v) => Math.round(v * 255))), { raw: { width: gray.width, height: gray.height, channels: 1 } }).png().toFile(pageFile);
    truthBoxes = await trueBoxes(spec);
  }, 60_000);

  test('a photo larger than the reader works at (2048 px): boxes are in the photo\'s own pixels', async () => {
    const big = path.join(dir, 'two-lines-big.png');
    await sharp(pageFile).resize({ width: 4 * 700, kernel: 'nearest' }).toFile(big);
    const r = await run('predict', '--model', pageModelDir, '--json', '--out', path.join(dir, 'big-grid.png'), big);
    expect(r.code).toBe(0);
    const lines = (JSON.parse(r.out) as Row[])[0].lines as LineRow[];
    expect(lines).toHaveLength(2);
    lines.forEach((l, i) => expect(iou(l.box, { x: 4 * truthBoxes[i].x, y: 4 * truthBoxes[i].y, width: 4 * truthBoxes[i].width, height: 4 * truthBoxes[i].height })).toBeGreaterThan(0.5));
  }, 60_000);

  test('a two-line image: --json gives both lines top to bottom, the text joined with a newline; the table indents them', async () => {
    const grid = path.join(dir, 'page-grid.png');
    const r = await run('predict', '--model', pageModelDir, '--json', '--out', grid, pageFile);
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.out) as Row[];
    expect(row.lines).toHaveLength(2);
    const lines = row.lines as LineRow[];
    expect(row.text).toBe(lines.map((l) => l.text).join('\n'));
    expect(row.confidence).toBeCloseTo(lines[0].confidence * lines[1].confidence, 6);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(['box', 'confidence', 'text']);
    expect(lines[0].box.y + lines[0].box.height).toBeLessThan(lines[1].box.y);
    lines.forEach((l, i) => expect(iou(l.box, truthBoxes[i])).toBeGreaterThan(0.5));
    expect(fs.existsSync(grid)).toBe(true);
    expect((await sharp(grid).metadata()).height).toBeGreaterThan(2 * 28 * 2); // one row per line
    const table = await run('predict', '--model', pageModelDir, '--out', grid, pageFile);
    expect(table.code).toBe(0);
    const out = table.out.split('\n');
    const at = out.findIndex((l) => l.includes('two-lines.png'));
    expect(out[at]).toMatch(/two-lines\.png\s+2 lines\s+[\d.]+%/);
    expect(out[at + 1]).toMatch(/^\s+"[^"]*"\s+[\d.]+%$/);
    expect(out[at + 2]).toMatch(/^\s+"[^"]*"\s+[\d.]+%$/);
  }, 60_000);

  test('a model with body metadata: each line goes through the recipe with its body height and baseline', async () => {
    const { model, metadata } = await loadModel(pageModelDir);
    const meta = metadata as LineModelMetadata;
    // Body-scaled models also read writing that leans further than their training lines sheared (slant.ts).
    const recipe = { height: 28, maxWidth: MAX_LINE_ASPECT * 28, bodyHeight: 10, baselineRow: 19, slantRange: TRAINING_SLANTS };
    expect(linePreprocessOptionsFor(meta)).toEqual(recipe);
    const file = path.join(WORDS, 'line-and_then-photo.jpg');
    const [p] = await predictLineFiles(model, meta, [file], { bodyScales: [1], slants: [] });
    const { rgba } = await decodeRgba(fs.readFileSync(file), file);
    const expected = padRight(preprocessLineRgba(rgba, recipe));
    expect(p.ok && Buffer.compare(Buffer.from(p.input), Buffer.from(expected.uint8))).toBe(0);
    // By default the line is read at three body heights and leaning 12 degrees either way, five
    // versions in one batch, and the input shown is the one whose reading was kept.
    const batches: number[] = [];
    const predict = model.predict.bind(model);
    model.predict = (x, args) => {
      batches.push((x as tf.Tensor).shape[0]);
      return predict(x, args);
    };
    const [q] = await predictLineFiles(model, meta, [file]);
    expect(batches).toEqual([5]);
    const gray = asFloat(rgbaToGray(rgba, { maxSide: 2048 }).image);
    const versions = [
      ...[0.85, 1, 1.15].map((f) => padRight(preprocessLineRgba(rgba, { ...recipe, bodyHeight: 10 * f }))),
      ...[-12, 12].map((d) => padRight(preprocessLineGray(shearImage(gray, d, 'edge').image, recipe))),
    ].map((v) => Buffer.from(v.uint8));
    expect(new Set(versions.map((v) => v.toString('base64'))).size).toBe(5);
    expect(q.ok && versions.filter((v) => Buffer.compare(Buffer.from(q.input), v) === 0).length).toBe(1);
    await predictLineFiles(model, meta, [file], { bodyScales: [1], slants: [] });
    await predictLineFiles(model, meta, [file], { slants: [12] });
    expect(batches).toEqual([5, 1, 4]);
    model.predict = predict;
    const older = padRight(preprocessLineRgba(rgba, { height: 28 }));
    expect(Buffer.compare(Buffer.from(expected.uint8), Buffer.from(older.uint8))).not.toBe(0); // the two scalings differ
    model.dispose();
    expect(lineMetadataProblem({ ...meta, body: { height: 30, baseline: 20 } }, 'm.json')).toMatch(/m\.json: 'body' must be/);
    expect(lineMetadataProblem(meta, 'm.json')).toBeNull();
  }, 60_000);

  test("one line amid far more paper than a training photo: read from the line and a line's height around it, so a shadow's edge far away is no ink", async () => {
    const { model, metadata } = await loadModel(pageModelDir);
    const meta = metadata as LineModelMetadata;
    const spec = { width: 1200, height: 900, lines: [{ text: 'and then', x: 480, y: 400 }] };
    const page = await renderPage(spec);
    for (let i = 700 * 1200; i < page.data.length; i++) page.data[i] *= 0.5; // a sharp-edged shadow across the bottom
    const [truth] = await trueBoxes(spec);
    // The whole image through the recipe: the shadow's edge is ink, and the line's box takes it in.
    const whole = preprocessLineGray(page, linePreprocessOptionsFor(meta));
    expect(whole.inkBox!.height).toBeGreaterThan(2 * truth.height);
    const read = readPage(model, meta, page, { bodyScales: [1], slants: [] });
    expect(read.lines).toHaveLength(1);
    expect(iou(read.lines[0].box, truth)).toBeGreaterThan(0.5);
    expect(read.lines[0].line.workHeight).toBeLessThan(page.height / 2);
    expect(read.lines[0].line.inkBox!.height).toBeLessThan(1.5 * truth.height);
    model.dispose();
  }, 60_000);

  test('specks far apart are no lines: the page reads as nothing, with a note', async () => {
    const { model, metadata } = await loadModel(pageModelDir);
    const [W, H] = [400, 300];
    const data = new Float32Array(W * H).fill(1);
    for (const [x, y] of [[50, 40], [200, 150], [320, 250]]) for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) data[(y + j) * W + x + i] = 0.1;
    const page = { width: W, height: H, data };
    expect(findTextLines(page).lines.length).toBe(3); // page layout takes each for a line
    const read = readPage(model, metadata as LineModelMetadata, page, { name: 'dots.png' });
    expect(read).toMatchObject({ text: '', lines: [] });
    expect(read.notes.join(' ')).toMatch(/dots\.png: no writing found, only specks or marks under 5 px high/);
    model.dispose();
  }, 60_000);

  test('a line of a page far too wide for the model is left out with a note; the other lines are read', async () => {
    const { model, metadata } = await loadModel(pageModelDir);
    const meta = metadata as LineModelMetadata;
    const spec = { width: 1400, height: 500, lines: [{ text: 'and', x: 100, y: 100 }, { text: 'and then and then and then and then', x: 100, y: 300 }] };
    const page = await renderPage(spec);
    // A narrow limit makes the long line too wide and leaves the short one in.
    const read = readPage(model, meta, page, { bodyScales: [1], slants: [], preprocess: { maxWidth: 300 }, name: 'page.png' });
    expect(read.lines).toHaveLength(1);
    expect(iou(read.lines[0].box, (await trueBoxes(spec))[0])).toBeGreaterThan(0.5);
    expect(read.notes.join(' ')).toMatch(/page\.png \(line 2 of 2\).*wide.*that line is left out, the others are read/);
    // One line alone still throws, naming the image.
    const alone = await renderPage({ ...spec, lines: [spec.lines[1]] });
    expect(() => readPage(model, meta, alone, { bodyScales: [1], slants: [], preprocess: { maxWidth: 300 }, name: 'long.png' })).toThrow(/long\.png/);
    model.dispose();
  }, 60_000);

  test('a blank image reads as nothing, with a note', async () => {
    const r = await run('predict', '--model', pageModelDir, '--json', '--out', path.join(dir, 'blank-grid.png'), path.join(dir, 'blank.png'));
    const [row] = JSON.parse(r.out) as Row[];
    expect(row).toMatchObject({ text: '', confidence: 0, lines: [] });
    expect(row.notes?.join(' ')).toMatch(/blank\.png: no ink/);
  });
});

(fs.existsSync(path.join(EMNIST, 'metadata.json')) ? describe : describe.skip)('hwr predict --segment with the EMNIST character model', () => {
  test('reads the word and line samples by segmentation; JSON rows [{ file, text, confidence }]', async () => {
    const grid = path.join(dir, 'segment.png');
    const r = await run('predict', '--model', EMNIST, '--segment', '--json', '--out', grid, WORDS);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Row[];
    expect(rows).toHaveLength(WORD_SAMPLE_SPECS.length);
    const right = rows.filter((x) => x.text === TEXTS[WORD_SAMPLE_SPECS.findIndex((s) => path.basename(s.file) === path.basename(x.file))]);
    console.log(`predict_lines.test: segmentation read ${right.length}/${rows.length}: ${rows.map((x) => `"${x.text}"`).join(' ')}`);
    expect(right.length).toBeGreaterThanOrEqual(5); // measured 6 of 6
    expect(fs.existsSync(grid)).toBe(true);
  }, 60_000);

  test('bad input and usage mistakes', async () => {
    const r = await run('predict', '--model', EMNIST, '--segment', '--json', '--out', path.join(dir, 's.png'), path.join(dir, 'blank.png'), path.join(dir, 'missing.png'));
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.out) as Row[];
    expect(rows[0]).toMatchObject({ text: '', confidence: 0 });
    expect(rows[1].error).toMatch(/missing\.png: cannot read the file \(no such file\)/);
    const dec = await run('predict', '--model', EMNIST, '--decoder', 'beam', WORDS);
    expect(dec.code).toBe(2);
    expect(dec.err).toMatch(/--decoder and --beam-width are for line models/);
  }, 60_000);
});
