/**
 * CTC loss against definitions: brute-force sums over every alignment (T <= 6, C <= 4), central
 * finite differences of the loss for the gradient, hand-derived edge cases, and wasm vs cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend';
import { ctcForwardBackward, ctcInfeasible, ctcLoss, ctcMinFrames } from '../src/ctc';
import { greedyDecode } from '../src/ctc';
import { bruteForceNll, forwardRecursionNll, logSoftmaxRows, randomLogits } from './ctc_helpers';

/** One example: label over classes 0..C-1 with the given blank. */
interface Case { T: number; C: number; label: number[]; blank?: number }

// Labels with repeats, the empty label, non-last blanks, and T on both sides of the feasibility boundary.
const cases: Case[] = [
  { T: 1, C: 2, label: [] },
  { T: 3, C: 3, label: [] },
  { T: 1, C: 3, label: [0] },
  { T: 4, C: 3, label: [1] },
  { T: 2, C: 3, label: [0, 1] },
  { T: 5, C: 3, label: [0, 1] },
  { T: 2, C: 3, label: [0, 0] }, // infeasible: needs a blank between the two 0s
  { T: 3, C: 3, label: [0, 0] }, // exactly feasible
  { T: 6, C: 3, label: [0, 0] },
  { T: 5, C: 4, label: [0, 0, 0] }, // exactly feasible
  { T: 4, C: 4, label: [0, 0, 0] }, // infeasible
  { T: 6, C: 4, label: [2, 1, 2] },
  { T: 6, C: 4, label: [1, 1, 2, 2] }, // L + repeats = 6
  { T: 5, C: 4, label: [1, 1, 2, 2] }, // infeasible
  { T: 6, C: 4, label: [0, 1, 2, 0, 1, 2] },
  { T: 5, C: 4, label: [1, 2], blank: 0 },
  { T: 5, C: 4, label: [2, 2], blank: 1 },
];

function caseName(c: Case): string {
  return `T=${c.T} C=${c.C} label=[${c.label}] blank=${c.blank ?? c.C - 1}`;
}

