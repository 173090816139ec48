/**
 * A line model folder with a character LM (lm.json named by metadata.json's `lm`): loaded with and
 * without it, and every reader passes it to the beam search unchanged (readLineBatch, a preprocessed
 * line, a page, image files, `hwr predict`, evaluation's 'beam+lm' row, `hwr evaluate`), checked
 * against the beam search run directly on the model's logits. The model is a tiny random crnn over
 * LINE_CHARSET (its readings are noise, which the LM then visibly reshapes); the LM is built from
 * 3,000 training texts. Also the weight search on validation lines (tune_lm.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { CharLm, buildCharLm } from '../src/ctc/char_lm';
import { BeamSearchLm, beamSearchDecode } from '../src/ctc/decode';
import { characterErrorRate } from '../src/eval/text_metrics';
import { decodeRgba, readImageBytes } from '../src/image/decode';
import { preprocessLineRgba } from '../src/image/line';
import { saveModel } from '../src/io/saved_model';
import { evaluateLines, formatLineEvaluations } from '../src/lines/evaluate';
import { LineModelMetadata, linePreprocessOptionsFor, readLineBatch, readPreprocessedLine } from '../src/lines/line_model';
import { loadLineModel } from '../src/lines/read';
import { lineLogits, tuneLineLm } from '../src/lines/tune_lm';
import { crnn } from '../src/models/crnn';
import { readPage } from '../src/read/page';
import { predictLineFiles } from '../src/read/lines';
import { LINE_CHARSET } from '../src/synth/charset';
import { buildLineLm } from '../src/synth/char_lm_corpus';
import type { LineImage, LineSource } from '../src/synth/line_source';
import { createRng } from '../src/util/rng';
import { runCli as run } from './cli_helpers';

const WORD = path.join(__dirname, '..', 'data', 'samples', 'words', 'word-the-scan.png');
const H = 40;
const C = LINE_CHARSET.length + 1;
const META: LineModelMetadata = {
  family: 'crnn', task: 'lines', dataset: 'tiny', classes: [...LINE_CHARSET], charset: [...LINE_CHARSET], blank: LINE_CHARSET.length,
  height: H, imageSize: H, downsample: 4, body: { height: 14, baseline: 26 }, lines: { lineSeed: 3, sharedWords: 100 },
};
const WEIGHTS = { alpha: 1.5, beta: 0.5 };

let dir: string;
let plainDir: string;
let lmDir: string;
let model: tfl.LayersModel;
let charLm: CharLm;
let lm: BeamSearchLm;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-line-lm-'));
  model = crnn({ numClasses: C, height: H, blocks: [[4], [8]], features: 16, headUnits: 16, headLayers: 1, seed: 5 });
  charLm = buildLineLm({ lines: 3000, lineSeed: 3, text: { sharedWords: 100 }, prose: false }).lm;
  lm = { model: charLm, ...WEIGHTS };
  plainDir = path.join(dir, 'plain');
  lmDir = path.join(dir, 'with-lm');
  await saveModel(model, plainDir, META);
  await saveModel(model, lmDir, { ...META, lm: { file: 'lm.json', order: 4, ...WEIGHTS } });
  fs.writeFileSync(path.join(lmDir, 'lm.json'), JSON.stringify(charLm.toJSON()));
}, 60_000);

afterAll(() => {
  model?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Random line images [n, H, W] (uint8): noise the random model reads as noise. */
function randomImages(n: number, W: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n * H * W }, () => (rng.next() < 0.3 ? 255 : 0));
}

/** A LineSource of random images with fixed texts, for evaluation and tuning. */
function fakeLines(split: 'val' | 'test', n: number, seed = 50): LineSource {
  const images: LineImage[] = Array.from({ length: n }, (_, i) => {
    const W = 48 + 16 * (i % 3);
    return { text: ['the cat', 'and then', 'It was'][i % 3], pixels: randomImages(1, W, seed + i), height: H, width: W - 8, paddedWidth: W };
  });
  return { split, charset: LINE_CHARSET, height: H, name: 'fake', describe: {}, line: (i) => images[i] };
}

