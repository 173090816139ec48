/**
 * The web app with a line model, in real Chromium (Debian's, driven by playwright-core): a word
 * written on the wide pad with the mouse (the strokes of the project's glyphs, traced) and uploaded
 * word images give the same model input as Node's line recipe on the same PNG and the same text as
 * `hwr predict`. The line model is a tiny crnn trained here in seconds on renderings of the sample
 * texts in other hands (seeds) than the ones drawn and uploaded. In CI (CI=true) a missing chromium
 * fails the suite.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type { Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../bench/chromium';
import { initBackend } from '../src/runtime/backend';
import { main } from '../src/cli';
import { greedyDecode } from '../src/ctc/decode';
import { ctcLoss } from '../src/ctc/loss';
import { decodeRgba } from '../src/image/decode';
import { preprocessLineRgba } from '../src/image/line';
import { textPath } from '../src/image/render';
import { SampleSpec, WORD_SAMPLE_SPECS, renderSample } from '../src/image/samples';
import { saveModel } from '../src/io/saved_model';
import { LineModelMetadata, MAX_LINE_ASPECT, lineFrames, padRight, readLineBatch } from '../src/lines/line_model';
import { CRNN_DOWNSAMPLE, crnn } from '../src/models/crnn';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LinePredictionOk, predictLineFiles, preprocessLineFile } from '../src/read/lines';
import { buildWebApp } from '../src/web/build';
import { RunningServer, startServer } from '../src/web/server';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'outputs', 'web');
const WORDS = path.join(ROOT, 'data', 'samples', 'words');
const MNIST = path.join(ROOT, 'saved_models', 'mnist');
/** The wide pad's canvas (web/src/view.ts LINE_PAD): 1000 x 400, a 28 px pen. */
const PAD = { width: 1000, height: 400, penWidth: 28 };
/** Glyph box of the traced word on the pad: the pen is then 14 units of the 100-unit glyph box. */
const GLYPH_BOX = 200;
const PAD_STROKE_UNITS = (100 * PAD.penWidth) / GLYPH_BOX;
const TEXTS = WORD_SAMPLE_SPECS.map((s) => s.label);
const H = 28;

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