/** Largest |a - b| / max(max|b|, 1e-6): the kernel tests' relative error. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('ctcForwardBackward (Float64 core)', () => {
  test.each(cases.map((c, i) => [caseName(c), c, i] as const))('nll equals the brute-force sum over all alignments: %s', (_, c, i) => {
    const blank = c.blank ?? c.C - 1;
    const logProbs = logSoftmaxRows(randomLogits(c.T * c.C, 100 + i), c.T, c.C);
    const r = ctcForwardBackward(logProbs, c.T, c.C, c.label, blank);
    const reference = bruteForceNll(logProbs, c.T, c.C, c.label, blank);
    expect(r.feasible).toBe(Number.isFinite(reference));
    expect(r.feasible).toBe(c.T >= ctcMinFrames(c.label));
    if (r.feasible) {
      expect(Math.abs(r.nll - reference)).toBeLessThan(1e-5);
    } else {
      expect(r.nll).toBe(Infinity);
      expect(r.grad.every((g) => g === 0)).toBe(true);
    }
  });

  test.each(cases.filter((c) => c.T >= ctcMinFrames(c.label)).map((c, i) => [caseName(c), c, i] as const))(
    'gradient equals central differences of the brute-force nll: %s', (_, c, i) => {
      const blank = c.blank ?? c.C - 1;
      const logits = randomLogits(c.T * c.C, 200 + i);
      const r = ctcForwardBackward(logSoftmaxRows(logits, c.T, c.C), c.T, c.C, c.label, blank);
      const eps = 1e-5;
      const fd = Float64Array.from(logits, (_, j) => {
        const plus = Float64Array.from(logits);
        const minus = Float64Array.from(logits);
        plus[j] += eps;
        minus[j] -= eps;
        const f = (x: Float64Array): number => bruteForceNll(logSoftmaxRows(x, c.T, c.C), c.T, c.C, c.label, blank);
        return (f(plus) - f(minus)) / (2 * eps);
      });
      expect(relError(r.grad, fd)).toBeLessThan(1e-6);
    });

  test('NaN anywhere in the frames (even in a class the label never uses): nll NaN, gradient 0, not finite', () => {
    const logProbs = logSoftmaxRows(randomLogits(4 * 3, 5), 4, 3);
    expect(ctcForwardBackward(logProbs, 4, 3, [0], 2)).toMatchObject({ feasible: true, finite: true });
    for (const bad of [NaN, Infinity]) {
      const poisoned = Float64Array.from(logProbs);
      poisoned[2 * 3 + 1] = bad; // class 1 is not in the label [0]
      const r = ctcForwardBackward(poisoned, 4, 3, [0], 2);
      expect(r).toMatchObject({ feasible: false, finite: false });
      expect(r.nll).toBeNaN();
      expect(r.grad.every((v) => v === 0)).toBe(true);
    }
    // -Infinity is a log-probability of 0, not a divergence.
    const zero = Float64Array.from(logProbs);
    zero[2 * 3 + 1] = -Infinity;
    expect(ctcForwardBackward(zero, 4, 3, [0], 2)).toMatchObject({ feasible: true, finite: true });
  });

  test('single-alignment labels: the nll is the sum of the forced frames', () => {
    const C = 3;
    const lp = logSoftmaxRows(randomLogits(3 * C, 7), 3, C);
    // [0, 0] on 3 frames: only 0, blank, 0.
    expect(ctcForwardBackward(lp, 3, C, [0, 0], 2).nll).toBeCloseTo(-(lp[0] + lp[C + 2] + lp[2 * C]), 12);
    // [0, 1] on 2 frames: only 0, 1.
    expect(ctcForwardBackward(lp, 2, C, [0, 1], 2).nll).toBeCloseTo(-(lp[0] + lp[C + 1]), 12);
    // empty label: blank in every frame.
    expect(ctcForwardBackward(lp, 3, C, [], 2).nll).toBeCloseTo(-(lp[2] + lp[C + 2] + lp[2 * C + 2]), 12);
  });

  test('a confident wrong model (p(label) ~ e^-600 and below, far under float64 range): exact, finite', () => {
    // Blank scores 300 above every character: each character frame costs ~300 nats, so p(label)
    // underflows in linear space (and the label's states sit hundreds of nats below the all-blank one).
    const T = 5;
    const C = 4;
    const logits = Float64Array.from(randomLogits(T * C, 61), (v, i) => (i % C === C - 1 ? v + 300 : v));
    const logProbs = logSoftmaxRows(logits, T, C);
    for (const label of [[0, 1, 2], [1, 1], [2, 0, 2, 1]]) {
      const r = ctcForwardBackward(logProbs, T, C, label, C - 1);
      const reference = bruteForceNll(logProbs, T, C, label, C - 1);
      expect(reference).toBeGreaterThan(590);
      expect(Math.abs(r.nll - reference)).toBeLessThan(1e-9 * reference);
      const eps = 1e-4;
      const fd = Float64Array.from(logits, (_, j) => {
        const at = (delta: number): number => {
          const x = Float64Array.from(logits);
          x[j] += delta;
          return bruteForceNll(logSoftmaxRows(x, T, C), T, C, label, C - 1);
        };
        return (at(eps) - at(-eps)) / (2 * eps);
      });
      expect(relError(r.grad, fd)).toBeLessThan(1e-6);
    }
  });

  // Logits of a long line: random at a scale, plus `peak` on one alignment of another label (a
  // trained model sure of the wrong reading: p(label) ~ e^-(peak x characters)).
  test.each([[2, 0, 'moderate'], [12, 0, 'confident'], [40, 0, 'extreme: probabilities hundreds of nats apart'], [2, 60, 'sure of a wrong reading']] as const)(
    'a long line (T 100, 77 classes, 30 characters), logits x %i, peak %i (%s): nll equals the log-space forward recursion, gradient its central differences',
    (scale, peak) => {
      const T = 100;
      const C = 77;
      const label = Array.from({ length: 30 }, (_, i) => (i * 37 + 11) % (C - 1));
      label[5] = label[4]; // a repeated pair
      const logits = randomLogits(T * C, 71, scale);
      for (let i = 0; i < label.length; i++) logits[(3 * i + 2) * C + ((label[i] + 1) % (C - 1))] += peak;
      const r = ctcForwardBackward(logSoftmaxRows(logits, T, C), T, C, label, C - 1);
      const reference = forwardRecursionNll(logSoftmaxRows(logits, T, C), T, C, label, C - 1);
      expect(r.feasible).toBe(true);
      expect(Math.abs(r.nll - reference)).toBeLessThan(1e-9 * Math.max(1, reference));
      const eps = 1e-5;
      for (const j of [0, 11, 2 * C + 76, 40 * C + label[13], 41 * C + C - 1, 99 * C + label[29], 70 * C + 3]) {
        const at = (delta: number): number => {
          const x = Float64Array.from(logits);
          x[j] += delta;
          return forwardRecursionNll(logSoftmaxRows(x, T, C), T, C, label, C - 1);
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        expect(Math.abs(r.grad[j] - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    });

  test('ctcMinFrames counts one extra frame per repeated adjacent pair', () => {
    expect(ctcMinFrames([])).toBe(0);
    expect(ctcMinFrames([1, 2, 3])).toBe(3);
    expect(ctcMinFrames([1, 1, 2, 2, 2, 1])).toBe(9);
  });
});

/** Labels padded to a common width with a value that would be invalid if read. */
function padLabels(labels: number[][], pad = -7): { flat: number[][]; width: number } {
  const width = Math.max(0, ...labels.map((l) => l.length));
  return { flat: labels.map((l) => [...l, ...new Array(width - l.length).fill(pad)]), width };
}

