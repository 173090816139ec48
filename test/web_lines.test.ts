/**
 * The web app with a line model, in real Chromium (Debian's, driven by playwright-core): words and
 * two lines written on the wide pad with the mouse (the strokes of the project's glyphs, traced),
 * uploaded word images, a generated two-line page and a blank photo. The page reads every input as
 * a page (`readPage`), and must give what Node's `readPage` / `hwr predict` gives on the same PNG:
 * the same lines, texts, boxes and model inputs; it draws the lines' boxes over the photo. The line
 * model is a tiny crnn trained here in seconds on renderings of the sample texts in other hands
 * (seeds) than the ones drawn and uploaded, served twice: as trained (median-character scaling, the
 * committed model's kind) and with `body` metadata (body-height scaling, the new models' kind).
 * The pad's pens are checked through the line recipe against the strokes of the training lines.
 * In CI (CI=true) a missing chromium fails the suite.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import type { Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../bench/chromium';
import { initBackend } from '../src/runtime/backend';
import { main } from '../src/cli';
import { greedyDecode } from '../src/ctc/decode';
import { ctcLoss } from '../src/ctc/loss';
import { decodeRgba } from '../src/image/decode';
import type { PixelBox } from '../src/image/gray';
import { preprocessLineRgba } from '../src/image/line';
import type { RgbaImage } from '../src/image/rgba';
import { textPath } from '../src/image/render';
import { SampleSpec, WORD_SAMPLE_SPECS, renderSample } from '../src/image/samples';
import { saveModel } from '../src/io/saved_model';
import { LineModelMetadata, MAX_LINE_ASPECT, lineFrames, linePreprocessOptionsFor, padRight, readLineBatch } from '../src/lines/line_model';
import { CRNN_DOWNSAMPLE, crnn } from '../src/models/crnn';
import type * as tfl from '@tensorflow/tfjs-layers';
import { PageReading, readPage } from '../src/read/page';
import { LinePredictionOk, predictLineFiles, preprocessLineFile } from '../src/read/lines';
import { buildWebApp } from '../src/web/build';
import { RunningServer, startServer } from '../src/web/server';
import { placeBoxes } from '../web/src/overlay';
import { BODY_PEN, EMNIST_PEN, LINE_PAD_SIZE, linePadFor } from '../web/src/pad_geometry';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'outputs', 'web');
const WORDS = path.join(ROOT, 'data', 'samples', 'words');
const MNIST = path.join(ROOT, 'saved_models', 'mnist');
/** The wide pad's canvas (web/src/pad_geometry.ts): 1000 x 500. */
const PAD = LINE_PAD_SIZE;
/** The pen for a model without `body` (the tiny one): 35 px. */
const TINY_PEN = Math.round(EMNIST_PEN * PAD.height);
/** Glyph box of a traced word on the pad, half its height: the tiny model's pen is then 14 units of the 100-unit glyph box. */
const GLYPH_BOX = 250;
const PAD_STROKE_UNITS = (100 * TINY_PEN) / GLYPH_BOX;
const TEXTS = WORD_SAMPLE_SPECS.map((s) => s.label);
const H = 28;
/**
 * The new line models' geometry (src/synth/handwriting.ts LINE_GEOMETRY): 40 px high, a 14 px
 * body on row 26. For the Node-side pen check only; the browser's body model is the tiny one at 28.
 */
const NEW_MODEL: Pick<LineModelMetadata, 'height' | 'body'> = { height: 40, body: { height: 14, baseline: 26 } };
/** The strokes the synthetic fonts are drawn with, body heights (src/synth/font_line.ts drawFontLineStyle). */
const TRAINING_STROKES: [number, number] = [0.07, 0.3];
/** Orange of the line boxes (web/src/overlay.ts). */
const BOX_RGB = [0xe8, 0x59, 0x0c];

