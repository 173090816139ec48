/**
 * bench/equivalence.ts's comparison, on a tiny model and a few steps: two runs of the same path
 * are equivalent (exit 0); a path with a wrong kernel (the filter gradient negated) is not, and the
 * verdict says which figure broke and exits 1. The bench itself runs the MNIST CNN on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TOLERANCE, Trace, TraceSettings, compareTraces, traceRun, verdict } from '../bench/equivalence';
import { barsDataset, tinyModel, useCpu } from './train_fixtures';

beforeAll(useCpu);

const data = barsDataset([30, 12, 24, 16]);
const settings: TraceSettings = { steps: 5, batchSize: 16, seed: 3, fullEpoch: false, learningRate: 0.03 };
const run = (mode: string) => traceRun(mode, tinyModel(4), data, data, settings);

/** Runs `fn` with the cpu backend's Conv2DBackpropFilter negated: a kernel with a sign error. */
async function withNegatedFilterGradient<T>(fn: () => Promise<T>): Promise<T> {
  const stock = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
  const negated: tf.KernelFunc = (args) => {
    const out = stock.kernelFunc(args) as tf.TensorInfo;
    const values = (args.backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(out.dataId).values;
    for (let i = 0; i < values.length; i++) values[i] = -values[i];
    return out;
  };
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ ...stock, kernelFunc: negated });
  try {
    return await fn();
  } finally {
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(stock);
  }
}

let reference: Trace;
beforeAll(async () => {
  reference = await run('reference');
});

test('the same path twice: identical figures, equivalent, exit 0', async () => {
  const again = await run('fast');
  expect(again.losses).toHaveLength(5);
  const c = compareTraces(again, reference);
  expect(c).toEqual({ pass: true, failures: [], figures: { earlyLossDiff: 0, lateLossDiff: 0, weightDrift: 0, accuracyDiff: 0 } });
  const v = verdict(again, reference, c);
  expect(v.exitCode).toBe(0);
  expect(v.report).toMatch(/over 5 steps: .*\nequivalent within tolerance$/);
});

test('a path with a wrong kernel: the losses part at once, NOT equivalent, exit 1', async () => {
  const broken = await withNegatedFilterGradient(() => run('fast'));
  expect(broken.losses[0]).toBe(reference.losses[0]); // same weights, same first batch: only the updates differ
  const c = compareTraces(broken, reference);
  expect(c.pass).toBe(false);
  expect(c.figures.earlyLossDiff).toBeGreaterThan(TOLERANCE.maxEarlyLossDiff);
  expect(c.failures[0]).toMatch(/the first 5 losses differ by up to/);
  const v = verdict(broken, reference, c);
  expect(v.exitCode).toBe(1);
  expect(v.report).toMatch(/NOT equivalent:\n {2}the first 5 losses differ/);
});

test('runs that cannot be compared are refused', () => {
  const shorter = { ...reference, losses: reference.losses.slice(1) };
  expect(() => compareTraces(shorter, reference)).toThrow(/differ in shape .*same settings/);
  const otherStart = { ...reference, initial: reference.initial.map((v) => v + 1) };
  expect(() => compareTraces(otherStart, reference)).toThrow(/different weights/);
});
