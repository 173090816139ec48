import * as tf from '@tensorflow/tfjs-core';
import { augmentBatch, transformBatch, transformHandlesBatches } from '../src/data/augment';
import { createRng } from '../src/util/rng';
import { useCpu } from './train_fixtures';

/** Intensity-weighted centre (x, y) of a [1, h, w, 1] image. */
function massCentre(img: tf.Tensor4D): [number, number] {
  const [, h, w] = img.shape;
  const v = img.dataSync();
  let sx = 0, sy = 0, s = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const p = v[y * w + x];
    sx += p * x; sy += p * y; s += p;
  }
  return [sx / s, sy / s];
}

/** A 28x28 image with a soft 5x7 blob whose top-left is at (x0, y0). */
function blob(x0 = 10, y0 = 9): tf.Tensor4D {
  const px = new Float32Array(28 * 28);
  for (let y = y0; y < y0 + 7; y++) for (let x = x0; x < x0 + 5; x++) px[y * 28 + x] = 0.5 + 0.1 * ((x + y) % 3);
  return tf.tensor4d(px, [1, 28, 28, 1]);
}

beforeAll(useCpu);

describe('augmentation', () => {
  test('identity parameters leave the batch unchanged', () => {
    const x = tf.concat([blob(), blob(4, 15)]) as tf.Tensor4D;
    const y = augmentBatch(x, createRng(1), { rotation: 0, shift: 0, scale: 0 });
    expect(y.shape).toEqual(x.shape);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y]);
  });

  test('a shift of (2, -1) px moves the mass centre by (2, -1) px', () => {
    const x = blob();
    const y = transformBatch(x, [{ angle: 0, dx: 2, dy: -1, scale: 1 }]);
    const [x0, y0] = massCentre(x);
    const [x1, y1] = massCentre(y);
    expect(x1 - x0).toBeCloseTo(2, 5);
    expect(y1 - y0).toBeCloseTo(-1, 5);
    tf.dispose([x, y]);
  });

  test('rotation and scale about the centre keep a centred blob centred and change its mass as expected', () => {
    const x = blob(12, 11); // centred: covers 12..16 x 11..17, centre (14, 14)... of a 28 image whose centre is 13.5
    const [cx, cy] = massCentre(x);
    const r = transformBatch(x, [{ angle: 90, dx: 0, dy: 0, scale: 1 }]);
    const [rx, ry] = massCentre(r);
    // A quarter turn about (13.5, 13.5) maps the centre offset (dx, dy) to (-dy, dx) (y points down).
    expect(rx - 13.5).toBeCloseTo(-(cy - 13.5), 1);
    expect(ry - 13.5).toBeCloseTo(cx - 13.5, 1);
    const s = transformBatch(x, [{ angle: 0, dx: 0, dy: 0, scale: 1.2 }]);
    const area = (t: tf.Tensor) => tf.tidy(() => tf.sum(t).dataSync()[0]);
    expect(area(s) / area(x)).toBeCloseTo(1.44, 1); // area grows with scale squared
    tf.dispose([x, r, s]);
  });

  test('random augmentation is reproducible from the rng seed and differs per image', () => {
    const x = tf.concat([blob(), blob()]) as tf.Tensor4D;
    const a = augmentBatch(x, createRng(42), { rotation: 10, shift: 2, scale: 0.1 });
    const b = augmentBatch(x, createRng(42), { rotation: 10, shift: 2, scale: 0.1 });
    const c = augmentBatch(x, createRng(43), { rotation: 10, shift: 2, scale: 0.1 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    const [first, second] = tf.split(a, 2);
    expect(Array.from(first.dataSync())).not.toEqual(Array.from(second.dataSync()));
    tf.dispose([x, a, b, c, first, second]);
  });
});

describe('augmentation on wasm', () => {
  beforeAll(async () => {
    const { initBackend } = await import('../src/runtime/backend');
    await initBackend({ backend: 'wasm' });
  });
  afterAll(useCpu);

  test('wasm transforms whole batches, matching the cpu result image by image', async () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(transformHandlesBatches()).toBe(true);
    const images = () => tf.concat([blob(), blob(4, 15), blob(15, 3)]) as tf.Tensor4D;
    const x = images();
    const onWasm = augmentBatch(x, createRng(7)).dataSync().slice();
    tf.dispose(x);
    await useCpu();
    const y = images();
    const onCpu = augmentBatch(y, createRng(7)).dataSync();
    tf.dispose(y);
    const maxDiff = onCpu.reduce((m, v, i) => Math.max(m, Math.abs(v - onWasm[i])), 0);
    expect(maxDiff).toBeLessThan(1e-5);
  });
});
