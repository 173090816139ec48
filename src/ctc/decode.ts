/**
 * CTC decoders (best path and prefix beam search) and the label <-> text mapping.
 *
 * Input: the scores of one example as a flat [T * C] array (row t, class k at t * C + k), raw
 * logits by default (what the line model outputs and ctcLoss takes) or probabilities with
 * `input: 'probs'`. The blank is the last class (C - 1) unless `blank` says otherwise, as in ctcLoss.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CharLm } from './char_lm';
import type { CtcOptions } from './loss';

/** Options of the decoders. */
export interface CtcDecodeOptions extends CtcOptions {
  /** 'logits' (default): raw scores, log-softmax is applied per frame; 'probs': per-frame probabilities. */
  input?: 'logits' | 'probs';
}

/** Options of the prefix beam search. */
export interface BeamSearchOptions extends CtcDecodeOptions {
  /** Prefixes kept after each frame (default 10); 1 keeps only the most probable prefix. */
  beamWidth?: number;
  /**
   * Characters less probable than this in a frame do not start a new prefix there (default 1e-4);
   * it bounds the work per frame and changes p(labels | x) by at most that mass per frame. 0 disables it.
   */
  minCharProb?: number;
  /**
   * A character language model in the search (default none): see `BeamSearchLm`. Its labels are the
   * classes other than the blank, which must then be the last class.
   */
  lm?: BeamSearchLm;
}

/**
 * A character LM and its weights in the beam search: a prefix extended by label c gains
 * alpha * ln p_lm(c | the prefix's last order-1 labels) + beta, and the chosen prefix also
 * alpha * ln p_lm(end of line | it). Prefixes are ranked and kept by CTC log-probability + these
 * gains; alpha = beta = 0 is the search without an LM, exactly. beta rewards each character, against
 * the LM's pull towards short readings.
 */
export interface BeamSearchLm {
  model: CharLm;
  alpha: number;
  beta: number;
}

/** A decoded label sequence. */
export interface CtcDecoded {
  /** Class indices, repeats collapsed and blanks removed. */
  labels: number[];
  /**
   * Greedy: the probability of the best path (product of the chosen frame probabilities).
   * Beam: p(labels | x) of the best prefix, summed over the alignments the beam kept (a lower bound);
   * with an LM too: the CTC p(labels | x) of the prefix chosen, the LM's score not included.
   */
  confidence: number;
  /** log(confidence), finite where confidence underflows to 0 on long inputs. */
  logProb: number;
}

/** Checks the [T * C] shape and the blank; returns the blank index. */
function checkScores(scores: ArrayLike<number>, T: number, C: number, opts: CtcOptions, fn: string): number {
  if (!Number.isInteger(T) || !Number.isInteger(C) || T < 0 || C < 1 || scores.length < T * C) {
    throw new Error(`${fn}: scores hold ${scores.length} values, need T * C = ${T} * ${C} (one row of C class scores per frame).`);
  }
  const blank = opts.blank ?? C - 1;
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) {
    throw new Error(`${fn}: blank index ${blank} is outside 0..${C - 1} (C = ${C} classes).`);
  }
  return blank;
}

/** Per-frame log-probabilities [T * C] in Float64 from logits (log-softmax) or probabilities (log). */
export function ctcFrameLogProbs(scores: ArrayLike<number>, T: number, C: number, input: 'logits' | 'probs' = 'logits'): Float64Array {
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    const row = t * C;
    if (input === 'probs') {
      for (let k = 0; k < C; k++) out[row + k] = Math.log(scores[row + k]);
      continue;
    }
    let max = -Infinity;
    for (let k = 0; k < C; k++) if (scores[row + k] > max) max = scores[row + k];
    let sum = 0;
    for (let k = 0; k < C; k++) sum += Math.exp(scores[row + k] - max);
    const logZ = max + Math.log(sum);
    for (let k = 0; k < C; k++) out[row + k] = scores[row + k] - logZ;
  }
  return out;
}