interface BatchCase { T: number; C: number; labels: number[][]; logitLengths: number[]; seed: number }

function tensors(b: BatchCase) {
  const { flat, width } = padLabels(b.labels);
  return {
    logits: tf.tensor3d(Float32Array.from(randomLogits(b.labels.length * b.T * b.C, b.seed)), [b.labels.length, b.T, b.C]),
    labels: tf.tensor2d(flat.flat(), [b.labels.length, width], 'int32'),
    labelLengths: tf.tensor1d(b.labels.map((l) => l.length), 'int32'),
    logitLengths: tf.tensor1d(b.logitLengths, 'int32'),
  };
}

// A batch mixing full-length, shorter (padded) and infeasible examples, blank = C - 1 = 3.
const mixed: BatchCase = {
  T: 6, C: 4, seed: 31,
  labels: [[0, 1], [2, 2], [1, 1, 1], [], [0, 2, 1], [1, 1]],
  logitLengths: [6, 4, 4, 5, 3, 2],
};

describe.each(['wasm', 'cpu'])('ctcLoss on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  test('per-example losses equal brute force; padded label entries and frames are ignored; infeasible rows are 0', () => {
    const t = tensors(mixed);
    const losses = ctcLoss(t.logits, t.labels, t.labelLengths, t.logitLengths).dataSync();
    const logits = t.logits.arraySync();
    mixed.labels.forEach((label, b) => {
      const Tb = mixed.logitLengths[b];
      const lp = logSoftmaxRows(logits[b].slice(0, Tb).flat(), Tb, mixed.C);
      const reference = bruteForceNll(lp, Tb, mixed.C, label, mixed.C - 1);
      if (Number.isFinite(reference)) expect(Math.abs(losses[b] - reference)).toBeLessThan(1e-5);
      else expect(losses[b]).toBe(0);
    });
    // [1, 1, 1] on 4 frames needs 5; [1, 1] on 2 frames needs 3.
    expect(ctcInfeasible(mixed.labels, t.labelLengths.dataSync(), mixed.logitLengths)).toEqual([2, 5]);
  });

  test('tf.grad matches central differences of the loss (per-example weights, padded frames get 0)', () => {
    const t = tensors(mixed);
    const weights = tf.tensor1d([1, -0.5, 2, 0.75, 1.5, 3]);
    const f = (x: tf.Tensor3D): tf.Scalar => tf.sum(tf.mul(ctcLoss(x, t.labels, t.labelLengths, t.logitLengths), weights));
    const analytic = tf.grad(f)(t.logits).dataSync();
    expect(analytic.every(Number.isFinite)).toBe(true);
    const base = t.logits.dataSync();
    const eps = 1e-2; // float32 loss: larger steps keep rounding below the 1e-3 bound
    const fd = Float64Array.from(base, (_, j) => {
      const at = (delta: number): number => {
        const x = Float32Array.from(base);
        x[j] += delta;
        return tf.tidy(() => f(tf.tensor3d(x, t.logits.shape)).dataSync()[0]);
      };
      return (at(eps) - at(-eps)) / (2 * eps);
    });
    expect(relError(analytic, fd)).toBeLessThan(1e-3);
    // Frames past logitLengths and infeasible examples: exactly zero.
    const [B, T, C] = t.logits.shape;
    for (let b = 0; b < B; b++) {
      const skipped = b === 2 || b === 5;
      for (let i = (skipped ? 0 : mixed.logitLengths[b]) * C; i < T * C; i++) expect(analytic[b * T * C + i] === 0).toBe(true); // 0 or -0 (0 * -dy)
    }
  });

  test('empty label: loss = -sum over frames of log p(blank)', () => {
    const logits = tf.tensor3d(Float32Array.from(randomLogits(5 * 3, 41)), [1, 5, 3]);
    const loss = ctcLoss(logits, tf.zeros([1, 0], 'int32') as tf.Tensor2D, tf.tensor1d([0], 'int32'), tf.tensor1d([5], 'int32'));
    const lp = logSoftmaxRows(logits.dataSync(), 5, 3);
    const expected = -[0, 1, 2, 3, 4].reduce((s, t) => s + lp[t * 3 + 2], 0);
    expect(Math.abs(loss.dataSync()[0] - expected)).toBeLessThan(1e-5);
  });

  test('T too short: loss 0, gradient 0, listed by ctcInfeasible; the batch stays finite', () => {
    const logits = tf.tensor3d(Float32Array.from(randomLogits(2 * 3 * 3, 43)), [2, 3, 3]);
    const labels = tf.tensor2d([[0, 1, 0], [0, 0, 0]], [2, 3], 'int32'); // second needs 5 frames
    const labelLengths = tf.tensor1d([3, 3], 'int32');
    const logitLengths = tf.tensor1d([3, 3], 'int32');
    const losses = ctcLoss(logits, labels, labelLengths, logitLengths).dataSync();
    expect(losses[0]).toBeGreaterThan(0);
    expect(losses[1]).toBe(0);
    const g = tf.grad((x: tf.Tensor3D) => tf.sum(ctcLoss(x, labels, labelLengths, logitLengths)))(logits).arraySync();
    expect(g[1].flat().every((v) => v === 0)).toBe(true); // -0 === 0 too
    expect(g[0].flat().every(Number.isFinite)).toBe(true);
    expect(g[0].flat().some((v) => v !== 0)).toBe(true);
    expect(ctcInfeasible(labels.dataSync() as Int32Array, [3, 3], [3, 3])).toEqual([1]);
    expect(ctcInfeasible([[0, 0, 0]], [3], [5])).toEqual([]);
  });

  test('NaN or infinite logits: loss 0 and gradient 0 for that line, counted as nonFinite apart from the infeasible ones', () => {
    const t = tensors(mixed); // rows 2 and 5 are infeasible
    const values = t.logits.dataSync().slice();
    const { T, C } = mixed;
    values[0 * T * C + 3 * C + 1] = NaN; // row 0, inside its frames
    values[1 * T * C + 0 * C + 0] = Infinity; // row 1
    values[4 * T * C + 5 * C + 2] = NaN; // row 4, past its 3 frames: ignored like any padded frame
    const logits = tf.tensor3d(values, [mixed.labels.length, T, C]);
    const skipped = { infeasible: 0, nonFinite: 0 };
    const losses = ctcLoss(logits, t.labels, t.labelLengths, t.logitLengths, { skipped }).dataSync();
    expect(skipped).toEqual({ infeasible: 2, nonFinite: 2 });
    expect([losses[0], losses[1], losses[2], losses[5]]).toEqual([0, 0, 0, 0]);
    expect(losses[3]).toBeGreaterThan(0);
    expect(losses[4]).toBeGreaterThan(0);
    const g = tf.grad((x: tf.Tensor3D) => tf.sum(ctcLoss(x, t.labels, t.labelLengths, t.logitLengths)))(logits).arraySync();
    for (const b of [0, 1]) expect(g[b].flat().every((v) => v === 0)).toBe(true);
    expect(g.flat(2).every(Number.isFinite)).toBe(true);
  });

  test('extreme logits: finite losses and gradients, never NaN', () => {
    const values = Float32Array.from(randomLogits(2 * 8 * 5, 47, 80)); // softmax probabilities down to e^-160
    const logits = tf.tensor3d(values, [2, 8, 5]);
    const labels = tf.tensor2d([[0, 1, 2, 3], [3, 3, 3, 3]], [2, 4], 'int32');
    const lens = tf.tensor1d([4, 4], 'int32');
    const frames = tf.tensor1d([8, 7], 'int32');
    const [value, grad] = (() => {
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.sum(ctcLoss(x as tf.Tensor3D, labels, lens, frames)))([logits]);
      return [value.dataSync()[0], grads[0].dataSync()];
    })();
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(10);
    expect(grad.every(Number.isFinite)).toBe(true);
  });

  test('leaks no tensors, forward or backward', () => {
    const t = tensors(mixed);
    const before = tf.memory().numTensors;
    tf.tidy(() => { ctcLoss(t.logits, t.labels, t.labelLengths, t.logitLengths); });
    tf.grad((x: tf.Tensor3D) => tf.sum(ctcLoss(x, t.labels, t.labelLengths, t.logitLengths)))(t.logits).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('gradient descent on free logits learns the label (greedy decode reads it back)', () => {
    const label = [2, 0, 0, 1];
    const x = tf.variable(tf.zeros([1, 10, 4]));
    const args = [tf.tensor2d([label], [1, 4], 'int32'), tf.tensor1d([4], 'int32'), tf.tensor1d([10], 'int32')] as const;
    const optimizer = tf.train.adam(0.3);
    const first = tf.tidy(() => ctcLoss(x as tf.Tensor3D, ...args).dataSync()[0]);
    for (let i = 0; i < 60; i++) optimizer.minimize(() => tf.sum(ctcLoss(x as tf.Tensor3D, ...args)) as tf.Scalar);
    const last = tf.tidy(() => ctcLoss(x as tf.Tensor3D, ...args).dataSync()[0]);
    expect(last).toBeLessThan(first / 10);
    expect(greedyDecode(x.dataSync(), 10, 4).labels).toEqual(label);
  });

  test('bad input: a label equal to the blank, or lengths beyond the tensors, throw naming the value', () => {
    const logits = tf.zeros([1, 4, 3]) as tf.Tensor3D;
    const lens = tf.tensor1d([2], 'int32');
    expect(() => ctcLoss(logits, tf.tensor2d([[0, 2]], [1, 2], 'int32'), lens, tf.tensor1d([4], 'int32')))
      .toThrow(/label value 2 at example 0, position 1 .*blank 2/);
    expect(() => ctcLoss(logits, tf.tensor2d([[0, 1]], [1, 2], 'int32'), lens, tf.tensor1d([5], 'int32')))
      .toThrow(/logitLengths\[0\] = 5 is outside 0..4/);
    expect(() => ctcLoss(logits, tf.tensor2d([[0, 1]], [1, 2], 'int32'), tf.tensor1d([3], 'int32'), tf.tensor1d([4], 'int32')))
      .toThrow(/labelLengths\[0\] = 3 is outside 0..2/);
    expect(() => ctcLoss(logits, tf.tensor2d([[0, 1]], [1, 2], 'int32'), lens, tf.tensor1d([4], 'int32'), { blank: 3 }))
      .toThrow(/blank index 3 is outside 0..2/);
    expect(() => ctcInfeasible([[0, 5]], [2], [4], 3)).toThrow(/label value 5 at example 0, position 1 is outside 0..3/);
  });
});

