/**
 * Do the project's wasm kernels train what the stock kernels train? A check with a verdict:
 *   npm run build && node dist/bench/equivalence.js [--steps N] [--batch-size B] [--full-epoch]
 *
 * Trains the benchmark CNN (`baselineCnn`) from the same seeded weights on the same MNIST batches
 * (the training loop of `hwr train`, one worker) along two paths, each in its own process, because
 * kernels are registered per process:
 *  - fast: this project's wasm kernels and fused Adam (what `hwr train` uses);
 *  - reference: tfjs-wasm's stock kernels and tfjs's own Adam, plus the one gradient stock wasm
 *    lacks (Conv2DBackpropFilter) as a plain loop over its definition: the maths of the cpu
 *    backend without its cost (the cpu backend itself needs ~75 s per step here).
 * then compares them (`compareTraces`, tolerances in `TOLERANCE`) and exits 1 beyond them.
 * Float sums in another order make the runs drift apart slowly, so early losses must agree
 * closely and the end of the run loosely; a wrong kernel breaks the first few steps.
 *
 * Default: 200 steps of 64 images (a few minutes on 2 cores); --full-epoch trains a whole epoch
 * (the "same test accuracy within 0.3%", ~20 min per path). `fast` or `reference` as the
 * first argument runs one path and writes its trace to outputs/equivalence/, and compares with the
 * other's trace when it came from the same compiled code and settings; with neither (what
 * `npm run bench:equivalence` does) both paths run, one process each, and are compared.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Dataset } from '../src/data/dataset';
import { baselineCnn } from '../src/models/cnn';
import { train } from '../src/train/train';
import { predictDataset } from '../src/eval/predict_dataset';
import { snapshotWeights } from '../src/engine/weights';
import { convGeometry, ConvAttrs } from '../src/kernels/conv_geometry';
import { FusedAdamOptimizer, WASM_TRAINING_KERNELS } from '../src/kernels';

/** dW[fh, fw, c, o] = sum over n, oh, ow of x[n, oh*s+fh-pt, ow*s+fw-pl, c] * dy[n, oh, ow, o]. */
function referenceFilterGrad(args: { inputs: { x: tf.TensorInfo; dy: tf.TensorInfo }; backend: BackendWasm; attrs: ConvAttrs & { filterShape: number[] } }): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const g = convGeometry('Conv2DBackpropFilter', inputs.x.shape, attrs.filterShape, attrs, false);
  const O = attrs.filterShape[3];
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  const x = backend.typedArrayFromHeap(inputs.x) as Float32Array;
  const dy = backend.typedArrayFromHeap(inputs.dy) as Float32Array;
  const dW = backend.typedArrayFromHeap(out) as Float32Array;
  dW.fill(0);
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((n * OH + oh) * OW + ow) * O;
        for (let fh = 0; fh < g.filterHeight; fh++) {
          const ih = oh * g.strideHeight + fh - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < g.filterWidth; fw++) {
            const iw = ow * g.strideWidth + fw - g.padLeft;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const wBase = (fh * g.filterWidth + fw) * C * O;
            for (let c = 0; c < C; c++) {
              const xv = x[xBase + c];
              const row = wBase + c * O;
              for (let o = 0; o < O; o++) dW[row + o] += xv * dy[dyBase + o];
            }
          }
        }
      }
    }
  }
  return out;
}

/** What one path's run left: its per-step losses, final weights and test accuracy. */
export interface Trace {
  mode: string;
  /** Training loss of each step (before its update). */
  losses: number[];
  /** Every weight of the model after the run, flattened in `model.weights` order. */
  weights: Float32Array;
  /** The weights before the run (the same for both paths: a seeded initialiser). */
  initial: Float32Array;
  testAccuracy: number;
  seconds: number;
}

