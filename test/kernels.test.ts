/**
 * The wasm training kernels against the cpu backend's, on seeded random inputs over shapes,
 * strides, paddings, channel counts and batch sizes; plus a full-network gradient check.
 * Error metric: max|wasm - cpu| / max(max|cpu|, 1e-6) (see relError), bound 1e-4.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradient functions
import { initBackend } from '../src/runtime/backend';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../src/kernels';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, kernelsBuild, kernelsFor, kernelsOfBuild } from '../src/kernels/wasm_module';
import { onBackend, randomFloats, relError } from './kernels_helpers';

const TOL = 1e-4;
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase { n: number; h: number; w: number; c: number; out: number; k: number; s: number; pad: Pad }

function outSize(g: ConvCase): [number, number] {
  if (g.pad === 'same') return [Math.ceil(g.h / g.s), Math.ceil(g.w / g.s)];
  if (g.pad === 'valid') return [Math.floor((g.h - g.k) / g.s) + 1, Math.floor((g.w - g.k) / g.s) + 1];
  const [, [t, b], [l, r]] = g.pad;
  return [Math.floor((g.h + t + b - g.k) / g.s) + 1, Math.floor((g.w + l + r - g.k) / g.s) + 1];
}

const convCases: ConvCase[] = [
  { n: 2, h: 8, w: 8, c: 1, out: 3, k: 3, s: 1, pad: 'same' },
  { n: 3, h: 9, w: 9, c: 3, out: 32, k: 3, s: 2, pad: 'same' },
  { n: 4, h: 7, w: 7, c: 32, out: 1, k: 3, s: 1, pad: 'valid' },
  { n: 1, h: 10, w: 11, c: 3, out: 4, k: 5, s: 2, pad: 'valid' },
  { n: 5, h: 6, w: 6, c: 32, out: 32, k: 3, s: 2, pad: 'valid' },
  { n: 2, h: 12, w: 12, c: 32, out: 16, k: 3, s: 2, pad: 'same' },
  { n: 2, h: 6, w: 7, c: 3, out: 5, k: 3, s: 1, pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { n: 3, h: 5, w: 5, c: 32, out: 8, k: 1, s: 1, pad: 'valid' },
  { n: 2, h: 6, w: 7, c: 3, out: 4, k: 2, s: 1, pad: 'same' },
  { n: 2, h: 9, w: 8, c: 32, out: 3, k: 4, s: 2, pad: 'same' },
  // Padding wider than the filter (the kernels run on a padded copy, whatever the padding).
  { n: 1, h: 5, w: 5, c: 3, out: 2, k: 3, s: 1, pad: [[0, 0], [3, 0], [0, 3], [0, 0]] },
  // Output channels in 8-blocks plus a 4-block and a scalar rest; windows >= 32 values.
  { n: 2, h: 7, w: 6, c: 4, out: 15, k: 3, s: 1, pad: 'valid' },
  { n: 3, h: 9, w: 9, c: 8, out: 12, k: 3, s: 2, pad: 'same' },
  // Window rows under 8 values (fw * c): Conv2DBackpropInput's cols + col2im route.
  { n: 2, h: 9, w: 9, c: 1, out: 8, k: 3, s: 2, pad: 'same' },
  { n: 2, h: 7, w: 7, c: 2, out: 5, k: 3, s: 1, pad: 'valid' },
  // A single-channel input at stride 1 with outC % 4 == 0: Conv2DBackpropInput's own kernel (four
  // columns at a time and a scalar rest: widths 9 and 6; 'same', 'valid' and a 5x5 filter).
  { n: 2, h: 9, w: 9, c: 1, out: 16, k: 3, s: 1, pad: 'same' },
  { n: 3, h: 8, w: 6, c: 1, out: 8, k: 3, s: 1, pad: 'valid' },
  { n: 1, h: 10, w: 11, c: 1, out: 4, k: 5, s: 1, pad: 'same' },
];

function label(g: ConvCase): string {
  return `x[${g.n},${g.h},${g.w},${g.c}] k${g.k} out${g.out} s${g.s} ${typeof g.pad === 'string' ? g.pad : 'explicit'}`;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

test('registerWasmTrainingKernels is idempotent', () => {
  const before = WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  expect(WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc)).toEqual(before);
  expect(before.every((f) => f != null)).toBe(true);
});

describe('Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput (wasm vs cpu)', () => {
  test.each(convCases.map((g) => [label(g), g] as const))('%s', async (_, g) => {
    const [oh, ow] = outSize(g);
    const xShape: [number, number, number, number] = [g.n, g.h, g.w, g.c];
    const fShape: [number, number, number, number] = [g.k, g.k, g.c, g.out];
    const dyShape = [g.n, oh, ow, g.out];
    const x = randomFloats(g.n * g.h * g.w * g.c, 1);
    const f = randomFloats(g.k * g.k * g.c * g.out, 2);
    const dy = randomFloats(g.n * oh * ow * g.out, 3);
    const attrs = { strides: [g.s, g.s], pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    const filterGrad = () => tf.engine().runKernel('Conv2DBackpropFilter',
      { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, { ...attrs, filterShape: fShape } as never) as tf.Tensor;
    const inputGrad = () => tf.engine().runKernel('Conv2DBackpropInput',
      { dy: tf.tensor(dy, dyShape), filter: tf.tensor(f, fShape) }, { ...attrs, inputShape: xShape } as never) as tf.Tensor;
    // Windows of 8+ values (fh*fw*c) take the project's forward kernel, smaller ones XNNPACK.
    const forward = () => tf.engine().runKernel('Conv2D',
      { x: tf.tensor(x, xShape), filter: tf.tensor(f, fShape) }, { ...attrs, dilations: 1 } as never) as tf.Tensor;
    expect(relError(await onBackend('wasm', filterGrad), await onBackend('cpu', filterGrad))).toBeLessThan(TOL);
    expect(relError(await onBackend('wasm', inputGrad), await onBackend('cpu', inputGrad))).toBeLessThan(TOL);
    expect(relError(await onBackend('wasm', forward), await onBackend('cpu', forward))).toBeLessThan(TOL);
    // Inference's FusedConv2D: bias and relu in the kernel's epilogue; elu stays on XNNPACK.
    const bias = randomFloats(g.out, 4);
    for (const [withBias, activation] of [[true, 'relu'], [true, 'linear'], [false, 'relu'], [true, 'elu']] as const) {
      const fused = () => tf.fused.conv2d({
        x: tf.tensor(x, xShape) as tf.Tensor4D, filter: tf.tensor(f, fShape) as tf.Tensor4D, strides: g.s, pad: g.pad as never,
        bias: withBias ? tf.tensor(bias) : undefined, activation,
      });
      expect([withBias, activation, relError(await onBackend('wasm', fused), await onBackend('cpu', fused)) < TOL]).toEqual([withBias, activation, true]);
    }
  });
});

interface DwCase { n: number; h: number; w: number; c: number; mult: number; k: number; s: number; pad: 'same' | 'valid' }
const dwCases: DwCase[] = [
  { n: 2, h: 8, w: 8, c: 3, mult: 1, k: 3, s: 1, pad: 'same' },
  { n: 3, h: 9, w: 9, c: 32, mult: 1, k: 3, s: 2, pad: 'same' },
  { n: 1, h: 7, w: 7, c: 1, mult: 2, k: 3, s: 1, pad: 'valid' },
  { n: 4, h: 10, w: 10, c: 3, mult: 1, k: 5, s: 2, pad: 'valid' },
  { n: 2, h: 6, w: 6, c: 32, mult: 2, k: 3, s: 2, pad: 'same' },
];

describe('DepthwiseConv2dNative backprop (wasm vs cpu)', () => {
  test.each(dwCases.map((g) => [`x[${g.n},${g.h},${g.w},${g.c}] x${g.mult} k${g.k} s${g.s} ${g.pad}`, g] as const))('%s', async (_, g) => {
    const [oh, ow] = outSize({ ...g, out: g.c * g.mult });
    const xShape: [number, number, number, number] = [g.n, g.h, g.w, g.c];
    const fShape: [number, number, number, number] = [g.k, g.k, g.c, g.mult];
    const dyShape = [g.n, oh, ow, g.c * g.mult];
    const x = randomFloats(g.n * g.h * g.w * g.c, 4);
    const f = randomFloats(g.k * g.k * g.c * g.mult, 5);
    const dy = randomFloats(g.n * oh * ow * g.c * g.mult, 6);
    const attrs = { strides: [g.s, g.s], pad: g.pad, dilations: [1, 1], dimRoundingMode: undefined };
    const filterGrad = () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter',
      { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, { ...attrs, filterShape: fShape } as never) as tf.Tensor;
    const inputGrad = () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput',
      { dy: tf.tensor(dy, dyShape), filter: tf.tensor(f, fShape) }, { ...attrs, inputShape: xShape } as never) as tf.Tensor;
    expect(relError(await onBackend('wasm', filterGrad), await onBackend('cpu', filterGrad))).toBeLessThan(TOL);
    expect(relError(await onBackend('wasm', inputGrad), await onBackend('cpu', inputGrad))).toBeLessThan(TOL);
  });

  test('unsupported attributes throw a clear error instead of computing garbage', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 8, 8, 2]);
    const dy = tf.ones([1, 4, 4, 2]);
    expect(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy },
      { strides: 1, pad: 'same', dilations: 2, filterShape: [3, 3, 2, 1] } as never)).toThrow(/dilation 1 only/);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
      { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] } as never)).toThrow(/NHWC/);
    tf.dispose([x, dy]);
  });
});

describe('BatchMatMul / _FusedMatMul transposed fast path (wasm vs cpu)', () => {
  const cases: [number, number, number, boolean, boolean][] = [
    [7, 13, 5, false, false], [7, 13, 5, true, false], [7, 13, 5, false, true], [7, 13, 5, true, true], [64, 200, 32, true, false],
    [128, 160, 128, false, false], [33, 70, 12, false, true], // the project's GEMM: 8- and 4-column blocks, scalar tail
  ];
  test.each(cases)('[%i x %i] x [%i] tA=%s tB=%s', async (m, k, n, tA, tB) => {
    const a = randomFloats(m * k, 7);
    const b = randomFloats(k * n, 8);
    const bias = randomFloats(n, 9);
    const aShape = tA ? [k, m] : [m, k];
    const bShape = tB ? [n, k] : [k, n];
    const plain = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), tA, tB);
    const fused = () => tf.fused.matMul({ a: tf.tensor(a, aShape), b: tf.tensor(b, bShape), transposeA: tA, transposeB: tB, bias: tf.tensor(bias), activation: 'relu' });
    expect(relError(await onBackend('wasm', plain), await onBackend('cpu', plain))).toBeLessThan(TOL);
    expect(relError(await onBackend('wasm', fused), await onBackend('cpu', fused))).toBeLessThan(TOL);
  });
});

describe('gradient check: small conv net, wasm vs cpu', () => {
  test('d(loss)/d(every weight) agree within 1e-4', async () => {
    // conv3x3 s1 same (1->8) -> relu -> conv3x3 s2 same (8->16) -> relu -> depthwise3x3 s1 same
    // -> relu -> flatten -> dense 10 -> softmax cross-entropy
    const shapes: Record<string, number[]> = {
      w1: [3, 3, 1, 8], b1: [8], w2: [3, 3, 8, 16], b2: [16], dw: [3, 3, 16, 1], w3: [7 * 7 * 16, 10], b3: [10],
    };
    const x = randomFloats(6 * 14 * 14, 10);
    const labels = Array.from({ length: 6 }, (_, i) => (i * 7) % 10);
    const grads = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const vars: Record<string, tf.Variable> = {};
      Object.entries(shapes).forEach(([name, shape], i) => {
        vars[name] = tf.variable(tf.mul(tf.tensor(randomFloats(shape.reduce((p, q) => p * q, 1), 20 + i), shape), 0.5), true, `${backend}_${name}`);
      });
      const xs = tf.tensor4d(x, [6, 14, 14, 1]);
      const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const { grads: g, value } = tf.variableGrads(() => {
        let h: tf.Tensor = tf.relu(tf.add(tf.conv2d(xs, vars.w1 as tf.Tensor4D, 1, 'same'), vars.b1));
        h = tf.fused.conv2d({ x: h as tf.Tensor4D, filter: vars.w2 as tf.Tensor4D, strides: 2, pad: 'same', bias: vars.b2, activation: 'relu' });
        h = tf.relu(tf.depthwiseConv2d(h as tf.Tensor4D, vars.dw as tf.Tensor4D, 1, 'same'));
        const logits = tf.add(tf.matMul(tf.reshape(h, [6, 7 * 7 * 16]), vars.w3), vars.b3);
        return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
      }, Object.values(vars));
      const out: Record<string, Float32Array> = {};
      for (const name of Object.keys(shapes)) out[name] = g[`${backend}_${name}`].dataSync() as Float32Array;
      const loss = value.dataSync()[0];
      tf.dispose([xs, ys, value, ...Object.values(g), ...Object.values(vars)]);
      return { out, loss };
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(TOL);
    for (const name of Object.keys(shapes)) {
      expect([name, relError(wasm.out[name], cpu.out[name]) < TOL]).toEqual([name, true]);
    }
  });
});

test('Identity and same-dtype Cast share data safely; other casts still convert', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor([1.5, -2.25, 3], [3]);
  const same = tf.cast(x, 'float32');
  const copy = tf.clone(x);
  const asInt = tf.cast(x, 'int32');
  x.dispose(); // the shared data must outlive the original tensor
  expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
  expect(Array.from(copy.dataSync())).toEqual([1.5, -2.25, 3]);
  expect(asInt.dtype).toBe('int32');
  expect(Array.from(asInt.dataSync())).toEqual([1, -2, 3]);
  tf.dispose([same, copy, asInt]);
});

describe('MaxPoolGrad (wasm vs cpu)', () => {
  type Window = number | [number, number];
  const cases: [number[], Window, Window, 'same' | 'valid'][] = [
    [[2, 8, 8, 1], 2, 2, 'valid'], [[3, 9, 9, 3], 2, 2, 'same'], [[2, 11, 11, 32], 2, 2, 'valid'], [[2, 26, 26, 32], 2, 2, 'valid'], [[2, 13, 13, 32], 3, 2, 'valid'], [[1, 7, 6, 32], 3, 1, 'same'],
    // The line model's height-only pools (2x1, stride [2, 1]): even and odd heights (the last row
    // pooled away), and channels that are not a multiple of 4 (the general loop).
    [[2, 10, 12, 64], [2, 1], [2, 1], 'valid'], [[3, 5, 7, 96], [2, 1], [2, 1], 'valid'], [[2, 6, 5, 3], [2, 1], [2, 1], 'valid'],
  ];
  test.each(cases)('x[%s] pool %j stride %j %s, relu ties included', async (shape, size, stride, pad) => {
    const n = shape.reduce((p, q) => p * q, 1);
    // Half the inputs clamp to 0, as after relu, so windows with tied maxima are common.
    const x = randomFloats(n, 11).map((v) => Math.max(v, 0));
    const grad = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), 1.5)))(tf.tensor(x, shape));
    expect(relError(await onBackend('wasm', grad), await onBackend('cpu', grad))).toBeLessThan(TOL);
  });
});

describe('Sum and Mean over leading axes (bias gradients, batch-norm moments) (wasm vs cpu)', () => {
  const cases: [number[], number[], boolean][] = [
    [[4, 5, 6, 7], [0, 1, 2], false], [[4, 5, 6, 7], [0, 1, 2], true], [[30, 10], [0], false], [[4, 5, 6], [1, 0], false],
    [[4, 5, 6], [1, 2], false], [[4, 5, 6], [0, 1, 2], false],
    // Multiples of 4 columns take the wasm SIMD path: 8-column blocks, a 4-column tail, row
    // counts across its 64-row chunks (odd too), a conv bias gradient's shape.
    [[3, 50, 8], [0, 1], false], [[131, 12], [0], true], [[2, 65, 4], [0, 1], false], [[16, 26, 26, 32], [0, 1, 2], false],
  ];
  test.each(cases)('x[%s] axes %s keepDims %s', async (shape, axes, keepDims) => {
    const x = randomFloats(shape.reduce((p, q) => p * q, 1), 12);
    for (const reduce of [tf.sum, tf.mean]) {
      const f = () => reduce(tf.tensor(x, shape), axes, keepDims);
      await tf.setBackend('wasm');
      const wasmShape = tf.tidy(() => f().shape);
      await tf.setBackend('cpu');
      expect(wasmShape).toEqual(tf.tidy(() => f().shape));
      expect(relError(await onBackend('wasm', f), await onBackend('cpu', f))).toBeLessThan(TOL);
    }
  });
});

describe('Relu gradient (one fused kernel on wasm) and bias Add (wasm vs cpu)', () => {
  // Sizes with and without a multiple of 4 (the fused kernel and tfjs's formula); zeros included.
  test.each([[[2, 6, 6, 8]], [[3, 5]], [[16, 26, 26, 32]]])('d relu(x) * 1.5 / dx, x[%j]', async (shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = randomFloats(n, 31).map((v, i) => (i % 7 === 0 ? 0 : v));
    const grad = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor(randomFloats(n, 32), shape))))(tf.tensor(x, shape));
    expect(relError(await onBackend('wasm', grad), await onBackend('cpu', grad))).toBeLessThan(TOL);
  });

  test.each([[[2, 5, 5, 8], [8]], [[3, 12], [12]], [[3, 6], [6]], [[4, 4], [4, 4]]])('x[%j] + b[%j], both orders', async (xShape, bShape) => {
    const x = randomFloats(xShape.reduce((a, b) => a * b, 1), 33);
    const b = randomFloats(bShape.reduce((a, c) => a * c, 1), 34);
    const xb = () => tf.add(tf.tensor(x, xShape), tf.tensor(b, bShape));
    const bx = () => tf.add(tf.tensor(b, bShape), tf.tensor(x, xShape));
    expect(relError(await onBackend('wasm', xb), await onBackend('cpu', xb))).toBeLessThan(TOL);
    expect(relError(await onBackend('wasm', bx), await onBackend('cpu', bx))).toBeLessThan(TOL);
  });
});

describe('the two builds of the wasm kernels', () => {
  test('this engine runs the relaxed-SIMD build (fused multiply-add), and both builds agree', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as BackendWasm;
    kernelsFor(backend);
    expect(kernelsBuild).toBe(process.env.HWR_WASM_RELAXED === '0' ? 'simd128' : 'relaxed-simd');
    const [N, H, W, C, OC] = [3, 9, 8, 12, 20]; // tails in every tile direction
    const [OH, OW] = [H - 2, W - 2];
    const x = tf.tensor(randomFloats(N * H * W * C, 40), [N, H, W, C]);
    const w = tf.tensor(randomFloats(9 * C * OC, 41), [3, 3, C, OC]);
    const dy = tf.tensor(randomFloats(N * OH * OW * OC, 42), [N, OH, OW, OC]);
    const wt = tf.transpose(tf.reshape(w, [9 * C, OC]));
    const run = (build: 'relaxed-simd' | 'simd128') => {
      const k = kernelsOfBuild(backend, build);
      const outs = [tf.zeros([N, OH, OW, OC]), tf.zeros([N, H, W, C]), tf.zeros([3, 3, C, OC])];
      const at = (t: tf.Tensor) => heapOffset(backend, t);
      k.convForward(at(x), at(w), at(outs[0]), 0, 0, N, H, W, C, OH, OW, OC, 3, 3, 1, 1);
      k.convInputGrad(at(dy), at(wt), at(outs[1]), N, H, W, C, OH, OW, OC, 3, 3, 1, 1);
      k.convFilterGrad(at(x), at(dy), at(outs[2]), N, H, W, C, OH, OW, OC, 3, 3, 1, 1);
      const values = outs.map((o) => o.dataSync().slice());
      tf.dispose(outs);
      return values;
    };
    const relaxed = run('relaxed-simd');
    const plain = run('simd128');
    relaxed.forEach((r, i) => expect(relError(r, plain[i])).toBeLessThan(1e-5));
    tf.dispose([x, w, dy, wt]);
  });
});
