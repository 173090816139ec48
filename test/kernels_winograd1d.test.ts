/**
 * 1-D Winograd F(m, r) conv kernels for one-row filters (src/kernels/winograd1d.ts: the line
 * model's Conv1D head) against the cpu backend: Conv2D (with FusedConv2D's bias and relu),
 * Conv2DBackpropInput and Conv2DBackpropFilter, on same and valid padding, partial last tiles,
 * several rows per image, blocks spanning rows and 4-wide channel tails; and the transform
 * matrices against the convolution's definition in float64. Error metric as in kernels.test.ts,
 * bound 1e-4; the largest error seen is printed next to the direct kernels' on the same cases.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import * as winograd1d from '../src/kernels/winograd1d';
import { convGeometry } from '../src/kernels/conv_geometry';
import { onBackend, randomFloats, relError } from './kernels_helpers';

const TOL = 1e-4;

let worst1d = { winograd: 0, direct: 0 };

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

afterAll(() => {
  console.log(`largest error vs cpu over the cases: 1-D Winograd ${worst1d.winograd.toExponential(2)}, direct kernels ${worst1d.direct.toExponential(2)}`);
});

interface RowCase { n: number; h: number; w: number; c: number; out: number; r: number; pad: 'same' | 'valid' }
const rowCases: RowCase[] = [
  { n: 3, h: 1, w: 25, c: 64, out: 64, r: 5, pad: 'same' }, // the conv head (Conv1D): F(4, 5), a partial last tile
  { n: 2, h: 1, w: 40, c: 64, out: 68, r: 5, pad: 'valid' }, // 4-wide output tail
  { n: 2, h: 3, w: 17, c: 68, out: 64, r: 5, pad: 'same' }, // several rows per image, 4-wide input tail
  { n: 40, h: 1, w: 6, c: 64, out: 64, r: 3, pad: 'same' }, // F(6, 3), one tile per row, blocks spanning rows
];

describe('1-D Winograd conv kernels (wasm) vs cpu', () => {
  test('F(m, r) matrices reproduce the convolution (float64, random data)', () => {
    for (const [m, r] of [[4, 5], [6, 3], [2, 3], [3, 5]]) {
      const { n, AT, G, BT } = winograd1d.winograd1dMatrices(m, r);
      const d = Float64Array.from(randomFloats(n, 7 * m + r));
      const g = Float64Array.from(randomFloats(r, 8 * m + r));
      const u = Array.from({ length: n }, (_, i) => g.reduce((s, gk, k) => s + G[i * r + k] * gk, 0));
      const v = Array.from({ length: n }, (_, i) => d.reduce((s, dl, l) => s + BT[i * n + l] * dl, 0));
      for (let j = 0; j < m; j++) {
        const y = u.reduce((s, ui, i) => s + AT[j * n + i] * ui * v[i], 0);
        const direct = g.reduce((s, gk, k) => s + gk * d[j + k], 0);
        expect(Math.abs(y - direct)).toBeLessThan(1e-12);
      }
    }
  });

  test.each(rowCases.map((g) => [`x[${g.n},${g.h},${g.w},${g.c}] [1,${g.r}] out${g.out} ${g.pad}`, g] as const))('%s', async (_, g) => {
    const ow = g.pad === 'same' ? g.w : g.w - g.r + 1;
    const xShape: [number, number, number, number] = [g.n, g.h, g.w, g.c];
    const fShape: [number, number, number, number] = [1, g.r, g.c, g.out];
    const dyShape = [g.n, g.h, ow, g.out];
    const x = randomFloats(g.n * g.h * g.w * g.c, 11);
    const f = randomFloats(g.r * g.c * g.out, 12);
    const dy = randomFloats(g.n * g.h * ow * g.out, 13);
    const bias = randomFloats(g.out, 14);
    const attrs = { strides: [1, 1], pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, dilations: 1 };
    const runs: Array<[string, () => tf.Tensor]> = [
      ['Conv2D', () => tf.engine().runKernel('Conv2D', { x: tf.tensor(x, xShape), filter: tf.tensor(f, fShape) }, attrs as never) as tf.Tensor],
      ['FusedConv2D bias relu', () => tf.fused.conv2d({ x: tf.tensor(x, xShape) as tf.Tensor4D, filter: tf.tensor(f, fShape) as tf.Tensor4D, strides: 1, pad: g.pad, bias: tf.tensor(bias), activation: 'relu' })],
      ['Conv2DBackpropInput', () => tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dy, dyShape), filter: tf.tensor(f, fShape) }, { ...attrs, inputShape: xShape } as never) as tf.Tensor],
      ['Conv2DBackpropFilter', () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, { ...attrs, filterShape: fShape } as never) as tf.Tensor],
    ];
    const spies = [jest.spyOn(winograd1d, 'winograd1dConv2D'), jest.spyOn(winograd1d, 'winograd1dBackpropInput'), jest.spyOn(winograd1d, 'winograd1dBackpropFilter')];
    try {
      for (const [name, run] of runs) {
        const cpu = await onBackend('cpu', run);
        const wino = relError(await onBackend('wasm', run), cpu);
        process.env.HWR_WINOGRAD = '0';
        const direct = relError(await onBackend('wasm', run), cpu);
        delete process.env.HWR_WINOGRAD;
        worst1d = { winograd: Math.max(worst1d.winograd, wino), direct: Math.max(worst1d.direct, direct) };
        expect([name, wino < TOL]).toEqual([name, true]);
      }
      const geometry = convGeometry('test', xShape, fShape, attrs as never, false);
      const chosen = (['forward', 'input', 'filter'] as const).map((k) => winograd1d.winograd1dApplies(geometry, k));
      expect(spies.map((s) => s.mock.calls.length)).toEqual([chosen[0] ? 2 : 0, chosen[1] ? 1 : 0, chosen[2] ? 1 : 0]);
      expect(chosen).toEqual([true, true, true]);
    } finally {
      delete process.env.HWR_WINOGRAD;
      spies.forEach((s) => s.mockRestore());
    }
  });

  test('which one-row convolutions take it', () => {
    const geometry = (w: number, c: number, out: number, r: number, pad: 'same' | 'valid', fh = 1, s = 1) =>
      convGeometry('test', [2, 1, w, c], [fh, r, c, out], { strides: s, pad }, false);
    expect(winograd1d.winograd1dApplies(geometry(100, 192, 192, 5, 'same'))).toBe(true); // the conv head
    expect(winograd1d.winograd1dApplies(geometry(100, 32, 192, 5, 'same'))).toBe(false); // too few channels
    expect(winograd1d.winograd1dApplies(geometry(100, 192, 192, 1, 'same'))).toBe(false); // 1x1
    expect(winograd1d.winograd1dApplies(geometry(100, 192, 192, 5, 'same', 1, 2))).toBe(false); // stride 2
    expect(winograd1d.winograd1dApplies(geometry(5, 192, 192, 5, 'valid'))).toBe(false); // one output: 5 vs 8 multiplies
    expect(() => winograd1d.winograd1dMatrices(5, 5)).toThrow(/9 points/);
  });
});