/** What the two paths may differ by (losses in nats, accuracy as a fraction). */
export interface Tolerance {
  /** The first `earlySteps` losses, before rounding differences compound... */
  earlySteps: number;
  /** ...may differ by at most this much each. */
  maxEarlyLossDiff: number;
  /** The mean loss of the last quarter of the steps may differ by this much. */
  maxLateLossDiff: number;
  /** |w_fast - w_ref| / |w_ref - w_initial|: how far apart the runs ended, relative to how far they went. */
  maxWeightDrift: number;
  /** Test accuracy may differ by this much (0.003: the 0.3 points). */
  maxAccuracyDiff: number;
}

/**
 * The default run (200 steps of 64) measured at 4.8e-7 early, 6e-4 late, a weight drift of 3.2% of
 * the travel and 0.01 accuracy points (2 cores, wasm); a sign error in one gradient kernel moves
 * the first losses by far more than 1e-3. The accuracy bound is the 0.3 points.
 */
export const TOLERANCE: Tolerance = {
  earlySteps: 20, maxEarlyLossDiff: 1e-3, maxLateLossDiff: 0.03, maxWeightDrift: 0.1, maxAccuracyDiff: 0.003,
};

/** A whole epoch drifts further apart than 200 steps: there the accuracy bound is the one that matters. */
export function toleranceFor(s: TraceSettings): Tolerance {
  return s.fullEpoch ? { ...TOLERANCE, maxWeightDrift: 0.5 } : TOLERANCE;
}

/** The figures of a comparison and whether each is within tolerance. */
export interface Comparison {
  pass: boolean;
  figures: { earlyLossDiff: number; lateLossDiff: number; weightDrift: number; accuracyDiff: number };
  /** One line per figure beyond its tolerance. */
  failures: string[];
}

