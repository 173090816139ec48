/**
 * The line-model training task: deterministic, resumable batches of new lines per epoch, grouped by
 * width; CTC targets that match the lines; the CTC loss branch of computeLoss; greedy error counts
 * against a definitional edit distance; clear errors for bad labels.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { RenderedLine } from '../src/synth/lines';
import { ctcLoss } from '../src/ctc/loss';
import { ctcErrorCounts, linesBatch, linesTask, LinesTaskOptions } from '../src/lines/task';
import { lineFrames } from '../src/ctc/frames';
import { computeLoss } from '../src/engine/losses';
import { HostBatch, batchTargets } from '../src/engine/host_batch';
import { glyphLines } from './lines_task_fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const train = glyphLines('train');
/** Lines 0..39 of the training generator: epoch 1 of a 40-line task. */
const first40 = Array.from({ length: 40 }, (_, k) => train.line(k));
const task = (over: Partial<LinesTaskOptions> = {}) => linesTask({ train, linesPerEpoch: 40, bucketBatches: 3, ...over });

/** Texts of a batch read back from its CTC label matrix. */
function labelTexts(b: HostBatch, charset: string[]): string[] {
  const [labels, lengths] = b.targets;
  const L = labels.shape[1];
  return Array.from(lengths.data, (len, i) => Array.from(labels.data.subarray(i * L, i * L + len), (k) => charset[k]).join(''));
}

/** Every batch of an epoch, in order. */
function epochBatches(t: ReturnType<typeof task>, epoch: number, batchSize: number): HostBatch[] {
  return Array.from({ length: t.stepsPerEpoch(batchSize) }, (_, i) => t.trainBatch(epoch, i, batchSize));
}

test('a batch is the same whether built in sequence, alone (resumed mid-epoch) or by another task object', () => {
  const inOrder = epochBatches(task(), 2, 8);
  const alone = task().trainBatch(2, 3, 8);
  expect(alone).toEqual(inOrder[3]);
  expect(task().trainBatch(2, 3, 8)).toEqual(task().trainBatch(2, 3, 8));
  // The task's seed orders the batches of a chunk; the lines stay those of the generator.
  const other = epochBatches(task({ seed: 7 }), 2, 8);
  expect(other).not.toEqual(inOrder);
  const key = (b: HostBatch) => labelTexts(b, train.charset).join('|');
  expect(other.map(key).sort()).toEqual(inOrder.map(key).sort());
});

test('an epoch holds each of its lines exactly once, new lines every epoch (or the same ones with freshLines: false)', () => {
  const t = task();
  for (const epoch of [1, 2]) {
    const texts = epochBatches(t, epoch, 8).flatMap((b) => labelTexts(b, t.charset)).sort();
    const expected = (epoch === 1 ? first40 : Array.from({ length: 40 }, (_, i) => train.line(40 + i))).map((l) => l.text).sort();
    expect(texts).toEqual(expected);
  }
  const fixed = task({ freshLines: false });
  const epochTexts = (e: number) => epochBatches(fixed, e, 8).flatMap((b) => labelTexts(b, fixed.charset)).sort();
  expect(epochTexts(3)).toEqual(epochTexts(1));
  expect(epochTexts(1)).toEqual(first40.map((l) => l.text).sort());
});

test('batches hold CTC targets of their lines: labels, lengths, frames over the ink; images padded to a multiple of 16', () => {
  const t = task();
  for (const b of epochBatches(t, 1, 8)) {
    const [n, H, W, ch] = b.x.shape;
    expect([H, ch, W % 16]).toEqual([28, 1, 0]);
    expect(b.x.data.length).toBe(n * H * W);
    const texts = labelTexts(b, t.charset);
    texts.forEach((text, i) => {
      // The epoch's lines with this text (random strings can repeat); one of them is this row, pixel for pixel.
      const candidates = first40.filter((l) => l.text === text);
      const rowOf = (line: RenderedLine) => {
        for (let y = 0; y < H; y++) {
          const row = b.x.data.subarray((i * H + y) * W, (i * H + y + 1) * W);
          for (let x = 0; x < W; x++) if (row[x] !== (x < line.paddedWidth ? line.pixels[y * line.paddedWidth + x] : 0)) return false;
        }
        return b.targets[2].data[i] === Math.min(W / 4, Math.ceil(line.width / 4) + 1);
      };
      expect(candidates.some(rowOf)).toBe(true);
    });
  }
});