const run = chromiumAvailable() || process.env.CI ? describe : describe.skip;
if (!chromiumAvailable()) {
  if (process.env.CI) console.error(`CI: no chromium at ${CHROMIUM_PATH}; the browser tests fail (apt-get install chromium)`);
  else console.warn(`skipping the browser tests: no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

/** What `window.hwr.last()` returns for a line model (web/src/predict.ts). */
interface PageLine {
  key: string;
  source: string;
  modelId: string;
  kind: string;
  input: number[];
  text?: string;
  confidence?: number;
  decoder?: string;
  width?: number;
  height?: number;
  notes?: string[];
  note?: string;
  skewDegrees?: number;
  lines?: Array<{ text: string; confidence: number; box: PixelBox; input: number[]; width: number; inkEnd: number }>;
  preprocessMs: number;
  predictMs: number;
}

type Polyline = Array<[number, number]>;

/**
 * An SVG path of M, L and C commands (the project's glyphs, `textPath`) as polylines: one per
 * subpath, each cubic flattened into `steps` segments.
 */
function pathPolylines(d: string, steps = 10): Polyline[] {
  const tokens = d.match(/[MLC]|-?\d+(?:\.\d+)?/g) ?? [];
  const lines: Polyline[] = [];
  let cmd = '';
  let at: [number, number] = [0, 0];
  for (let i = 0; i < tokens.length;) {
    if (/[MLC]/.test(tokens[i])) cmd = tokens[i++];
    const num = () => Number(tokens[i++]);
    if (cmd === 'M') {
      at = [num(), num()];
      lines.push([at]);
    } else if (cmd === 'L') {
      at = [num(), num()];
      lines[lines.length - 1].push(at);
    } else if (cmd === 'C') {
      const [x0, y0] = at;
      const [x1, y1, x2, y2, x3, y3] = [num(), num(), num(), num(), num(), num()];
      for (let s = 1; s <= steps; s++) {
        const t = s / steps;
        const u = 1 - t;
        lines[lines.length - 1].push([
          u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
          u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3,
        ]);
      }
      at = [x3, y3];
    } else {
      throw new Error(`pathPolylines: unexpected '${tokens[i]}' in ${d.slice(0, 40)}`);
    }
  }
  return lines;
}

/** A text's glyph strokes (`textPath`, seeded wobble) in pad pixels, centred on the pad (or on row `cy`), glyph box `box` px. */
function wordStrokes(text: string, seed: number, box = GLYPH_BOX, cy = PAD.height / 2): Polyline[] {
  const { path: d, width } = textPath(text, { wobble: 2.5, seed });
  const k = box / 100;
  const ox = (PAD.width - width * k) / 2;
  const oy = cy - box / 2;
  expect(width * k).toBeLessThan(PAD.width); // the word fits the pad
  return pathPolylines(d).map((line) => line.map(([x, y]) => [ox + x * k, oy + y * k] as [number, number]));
}

/** The bounding box of polylines drawn with a round pen of `pen` px. */
function strokesBox(lines: Polyline[], pen: number): PixelBox {
  const pts = lines.flat();
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs) - pen / 2;
  const y0 = Math.min(...ys) - pen / 2;
  return { x: x0, y: y0, width: Math.max(...xs) + pen / 2 - x0, height: Math.max(...ys) + pen / 2 - y0 };
}

/** Intersection over union of two boxes. */
function iou(a: PixelBox, b: PixelBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * A page of writing as an opaque PNG: each line's glyph strokes (`strokes`, image pixels) drawn
 * with a `pen` px round pen in blue ink on paper that darkens to one corner; also the true box of
 * each line's ink.
 */
async function pagePng(width: number, height: number, lines: Polyline[][], pen: number, look: 'paper' | 'pad' = 'paper'): Promise<{ png: Buffer; truth: PixelBox[] }> {
  const d = (line: Polyline[]) => line.map((pl) => `M${pl.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(' L')}`).join(' ');
  // 'pad': the drawing pad's dark ink on white (web/src/pad.ts).
  const [paper, ink] = look === 'pad' ? ['#ffffff', '#111111'] : ['url(#g)', '#1c2c8c'];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fbf8ef"/><stop offset="1" stop-color="#d9d3c4"/></linearGradient></defs>' +
    `<rect width="100%" height="100%" fill="${paper}"/>` +
    lines.map((l) => `<path d="${d(l)}" fill="none" stroke="${ink}" stroke-width="${pen}" stroke-linecap="round" stroke-linejoin="round"/>`).join('') +
    '</svg>';
  const png = await sharp(Buffer.from(svg)).removeAlpha().png().toBuffer();
  return { png, truth: lines.map((l) => strokesBox(l, pen)) };
}

/**
 * Stroke width of the ink (pixels >= 128 of a [height, stride] uint8 image, columns < width) from
 * its area and edges: a stroke of width w and length L has area w L and 2 L edge pixels, so 2 area / edges.
 */
function strokeWidth(px: ArrayLike<number>, width: number, height: number, stride: number, threshold = 128): number {
  const ink = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && px[y * stride + x] >= threshold;
  let area = 0;
  let edges = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!ink(x, y)) continue;
      area++;
      edges += Number(!ink(x + 1, y)) + Number(!ink(x - 1, y)) + Number(!ink(x, y + 1)) + Number(!ink(x, y - 1));
    }
  }
  return edges > 0 ? (2 * area) / edges : 0;
}

/** Runs the CLI in-process and captures what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => { out.push(a.join(' ')); });
  const error = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return { code: await main(argv), out: out.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/**
 * A crnn that reads the six sample texts: trained on renderings of them through the line recipe,
 * each sample's situation (paper, pen, lighting, format) in two other hands (seeds), and each text
 * as the pad shows it (dark ink on white, the pad's pen width) in two other hands.
 */
async function trainTinyLineModel(out: string): Promise<{ model: tfl.LayersModel; meta: LineModelMetadata }> {
  const charset = [...new Set(TEXTS.join('').replace(/ /g, ''))].sort().concat(' ');
  const C = charset.length + 1;
  const specs: SampleSpec[] = [];
  for (const spec of WORD_SAMPLE_SPECS) {
    for (const seed of [101, 202]) specs.push({ ...spec, seed });
    for (const seed of [303, 404]) {
      const w = textPath(spec.label).width;
      specs.push({ file: 'pad.png', label: spec.label, width: Math.ceil(w * 2 + 200), height: 400, background: 'white', ink: [17, 17, 17], strokeWidth: PAD_STROKE_UNITS, x: 100, y: 100, size: 200, seed });
    }
  }
  const lines = [];
  for (const spec of specs) {
    const { rgba } = await decodeRgba(await renderSample(spec), spec.file);
    lines.push({ ...preprocessLineRgba(rgba, { height: H }, spec.file), text: spec.label });
  }
  const n = lines.length;
  // Padded as prediction pads a line (padRight): at least 16 black columns after every line's ink.
  const W = Math.ceil((Math.max(...lines.map((l) => l.inkEnd)) + 16) / 16) * 16;
  const T = W / CRNN_DOWNSAMPLE;
  const x = new Float32Array(n * H * W); // [n, 28, W, 1], left-aligned, black padding
  lines.forEach((l, i) => { for (let y = 0; y < H; y++) x.set(l.pixels.subarray(y * l.width, (y + 1) * l.width), (i * H + y) * W); });
  const L = Math.max(...TEXTS.map((t) => t.length));
  const labels = new Int32Array(n * L);
  lines.forEach((l, i) => [...l.text].forEach((c, k) => (labels[i * L + k] = charset.indexOf(c))));
  const frames = Int32Array.from(lines, (l) => lineFrames(l.inkEnd, CRNN_DOWNSAMPLE, T));
  const model = crnn({ numClasses: C, height: H, blocks: [[16], [32]], features: 64, headUnits: 64, headLayers: 1, seed: 1 });
  const xs = tf.tensor4d(x, [n, H, W, 1]);
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
    family: 'crnn', task: 'lines', dataset: 'sample-texts', classes: charset, charset, blank: charset.length, height: H, imageSize: H, downsample: CRNN_DOWNSAMPLE,
  };
  await saveModel(model, out, meta);
  tf.dispose([xs, ys, labelLengths, logitLengths]);
  optimizer.dispose();
  return { model, meta };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}


/** A line model's metadata with only what the recipe and the pad read (height, body). */
function geometryMeta(g: Pick<LineModelMetadata, 'height' | 'body'>): LineModelMetadata {
  return { family: 'crnn', task: 'lines', dataset: 'geometry', classes: [], charset: [], blank: 0, downsample: CRNN_DOWNSAMPLE, ...g } as LineModelMetadata;
}

describe("the line pad's pen, through the line recipe", () => {
  /** Stroke width / the model's body height of 'hand' written with an x-height of `xShare` pad heights and `pen` px, as the model sees it. */
  async function strokeInBodies(meta: LineModelMetadata, xShare: number, pen: number): Promise<number> {
    // The glyphs' x-height is about half their box (lower case from y 40 to 90 of 100).
    const strokes = wordStrokes('hand', 9, 2 * xShare * PAD.height);
    const { png } = await pagePng(PAD.width, PAD.height, [strokes], pen, 'pad');
    const { rgba } = await decodeRgba(png, 'pad.png');
    const line = preprocessLineRgba(rgba, linePreprocessOptionsFor(meta), 'pad.png');
    return strokeWidth(line.uint8, line.inkEnd, line.height, line.width) / (meta.body ?? NEW_MODEL.body!).height;
  }

  test('a body-height model gets a pen on paper: lower case from two lines to one big word has training-like strokes; the thick pen does not', async () => {
    const meta = geometryMeta(NEW_MODEL);
    const pen = linePadFor(meta).penWidth;
    expect(pen).toBe(Math.round(BODY_PEN * PAD.height));
    expect(linePadFor(geometryMeta({ height: H })).penWidth).toBe(TINY_PEN); // no body: the older, thick pen
    const sizes = [0.12, 0.2, 0.3]; // x-height / pad height: two lines .. one big word
    const thin = await Promise.all(sizes.map((x) => strokeInBodies(meta, x, pen)));
    const thick = await Promise.all(sizes.map((x) => strokeInBodies(meta, x, TINY_PEN)));
    console.log(`web_lines.test: 'hand' on the ${PAD.width}x${PAD.height} pad through the body recipe (height ${NEW_MODEL.height}, body ${NEW_MODEL.body!.height}), ` +
      `stroke / body at x-heights ${sizes.join(', ')} of the pad: pen ${pen} px ${thin.map((v) => v.toFixed(2)).join(', ')}; pen ${TINY_PEN} px ${thick.map((v) => v.toFixed(2)).join(', ')}`);
    for (const v of thin) {
      expect(v).toBeGreaterThanOrEqual(TRAINING_STROKES[0]);
      expect(v).toBeLessThanOrEqual(TRAINING_STROKES[1]);
    }
    expect(thin[0]).toBeGreaterThan(thin[2]); // smaller writing, thicker strokes relative to it: the measure sees the pen
    expect(thick[0]).toBeGreaterThan(TRAINING_STROKES[1]); // two lines with the thick pen: strokes fill the letters' eyes
  });
});

run('the web app reads words, lines and pages in Chromium', () => {
  let tmp: string;
  let models: string;
  let bundled: string[];
  let server: RunningServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let lineModel: tfl.LayersModel;
  let meta: LineModelMetadata;
  /** The same weights with `body` metadata: body-height scaling at height 28 (14/40 and 26/40 of it). */
  let bodyMeta: LineModelMetadata;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'web-lines-'));
    fs.mkdirSync(OUT, { recursive: true });
    models = path.join(tmp, 'models');
    ({ model: lineModel, meta } = await trainTinyLineModel(path.join(models, 'lines')));
    bodyMeta = { ...meta, dataset: 'sample-texts-body', body: { height: 10, baseline: 18 } };
    await saveModel(lineModel, path.join(models, 'lines-body'), bodyMeta);
    if (fs.existsSync(path.join(MNIST, 'metadata.json'))) fs.cpSync(MNIST, path.join(models, 'mnist'), { recursive: true });
    const built = await buildWebApp({ outDir: path.join(tmp, 'app'), modelsDir: models, models: [] });
    bundled = built.bundled;
    server = await startServer({ port: 0, appDir: built.outDir, modelsDir: models });
    browser = await launchChromium({ viewport: { width: 390, height: 844 }, mobile: true });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}?model=lines`);
    await page.evaluate(() => (window as any).hwr.ready);
    // Trains a tiny line model and bundles the app: ~30 s on a quiet machine, minutes on a busy one.
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    lineModel?.dispose();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function padBox(): Promise<{ x: number; y: number; scale: number }> {
    const box = await page.locator('#pad').boundingBox();
    if (!box) throw new Error('#pad is not visible');
    return { x: box.x, y: box.y, scale: box.width / PAD.width };
  }

  async function settled(): Promise<PageLine> {
    await page.waitForFunction(() => (window as any).hwr.settled(), undefined, { timeout: 20000 });
    return page.evaluate(() => (window as any).hwr.last());
  }

  /** Draws polylines (pad pixels) with the mouse, one stroke each, and waits for the reading of the result. */
  async function draw(strokes: Polyline[]): Promise<PageLine> {
    const { x, y, scale } = await padBox();
    for (const stroke of strokes) {
      await page.mouse.move(x + stroke[0][0] * scale, y + stroke[0][1] * scale);
      await page.mouse.down();
      for (const [px, py] of stroke.slice(1)) await page.mouse.move(x + px * scale, y + py * scale);
      await page.mouse.up();
    }
    return settled();
  }

  async function upload(file: string): Promise<PageLine> {
    const before = await page.evaluate(() => (window as any).hwr.last()?.key ?? null);
    await page.setInputFiles('#upload', file);
    await page.waitForFunction((k) => {
      const hwr = (window as any).hwr;
      return hwr.last()?.key !== k && hwr.last()?.source === 'photo' && hwr.settled();
    }, before, { timeout: 20000 });
    return page.evaluate(() => (window as any).hwr.last());
  }

  async function useModel(id: string): Promise<void> {
    await page.evaluate((m) => (window as any).hwr.selectModel(m), id);
    await page.click('#clear');
    await settled();
  }

  /** The pad exported as a PNG file (lossless: the pixels the page read). */
  async function savePad(name: string): Promise<string> {
    const png = await page.evaluate(() => (window as any).hwr.padPng() as string);
    const file = path.join(OUT, name);
    fs.writeFileSync(file, Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
    return file;
  }

  /** What `hwr predict` feeds the model for a file: the line recipe at the model's height, padded on the right. */
  async function nodeInput(file: string): Promise<{ pixels: Float32Array; width: number; inkEnd: number }> {
    return padRight(await preprocessLineFile(file, { maxWidth: MAX_LINE_ASPECT * H, height: H }));
  }

  /** Node's `readPage` on a file, as `hwr predict` reads it. */
  async function nodePage(file: string, m: LineModelMetadata): Promise<{ rgba: RgbaImage; page: PageReading }> {
    const { rgba } = await decodeRgba(fs.readFileSync(file), file);
    return { rgba, page: readPage(lineModel, m, rgba, { name: file }) };
  }

  /** The page's reading equals Node's: lines in order with the same text, confidence, box (within a pixel) and model input. */
  function expectSameReading(p: PageLine, n: PageReading, inputTolerance = 1e-6): void {
    const lines = p.lines ?? [];
    expect(lines.map((l) => l.text)).toEqual(n.lines.map((l) => l.text));
    expect(p.text).toBe(n.text);
    lines.forEach((l, i) => {
      const m = n.lines[i];
      expect(Math.abs(l.confidence - m.confidence)).toBeLessThan(1e-3);
      for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(l.box[k] - m.box[k])).toBeLessThanOrEqual(1);
      expect(l.width).toBe(m.line.width);
      expect(maxAbsDiff(l.input, m.line.pixels)).toBeLessThanOrEqual(inputTolerance);
    });
  }

  /**
   * The overlay's boxes, and whether its canvas shows the box colour just left of the first box
   * (in the 40 pixels before its left edge, on its middle row) and nothing inside it there.
   */
  async function overlay(): Promise<{ boxes: PixelBox[]; edgeIsBoxColour: boolean }> {
    return page.evaluate((rgb) => {
      const boxes = (window as any).hwr.lineBoxes() as PixelBox[];
      if (boxes.length === 0) return { boxes, edgeIsBoxColour: false };
      const canvas = document.getElementById('pad-boxes') as HTMLCanvasElement;
      const b = boxes[0];
      const x0 = Math.max(0, Math.round(b.x) - 40);
      const row = canvas.getContext('2d')!.getImageData(x0, Math.round(b.y + b.height / 2), Math.round(b.x) + 20 - x0, 1).data;
      const colour = (i: number) => row[4 * i + 3] === 255 && [0, 1, 2].every((c) => Math.abs(row[4 * i + c] - rgb[c]) < 8);
      const n = row.length / 4;
      let left = false;
      for (let i = 0; i < n - 20; i++) left ||= colour(i);
      let inside = false;
      for (let i = n - 20; i < n; i++) inside ||= row[4 * i + 3] > 0;
      return { boxes, edgeIsBoxColour: left && !inside };
    }, BOX_RGB);
  }

  test('the bundle holds the pure line recipe, page layout, CTC decoder and line reader, and no Node-only code', () => {
    const ours = bundled.filter((f) => f.startsWith('src/'));
    expect(ours).toEqual(expect.arrayContaining(['src/image/line.ts', 'src/image/page.ts', 'src/read/page.ts', 'src/read/body_scales.ts', 'src/ctc/decode.ts', 'src/lines/line_model.ts']));
    for (const f of ['src/lines/read.ts', 'src/lines/task.ts', 'src/predict_lines.ts', 'src/ctc/loss.ts', 'src/image/decode.ts', 'src/read/lines.ts']) expect(ours).not.toContain(f);
    expect(ours.filter((f) => f.startsWith('src/io/') || f.startsWith('src/data/') || f.startsWith('src/web/'))).toEqual([]);
  });

  test('a line model switches the pad to a wide canvas that fits a phone; the page says what to do', async () => {
    expect(await page.evaluate(() => (window as any).hwr.model()?.id)).toBe('lines');
    expect(await page.evaluate(() => (window as any).hwr.padGeometry())).toEqual({ ...PAD, penWidth: TINY_PEN });
    const box = (await page.locator('#pad').boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(PAD.width / PAD.height, 1);
    const over = (await page.locator('#pad-boxes').boundingBox())!;
    expect([over.x, over.y, over.width, over.height]).toEqual([box.x, box.y, box.width, box.height]); // the overlay covers the pad exactly
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.textContent('#title')).toBe('Write a word or a few lines');
    expect((await settled()).note).toBe('empty');
    expect(await page.textContent('#hint')).toBe('Write a word, or a line or two, in the box');
    // The page reads as hwr predict does by default: beam search (with the model's LM when it has one).
    expect(await page.inputValue('#decoder')).toBe('beam');
    await page.selectOption('#decoder', 'greedy'); // the next tests compare with best path first
    expect(await page.isVisible('#top3')).toBe(false);
    expect(await page.isVisible('#seen-lines canvas')).toBe(true);
    expect(await page.textContent('#seen-line-caption')).toMatch(/its median character scaled to 21 px/);
  });

  test('a word written with the mouse: the model input of hwr predict on the exported PNG (1e-6), and its text', async () => {
    await page.click('#clear');
    const p = await draw(wordStrokes('HELLO', 7));
    const file = await savePad('drawn-word-HELLO.png');
    const input = await nodeInput(file);
    expect(p).toMatchObject({ kind: 'line', source: 'drawing', decoder: 'greedy', height: H, width: input.width });
    expect(p.lines).toHaveLength(1); // a single word is read whole
    expect(maxAbsDiff(p.input, input.pixels)).toBeLessThanOrEqual(1e-6); // the same recipe on the same pixels
    const [direct] = readLineBatch(lineModel, meta, input.pixels, 1, input.width, { widths: Int32Array.of(input.inkEnd) });
    const r = await cli('predict', '--model', path.join(models, 'lines'), '--decoder', 'greedy', '--json', '--out', path.join(tmp, 'grid.png'), file);
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.out) as Array<{ text: string; confidence: number }>;
    expect([p.text, row.text]).toEqual([direct.text, direct.text]);
    expect(Math.abs((p.confidence as number) - row.confidence)).toBeLessThan(1e-3);
    // The traced strokes are writing to the model: a broken pad (scale, pen, polarity) reads as noise.
    expect(p.text).toBe('HELLO');
    expect(await page.textContent('#line-text')).toBe('HELLO');
    expect(await page.textContent('#line-confidence')).toMatch(/^confidence \d+\.\d% \(best path\)$/);
    expect((await overlay()).boxes).toEqual([]); // no box around the one word being written
  });

  test('beam search: the text and confidence hwr predict --decoder beam gives', async () => {
    const file = path.join(OUT, 'drawn-word-HELLO.png');
    await page.selectOption('#decoder', 'beam');
    const p = await settled();
    const [n] = (await predictLineFiles(lineModel, meta, [file], { decoder: 'beam' })) as LinePredictionOk[];
    expect(p.decoder).toBe('beam');
    expect(p.text).toBe(n.text);
    expect(Math.abs((p.confidence as number) - n.confidence)).toBeLessThan(1e-3);
    expect(await page.textContent('#line-confidence')).toMatch(/\(beam search\)$/);
    await page.selectOption('#decoder', 'greedy');
  });

  test('uploaded word images: the model input and text of hwr predict', async () => {
    const pngs = ['word-READ-transparent.png', 'word-2026-canvas.png'];
    const nodePreds = (await predictLineFiles(lineModel, meta, pngs.map((f) => path.join(WORDS, f)))) as LinePredictionOk[];
    for (const [k, name] of pngs.entries()) {
      const file = path.join(WORDS, name);
      const p = await upload(file);
      const diff = maxAbsDiff(p.input, (await nodeInput(file)).pixels);
      expect({ name, lines: p.lines?.length, sameInput: diff <= 1e-6, text: p.text }).toEqual({ name, lines: 1, sameInput: true, text: nodePreds[k].text });
      const shown = await overlay(); // a photo shows where its line is
      expect(shown.boxes).toHaveLength(1);
      expect(shown.edgeIsBoxColour).toBe(true);
    }
    // A JPEG photo: browsers' JPEG decoders may differ in the last bit, so the text, not the floats.
    const jpg = path.join(WORDS, 'word-HELLO-photo.jpg');
    const [n] = (await predictLineFiles(lineModel, meta, [jpg])) as LinePredictionOk[];
    expect((await upload(jpg)).text).toBe(n.text);
  });

  /** A generated photo of a page of two lines (HELLO above 'and then', turned a little), and the lines' true boxes. */
  async function twoLinePage(): Promise<{ file: string; truth: PixelBox[] }> {
    const [W, Hp] = [900, 620];
    const turn = (lines: Polyline[], deg: number): Polyline[] => {
      const a = (deg * Math.PI) / 180;
      const [c, s] = [Math.cos(a), Math.sin(a)];
      return lines.map((l) => l.map(([x, y]) => [W / 2 + c * (x - W / 2) - s * (y - Hp / 2), Hp / 2 + s * (x - W / 2) + c * (y - Hp / 2)] as [number, number]));
    };
    const place = (text: string, seed: number, box: number, x0: number, y0: number): Polyline[] => {
      const { path: d } = textPath(text, { wobble: 2.5, seed });
      return pathPolylines(d).map((l) => l.map(([x, y]) => [x0 + (x * box) / 100, y0 + (y * box) / 100] as [number, number]));
    };
    const lines = [place('HELLO', 41, 130, 120, 110), place('and then', 42, 130, 90, 350)].map((l) => turn(l, -2));
    const { png, truth } = await pagePng(W, Hp, lines, 10);
    const file = path.join(OUT, 'page-two-lines.png');
    fs.writeFileSync(file, png);
    return { file, truth };
  }

  test('an uploaded page of two lines: both found in order, boxes on the truth and over the photo, and what readPage gives in Node', async () => {
    const { file, truth } = await twoLinePage();
    for (const [id, m] of [['lines', meta], ['lines-body', bodyMeta]] as const) {
      await useModel(id);
      const p = await upload(file);
      const { page: n } = await nodePage(file, m);
      expect(p.lines).toHaveLength(2);
      p.lines!.forEach((l, i) => expect(iou(l.box, truth[i])).toBeGreaterThan(0.7)); // in order: line 1 on HELLO, line 2 on 'and then'
      expectSameReading(p, n);
      const hook = await page.evaluate(() => (window as any).hwr.page());
      expect(hook.lines.map((l: { box: PixelBox }) => l.box)).toEqual(p.lines!.map((l) => l.box));
      // The overlay: the boxes where the pad letterboxes the photo.
      const placed = placeBoxes(n.lines.map((l) => l.box), (() => {
        const scale = Math.min(PAD.width / 900, PAD.height / 620);
        return { x: (PAD.width - 900 * scale) / 2, y: (PAD.height - 620 * scale) / 2, scale };
      })());
      const shown = await overlay();
      expect(shown.boxes).toHaveLength(2);
      shown.boxes.forEach((b, i) => { for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(b[k] - placed[i][k])).toBeLessThanOrEqual(1); });
      expect(shown.edgeIsBoxColour).toBe(true);
      // One line of text per line, each line's image and confidence.
      expect(await page.evaluate(() => document.getElementById('line-text')!.textContent)).toBe(n.text);
      expect(await page.locator('#seen-lines canvas').count()).toBe(2);
      expect(await page.locator('#seen-lines .line-label').allTextContents()).toEqual(n.lines.map((l, i) => `${i + 1}. ${l.text === '' ? '(nothing read)' : l.text} · ${(100 * l.confidence).toFixed(1)}%`));
      expect(await page.textContent('#line-confidence')).toMatch(/^2 lines, confidence \d+\.\d% that all are right \(best path\)$/);
      console.log(`web_lines.test: two-line page with '${id}': ${JSON.stringify(p.text)}, read in ${p.predictMs.toFixed(0)} ms (layout, recipe, model)`);
      if (id === 'lines') await page.screenshot({ path: path.join(OUT, 'app-lines-page.png'), fullPage: true });
    }
  });

  test('a blank photo says there is no writing', async () => {
    const file = path.join(OUT, 'page-blank.png');
    fs.writeFileSync(file, (await pagePng(640, 480, [], 8)).png);
    const p = await upload(file);
    expect(p.lines).toEqual([]);
    expect(p.note).toMatch(/no ink found/);
    expect(await page.textContent('#hint')).toBe('No writing found in the photo: it looks blank or too faint.');
    expect(await page.textContent('#line-text')).toBe('…');
    expect((await overlay()).boxes).toEqual([]);
    const { page: n } = await nodePage(file, bodyMeta);
    expect(n.lines).toEqual([]);
  });

  test('two lines written on the pad come back as two lines, as readPage reads the exported PNG', async () => {
    await useModel('lines');
    const box = 180;
    const strokes = [wordStrokes('READ', 12, box, PAD.height / 4), wordStrokes('the', 13, box, (3 * PAD.height) / 4)];
    const p = await draw(strokes.flat());
    const file = await savePad('drawn-two-lines.png');
    const { page: n } = await nodePage(file, meta);
    expect(p.lines).toHaveLength(2);
    p.lines!.forEach((l, i) => expect(iou(l.box, strokesBox(strokes[i], TINY_PEN))).toBeGreaterThan(0.7));
    expectSameReading(p, n);
    expect((await overlay()).boxes).toHaveLength(2); // several lines on the pad: their boxes are shown
    console.log(`web_lines.test: two lines written on the pad read as ${JSON.stringify(p.text)}`);
  });

  test('lower case on the pad with a body-height model: a thin pen, strokes as thick as the training lines\', and what readPage gives in Node', async () => {
    await useModel('lines-body');
    const pen = Math.round(BODY_PEN * PAD.height);
    expect(await page.evaluate(() => (window as any).hwr.padGeometry())).toEqual({ ...PAD, penWidth: pen });
    expect(await page.textContent('#seen-line-caption')).toMatch(/its body \(the height of an x\) scaled to 10 px with the baseline on row 18/);
    const p = await draw(wordStrokes('the hand', 14, 160));
    const file = await savePad('drawn-lower-case.png');
    expectSameReading(p, (await nodePage(file, bodyMeta)).page);
    expect(p.lines).toHaveLength(1);
    const l = p.lines![0];
    const stroke = strokeWidth(l.input.map((v) => 255 * v), l.inkEnd, H, l.width) / bodyMeta.body!.height;
    expect(stroke).toBeGreaterThanOrEqual(TRAINING_STROKES[0]);
    expect(stroke).toBeLessThanOrEqual(TRAINING_STROKES[1]);
    console.log(`web_lines.test: 'the hand' written on the pad with the ${pen} px pen: strokes ${stroke.toFixed(2)} body heights in the model input`);
  });

  test('switching to a character model gives the square pad back; undo and clear', async () => {
    if (!fs.existsSync(path.join(models, 'mnist'))) return;
    await page.evaluate(() => (window as any).hwr.selectModel('mnist'));
    expect(await page.evaluate(() => document.getElementById('pad')!.getAttribute('width'))).toBe('280');
    // The top-3 panel instead of the line reading (the list itself is empty until something is drawn).
    expect(await page.evaluate(() => ['char-result', 'line-result'].map((id) => document.getElementById(id)!.hidden))).toEqual([false, true]);
    expect((await overlay()).boxes).toEqual([]);
    await useModel('lines');
    const the = await draw(wordStrokes('the', 3));
    await page.click('#undo'); // the last stroke: the e
    const th = await settled();
    expect(th.key).not.toBe(the.key);
    expect(th.width as number).toBeLessThan(the.width as number);
    await page.click('#clear');
    expect((await settled()).note).toBe('empty');
  });

  test('screenshot of the page reading a word at phone size', async () => {
    await page.click('#clear');
    const p = await draw(wordStrokes('HELLO', 11));
    expect(p.text).toBe('HELLO');
    await page.screenshot({ path: path.join(OUT, 'app-lines-phone.png'), fullPage: true });
    expect(fs.statSync(path.join(OUT, 'app-lines-phone.png')).size).toBeGreaterThan(10000);
    console.log(`web_lines.test: the page read "${p.text}" (${(100 * (p.confidence as number)).toFixed(1)}%): layout, line recipe, model and decoding ${p.predictMs.toFixed(0)} ms on the ${PAD.width}x${PAD.height} pad`);
    // The same page on a desktop-sized window: the wide pad above the reading.
    await page.setViewportSize({ width: 1000, height: 760 });
    await page.screenshot({ path: path.join(OUT, 'app-lines-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
  });

  test('works offline after the first load (the line model cached), the server stopped', async () => {
    expect(await page.evaluate(() => (window as any).hwr.offline)).toBe(true);
    await server.close();
    await page.reload();
    await page.evaluate(() => (window as any).hwr.ready);
    expect(await page.evaluate(() => (window as any).hwr.model()?.id)).toBe('lines');
    const p = await draw(wordStrokes('READ', 5));
    expect(p.text).toBe('READ');
    expect(pageErrors).toEqual([]);
  });
});
