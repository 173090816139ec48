/**
 * Choosing a line model's LM weights on its VALIDATION lines: the model reads the lines once (the
 * logits are kept), then the beam search with the LM decodes them for each (alpha, beta) of a small
 * grid, and the pair with the lowest case-sensitive CER wins. Validation lines only: test lines
 * stay unseen by every choice made here (scripts/build-line-lm.js passes 'val' generators, and
 * `tuneLineLm` refuses any other split). Several sources may be given (the generator's validation
 * lines and validation prose): n lines of each, their CER pooled (edits over characters).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CharLm } from '../ctc/char_lm';
import { beamSearchDecode, greedyDecode } from '../ctc/decode';
import { characterErrorRate } from '../eval/text_metrics';
import type { LineImage, LineSource } from '../synth/line_source';
import { batchesByWidth } from './evaluate';
import { LineModelMetadata, lineScores } from './line_model';

/** Options of `tuneLineLm`. */
export interface LmTuningOptions {
  /** Validation lines 0..n-1 of each source (default 200). */
  n?: number;
  /** alpha values tried (default 0.1 to 1.0). */
  alphas?: number[];
  /** beta values tried (default -1 to 2 in steps of 0.5). */
  betas?: number[];
  /** Beam width (default 10, as every reader's). */
  beamWidth?: number;
  /** Lines per forward pass (default 32). */
  batchSize?: number;
  /** Called after each grid point (progress). */
  onPoint?: (point: LmGridPoint, done: number, total: number) => void;
}

/** One (alpha, beta) of the grid and the CER it gave. */
export interface LmGridPoint {
  alpha: number;
  beta: number;
  cer: number;
}

/** What `tuneLineLm` found. */
export interface LmTuning {
  n: number;
  split: string;
  /** CER without the LM: best path, and beam search of the same width. */
  greedyCer: number;
  beamCer: number;
  /** The chosen point: the lowest CER; ties go to the smaller alpha, then the beta nearer 0. */
  best: LmGridPoint;
  /** Each source's CER (its `name`): best path, and beam + LM at the chosen point. */
  bySource: Array<{ name: string; greedyCer: number; bestCer: number }>;
  grid: LmGridPoint[];
  seconds: number;
}

export const DEFAULT_LM_ALPHAS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0];
export const DEFAULT_LM_BETAS: readonly number[] = [-1, -0.5, 0, 0.5, 1, 1.5, 2];

/** Per-frame logits of each line [frames * classes] (its own frames only), from one forward pass per batch of similar widths. */
export function lineLogits(model: tfl.LayersModel, meta: LineModelMetadata, lines: readonly LineImage[], batchSize = 32): Float32Array[] {
  const out = new Array<Float32Array>(lines.length);
  lines.forEach((l, i) => {
    if (l.height !== meta.height) throw new Error(`lineLogits: line ${i} is ${l.height} px high but the model reads ${meta.height} px.`);
  });
  // Padded to the widest of the batch, rounded up to 16 columns, as training and evaluation batches are.
  for (const b of batchesByWidth(lines, batchSize, 16)) {
    lineScores(model, meta, b.images, b.order.length, b.width, { batchSize, widths: b.widths }).forEach((s, j) => {
      out[b.order[j]] = s;
    });
  }
  return out;
}

/** Tries each (alpha, beta) of the grid on validation lines 0..n-1 of each of `lines` (see the module comment). */
export function tuneLineLm(model: tfl.LayersModel, meta: LineModelMetadata, lines: LineSource | readonly LineSource[], lm: CharLm, opts: LmTuningOptions = {}): LmTuning {
  const { n = 200, alphas = DEFAULT_LM_ALPHAS, betas = DEFAULT_LM_BETAS, beamWidth = 10, batchSize = 32, onPoint } = opts;
  const sources: readonly LineSource[] = Array.isArray(lines) ? lines : [lines as LineSource];
  for (const source of sources) {
    if (source.split !== 'val') {
      throw new Error(`tuneLineLm: the lines are of the '${source.split}' split; LM weights are tuned on validation lines only (never test lines).`);
    }
    if (source.charset.join('') !== meta.charset.join('') || lm.charset.join('') !== meta.charset.join('')) {
      throw new Error('tuneLineLm: the lines, the model and the LM must share one charset; build the LM for this model (buildLineLm).');
    }
  }
  if (alphas.length === 0 || betas.length === 0) throw new Error('tuneLineLm: give at least one alpha and one beta.');
  const started = Date.now();
  const images: LineImage[] = [];
  for (const source of sources) for (let i = 0; i < n; i++) images.push(source.line(i));
  const targets = images.map((l) => l.text);
  const logits = lineLogits(model, meta, images, batchSize);
  const C = meta.charset.length + 1;
  const text = (labels: number[]): string => labels.map((k) => meta.charset[k]).join('');
  const readAll = (decode: (scores: Float32Array, frames: number) => number[]): string[] => logits.map((s) => text(decode(s, s.length / C)));
  const cerOf = (decode: (scores: Float32Array, frames: number) => number[]): number => characterErrorRate(readAll(decode), targets).cer;
  // Each source's share of the lines: [k * n, (k + 1) * n).
  const perSource = (reads: string[]): number[] => sources.map((_, k) => characterErrorRate(reads.slice(k * n, (k + 1) * n), targets.slice(k * n, (k + 1) * n)).cer);
  const greedyReads = readAll((s, T) => greedyDecode(s, T, C, { blank: meta.blank }).labels);
  const greedyCer = characterErrorRate(greedyReads, targets).cer;
  const beamCer = cerOf((s, T) => beamSearchDecode(s, T, C, { blank: meta.blank, beamWidth }).labels);
  const grid: LmGridPoint[] = [];
  // Each point's readings, kept so the chosen one's per-source CER needs no second decoding.
  const reads = new Map<LmGridPoint, string[]>();
  const total = alphas.length * betas.length;
  for (const alpha of alphas) {
    for (const beta of betas) {
      const pointReads = readAll((s, T) => beamSearchDecode(s, T, C, { blank: meta.blank, beamWidth, lm: { model: lm, alpha, beta } }).labels);
      const point = { alpha, beta, cer: characterErrorRate(pointReads, targets).cer };
      grid.push(point);
      reads.set(point, pointReads);
      onPoint?.(point, grid.length, total);
    }
  }
  const best = [...grid].sort((a, b) => a.cer - b.cer || a.alpha - b.alpha || Math.abs(a.beta) - Math.abs(b.beta) || a.beta - b.beta)[0];
  const bestCers = perSource(reads.get(best)!);
  const greedyCers = perSource(greedyReads);
  const bySource = sources.map((source, k) => ({ name: source.name, greedyCer: greedyCers[k], bestCer: bestCers[k] }));
  return { n, split: 'val', greedyCer, beamCer, best, bySource, grid, seconds: (Date.now() - started) / 1000 };
}
