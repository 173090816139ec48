import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng';

/** Ranges of the random affine distortion applied to each training image. */
export interface AugmentOptions {
  /** Maximum rotation in degrees, drawn uniformly from [-rotation, rotation]. */
  rotation?: number;
  /** Maximum shift in pixels along each axis, drawn uniformly from [-shift, shift]. */
  shift?: number;
  /** Maximum relative zoom: the scale factor is drawn from [1 - scale, 1 + scale]. */
  scale?: number;
}

/** Mild distortions that keep digits and letters readable (a 6 rotated 30 degrees looks like a 9 to no one, but 10 is safe). */
export const DEFAULT_AUGMENT: Required<AugmentOptions> = { rotation: 10, shift: 2, scale: 0.1 };

/** One image's distortion: rotation in degrees, shift in pixels (+x right, +y down), scale factor. */
export interface AffineParams {
  angle: number;
  dx: number;
  dy: number;
  scale: number;
}

/**
 * The 8 numbers `tf.image.transform` wants for one image. That op maps each OUTPUT pixel back to
 * the INPUT pixel it samples, so this is the inverse of "rotate and scale about the centre, then
 * shift": input = A^-1 (output - centre - shift) + centre, with A = scale * rotation.
 */
export function affineTransform(p: AffineParams, height: number, width: number): number[] {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const theta = (p.angle * Math.PI) / 180;
  const cos = Math.cos(theta) / p.scale;
  const sin = Math.sin(theta) / p.scale;
  // Inverse of [[cos, -sin], [sin, cos]] * scale is [[cos, sin], [-sin, cos]] / scale.
  const a0 = cos;
  const a1 = sin;
  const b0 = -sin;
  const b1 = cos;
  const ox = cx + p.dx;
  const oy = cy + p.dy;
  return [a0, a1, cx - a0 * ox - a1 * oy, b0, b1, cy - b0 * ox - b1 * oy, 0, 0];
}

/** Applies one affine distortion per image: x [batch, h, w, c] -> [batch, h, w, c], zeros (background) outside. */
export function transformBatch(x: tf.Tensor4D, params: AffineParams[]): tf.Tensor4D {
  const [batch, height, width] = x.shape;
  if (params.length !== batch) {
    throw new Error(`transformBatch: got ${params.length} parameter sets for a batch of ${batch} images.`);
  }
  return transformImages(x, Float32Array.from(params.flatMap((p) => affineTransform(p, height, width))));
}

/** Applies per-image `tf.image.transform` matrices [batch * 8] to x [batch, h, w, c] (bilinear, zeros outside). */
export function transformImages(x: tf.Tensor4D, matrices: Float32Array): tf.Tensor4D {
  const batch = x.shape[0];
  if (matrices.length !== batch * 8) {
    throw new Error(`transformImages: got ${matrices.length / 8} transforms for a batch of ${batch} images.`);
  }
  return tf.tidy(() => {
    const m = tf.tensor2d(matrices, [batch, 8]);
    if (batch === 1 || transformHandlesBatches()) return tf.image.transform(x, m, 'bilinear', 'constant', 0);
    // One image at a time where the kernel only transforms the first image of a batch.
    const images = tf.split(x, batch) as tf.Tensor4D[]; // batch x [1, h, w, c]
    const rows = tf.split(m, batch) as tf.Tensor2D[]; // batch x [1, 8]
    return tf.concat(images.map((img, i) => tf.image.transform(img, rows[i], 'bilinear', 'constant', 0)));
  });
}

const batchSupport = new Map<string, boolean>();

/**
 * Whether the active backend's Transform kernel handles a whole batch. tfjs-backend-cpu 4.22 returns
 * from inside its batch loop, so every image after the first comes out blank; probed once per backend.
 */
export function transformHandlesBatches(): boolean {
  const backend = tf.getBackend();
  let ok = batchSupport.get(backend);
  if (ok === undefined) {
    ok = tf.tidy(() => {
      const x = tf.ones([2, 2, 2, 1]) as tf.Tensor4D;
      const identity = tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], [2, 8]);
      return tf.sum(tf.image.transform(x, identity)).dataSync()[0] === 8;
    });
    batchSupport.set(backend, ok);
  }
  return ok;
}

/** Draws one image's distortion from the ranges in `opts` (missing ranges count as 0). */
export function sampleAffine(rng: Rng, opts: AugmentOptions): AffineParams {
  const { rotation = 0, shift = 0, scale = 0 } = opts;
  // Always draw all four numbers so the stream stays aligned whatever ranges are switched off.
  return {
    angle: rng.uniform(-rotation, rotation),
    dx: rng.uniform(-shift, shift),
    dy: rng.uniform(-shift, shift),
    scale: rng.uniform(1 - scale, 1 + scale),
  };
}

/**
 * Random small rotation, shift and scale of every image in the batch, drawn from `rng`:
 * x [batch, h, w, 1] in 0..1 -> same shape. Pure given the rng state; runs on the active backend.
 */
export function augmentBatch(x: tf.Tensor4D, rng: Rng, opts: AugmentOptions = DEFAULT_AUGMENT): tf.Tensor4D {
  const [count, height, width] = x.shape;
  return transformImages(x, augmentTransforms(count, height, width, rng, opts));
}

/**
 * The transforms `augmentBatch` would apply to `count` images of height x width, as plain numbers
 * [count * 8]: drawn on the main thread, applied later by whichever replica trains on each image.
 */
export function augmentTransforms(count: number, height: number, width: number, rng: Rng, opts: AugmentOptions = DEFAULT_AUGMENT): Float32Array {
  const out = new Float32Array(count * 8);
  for (let i = 0; i < count; i++) out.set(affineTransform(sampleAffine(rng, opts), height, width), i * 8);
  return out;
}
