/**
 * The training task of a line model: synthetic lines (any `LineSource`, src/synth/line_source.ts:
 * the handwriting generator or the older EMNIST-glyph lines) as CTC batches for the project's one
 * training loop (src/train/train.ts).
 *
 * Every epoch draws new lines (line numbers (epoch - 1) * linesPerEpoch ...; `freshLines: false`
 * repeats the first ones), so the model never sees a line twice; lines are rendered in chunks of
 * `bucketBatches` batches, sorted by width and cut into batches, so a batch is padded to the width
 * of similar lines rather than the widest line of the epoch (about half the columns otherwise).
 * Each batch handed out also renders a batch's share of the next chunk, so the rendering is spread
 * evenly over the steps it can overlap. Everything is a function of (seed, epoch, batch
 * index): any batch can be rebuilt alone, which is what resuming in the middle of an epoch needs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ctcInfeasible } from '../ctc/loss';
import { greedyDecode } from '../ctc/decode';
import { editDistance } from '../eval/text_metrics';
import { encodeLineTexts } from '../synth/lines';
import { LineImage, LineSource } from '../synth/line_source';
import { HostBatch } from '../engine/host_batch';
import { TrainTask } from '../train/task';
import { createRng, deriveSeed, shuffleInPlace } from '../util/rng';
import { lineFrames } from '../ctc/frames';

/** Options of `linesTask`. */
export interface LinesTaskOptions {
  /** Training lines ('train' split); `extra` lines are mixed in at `extraShare`. */
  train: LineSource;
  /** Validation lines ('val' split: held-out images and words); omit for none. */
  val?: LineSource;
  /** A second source of training lines (e.g. 'random' mode), drawn for a share `extraShare` of lines. */
  extra?: LineSource;
  /** Share of training lines taken from `extra` (default 0). */
  extraShare?: number;
  /** Lines per epoch (default 20,000). */
  linesPerEpoch?: number;
  /** Validation lines (default 1,000). */
  valLines?: number;
  /** Width pixels per model time step (default 4, the crnn's). */
  downsample?: number;
  /** Seeds the batch order within each chunk (default 42). The lines themselves follow the generators' seeds. */
  seed?: number;
  /** Batches rendered together and grouped by width (default 8; 1: no grouping). */
  bucketBatches?: number;
  /** Batch widths are rounded up to a multiple of this (default 16). */
  widthMultiple?: number;
  /** Draw new lines every epoch (default true); false repeats lines 0..linesPerEpoch-1 (e.g. to overfit a few). */
  freshLines?: boolean;
  /**
   * A curriculum: the first `warmupEpochs` epochs train on `warmup` lines (e.g. one or two words)
   * instead of `train` and `extra`. CTC leaves its all-blank plateau much sooner on short lines,
   * whose characters it can place with less uncertainty.
   */
  warmup?: LineSource;
  warmupEpochs?: number;
}

/** A line-model training task, with its running count of lines the CTC loss skipped. */
export interface LinesTask extends TrainTask {
  /** Label characters (the blank is index charset.length). */
  readonly charset: readonly string[];
  /** Training lines handed out so far whose label did not fit their frames (CTC skips them). */
  readonly skipped: number;
}

/** Lines `lines` stacked into a CTC batch padded to a common width (a multiple of `multiple`). */
export function linesBatch(lines: readonly LineImage[], charset: readonly string[], downsample: number, multiple = 16): HostBatch {
  const H = lines[0].height;
  const widest = Math.max(...lines.map((l) => l.paddedWidth));
  const W = Math.ceil(widest / multiple) * multiple;
  const n = lines.length;
  const pixels = new Uint8Array(n * H * W); // [n, H, W, 1]
  lines.forEach((l, i) => {
    for (let y = 0; y < H; y++) pixels.set(l.pixels.subarray(y * l.paddedWidth, (y + 1) * l.paddedWidth), (i * H + y) * W);
  });
  const { labels, lengths, maxLength } = encodeLineTexts(lines.map((l) => l.text), charset);
  // Each line's own frames: with the batch's padding in them, CTC's early alignments spread a short
  // line's characters over the empty columns and training learns positions instead of glyphs.
  const frames = Int32Array.from(lines, (l) => lineFrames(l.width, downsample, Math.floor(W / downsample)));
  return {
    x: { data: pixels, shape: [n, H, W, 1] },
    targets: [
      { data: labels, shape: [n, maxLength] },
      { data: lengths, shape: [n] },
      { data: frames, shape: [n] },
    ],
    transforms: null,
  };
}

