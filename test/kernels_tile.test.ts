import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../src/runtime/backend';
import { onBackend, randomFloats } from './kernels_helpers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('wasm Tile (block copies) matches cpu', () => {
  const cases: Array<[number[], number[]]> = [
    [[1, 1, 1, 8], [4, 5, 6, 1]], // batch norm's per-channel factors up to an activation
    [[3], [4]],
    [[2, 3], [1, 1]],
    [[2, 3], [3, 2]],
    [[2, 1, 3], [2, 4, 1]],
    [[1, 2, 1, 3], [3, 1, 2, 2]],
  ];
  test.each(cases)('shape %j reps %j', async (shape, reps) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = randomFloats(size, size * 7 + reps.length);
    const f = () => tf.tile(tf.tensor(values, shape), reps);
    const want = await onBackend('cpu', f);
    const got = await onBackend('wasm', f);
    expect(Array.from(got)).toEqual(Array.from(want)); // copies: exact
  });

  test('int32 and bool tiles also match', async () => {
    const ints = () => tf.tile(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [2, 3]);
    expect(Array.from(await onBackend('wasm', ints))).toEqual(Array.from(await onBackend('cpu', ints)));
    const bools = () => tf.tile(tf.tensor1d([true, false], 'bool'), [3]).cast('int32');
    expect(Array.from(await onBackend('wasm', bools))).toEqual([1, 0, 1, 0, 1, 0]);
  });
});