test('wasm and cpu give the same losses and gradients (1e-5)', async () => {
  const batch: BatchCase = {
    T: 40, C: 12, seed: 53,
    labels: [[0, 1, 2, 3, 4], [5, 5, 5, 6], [], [7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7], [3, 3], Array.from({ length: 25 }, (_, i) => i % 11)],
    logitLengths: [40, 31, 12, 27, 1, 40],
  };
  const run = async (backend: string): Promise<[Float32Array, Float32Array]> => {
    await initBackend({ backend });
    const t = tensors(batch);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.sum(tf.mul(
      ctcLoss(x as tf.Tensor3D, t.labels, t.labelLengths, t.logitLengths), tf.linspace(0.5, 2, 6))))([t.logits]);
    value.dispose();
    return [ctcLoss(t.logits, t.labels, t.labelLengths, t.logitLengths).dataSync() as Float32Array, grads[0].dataSync() as Float32Array];
  };
  const [lossCpu, gradCpu] = await run('cpu');
  const [lossWasm, gradWasm] = await run('wasm');
  expect(lossCpu[4]).toBe(0); // [3, 3] on 1 frame: skipped on both
  expect(lossCpu[0]).toBeGreaterThan(10);
  for (let b = 0; b < 6; b++) expect(Math.abs(lossWasm[b] - lossCpu[b])).toBeLessThan(1e-5 * Math.max(1, lossCpu[b]));
  expect(relError(gradWasm, gradCpu)).toBeLessThan(1e-5);
});