/** The beam search run directly on the model's logits for images [n, H, W], each over its `widths` frames. */
function directBeam(images: Uint8Array, n: number, W: number, opts: { lm?: BeamSearchLm }): string[] {
  const logits = tf.tidy(() => model.predict(tf.tensor4d(Float32Array.from(images, (v) => v / 255), [n, H, W, 1])) as tf.Tensor3D);
  const T = logits.shape[1];
  const data = logits.dataSync() as Float32Array;
  logits.dispose();
  return Array.from({ length: n }, (_, i) =>
    beamSearchDecode(data.subarray(i * T * C, (i + 1) * T * C), T, C, { blank: META.blank, beamWidth: 10, lm: opts.lm }).labels.map((k) => LINE_CHARSET[k]).join(''));
}

describe('loading a line model with its LM', () => {
  test('loadLineModel loads lm.json when metadata names it, with the weights; not when told not to, nor without lm', async () => {
    const loaded = await loadLineModel(lmDir);
    expect(loaded.lm).not.toBeNull();
    expect(loaded.lm!.alpha).toBe(1.5);
    expect(loaded.lm!.beta).toBe(0.5);
    expect(loaded.lm!.model.toJSON()).toEqual(charLm.toJSON());
    loaded.model.dispose();
    const without = await loadLineModel(lmDir, { lm: false });
    expect(without.lm).toBeNull();
    without.model.dispose();
    const plain = await loadLineModel(plainDir);
    expect(plain.lm).toBeNull();
    plain.model.dispose();
  });

  test('a missing or foreign lm.json, or a bad lm field, is an error naming the file and what to do', async () => {
    const broken = async (name: string, lmField: unknown, lmFile?: string): Promise<string> => {
      const d = path.join(dir, name);
      await saveModel(model, d, { ...META, lm: lmField as LineModelMetadata['lm'] });
      if (lmFile !== undefined) fs.writeFileSync(path.join(d, 'lm.json'), lmFile);
      return d;
    };
    const missing = await broken('missing', { file: 'lm.json', order: 4, alpha: 1, beta: 0 });
    await expect(loadLineModel(missing)).rejects.toThrow(/lm.json is missing, but .*metadata.json names it .* remove 'lm'/);
    const other = buildCharLm([[0, 1]], ['a', 'b'], { order: 2 }).toJSON();
    const foreign = await broken('foreign', { file: 'lm.json', order: 2, alpha: 1, beta: 0 }, JSON.stringify(other));
    await expect(loadLineModel(foreign)).rejects.toThrow(/lm.json was built for the charset "ab", but the model writes .*rebuild it/);
    const escape = await broken('escape', { file: '../lm.json', order: 4, alpha: 1, beta: 0 });
    await expect(loadLineModel(escape)).rejects.toThrow(/'lm.file' must be a file name in the model's folder/);
    const weights = await broken('weights', { file: 'lm.json', order: 4, alpha: -1, beta: 0 }, JSON.stringify(charLm.toJSON()));
    await expect(loadLineModel(weights)).rejects.toThrow(/'lm.alpha' \(>= 0\) and 'lm.beta' must be numbers/);
  });
});

describe('reading with the LM', () => {
  test('readLineBatch: beam + lm is the beam search with the LM on the model logits; greedy ignores it', () => {
    const W = 96;
    const images = randomImages(3, W, 1);
    const read = (opts: object) => readLineBatch(model, META, images, 3, W, opts).map((r) => r.text);
    const withLm = read({ decoder: 'beam', lm });
    const plain = read({ decoder: 'beam' });
    expect(withLm).toEqual(directBeam(images, 3, W, { lm }));
    expect(plain).toEqual(directBeam(images, 3, W, {}));
    expect(withLm).not.toEqual(plain); // the LM changed something
    expect(read({ decoder: 'greedy', lm })).toEqual(read({ decoder: 'greedy' }));
  });

  test('a preprocessed line, a page, image files and hwr predict read the same with the LM (and differently without)', async () => {
    const { rgba } = await decodeRgba(await readImageBytes(WORD), WORD);
    const pre = preprocessLineRgba(rgba, linePreprocessOptionsFor(META), WORD);
    const line = readPreprocessedLine(model, META, pre, { decoder: 'beam', lm }).text;
    const lineNoLm = readPreprocessedLine(model, META, pre, { decoder: 'beam' }).text;
    expect(line).not.toBe(lineNoLm);
    // A single word is read whole by readPage: at one body height exactly as readPreprocessedLine reads it.
    expect(readPage(model, META, rgba, { decoder: 'beam', lm, bodyScales: [1], slants: [] }).text).toBe(line);
    expect(readPage(model, META, rgba, { decoder: 'beam', bodyScales: [1], slants: [] }).text).toBe(lineNoLm);
    // Image files and hwr predict read as readPage does by default (three body heights, two more slants).
    const page = readPage(model, META, rgba, { decoder: 'beam', lm }).text;
    const pageNoLm = readPage(model, META, rgba, { decoder: 'beam' }).text;
    const [file] = await predictLineFiles(model, META, [WORD], { decoder: 'beam', lm });
    expect(file.ok && file.text).toBe(page);

    const json = async (...args: string[]) => {
      const r = await run('predict', '--model', lmDir, '--json', ...args, WORD);
      expect(r.code).toBe(0);
      return (JSON.parse(r.out) as Array<{ text: string }>)[0].text;
    };
    expect(await json('--decoder', 'beam')).toBe(page);
    expect(await json('--decoder', 'beam', '--no-lm')).toBe(pageNoLm);
    expect(await json()).toBe(page); // the default: beam search with the model's LM
    expect(await json('--body-scales', '1', '--slants', '0')).toBe(line);
    expect(await json('--decoder', 'greedy')).toBe(readPage(model, META, rgba).text); // best path: no LM
    const usage = await run('predict', '--model', path.join(__dirname, '..', 'saved_models', 'mnist'), '--no-lm', WORD);
    expect(usage.code).not.toBe(0);
    expect(usage.err).toMatch(/--no-lm is for line models/);
  });
});

describe('evaluation and tuning with the LM', () => {
  test("evaluateLines adds a 'beam+lm' reading and row when given an LM, and only then", () => {
    const lines = fakeLines('test', 6);
    const r = evaluateLines(model, META, lines, { n: 6, lm });
    expect(r.beamLm).toBeDefined();
    const images = Array.from({ length: 6 }, (_, i) => lines.line(i));
    // Each line read alone with the LM (readLineBatch over its own frames) gives the same text.
    images.forEach((l, i) => {
      const [alone] = readLineBatch(model, META, l.pixels, 1, l.paddedWidth, { decoder: 'beam', lm, widths: Int32Array.of(l.width) });
      expect(r.lines[i].beamLm).toBe(alone.text);
    });
    expect(r.beamLm!.cer).toBeCloseTo(characterErrorRate(r.lines.map((x) => x.beamLm!), r.lines.map((x) => x.target)).cer, 12);
    expect(formatLineEvaluations({ fake: r })).toMatch(/fake \(6\)\s+beam\+lm\s/);
    const plain = evaluateLines(model, META, lines, { n: 6 });
    expect(plain.beamLm).toBeUndefined();
    expect(formatLineEvaluations({ fake: plain })).not.toMatch(/beam\+lm/);
  });

  test("hwr evaluate reports a 'beam+lm' row for a model with an LM, none with --no-lm", async () => {
    const out = path.join(dir, 'eval.json');
    const r = await run('evaluate', '--model', lmDir, '--lines', '2', '--no-emnist', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fonts \(2\)\s+beam\s/);
    expect(r.out).toMatch(/fonts \(2\)\s+beam\+lm\s/);
    expect(r.out).toMatch(/beam\+lm: beam search with lm.json \(order 4, alpha 1.5, beta 0.5/);
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(report.evaluations.fonts.beamLm.cer).toEqual(expect.any(Number));
    const off = await run('evaluate', '--model', lmDir, '--lines', '2', '--no-emnist', '--no-lm', '--out', out);
    expect(off.code).toBe(0);
    expect(off.out).not.toMatch(/beam\+lm/);
  }, 60_000);

  test('tuneLineLm: each grid point is the CER of beam + lm with those weights on the validation lines; the best is the lowest', () => {
    const lines = fakeLines('val', 6);
    const tuning = tuneLineLm(model, META, lines, charLm, { n: 6, alphas: [0.5, 2], betas: [0, 1] });
    expect(tuning.grid.map((p) => [p.alpha, p.beta])).toEqual([[0.5, 0], [0.5, 1], [2, 0], [2, 1]]);
    const images = Array.from({ length: 6 }, (_, i) => lines.line(i));
    const targets = images.map((l) => l.text);
    const cerWith = (opts: object) => characterErrorRate(images.map((l) =>
      readLineBatch(model, META, l.pixels, 1, l.paddedWidth, { ...opts, widths: Int32Array.of(l.width) })[0].text), targets).cer;
    for (const p of tuning.grid) expect(p.cer).toBeCloseTo(cerWith({ decoder: 'beam', lm: { model: charLm, alpha: p.alpha, beta: p.beta } }), 12);
    expect(tuning.beamCer).toBeCloseTo(cerWith({ decoder: 'beam' }), 12);
    expect(tuning.greedyCer).toBeCloseTo(cerWith({ decoder: 'greedy' }), 12);
    expect(tuning.best.cer).toBe(Math.min(...tuning.grid.map((p) => p.cer)));
    // lineLogits keeps each line's own frames.
    const logits = lineLogits(model, META, images);
    expect(logits[0].length).toBe((Math.ceil(images[0].width / 4) + 1) * C);
    expect(() => tuneLineLm(model, META, fakeLines('test', 2), charLm, { n: 2 })).toThrow(/'test' split; LM weights are tuned on validation lines only/);
  });

  test('tuneLineLm over several sources: n lines of each, CER pooled over all, each source reported by name', () => {
    const a = fakeLines('val', 6);
    const b = { ...fakeLines('val', 6, 9), name: 'other' };
    const both = tuneLineLm(model, META, [a, b], charLm, { n: 3, alphas: [0.5, 2], betas: [0] });
    const images = [0, 1, 2].map((i) => a.line(i)).concat([0, 1, 2].map((i) => b.line(i)));
    const read = (l: LineImage, opts: object) => readLineBatch(model, META, l.pixels, 1, l.paddedWidth, { ...opts, widths: Int32Array.of(l.width) })[0].text;
    const cer = (ls: LineImage[], opts: object) => characterErrorRate(ls.map((l) => read(l, opts)), ls.map((l) => l.text)).cer;
    for (const p of both.grid) expect(p.cer).toBeCloseTo(cer(images, { decoder: 'beam', lm: { model: charLm, alpha: p.alpha, beta: p.beta } }), 12);
    expect(both.bySource.map((s) => s.name)).toEqual(['fake', 'other']);
    const lm = { decoder: 'beam', lm: { model: charLm, alpha: both.best.alpha, beta: both.best.beta } };
    expect(both.bySource[1].bestCer).toBeCloseTo(cer(images.slice(3), lm), 12);
    expect(both.bySource[0].greedyCer).toBeCloseTo(cer(images.slice(0, 3), { decoder: 'greedy' }), 12);
    expect(() => tuneLineLm(model, META, [a, fakeLines('test', 2)], charLm, { n: 2 })).toThrow(/'test' split/);
  });
});
