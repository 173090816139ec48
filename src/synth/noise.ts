/**
 * Random fields for synthetic paper and ink: smooth value noise (paper mottling, pen pressure along a
 * stroke) and fast per-pixel noise (paper grain, pencil grain, sensor noise). Everything starts from
 * a seeded `Rng`, so a seed replays a field exactly. Per-pixel streams do not call the Rng once per
 * pixel (a closure call each time is too slow for a few hundred thousand values): they step an
 * inline 32-bit LCG seeded from the Rng and read a shared table of normal samples.
 */
import { Rng, createRng } from '../util/rng';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { ceil, cos, floor, log, max, min, sin, sqrt, PI } = Math;

/** LCG step for per-pixel streams (Numerical Recipes constants): `s = (imul(s, LCG_MUL) + LCG_ADD) | 0`. */
export const LCG_MUL = 1664525;
export const LCG_ADD = 1013904223;
/** Bits of an LCG state that index a `normalTable` (`s >>> NORMAL_SHIFT`); the LCG's high bits are its good ones. */
export const NORMAL_SHIFT = 20;
/** Size of a `normalTable`: 2^(32 - NORMAL_SHIFT). */
export const NORMAL_TABLE_SIZE = 1 << (32 - NORMAL_SHIFT);

/** A coarse grid of random values, smoothly interpolated in between: one octave of value noise. */
export interface NoiseGrid {
  /** Pixels between neighbouring grid points. */
  cell: number;
  cols: number;
  rows: number;
  /** [rows * cols] uniform values 0..1. */
  values: Float32Array;
}

/** A value-noise grid covering width x height pixels with grid points every `cell` pixels. */
export function createNoiseGrid(width: number, height: number, cell: number, rng: Rng): NoiseGrid {
  if (!(cell > 0)) throw new Error(`createNoiseGrid: cell must be > 0 pixels, got ${cell}`);
  const cols = ceil(max(1, width) / cell) + 2;
  const rows = ceil(max(1, height) / cell) + 2;
  const values = new Float32Array(cols * rows);
  for (let i = 0; i < values.length; i++) values[i] = rng.next();
  return { cell, cols, rows, values };
}

/**
 * The noise at pixel position (x, y): the grid interpolated with smoothstep weights (no visible
 * grid lines, unlike plain bilinear). Values 0..1; positions outside the grid are clamped to it.
 */
export function sampleNoise(grid: NoiseGrid, x: number, y: number): number {
  const { cell, cols, rows, values } = grid;
  const gx = min(cols - 1.001, max(0, x / cell));
  const gy = min(rows - 1.001, max(0, y / cell));
  const i = floor(gx);
  const j = floor(gy);
  let fx = gx - i;
  let fy = gy - j;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  const k = j * cols + i;
  const top = values[k] + fx * (values[k + 1] - values[k]);
  const bottom = values[k + cols] + fx * (values[k + cols + 1] - values[k + cols]);
  return top + fy * (bottom - top);
}

/** `NORMAL_TABLE_SIZE` standard normal samples (Box-Muller on `rng`), read by an LCG in hot loops. */
export function normalTable(rng: Rng): Float32Array {
  const table = new Float32Array(NORMAL_TABLE_SIZE);
  for (let i = 0; i < table.length; i += 2) {
    const r = sqrt(-2 * log(1 - rng.next())); // 1 - next() is in (0, 1]: no log(0)
    const a = 2 * PI * rng.next();
    table[i] = r * cos(a);
    table[i + 1] = r * sin(a);
  }
  return table;
}

/** A 32-bit starting state for an inline LCG stream. */
export function lcgSeed(rng: Rng): number {
  return (rng.next() * 4294967296) | 0;
}

let shared: Float32Array | null = null;

/**
 * One `normalTable` for every image, made on first use from a fixed seed: images differ by where
 * their LCG starts in it, and no image pays for 4,096 Box-Muller draws.
 */
export function sharedNormals(): Float32Array {
  if (!shared) shared = normalTable(createRng(0x6e6f726d));
  return shared;
}
