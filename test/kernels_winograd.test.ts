/**
 * Winograd F(2x2, 3x3) conv kernels (src/kernels/winograd.ts) against the cpu backend: Conv2D
 * (with FusedConv2D's bias and relu), Conv2DBackpropInput and Conv2DBackpropFilter, on shapes
 * with odd and even sizes (partial 2x2 tiles), same and valid padding, tile blocks spanning
 * images, and channel counts with 4-wide tails. Error metric as in kernels.test.ts (max abs error
 * over the largest cpu value), bound 1e-4; the largest error seen is printed, next to the direct
 * kernels' on the same case.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import * as winograd from '../src/kernels/winograd';
import { convGeometry } from '../src/kernels/conv_geometry';
import { onBackend, randomFloats, relError } from './kernels_helpers';

const TOL = 1e-4;

interface Case { n: number; h: number; w: number; c: number; out: number; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 2, h: 6, w: 8, c: 32, out: 32, pad: 'same' },
  { n: 3, h: 7, w: 5, c: 32, out: 36, pad: 'same' }, // odd sizes (partial tiles), 4-wide output tail
  { n: 2, h: 13, w: 13, c: 32, out: 32, pad: 'valid' }, // odd output (11x11); the input gradient stays direct
  { n: 5, h: 5, w: 9, c: 36, out: 32, pad: 'same' }, // 4-wide input-channel tail
  { n: 1, h: 4, w: 30, c: 64, out: 32, pad: 'same' }, // a line-model-like strip
  { n: 66, h: 4, w: 4, c: 32, out: 32, pad: 'valid' }, // one tile per image, blocks spanning images
  { n: 3, h: 10, w: 25, c: 16, out: 48, pad: 'same' }, // the line recipe's second conv: 16 input channels
];

const label = (g: Case) => `x[${g.n},${g.h},${g.w},${g.c}] out${g.out} ${g.pad}`;

let worst = { winograd: 0, direct: 0 };

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

afterAll(() => {
  console.log(`largest error vs cpu over the cases: Winograd F(2x2, 3x3) ${worst.winograd.toExponential(2)}, direct kernels ${worst.direct.toExponential(2)}`);
});

describe('Winograd conv kernels (wasm) vs cpu', () => {
  test.each(cases.map((g) => [label(g), g] as const))('%s', async (_, g) => {
    const oh = g.pad === 'same' ? g.h : g.h - 2;
    const ow = g.pad === 'same' ? g.w : g.w - 2;
    const xShape: [number, number, number, number] = [g.n, g.h, g.w, g.c];
    const fShape: [number, number, number, number] = [3, 3, g.c, g.out];
    const dyShape = [g.n, oh, ow, g.out];
    const x = randomFloats(g.n * g.h * g.w * g.c, 1);
    const f = randomFloats(9 * g.c * g.out, 2);
    const dy = randomFloats(g.n * oh * ow * g.out, 3);
    const bias = randomFloats(g.out, 4);
    const attrs = { strides: [1, 1], pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, dilations: 1 };
    const runs: Array<[string, () => tf.Tensor]> = [
      ['Conv2D', () => tf.engine().runKernel('Conv2D', { x: tf.tensor(x, xShape), filter: tf.tensor(f, fShape) }, attrs as never) as tf.Tensor],
      ['FusedConv2D bias relu', () => tf.fused.conv2d({ x: tf.tensor(x, xShape) as tf.Tensor4D, filter: tf.tensor(f, fShape) as tf.Tensor4D, strides: 1, pad: g.pad, bias: tf.tensor(bias), activation: 'relu' })],
      ['Conv2DBackpropInput', () => tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dy, dyShape), filter: tf.tensor(f, fShape) }, { ...attrs, inputShape: xShape } as never) as tf.Tensor],
      ['Conv2DBackpropFilter', () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, { ...attrs, filterShape: fShape } as never) as tf.Tensor],
    ];
    const spies = [jest.spyOn(winograd, 'winogradConv2D'), jest.spyOn(winograd, 'winogradBackpropInput'), jest.spyOn(winograd, 'winogradBackpropFilter')];
    try {
      for (const [name, run] of runs) {
        const cpu = await onBackend('cpu', run);
        const wino = relError(await onBackend('wasm', run), cpu);
        process.env.HWR_WINOGRAD = '0';
        const direct = relError(await onBackend('wasm', run), cpu);
        delete process.env.HWR_WINOGRAD;
        worst = { winograd: Math.max(worst.winograd, wino), direct: Math.max(worst.direct, direct) };
        expect([name, wino < TOL]).toEqual([name, true]);
      }
      // Each kernel took the route winogradApplies chose (the forward twice: Conv2D and FusedConv2D).
      const geometry = convGeometry('test', xShape, fShape, attrs as never, false);
      const chosen = (['forward', 'input', 'filter'] as const).map((k) => winograd.winogradApplies(geometry, k));
      expect(spies.map((s) => s.mock.calls.length)).toEqual([chosen[0] ? 2 : 0, chosen[1] ? 1 : 0, chosen[2] ? 1 : 0]);
      expect(chosen[0]).toBe(true);
    } finally {
      delete process.env.HWR_WINOGRAD;
      spies.forEach((s) => s.mockRestore());
    }
  });

  test('shapes Winograd does not gain on stay on the direct kernels', () => {
    const geometry = (h: number, c: number, out: number, pad: 'same' | 'valid', k = 3, s = 1) =>
      convGeometry('test', [2, h, h, c], [k, k, c, out], { strides: s, pad }, false);
    expect(winograd.winogradApplies(geometry(10, 32, 64, 'same'))).toBe(true);
    expect(winograd.winogradApplies(geometry(10, 1, 32, 'same'))).toBe(false); // a first layer
    expect(winograd.winogradApplies(geometry(10, 16, 48, 'same'))).toBe(true);
    expect(winograd.winogradApplies(geometry(10, 8, 32, 'same'))).toBe(false); // too few channels
    expect(winograd.winogradApplies(geometry(10, 36, 30, 'same'))).toBe(false); // channels % 4
    expect(winograd.winogradApplies(geometry(10, 32, 32, 'same', 3, 2))).toBe(false); // stride 2
    expect(winograd.winogradApplies(geometry(10, 32, 32, 'same', 5))).toBe(false); // 5x5
    // The benchmark CNN's conv2: 13x13 valid gains in the forward pass and the filter gradient, not the input gradient.
    const cnn = geometry(13, 32, 64, 'valid');
    expect(['forward', 'filter', 'input'].map((k) => winograd.winogradApplies(cnn, k as never))).toEqual([true, true, false]);
    expect(winograd.winogradApplies(geometry(3, 32, 32, 'valid'))).toBe(false); // one output: 9 direct multiplies vs 16
    process.env.HWR_WINOGRAD = '0';
    try {
      expect(winograd.winogradApplies(geometry(10, 32, 64, 'same'))).toBe(false);
    } finally {
      delete process.env.HWR_WINOGRAD;
    }
  });
});