test('lines are grouped by width within a chunk: each batch is a run of the chunk sorted by width', () => {
  const t = task({ bucketBatches: 5, linesPerEpoch: 40 });
  const batches = epochBatches(t, 1, 8); // one chunk of 5 batches
  const widthsOf = (b: HostBatch) => labelTexts(b, t.charset).map((text) => first40.find((l) => l.text === text)!.paddedWidth);
  const runs = batches.map(widthsOf).map((w) => [Math.min(...w), Math.max(...w)]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < runs.length; i++) expect(runs[i][0]).toBeGreaterThanOrEqual(runs[i - 1][1]);
  // Without grouping, some batch spans a wider range than any grouped batch.
  const loose = epochBatches(task({ bucketBatches: 1, linesPerEpoch: 40 }), 1, 8).map(widthsOf).map((w) => Math.max(...w) - Math.min(...w));
  expect(Math.max(...loose)).toBeGreaterThan(Math.max(...runs.map(([lo, hi]) => hi - lo)));
});

test('extraShare mixes in lines of a second generator, deterministically', () => {
  const extra = glyphLines('train', { mode: 'random', seed: 99, maxChars: 3, minWords: 1, maxWords: 1 });
  const t = task({ extra, extraShare: 0.5, linesPerEpoch: 40, bucketBatches: 1 });
  const texts = epochBatches(t, 1, 20).flatMap((b) => labelTexts(b, t.charset));
  const trainTexts = new Set(first40.map((l) => l.text));
  const extraTexts = new Set(Array.from({ length: 40 }, (_, n) => extra.line(n).text));
  expect(texts.every((s) => trainTexts.has(s) || extraTexts.has(s))).toBe(true);
  const onlyExtra = texts.filter((s) => !trainTexts.has(s)).length;
  expect(onlyExtra).toBeGreaterThan(10);
  expect(onlyExtra).toBeLessThan(30);
  expect(epochBatches(task({ extra, extraShare: 0.5, linesPerEpoch: 40, bucketBatches: 1 }), 1, 20)).toEqual(epochBatches(t, 1, 20));
});