function norm(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

/** Compares two runs of the same steps from the same weights (`a` the fast path, `b` the reference). */
export function compareTraces(a: Trace, b: Trace, tol: Tolerance = TOLERANCE): Comparison {
  if (a.losses.length !== b.losses.length || a.weights.length !== b.weights.length) {
    throw new Error(`equivalence: the runs differ in shape (${a.losses.length} vs ${b.losses.length} steps, ${a.weights.length} vs ${b.weights.length} weights): run both with the same settings.`);
  }
  if (norm(a.initial, b.initial) !== 0) throw new Error('equivalence: the two runs started from different weights: run both with the same seed.');
  const early = Math.min(tol.earlySteps, a.losses.length);
  let earlyLossDiff = 0;
  for (let i = 0; i < early; i++) earlyLossDiff = Math.max(earlyLossDiff, Math.abs(a.losses[i] - b.losses[i]));
  const lateFrom = Math.floor((3 * a.losses.length) / 4);
  const lateLossDiff = Math.abs(mean(a.losses.slice(lateFrom)) - mean(b.losses.slice(lateFrom)));
  const weightDrift = norm(a.weights, b.weights) / Math.max(norm(b.weights, b.initial), 1e-12);
  const accuracyDiff = Math.abs(a.testAccuracy - b.testAccuracy);
  const figures = { earlyLossDiff, lateLossDiff, weightDrift, accuracyDiff };
  const failures: string[] = [];
  // Written as "within", so a NaN figure (a diverged path) fails too.
  const check = (within: boolean, what: string) => { if (!within) failures.push(what); };
  check(earlyLossDiff <= tol.maxEarlyLossDiff, `the first ${early} losses differ by up to ${earlyLossDiff.toExponential(2)} (tolerance ${tol.maxEarlyLossDiff})`);
  check(lateLossDiff <= tol.maxLateLossDiff, `the mean loss of the last ${a.losses.length - lateFrom} steps differs by ${lateLossDiff.toFixed(4)} (tolerance ${tol.maxLateLossDiff})`);
  check(weightDrift <= tol.maxWeightDrift, `the final weights are ${(100 * weightDrift).toFixed(2)}% of their travel apart (tolerance ${100 * tol.maxWeightDrift}%)`);
  check(accuracyDiff <= tol.maxAccuracyDiff + 1e-12, `test accuracy differs by ${(100 * accuracyDiff).toFixed(2)} points (tolerance ${100 * tol.maxAccuracyDiff})`);
  return { pass: failures.length === 0, figures, failures };
}

/** The report and exit code of a comparison. */
export function verdict(a: Trace, b: Trace, c: Comparison): { exitCode: number; report: string } {
  const f = c.figures;
  const lines = [
    `${a.mode}: test accuracy ${(100 * a.testAccuracy).toFixed(2)}%, final loss ${a.losses[a.losses.length - 1].toFixed(4)}, ${a.seconds.toFixed(0)} s`,
    `${b.mode}: test accuracy ${(100 * b.testAccuracy).toFixed(2)}%, final loss ${b.losses[b.losses.length - 1].toFixed(4)}, ${b.seconds.toFixed(0)} s`,
    `over ${a.losses.length} steps: early loss diff ${f.earlyLossDiff.toExponential(2)}, late loss diff ${f.lateLossDiff.toFixed(4)}, ` +
      `weight drift ${(100 * f.weightDrift).toFixed(2)}% of the travel, accuracy diff ${(100 * f.accuracyDiff).toFixed(2)} points`,
    c.pass ? 'equivalent within tolerance' : `NOT equivalent:\n  ${c.failures.join('\n  ')}`,
  ];
  return { exitCode: c.pass ? 0 : 1, report: lines.join('\n') };
}

/** What both paths are run with. */
export interface TraceSettings {
  steps: number;
  batchSize: number;
  seed: number;
  /** A whole epoch instead of `steps`. */
  fullEpoch: boolean;
  /** Peak learning rate (default 1e-3, `hwr train`'s). */
  learningRate?: number;
}

/**
 * Trains `model` on `trainSet` with the kernels this process has registered (the training loop of
 * `hwr train` on one worker, no validation) and measures it on `testSet`.
 */
export async function traceRun(mode: string, model: tfl.LayersModel, trainSet: Dataset, testSet: Dataset, s: TraceSettings): Promise<Trace> {
  const flat = () => {
    const arrays = snapshotWeights(model);
    const out = new Float32Array(arrays.reduce((n, w) => n + w.values.length, 0));
    let at = 0;
    for (const w of arrays) {
      out.set(w.values, at);
      at += w.values.length;
    }
    return out;
  };
  const initial = flat();
  const losses: number[] = [];
  const started = Date.now();
  await train(model, trainSet, {
    epochs: 1, batchSize: s.batchSize, seed: s.seed, learningRate: s.learningRate, validationSplit: 0, workers: 1, log: null, restoreBest: false,
    maxStepsPerEpoch: s.fullEpoch ? undefined : s.steps,
    onBatchEnd: (logs) => { losses.push(logs.loss); },
  });
  const { predicted } = predictDataset(model, testSet);
  let right = 0;
  for (let i = 0; i < testSet.count; i++) if (predicted[i] === testSet.labels[i]) right++;
  return { mode, losses, weights: flat(), initial, testAccuracy: right / testSet.count, seconds: (Date.now() - started) / 1000 };
}

/** The reference path in this process: stock wasm kernels, the reference filter gradient, tfjs's Adam. */
async function useReferenceKernels(): Promise<void> {
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: referenceFilterGrad as unknown as tf.KernelFunc });
  // The fused update claims tfjs Adam's exact float32 maths: the reference must not take that on trust.
  FusedAdamOptimizer.prototype.applyGradients = tf.AdamOptimizer.prototype.applyGradients;
  await tf.setBackend('wasm');
  const ours = WASM_TRAINING_KERNELS.filter((name) => {
    const k = tf.getKernel(name, 'wasm');
    return k != null && (k.kernelFunc as unknown as Record<string, unknown>).handwritingTfjsTrainingKernel === true;
  });
  if (ours.length) throw new Error(`equivalence: the reference path has the project's kernels registered (${ours.join(', ')}): something imports src/runtime/backend.`);
}

const OUT = path.join('outputs', 'equivalence');

/** A hash of the compiled library: the two traces must come from the same code. */
function codeHash(): string {
  const h = createHash('sha1');
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|wasm)$/.test(e.name)) h.update(p).update(fs.readFileSync(p));
    }
  };
  walk(path.join(__dirname, '..', 'src'));
  return h.digest('hex').slice(0, 12);
}

