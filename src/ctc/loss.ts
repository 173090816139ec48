/**
 * CTC (connectionist temporal classification) loss for TensorFlow.js, computed in log space.
 *
 * Blank index: by default the blank is the LAST class. A model for a charset of n characters has
 * C = n + 1 output classes; class i < n is `charset[i]` and class n (= C - 1) is the blank.
 * `opts.blank` moves it, and every function here takes the same option.
 *
 * The maths runs in Float64 JavaScript (forward-backward over the label with blanks interleaved,
 * `ctcForwardBackward`); `ctcLoss` wraps it as a TensorFlow.js op whose gradient
 * (softmax - posterior, d loss / d logits) is handed back through `tf.customGrad`. Nothing in the
 * differentiable path uses `gather` (its gradient needs UnsortedSegmentSum, which wasm lacks).
 *
 * The recursions run on probabilities rescaled to sum to 1 at every frame (fast: multiply-adds), and
 * fall back to log space (log alphas and betas, log-sum-exp per state) for an example whose
 * probabilities are too far apart for float64, so long lines and confident models neither
 * underflow nor lose the label's alignments.
 *
 * Two kinds of example are skipped (loss 0, no gradient) so that the rest of a batch still trains,
 * and counted apart, because they mean different things: an infeasible label (too long for its
 * frames: a data problem, `ctcInfeasible`) and a non-finite one (NaN or +Infinity log-probabilities,
 * i.e. NaN or infinite logits: a diverging model). Counting the second kind is what keeps a run
 * whose logits turned to NaN from looking like a run whose loss falls to 0.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Options shared by the CTC functions. */
export interface CtcOptions {
  /** Index of the blank class; default C - 1 (the last class). */
  blank?: number;
  /** `ctcLoss` adds the examples it skipped to these counts on every forward pass. */
  skipped?: CtcSkipped;
}

/** Examples the CTC loss skipped (loss 0, zero gradient), by why. */
export interface CtcSkipped {
  /** The label needs more frames than the example has (see `ctcInfeasible`). */
  infeasible: number;
  /** The log-probabilities held NaN or +Infinity (non-finite logits). */
  nonFinite: number;
}

/** The two counts added (a step's replicas, an epoch's steps); undefined while neither reported any. */
export function addCtcSkipped(into: CtcSkipped | undefined, more: CtcSkipped | undefined): CtcSkipped | undefined {
  if (!more) return into;
  return { infeasible: (into?.infeasible ?? 0) + more.infeasible, nonFinite: (into?.nonFinite ?? 0) + more.nonFinite };
}

/** Result of the forward-backward pass on one example. */
export interface CtcForwardBackwardResult {
  /** -log p(label | x); Infinity when the label cannot be aligned to the frames. */
  nll: number;
  /** d nll / d logits, [T * C] (row t, class k at t * C + k); all zeros when not feasible. */
  grad: Float64Array;
  /** False when no alignment exists (too few frames, or every alignment has probability 0), or when not `finite`. */
  feasible: boolean;
  /** False when the log-probabilities hold NaN or +Infinity: then nll is NaN and the gradient all zeros. */
  finite: boolean;
}

/** True when none of the first n values is NaN or +Infinity (-Infinity is a probability of 0: allowed). */
function allFinite(values: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v || v === Infinity) return false;
  }
  return true;
}