/** A text's glyph strokes (`textPath`, seeded wobble) in pad pixels, centred on the pad, glyph box `box` px. */
function wordStrokes(text: string, seed: number, box = GLYPH_BOX): Polyline[] {
  const { path: d, width } = textPath(text, { wobble: 2.5, seed });
  const k = box / 100;
  const ox = (PAD.width - width * k) / 2;
  const oy = (PAD.height - box) / 2;
  return pathPolylines(d).map((line) => line.map(([x, y]) => [ox + x * k, oy + y * k] as [number, number]));
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

run('the web app reads words and lines in Chromium', () => {
  let tmp: string;
  let models: string;
  let bundled: string[];
  let server: RunningServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let lineModel: tfl.LayersModel;
  let meta: LineModelMetadata;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'web-lines-'));
    fs.mkdirSync(OUT, { recursive: true });
    models = path.join(tmp, 'models');
    ({ model: lineModel, meta } = await trainTinyLineModel(path.join(models, 'lines')));
    if (fs.existsSync(path.join(MNIST, 'metadata.json'))) fs.cpSync(MNIST, path.join(models, 'mnist'), { recursive: true });
    const built = await buildWebApp({ outDir: path.join(tmp, 'app'), modelsDir: models });
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
    await page.waitForFunction(() => (window as any).hwr.settled(), undefined, { timeout: 10000 });
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
    }, before);
    return page.evaluate(() => (window as any).hwr.last());
  }

  /** What `hwr predict` feeds the model for a file: the line recipe at the model's height, padded on the right. */
  async function nodeInput(file: string): Promise<{ pixels: Float32Array; width: number; inkEnd: number }> {
    return padRight(await preprocessLineFile(file, { maxWidth: MAX_LINE_ASPECT * H, height: H }));
  }

  test('the bundle holds the pure line recipe, CTC decoder and line reader, and no Node-only code', () => {
    const ours = bundled.filter((f) => f.startsWith('src/'));
    expect(ours).toEqual(expect.arrayContaining(['src/image/line.ts', 'src/ctc/decode.ts', 'src/lines/line_model.ts']));
    for (const f of ['src/lines/read.ts', 'src/lines/task.ts', 'src/predict_lines.ts', 'src/ctc/loss.ts', 'src/image/decode.ts']) expect(ours).not.toContain(f);
    expect(ours.filter((f) => f.startsWith('src/io/') || f.startsWith('src/data/') || f.startsWith('src/web/'))).toEqual([]);
  });

  test('a line model switches the pad to a wide canvas that fits a phone; the page says what to do', async () => {
    expect(await page.evaluate(() => (window as any).hwr.model()?.id)).toBe('lines');
    expect(await page.evaluate(() => [document.getElementById('pad')!.getAttribute('width'), document.getElementById('pad')!.getAttribute('height')])).toEqual([String(PAD.width), String(PAD.height)]);
    const box = (await page.locator('#pad').boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(PAD.width / PAD.height, 1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.textContent('#title')).toBe('Write a word');
    expect((await settled()).note).toBe('empty');
    expect(await page.textContent('#hint')).toBe('Write a word or a short line in the box');
    expect(await page.isVisible('#top3')).toBe(false);
    expect(await page.isVisible('#seen-line')).toBe(true);
  });

  test('a word written with the mouse: the model input of hwr predict on the exported PNG (1e-6), and its text', async () => {
    await page.click('#clear');
    const p = await draw(wordStrokes('HELLO', 7));
    const png = await page.evaluate(() => (window as any).hwr.padPng() as string);
    const file = path.join(OUT, 'drawn-word-HELLO.png');
    fs.writeFileSync(file, Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
    const input = await nodeInput(file);
    expect(p).toMatchObject({ kind: 'line', source: 'drawing', decoder: 'greedy', height: H, width: input.width });
    expect(maxAbsDiff(p.input, input.pixels)).toBeLessThanOrEqual(1e-6); // the same recipe on the same pixels
    const [direct] = readLineBatch(lineModel, meta, input.pixels, 1, input.width, { widths: Int32Array.of(input.inkEnd) });
    const r = await cli('predict', '--model', path.join(models, 'lines'), '--json', '--out', path.join(tmp, 'grid.png'), file);
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.out) as Array<{ text: string; confidence: number }>;
    expect([p.text, row.text]).toEqual([direct.text, direct.text]);
    expect(Math.abs((p.confidence as number) - row.confidence)).toBeLessThan(1e-3);
    // The traced strokes are writing to the model: a broken pad (scale, pen, polarity) reads as noise.
    expect(p.text).toBe('HELLO');
    expect(await page.textContent('#line-text')).toBe('HELLO');
    expect(await page.textContent('#line-confidence')).toMatch(/^confidence \d+\.\d% \(best path\)$/);
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
      expect({ name, sameInput: diff <= 1e-6, text: p.text }).toEqual({ name, sameInput: true, text: nodePreds[k].text });
    }
    // A JPEG photo: browsers' JPEG decoders may differ in the last bit, so the text, not the floats.
    const jpg = path.join(WORDS, 'word-HELLO-photo.jpg');
    const [n] = (await predictLineFiles(lineModel, meta, [jpg])) as LinePredictionOk[];
    expect((await upload(jpg)).text).toBe(n.text);
  });

  test('switching to a character model gives the square pad back; undo and clear', async () => {
    if (!fs.existsSync(path.join(models, 'mnist'))) return;
    await page.evaluate(() => (window as any).hwr.selectModel('mnist'));
    expect(await page.evaluate(() => document.getElementById('pad')!.getAttribute('width'))).toBe('280');
    expect(await page.isVisible('#top3')).toBe(true);
    await page.evaluate(() => (window as any).hwr.selectModel('lines'));
    await page.click('#clear');
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
    console.log(`web_lines.test: the page read "${p.text}" (${(100 * (p.confidence as number)).toFixed(1)}%): line recipe ${p.preprocessMs.toFixed(0)} ms on the ${PAD.width}x${PAD.height} pad, model + decoding ${p.predictMs.toFixed(0)} ms`);
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