/**
 * Greedy-decoded character edits of a batch against its labels, from the model's logits
 * [batch, T, classes] (blank last) and the batch's CTC targets; the sum of target lengths is `total`.
 */
export function ctcErrorCounts(out: tf.Tensor, batch: HostBatch): { errors: number; total: number } {
  const [n, T, C] = out.shape as [number, number, number];
  const data = out.dataSync() as Float32Array;
  const [labels, lengths, frames] = batch.targets;
  const L = labels.shape[1];
  let errors = 0;
  let total = 0;
  for (let b = 0; b < n; b++) {
    const Tb = Math.min(T, frames.data[b]);
    const decoded = greedyDecode(data.subarray(b * T * C, (b * T + Tb) * C), Tb, C);
    const target = (labels.data as Int32Array).subarray(b * L, b * L + lengths.data[b]);
    errors += editDistance(decoded.labels, target);
    total += target.length;
  }
  return { errors, total };
}

/** A source's description with keys prefixed ('train.seed', ...) for the run's fingerprint. */
function prefixed(prefix: string, describe: Readonly<Record<string, string | number | boolean>> | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(describe ?? {}).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** The CTC training task of synthetic lines (see the module comment). */
export function linesTask(opts: LinesTaskOptions): LinesTask {
  const { train, val, extra, extraShare = 0, linesPerEpoch = 20000, valLines = 1000, downsample = 4, seed = 42, bucketBatches = 8, freshLines = true, warmup, warmupEpochs = 0, widthMultiple = 16 } = opts;
  const charset = train.charset;
  const sameCharset = (g: LineSource | undefined, what: string) => {
    if (g && g.charset.join('') !== charset.join('')) {
      throw new Error(`linesTask: the ${what} lines use charset ${JSON.stringify(g.charset.join(''))} but the training lines ${JSON.stringify(charset.join(''))}; build every generator from the same dataset.`);
    }
  };
  sameCharset(val, 'validation');
  sameCharset(extra, 'extra');
  sameCharset(warmup, 'warm-up');
  if (warmupEpochs > 0 && !warmup) throw new Error(`linesTask: warmupEpochs ${warmupEpochs} needs a 'warmup' generator.`);
  if (!(Number.isInteger(linesPerEpoch) && linesPerEpoch >= 1)) throw new Error(`linesTask: linesPerEpoch must be a positive integer, got ${linesPerEpoch}.`);
  if (!(extraShare >= 0 && extraShare <= 1) || (extraShare > 0 && !extra)) throw new Error(`linesTask: extraShare ${extraShare} needs an 'extra' generator and a value in [0, 1].`);
  if (val && val.split !== 'val') throw new Error(`linesTask: validation lines must come from a 'val' generator, got '${val.split}'.`);
  if (train.split !== 'train' || (extra && extra.split !== 'train') || (warmup && warmup.split !== 'train')) throw new Error("linesTask: training lines must come from 'train' generators.");
  let skipped = 0;

  /** Training line `n` of the run (n counts across epochs), in `epoch`. */
  const trainLine = (n: number, epoch: number): LineImage => {
    if (warmup && epoch <= warmupEpochs) return warmup.line(n);
    const useExtra = extra && extraShare > 0 && createRng(deriveSeed(seed, 'source', n)).next() < extraShare;
    return useExtra ? extra.line(n) : train.line(n);
  };

  // One chunk of an epoch in use at a time: batch i of the epoch is batch (i % k) of chunk floor(i / k).
  // The next chunk of the epoch is rendered ahead, a batch's worth of lines on every trainBatch call:
  // the training loop asks for batch b + 1 while the workers train batch b, so rendering overlaps
  // training evenly, instead of the whole chunk at once on its first batch while the workers wait.
  let cached: { key: string; batches: LineImage[][] } | undefined;
  let ahead: { key: string; lines: LineImage[] } | undefined;
  /** Where chunk c of an epoch starts among the epoch's lines, and how many lines it holds. */
  const chunkSpan = (c: number, batchSize: number) => {
    const first = c * bucketBatches * batchSize;
    return { first, count: Math.max(0, Math.min(bucketBatches * batchSize, linesPerEpoch - first)) };
  };
  /** Renders lines of chunk (epoch, c) into `into` until it holds `upTo` of them. */
  const render = (epoch: number, c: number, batchSize: number, into: LineImage[], upTo: number): void => {
    const { first } = chunkSpan(c, batchSize);
    const epochStart = freshLines ? (epoch - 1) * linesPerEpoch : 0;
    for (let i = into.length; i < upTo; i++) into.push(trainLine(epochStart + first + i, epoch));
  };
  const chunk = (epoch: number, c: number, batchSize: number): LineImage[][] => {
    const key = `${epoch}/${c}/${batchSize}`;
    if (cached?.key === key) return cached.batches;
    const { count } = chunkSpan(c, batchSize);
    const lines = ahead?.key === key ? ahead.lines : [];
    if (ahead?.key === key) ahead = undefined;
    render(epoch, c, batchSize, lines, count);
    lines.sort((a, b) => a.paddedWidth - b.paddedWidth);
    const batches: LineImage[][] = [];
    for (let i = 0; i < count; i += batchSize) batches.push(lines.slice(i, i + batchSize));
    // Widths grouped, order shuffled: the model must not see narrow lines first in every chunk.
    const order = shuffleInPlace(Int32Array.from(batches.keys()), createRng(deriveSeed(seed, 'chunk', epoch, c)));
    cached = { key, batches: Array.from(order, (k) => batches[k]) };
    return cached.batches;
  };
  /** One batch's share of the next chunk of the epoch (none past its end: the next epoch may never come). */
  const renderAhead = (epoch: number, c: number, batchSize: number): void => {
    const { count } = chunkSpan(c + 1, batchSize);
    if (count === 0) return;
    const key = `${epoch}/${c + 1}/${batchSize}`;
    if (ahead?.key !== key) ahead = { key, lines: [] };
    render(epoch, c + 1, batchSize, ahead.lines, Math.min(count, ahead.lines.length + Math.ceil(count / bucketBatches)));
  };

  const countSkipped = (batch: HostBatch): void => {
    const [labels, lengths, frames] = batch.targets;
    skipped += ctcInfeasible(labels.data as Int32Array, lengths.data, frames.data).length;
  };

  return {
    name: `lines-${train.name}`,
    loss: { kind: 'ctc', blank: charset.length },
    trainCount: linesPerEpoch,
    valCount: val ? valLines : 0,
    charset,
    get skipped() {
      return skipped;
    },
    fingerprint: {
      seed, linesPerEpoch, valLines: val ? valLines : 0, ...prefixed('train', train.describe), height: train.height,
      charset: charset.join(''), extraShare, ...prefixed('extra', extra?.describe), downsample, bucketBatches, freshLines,
      warmupEpochs: warmup ? warmupEpochs : 0, ...prefixed('warmup', warmup?.describe), widthMultiple,
    },
    stepsPerEpoch: (batchSize) => Math.ceil(linesPerEpoch / batchSize),
    trainBatch(epoch, index, batchSize) {
      const c = Math.floor(index / bucketBatches);
      const lines = chunk(epoch, c, batchSize)[index % bucketBatches];
      if (!lines) throw new Error(`linesTask: batch ${index} is past the end of an epoch of ${linesPerEpoch} lines at batch size ${batchSize}.`);
      renderAhead(epoch, c, batchSize);
      const batch = linesBatch(lines, charset, downsample, widthMultiple);
      countSkipped(batch);
      return batch;
    },
    *valBatches(batchSize) {
      if (!val) return;
      // Fixed lines, sorted by width so validation pads little; the same batches every epoch.
      const lines: LineImage[] = [];
      for (let n = 0; n < valLines; n++) lines.push(val.line(n));
      lines.sort((a, b) => a.paddedWidth - b.paddedWidth);
      for (let i = 0; i < lines.length; i += batchSize) yield linesBatch(lines.slice(i, i + batchSize), charset, downsample, widthMultiple);
    },
    errorCounts: ctcErrorCounts,
  };
}