/** log(exp(a) + exp(b)) without overflow; -Infinity terms are allowed. */
function logSumExp2(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(exp(a) + exp(b) + exp(c)) without overflow; -Infinity terms are allowed. */
function logSumExp3(a: number, b: number, c: number): number {
  if (a >= b && a >= c) return a === -Infinity ? a : a + Math.log1p(Math.exp(b - a) + Math.exp(c - a));
  if (b >= c) return b + Math.log1p(Math.exp(a - b) + Math.exp(c - b));
  return c + Math.log1p(Math.exp(a - c) + Math.exp(b - c));
}

/** Frames a label needs: one per character plus one blank between each pair of equal neighbours. */
export function ctcMinFrames(label: string | ArrayLike<number>): number {
  let repeats = 0;
  for (let i = 1; i < label.length; i++) if (label[i] === label[i - 1]) repeats++;
  return label.length + repeats;
}

/**
 * The extended label: blank, l1, blank, l2, ..., lL, blank (S = 2L + 1 states). skip[s] = 1 where
 * state s may also be entered from s - 2: a character differing from the one before the blank.
 */
interface ExtendedLabel { S: number; ext: Int32Array; skip: Uint8Array }

function extend(label: ArrayLike<number>, blank: number): ExtendedLabel {
  const S = 2 * label.length + 1;
  const ext = new Int32Array(S);
  const skip = new Uint8Array(S);
  for (let s = 0; s < S; s++) {
    ext[s] = s % 2 === 1 ? label[(s - 1) >> 1] : blank;
    skip[s] = s % 2 === 1 && s >= 3 && ext[s] !== ext[s - 2] ? 1 : 0;
  }
  return { S, ext, skip };
}

// States that can be on a complete alignment at frame t: reached already (s <= 2t + 1) and close
// enough to the end for the frames left (s >= S - 2(T - t)). Others stay 0 / -Infinity.
const firstState = (S: number, T: number, t: number): number => Math.max(0, S - 2 * (T - t));
const lastState = (S: number, t: number): number => Math.min(S - 1, 2 * t + 1);

/** Divides a[row + lo .. row + hi] by their sum and returns it; NaN (a left as it is) unless the sum is positive and finite. */
function rescaleRow(a: Float64Array, row: number, lo: number, hi: number): number {
  let total = 0;
  for (let s = lo; s <= hi; s++) total += a[row + s];
  if (!(total > 0 && total < Infinity)) return NaN;
  const inv = 1 / total;
  for (let s = lo; s <= hi; s++) a[row + s] *= inv;
  return total;
}

/**
 * Forward-backward in probability space, each frame's alphas and betas rescaled to sum to 1 (Rabiner's
 * scaling, as in Graves et al. 2006): a state costs a few multiply-adds instead of log-sum-exp's exp
 * and log1p. `probs` [T * C] are the softmax probabilities (`grad` on entry). Returns log p(label | x)
 * and subtracts the posteriors from `grad`; or returns NaN, leaving `grad` alone, when underflow may
 * have lost alignments that matter (probabilities hundreds of nats apart): then the log-space pass
 * decides. The test: for every frame t, sum_s alpha_t(s) beta_t(s) is p(label), so with the scales put
 * back each frame must give the same log p; an alignment lost in either pass breaks that identity
 * (or leaves the frame's sum tiny, when both passes lost it). States that only underflow because
 * they are astronomically unlikely (the common case for a trained model) change nothing.
 */
function forwardBackwardScaled(probs: Float64Array, T: number, C: number, label: ExtendedLabel, grad: Float64Array): number {
  const { S, ext, skip } = label;
  // alpha[t*S+s] = p(frames 0..t, ending in state s) / exp(logScaleA[t]);
  // beta[t*S+s] = p(frames t+1..T-1 | state s at t) / exp(logScaleB[t]).
  const alpha = new Float64Array(T * S);
  const beta = new Float64Array(T * S);
  const logScaleA = new Float64Array(T);
  const logScaleB = new Float64Array(T);
  alpha[0] = probs[ext[0]];
  if (S > 1) alpha[1] = probs[ext[1]];
  let logScale = 0;
  for (let t = 0; t < T; t++) {
    const row = t * S;
    const lo = firstState(S, T, t);
    const hi = lastState(S, t);
    if (t > 0) {
      const prev = row - S;
      const p = t * C;
      for (let s = lo; s <= hi; s++) {
        let sum = alpha[prev + s];
        if (s > 0) sum += alpha[prev + s - 1];
        if (skip[s]) sum += alpha[prev + s - 2];
        alpha[row + s] = sum * probs[p + ext[s]];
      }
    }
    const total = rescaleRow(alpha, row, lo, hi);
    if (Number.isNaN(total)) return NaN;
    logScale += Math.log(total);
    logScaleA[t] = logScale;
  }
  const last = (T - 1) * S;
  const end = S > 1 ? alpha[last + S - 1] + alpha[last + S - 2] : alpha[last];
  if (!(end > 0)) return NaN;
  const logLik = logScale + Math.log(end);
  beta[last + S - 1] = 1;
  if (S > 1) beta[last + S - 2] = 1;
  logScale = 0;
  for (let t = T - 2; t >= 0; t--) {
    const row = t * S;
    const next = row + S;
    const p = (t + 1) * C;
    const lo = firstState(S, T, t);
    const hi = lastState(S, t);
    for (let s = lo; s <= hi; s++) {
      let sum = beta[next + s] * probs[p + ext[s]];
      if (s + 1 < S) sum += beta[next + s + 1] * probs[p + ext[s + 1]];
      if (s + 2 < S && skip[s + 2]) sum += beta[next + s + 2] * probs[p + ext[s + 2]];
      beta[row + s] = sum;
    }
    const total = rescaleRow(beta, row, lo, hi);
    if (Number.isNaN(total)) return NaN;
    logScale += Math.log(total);
    logScaleB[t] = logScale;
  }
  // Each frame's sum of alpha * beta, checked against p(label); the posteriors are its shares.
  const norms = new Float64Array(T);
  const tolerance = 1e-9 * Math.max(1, Math.abs(logLik));
  for (let t = 0; t < T; t++) {
    let z = 0;
    for (let s = 0, row = t * S; s < S; s++) z += alpha[row + s] * beta[row + s];
    if (!(z > 1e-200) || Math.abs(Math.log(z) + logScaleA[t] + logScaleB[t] - logLik) > tolerance) return NaN;
    norms[t] = 1 / z;
  }
  for (let t = 0; t < T; t++) {
    const row = t * S;
    const g = t * C;
    for (let s = 0; s < S; s++) grad[g + ext[s]] -= alpha[row + s] * beta[row + s] * norms[t];
  }
  return logLik;
}

/**
 * Log-space forward-backward, for the examples the scaled pass gives up on. Writes only to `grad`,
 * from which it subtracts the posterior of each class per frame; returns log p(label | x) (-Infinity
 * when no alignment has probability > 0). A state entered from two predecessors costs one exp and one
 * log1p, from three (skip) two exps.
 */
function forwardBackwardLog(logProbs: ArrayLike<number>, T: number, C: number, label: ExtendedLabel, grad: Float64Array): number {
  const { S, ext, skip } = label;
  // alpha[t*S+s]: log p(frames 0..t, ending in state s); beta[t*S+s]: log p(frames t+1..T-1 | state s at t).
  const alpha = new Float64Array(T * S).fill(-Infinity);
  const beta = new Float64Array(T * S).fill(-Infinity);
  alpha[0] = logProbs[ext[0]];
  if (S > 1) alpha[1] = logProbs[ext[1]];
  for (let t = 1; t < T; t++) {
    const row = t * S;
    const prev = row - S;
    const lp = t * C;
    for (let s = firstState(S, T, t), hi = lastState(S, t); s <= hi; s++) {
      const a = alpha[prev + s];
      const b = s > 0 ? alpha[prev + s - 1] : -Infinity;
      const sum = skip[s] ? logSumExp3(a, b, alpha[prev + s - 2]) : logSumExp2(a, b);
      alpha[row + s] = sum + logProbs[lp + ext[s]];
    }
  }
  const last = (T - 1) * S;
  const logLik = S > 1 ? logSumExp2(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  if (!Number.isFinite(logLik)) return -Infinity;
  beta[last + S - 1] = 0;
  if (S > 1) beta[last + S - 2] = 0;
  for (let t = T - 2; t >= 0; t--) {
    const row = t * S;
    const next = row + S;
    const lp = (t + 1) * C;
    for (let s = firstState(S, T, t), hi = lastState(S, t); s <= hi; s++) {
      const a = beta[next + s] + logProbs[lp + ext[s]];
      const b = s + 1 < S ? beta[next + s + 1] + logProbs[lp + ext[s + 1]] : -Infinity;
      beta[row + s] = s + 2 < S && skip[s + 2]
        ? logSumExp3(a, b, beta[next + s + 2] + logProbs[lp + ext[s + 2]])
        : logSumExp2(a, b);
    }
  }
  // Posterior of state s at frame t: exp(alpha + beta - log p); summed per class into the gradient.
  for (let t = 0; t < T; t++) {
    const row = t * S;
    const g = t * C;
    for (let s = 0; s < S; s++) {
      const ab = alpha[row + s] + beta[row + s];
      if (ab !== -Infinity) grad[g + ext[s]] -= Math.exp(ab - logLik);
    }
  }
  return logLik;
}

/**
 * CTC negative log-likelihood of one label and its gradient w.r.t. the logits.
 * `logProbs` [T * C] must be log-softmax(logits) per frame; the gradient is softmax - posterior.
 */
export function ctcForwardBackward(
  logProbs: ArrayLike<number>, T: number, C: number, label: ArrayLike<number>, blank: number,
): CtcForwardBackwardResult {
  if (logProbs.length < T * C) {
    throw new Error(`ctcForwardBackward: logProbs has ${logProbs.length} values, fewer than T * C = ${T} * ${C}.`);
  }
  const grad = new Float64Array(T * C);
  if (T < ctcMinFrames(label)) return { nll: Infinity, grad, feasible: false, finite: true };
  // Checked before the forward pass: NaN off the label's path would still poison the softmax term of the gradient.
  if (!allFinite(logProbs, T * C)) return { nll: NaN, grad, feasible: false, finite: false };
  if (T === 0) return { nll: 0, grad, feasible: true, finite: true }; // empty label on no frames: p = 1
  for (let i = 0; i < T * C; i++) grad[i] = Math.exp(logProbs[i]); // softmax, minus the posterior below
  const ext = extend(label, blank);
  let logLik = forwardBackwardScaled(grad, T, C, ext, grad);
  if (Number.isNaN(logLik)) logLik = forwardBackwardLog(logProbs, T, C, ext, grad);
  if (!Number.isFinite(logLik)) return { nll: Infinity, grad: grad.fill(0), feasible: false, finite: true };
  return { nll: -logLik, grad, feasible: true, finite: true };
}

/** Reads the rows of a padded [batch, L] label array: number[][] or a flat Int32Array. */
function labelRow(labels: Int32Array | number[][], width: number, b: number, length: number): ArrayLike<number> {
  if (Array.isArray(labels)) return labels[b].slice(0, length);
  return labels.subarray(b * width, b * width + length);
}

/**
 * Indices of the examples `ctcLoss` skips because their label cannot be aligned: fewer frames
 * (`logitLengths[b]`) than characters plus repeated adjacent pairs. `labels` is [batch, L] (rows of
 * number[][] or a flat Int32Array); with `maxLabel`, a label value outside 0..maxLabel throws.
 */
export function ctcInfeasible(
  labels: Int32Array | number[][], labelLengths: ArrayLike<number>, logitLengths: ArrayLike<number>, maxLabel?: number,
): number[] {
  const batch = labelLengths.length;
  if (logitLengths.length !== batch) {
    throw new Error(`ctcInfeasible: ${batch} label lengths but ${logitLengths.length} logit lengths; pass one of each per example.`);
  }
  const width = Array.isArray(labels) ? 0 : batch > 0 ? labels.length / batch : 0;
  if (!Array.isArray(labels) && !Number.isInteger(width)) {
    throw new Error(`ctcInfeasible: a flat label array of ${labels.length} values is not [batch = ${batch}, L].`);
  }
  const skipped: number[] = [];
  for (let b = 0; b < batch; b++) {
    const length = labelLengths[b];
    const rowWidth = Array.isArray(labels) ? labels[b]?.length ?? 0 : width;
    if (!Number.isInteger(length) || length < 0 || length > rowWidth) {
      throw new Error(`ctcInfeasible: labelLengths[${b}] = ${length} is outside 0..${rowWidth} (the padded label width).`);
    }
    const row = labelRow(labels, width, b, length);
    if (maxLabel !== undefined) {
      for (let i = 0; i < row.length; i++) {
        if (!Number.isInteger(row[i]) || row[i] < 0 || row[i] > maxLabel) {
          throw new Error(`ctcInfeasible: label value ${row[i]} at example ${b}, position ${i} is outside 0..${maxLabel}.`);
        }
      }
    }
    if (logitLengths[b] < ctcMinFrames(row)) skipped.push(b);
  }
  return skipped;
}

/** Checks shapes, lengths and label values; returns the host copies ctcLoss works on. */
function readCtcInputs(
  logits: tf.Tensor3D, labels: tf.Tensor2D, labelLengths: tf.Tensor1D, logitLengths: tf.Tensor1D, blank: number,
): { labelData: Int32Array; labelLens: Int32Array; logitLens: Int32Array } {
  if (logits.rank !== 3) throw new Error(`ctcLoss: logits must be [batch, T, C]; got shape [${logits.shape}].`);
  const [batch, T, C] = logits.shape;
  if (labels.rank !== 2 || labels.shape[0] !== batch) {
    throw new Error(`ctcLoss: labels must be [batch = ${batch}, L] (padded); got shape [${labels.shape}].`);
  }
  for (const [name, t] of [['labelLengths', labelLengths], ['logitLengths', logitLengths]] as const) {
    if (t.rank !== 1 || t.shape[0] !== batch) throw new Error(`ctcLoss: ${name} must be [batch = ${batch}]; got shape [${t.shape}].`);
  }
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) {
    throw new Error(`ctcLoss: blank index ${blank} is outside 0..${C - 1} (C = ${C} classes).`);
  }
  const width = labels.shape[1];
  const labelData = Int32Array.from(labels.dataSync());
  const labelLens = Int32Array.from(labelLengths.dataSync());
  const logitLens = Int32Array.from(logitLengths.dataSync());
  for (let b = 0; b < batch; b++) {
    if (labelLens[b] < 0 || labelLens[b] > width) {
      throw new Error(`ctcLoss: labelLengths[${b}] = ${labelLens[b]} is outside 0..${width} (the padded label width).`);
    }
    if (logitLens[b] < 0 || logitLens[b] > T) {
      throw new Error(`ctcLoss: logitLengths[${b}] = ${logitLens[b]} is outside 0..${T} (the frames in logits).`);
    }
    for (let i = 0; i < labelLens[b]; i++) {
      const v = labelData[b * width + i];
      if (v < 0 || v >= C || v === blank) {
        throw new Error(`ctcLoss: label value ${v} at example ${b}, position ${i} is not a character class (0..${C - 1} except the blank ${blank}); check the charset/blank mapping.`);
      }
    }
  }
  return { labelData, labelLens, logitLens };
}

/**
 * Per-example CTC negative log-likelihood [batch], differentiable w.r.t. the raw logits [batch, T, C]
 * (log-softmax is applied inside). Frames past logitLengths[b] and label entries past labelLengths[b]
 * are ignored. An example whose label cannot be aligned (see ctcInfeasible), or whose logits are
 * not finite, gets loss 0 and zero gradient; `opts.skipped` counts both kinds, and a caller must
 * look at it: a batch whose every line is non-finite has loss 0 and means the model diverged.
 */
export function ctcLoss(
  logits: tf.Tensor3D, labels: tf.Tensor2D, labelLengths: tf.Tensor1D, logitLengths: tf.Tensor1D, opts: CtcOptions = {},
): tf.Tensor1D {
  const [batch, T, C] = logits.shape;
  const blank = opts.blank ?? C - 1;
  const { labelData, labelLens, logitLens } = readCtcInputs(logits, labels, labelLengths, logitLengths, blank);
  const width = labels.shape[1];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const logProbs = tf.logSoftmax(args[0] as tf.Tensor3D).dataSync() as Float32Array; // [batch * T * C]
    const losses = new Float32Array(batch);
    // Kept on the host until a backward pass asks for it: evaluation never builds the tensor.
    const grad = new Float32Array(batch * T * C);
    for (let b = 0; b < batch; b++) {
      const start = b * T * C;
      const Tb = logitLens[b];
      const label = labelData.subarray(b * width, b * width + labelLens[b]);
      const r = ctcForwardBackward(logProbs.subarray(start, start + Tb * C), Tb, C, label, blank);
      if (!r.finite || !r.feasible) { // skipped: loss 0, gradient 0
        if (opts.skipped) opts.skipped[r.finite ? 'infeasible' : 'nonFinite']++;
        continue;
      }
      losses[b] = r.nll;
      grad.set(r.grad, start); // frames past Tb keep their zero gradient
    }
    const gradFunc = (dy: tf.Tensor): tf.Tensor =>
      tf.mul(tf.tensor3d(grad, [batch, T, C]), tf.reshape(dy, [batch, 1, 1]));
    return { value: tf.tensor1d(losses), gradFunc };
  });
  return op(logits) as tf.Tensor1D;
}