/** Writes a trace as JSON (+ the weights as raw float32 beside it). */
function saveTrace(t: Trace, settings: TraceSettings, code: string): void {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, `${t.mode}.weights.f32`), Buffer.concat([Buffer.from(t.initial.buffer), Buffer.from(t.weights.buffer)]));
  const { weights: _w, initial: _i, ...rest } = t;
  fs.writeFileSync(path.join(OUT, `${t.mode}.json`), JSON.stringify({ ...rest, settings, code, written: Date.now(), count: t.weights.length }, null, 1) + '\n');
}

/**
 * Reads a trace written by `saveTrace`, or null when it is absent, from other settings, or not
 * from this code (`code`: the hash it must have) or this run (`since`: written no earlier).
 */
function loadTrace(mode: string, settings: TraceSettings, same: { code?: string; since?: number }): Trace | null {
  const file = path.join(OUT, `${mode}.json`);
  if (!fs.existsSync(file)) return null;
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (JSON.stringify(json.settings) !== JSON.stringify(settings)) return null;
  if ((same.code !== undefined && json.code !== same.code) || (same.since !== undefined && !(json.written >= same.since))) return null;
  const buf = fs.readFileSync(path.join(OUT, `${mode}.weights.f32`));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return { ...json, initial: all.slice(0, json.count), weights: all.slice(json.count) };
}

function parseSettings(args: string[]): TraceSettings {
  const value = (flag: string, fallback: number) => {
    const at = args.indexOf(flag);
    if (at < 0) return fallback;
    const n = Number(args[at + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number >= 1, got '${args[at + 1]}'.`);
    return n;
  };
  return { steps: value('--steps', 200), batchSize: value('--batch-size', 64), seed: 7, fullEpoch: args.includes('--full-epoch') };
}

/** Runs one path in this process and writes its trace. */
async function runPath(mode: 'fast' | 'reference', settings: TraceSettings): Promise<Trace> {
  if (mode === 'fast') {
    const { initBackend } = await import('../src/runtime/backend');
    await initBackend({ backend: 'wasm' });
  } else {
    await useReferenceKernels();
  }
  const { loadMnist } = await import('../src/data/mnist');
  const { train: trainSet, test } = loadMnist();
  const trace = await traceRun(mode, baselineCnn({ numClasses: 10, seed: settings.seed }), trainSet, test, settings);
  saveTrace(trace, settings, codeHash());
  console.error(`${mode}: ${trace.losses.length} steps in ${trace.seconds.toFixed(0)} s, test accuracy ${(100 * trace.testAccuracy).toFixed(2)}%`);
  return trace;
}

async function main(args: string[]): Promise<number> {
  const settings = parseSettings(args);
  const mode = args[0] === 'fast' || args[0] === 'reference' ? args[0] : null;
  if (mode) {
    const mine = await runPath(mode, settings);
    if (args.includes('--trace-only')) return 0;
    const otherMode = mode === 'fast' ? 'reference' : 'fast';
    const other = loadTrace(otherMode, settings, { code: codeHash() });
    if (!other) {
      console.log(`${mode} trace written to ${OUT}/; run the ${otherMode} path with the same settings to compare.`);
      return 0;
    }
    const [a, b] = mode === 'fast' ? [mine, other] : [other, mine];
    const v = verdict(a, b, compareTraces(a, b, toleranceFor(settings)));
    console.log(v.report);
    return v.exitCode;
  }
  // Both paths, one after the other (each process registers its own kernels), then the verdict.
  const since = Date.now();
  for (const m of ['fast', 'reference']) {
    execFileSync(process.execPath, [__filename, m, '--trace-only', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const [a, b] = [loadTrace('fast', settings, { since }), loadTrace('reference', settings, { since })];
  if (!a || !b) throw new Error(`equivalence: a path did not leave its trace in ${OUT}/: see its output above.`);
  const v = verdict(a, b, compareTraces(a, b, toleranceFor(settings)));
  console.log(v.report);
  return v.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