test('the ctc loss branch equals ctcLoss on the batch targets; too-short frames are skipped and counted', () => {
  const t = task();
  const b = t.trainBatch(1, 0, 8);
  const [n, , W] = b.x.shape;
  const T = W / 4;
  const C = t.charset.length + 1;
  const logits = tf.randomNormal([n, T, C], 0, 1, 'float32', 5) as tf.Tensor3D;
  const [labels, lengths, frames] = batchTargets(b);
  const direct = ctcLoss(logits, labels as tf.Tensor2D, lengths as tf.Tensor1D, frames as tf.Tensor1D).arraySync();
  const viaSpec = computeLoss(t.loss, logits, batchTargets(b));
  expect(t.loss).toEqual({ kind: 'ctc', blank: C - 1 });
  expect(viaSpec.correct).toBeNull();
  expect(viaSpec.losses.arraySync()).toEqual(direct);
  expect(direct.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  expect(t.skipped).toBe(0);

  // One frame for every line: each line with 2+ characters cannot be aligned, gets loss 0, and is counted.
  const short: HostBatch = { ...b, targets: [b.targets[0], b.targets[1], { data: new Int32Array(n).fill(1), shape: [n] }] };
  const losses = computeLoss(t.loss, logits, batchTargets(short)).losses.arraySync();
  const tooLong = Array.from(b.targets[1].data).map((len) => len > 1);
  losses.forEach((v, i) => (tooLong[i] ? expect(v).toBe(0) : expect(v).toBeGreaterThan(0)));
});

test('the task counts the lines CTC will skip', () => {
  // 8 px per character guarantees 2 frames per character at downsample 4; at 64 px per frame few lines fit.
  const t = task({ downsample: 64 });
  const b = t.trainBatch(1, 0, 8);
  const expected = Array.from(b.targets[1].data).filter((len, i) => len > b.targets[2].data[i]).length;
  expect(expected).toBeGreaterThan(0);
  expect(t.skipped).toBe(expected);
});

test('errorCounts: greedy decoding of the logits against the labels, by edit distance', () => {
  const charset = ['A', 'B', ' '];
  const line = (text: string, width: number): RenderedLine => ({ text, pixels: new Uint8Array(28 * width), height: 28, width, paddedWidth: width, glyphs: [] });
  const b = linesBatch([line('AB', 16), line('BA A', 32)], charset, 4);
  // [2, 8, 4] logits whose arg-max path reads "AB" + junk past line 1's frames, and "BB A" for line 2.
  const paths = [[0, 3, 1, 1, 3, 0, 0, 0], [1, 3, 1, 2, 0, 3, 3, 3]];
  const logits = tf.tensor3d(paths.map((p) => p.map((k) => [0, 1, 2, 3].map((c) => (c === k ? 5 : 0)))));
  expect(Array.from(b.targets[2].data)).toEqual([lineFrames(16, 4, 8), lineFrames(32, 4, 8)]);
  expect(lineFrames(16, 4, 8)).toBe(5);
  // Line 1: frames 0..4 read "AB" (the 'A's past its 5 frames are ignored): 0 edits.
  // Line 2: B _ B ' ' A _ _ _ reads "BB A" (the blank separates the two B's) against "BA A": 1 edit.
  expect(ctcErrorCounts(logits, b)).toEqual({ errors: 1, total: 6 });
  // With every frame, line 1 reads "ABA": one more edit.
  const allFrames: HostBatch = { ...b, targets: [b.targets[0], b.targets[1], { data: new Int32Array([8, 8]), shape: [2] }] };
  expect(ctcErrorCounts(logits, allFrames)).toEqual({ errors: 2, total: 6 });
});

test('a label character outside the charset is an error naming it and what to do', () => {
  const bad: RenderedLine = { text: 'AB?', pixels: new Uint8Array(28 * 32), height: 28, width: 32, paddedWidth: 32, glyphs: [] };
  expect(() => linesBatch([bad], ['A', 'B', ' '], 4)).toThrow(/'\?' \(position 2 of "AB\?"\) is not in the charset.*fold the text/);
  expect(() => linesTask({ train, val: glyphLines('train') })).toThrow(/'val' generator/);
});

test('a warm-up generator supplies the first epochs (a curriculum of short lines), then the training lines', () => {
  const short = glyphLines('train', { seed: 5, minWords: 1, maxWords: 1, maxChars: 3 });
  const t = task({ warmup: short, warmupEpochs: 1 });
  const texts = (e: number) => epochBatches(t, e, 8).flatMap((b) => labelTexts(b, t.charset)).sort();
  expect(texts(1)).toEqual(Array.from({ length: 40 }, (_, n) => short.line(n).text).sort());
  expect(texts(2)).toEqual(Array.from({ length: 40 }, (_, n) => train.line(40 + n).text).sort());
  expect(() => task({ warmupEpochs: 1 })).toThrow(/needs a 'warmup' generator/);
});

test('rendering is spread over the batches: each batch renders a share of the next chunk, and batches stay the same', () => {
  let rendered = 0;
  const counting = { ...train, line: (n: number) => { rendered++; return train.line(n); } };
  // 40 lines, batches of 4, chunks of 3 batches (12 lines): chunks 12, 12, 12, 4.
  const t = linesTask({ train: counting, linesPerEpoch: 40, bucketBatches: 3 });
  const perCall = Array.from({ length: t.stepsPerEpoch(4) }, (_, i) => {
    const before = rendered;
    t.trainBatch(1, i, 4);
    return rendered - before;
  });
  // The first batch renders its chunk and a third of the next; later ones only their share of the next
  // chunk (the last chunk's 4 lines in 2 + 2); the last chunk's batch renders nothing: the epoch ends.
  expect(perCall).toEqual([12 + 4, 4, 4, 4, 4, 4, 2, 2, 0, 0]);
  expect(rendered).toBe(40);
  // The same batches as a task asked out of order (each batch alone, as a resumed run does).
  const inOrder = epochBatches(task({ bucketBatches: 3 }), 1, 4);
  for (const i of [9, 0, 5, 3]) expect(task({ bucketBatches: 3 }).trainBatch(1, i, 4)).toEqual(inOrder[i]);
  expect(Array.from({ length: 10 }, (_, i) => t.trainBatch(1, i, 4))).toEqual(inOrder);
});
