/** Shared helpers for the wasm kernel tests: seeded data and a cpu-vs-wasm comparison. */
import * as tf from '@tensorflow/tfjs-core';

/** Deterministic uniform(-1, 1) floats (mulberry32), so failures reproduce. */
export function randomFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * Relative error used by every kernel test: max|a - b| / max(max|b|, 1e-6), with b the cpu
 * reference. Normalising by the largest reference value (not elementwise) keeps outputs that
 * are near zero by cancellation from dominating.
 */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Runs `f` on the named backend and returns its result's values. */
export async function onBackend(name: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  const t = tf.tidy(f);
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}