/** Best-path decoding: the most probable class per frame, repeats collapsed, blanks dropped. */
export function greedyDecode(scores: ArrayLike<number>, T: number, C: number, opts: CtcDecodeOptions = {}): CtcDecoded {
  const blank = checkScores(scores, T, C, opts, 'greedyDecode');
  const logProbs = ctcFrameLogProbs(scores, T, C, opts.input);
  const labels: number[] = [];
  let logProb = 0;
  let previous = -1;
  for (let t = 0; t < T; t++) {
    const row = t * C;
    let best = 0;
    for (let k = 1; k < C; k++) if (logProbs[row + k] > logProbs[row + best]) best = k;
    logProb += logProbs[row + best];
    if (best !== blank && best !== previous) labels.push(best);
    previous = best;
  }
  return { labels, confidence: Math.exp(logProb), logProb };
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * A node of the trie of prefixes: the path from the root spells the prefix, so a prefix reached
 * from two beams is the same node. `blank`/`nonBlank`: log p(frames so far, the prefix, ending in a
 * blank / in its last character) at the current frame; `next*` accumulate the following frame.
 */
interface Prefix {
  parent: Prefix | null;
  label: number;
  children: Map<number, Prefix> | null;
  blank: number;
  nonBlank: number;
  nextBlank: number;
  nextNonBlank: number;
  /** Frame whose next* values this node holds (so they reset once per frame). */
  frame: number;
  /** log p(prefix | frames so far): logAdd(blank, nonBlank). */
  score: number;
  /** The LM's gains along the prefix (0 without an LM), and its LM state. */
  lm: number;
  lmState: number;
  /** What the beam keeps the best of: score + lm. */
  rank: number;
}

function newPrefix(parent: Prefix | null, label: number, lm = 0, lmState = 0): Prefix {
  return {
    parent, label, children: null, blank: -Infinity, nonBlank: -Infinity, nextBlank: -Infinity, nextNonBlank: -Infinity, frame: -1,
    score: -Infinity, lm, lmState, rank: -Infinity,
  };
}

function labelsOf(p: Prefix): number[] {
  const labels: number[] = [];
  for (let q: Prefix | null = p; q && q.parent; q = q.parent) labels.push(q.label);
  return labels.reverse();
}

/** The k highest-ranking prefixes, best first; ties keep their order (deterministic). */
function topK(items: Prefix[], k: number): Prefix[] {
  const best: Prefix[] = [];
  for (const p of items) {
    if (best.length === k && p.rank <= best[k - 1].rank) continue;
    let i = best.length < k ? best.length : k - 1;
    while (i > 0 && best[i - 1].rank < p.rank) {
      if (i < k) best[i] = best[i - 1];
      i--;
    }
    best[i] = p;
  }
  return best;
}

/** Checks an LM against the scores' classes: its labels are the C - 1 classes before the blank. */
function checkLm(lm: BeamSearchLm, C: number, blank: number): void {
  const { model, alpha, beta } = lm;
  if (model.size !== C - 1 || blank !== C - 1) {
    throw new Error(`beamSearchDecode: the language model has ${model.size} labels but the scores have ${C - 1} classes besides the blank ` +
      `(blank ${blank}, must be the last); use an LM built for this model's charset.`);
  }
  if (!Number.isFinite(alpha) || !Number.isFinite(beta) || alpha < 0) {
    throw new Error(`beamSearchDecode: LM weights alpha ${alpha} (>= 0) and beta ${beta} must be finite numbers.`);
  }
}

/**
 * CTC prefix beam search in log space: keeps the `beamWidth` most probable label prefixes, each
 * with its probability of ending in a blank and in a character, so that a repeated character only
 * counts twice when a blank separates the two. With `lm`, prefixes are ranked by CTC score plus
 * the LM's gains (`BeamSearchLm`); the CTC recursions themselves are unchanged.
 */
export function beamSearchDecode(scores: ArrayLike<number>, T: number, C: number, opts: BeamSearchOptions = {}): CtcDecoded {
  const blank = checkScores(scores, T, C, opts, 'beamSearchDecode');
  const beamWidth = opts.beamWidth ?? 10;
  if (!Number.isInteger(beamWidth) || beamWidth < 1) {
    throw new Error(`beamSearchDecode: beamWidth ${beamWidth} must be a positive integer (1 keeps one prefix).`);
  }
  const minLogProb = Math.log(opts.minCharProb ?? 1e-4);
  const logProbs = ctcFrameLogProbs(scores, T, C, opts.input);
  const lm = opts.lm;
  if (lm) checkLm(lm, C, blank);
  // A prefix's LM gain is computed once, when its trie node is made.
  const extend = (p: Prefix, c: number): Prefix => {
    if (!lm) return newPrefix(p, c);
    const { model, alpha, beta } = lm;
    return newPrefix(p, c, p.lm + alpha * model.logProb(p.lmState, c) + beta, model.next(p.lmState, c));
  };

  const root = newPrefix(null, -1, 0, lm ? lm.model.start : 0);
  root.blank = 0;
  root.score = 0;
  root.rank = 0;
  let beam: Prefix[] = [root];
  for (let t = 0; t < T; t++) {
    const row = t * C;
    const touched: Prefix[] = [];
    const touch = (p: Prefix): Prefix => {
      if (p.frame !== t) {
        p.frame = t;
        p.nextBlank = -Infinity;
        p.nextNonBlank = -Infinity;
        touched.push(p);
      }
      return p;
    };
    for (const p of beam) {
      const pTotal = p.score;
      const last = p.label;
      // The prefix stays as it is: a blank, or its last character again (collapsed).
      touch(p);
      p.nextBlank = logAdd(p.nextBlank, pTotal + logProbs[row + blank]);
      if (last >= 0) p.nextNonBlank = logAdd(p.nextNonBlank, p.nonBlank + logProbs[row + last]);
      // The prefix grows by one character; a repeat of the last one needs a blank in between.
      for (let c = 0; c < C; c++) {
        const lp = logProbs[row + c];
        if (c === blank || lp < minLogProb || lp === -Infinity) continue;
        if (!p.children) p.children = new Map();
        let child = p.children.get(c);
        if (!child) p.children.set(c, (child = extend(p, c)));
        touch(child);
        child.nextNonBlank = logAdd(child.nextNonBlank, (c === last ? p.blank : pTotal) + lp);
      }
    }
    for (const p of touched) {
      p.blank = p.nextBlank;
      p.nonBlank = p.nextNonBlank;
      p.score = logAdd(p.blank, p.nonBlank);
      p.rank = p.score + p.lm;
    }
    beam = topK(touched, beamWidth);
  }
  let best = beam[0];
  if (lm && lm.alpha !== 0) {
    // The line ends here: the LM's probability of that decides between the prefixes kept.
    let bestRank = -Infinity;
    for (const p of beam) {
      const rank = p.rank + lm.alpha * lm.model.logProb(p.lmState, lm.model.end);
      if (rank > bestRank) {
        bestRank = rank;
        best = p;
      }
    }
  }
  return { labels: labelsOf(best), confidence: Math.exp(best.score), logProb: best.score };
}

/** Characters of a charset: a string (one class per code point) or an array of class strings. */
function charsOf(charset: string | readonly string[]): readonly string[] {
  return typeof charset === 'string' ? Array.from(charset) : charset;
}

/** Class indices -> text, one charset entry per label (the blank and out-of-range indices throw). */
export function labelsToText(labels: ArrayLike<number>, charset: string | readonly string[]): string {
  const chars = charsOf(charset);
  let text = '';
  for (let i = 0; i < labels.length; i++) {
    const c = chars[labels[i]];
    if (c === undefined) {
      throw new Error(`labelsToText: label ${labels[i]} at position ${i} has no character in a charset of ${chars.length} (the blank, ${chars.length}, never appears in decoded labels).`);
    }
    text += c;
  }
  return text;
}

/** Text -> class indices; a character outside the charset throws an error naming it and the text. */
export function textToLabels(text: string, charset: string | readonly string[]): number[] {
  const chars = charsOf(charset);
  const index = new Map<string, number>();
  chars.forEach((c, i) => { if (!index.has(c)) index.set(c, i); });
  return Array.from(text).map((c, i) => {
    const k = index.get(c);
    if (k === undefined) {
      const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new Error(`textToLabels: character '${c}' (${code}) at position ${i} of "${text}" is not in the charset "${chars.join('')}"; case-fold or map it to a charset character first.`);
    }
    return k;
  });
}

/** Options of ctcDecodeBatch. */
export interface CtcDecodeBatchOptions extends BeamSearchOptions {
  /** 'greedy' (default) or 'beam'. */
  method?: 'greedy' | 'beam';
  /** Frames used per example (default: all T); frames past it are ignored. */
  lengths?: ArrayLike<number>;
  /** When given, each result also carries its `text`. */
  charset?: string | readonly string[];
}

/** A decoded example of a batch. */
export interface CtcDecodedText extends CtcDecoded {
  /** labelsToText(labels, charset); present when a charset was given. */
  text?: string;
}

/** Decodes every example of scores [batch, T, C] (logits unless `input: 'probs'`) with one method. */
export function ctcDecodeBatch(scores: tf.Tensor3D, opts: CtcDecodeBatchOptions = {}): CtcDecodedText[] {
  if (scores.rank !== 3) throw new Error(`ctcDecodeBatch: scores must be [batch, T, C]; got shape [${scores.shape}].`);
  const [batch, T, C] = scores.shape;
  const { lengths, method = 'greedy', charset } = opts;
  if (lengths && lengths.length !== batch) {
    throw new Error(`ctcDecodeBatch: ${lengths.length} lengths for a batch of ${batch}; pass one frame count per example.`);
  }
  if (method !== 'greedy' && method !== 'beam') throw new Error(`ctcDecodeBatch: method '${method}' must be 'greedy' or 'beam'.`);
  const data = scores.dataSync() as Float32Array;
  const out: CtcDecodedText[] = [];
  for (let b = 0; b < batch; b++) {
    const Tb = lengths ? lengths[b] : T;
    if (!Number.isInteger(Tb) || Tb < 0 || Tb > T) {
      throw new Error(`ctcDecodeBatch: lengths[${b}] = ${Tb} is outside 0..${T} (the frames in scores).`);
    }
    const rows = data.subarray(b * T * C, (b * T + Tb) * C);
    const decoded: CtcDecodedText = method === 'beam' ? beamSearchDecode(rows, Tb, C, opts) : greedyDecode(rows, Tb, C, opts);
    if (charset !== undefined) decoded.text = labelsToText(decoded.labels, charset);
    out.push(decoded);
  }
  return out;
}
