/**
 * 1-D Winograd F(m, r) for convolutions with a one-row filter [1, r] at stride 1: the line
 * model's conv head (tfjs runs Conv1D as Conv2D on [batch, 1, T, C]). Every m outputs of a row
 * take n = m + r - 1 multiplies per channel pair instead of m * r: F(4, 5) does 8 instead of 20.
 *
 * The transform matrices come from Toom-Cook interpolation at the points 0, 1, -1, 2, -2, 1/2,
 * -1/2 and infinity (the first n - 1, then infinity): AT and G are Vandermonde rows of the points
 * (G scaled by 1 / prod(p_i - p_j), so that BT has small integer-like entries), and BT is
 * solved for in float64 from the identity y = AT [(G g) ⊙ (BT d)] itself, then checked. The
 * kernels always use all 8 points (F(9 - r, r): F(4, 5), F(6, 3)); they hard-code BT's and AT's
 * structure (sums and differences at +/-p) and take G, which depends on r, from here.
 *
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter call these when `winograd1dApplies` says
 * the shape gains (channels >= 64: the dense transforms cost too much below). HWR_WINOGRAD=0 turns
 * them off with the 2-D ones.
 */
import { TensorInfo } from '@tensorflow/tfjs-core';
import { ConvGeometry } from './conv_geometry';
import { allocate, BackendWasm, free, heapF32 } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';
import { WINOGRAD_TILE_BLOCK, winogradDisabled } from './winograd';

/** Interpolation points in the order they are used (infinity is always added last). */
const POINTS = [0, 1, -1, 2, -2, 0.5, -0.5];

/** Transform points of a tile: at most 8 (8 is also F(4, 5)'s, the conv head's). */
export const WINOGRAD1D_MAX_POINTS = 8;

/** Fewest input and output channels: below, the transforms (dense n x n products) cost more than they save. */
export const WINOGRAD1D_MIN_CHANNELS = 64;

/** Fewest direct multiplies per Winograd multiply (partial tiles at the end of a row count). */
export const WINOGRAD1D_MIN_SAVING = 1.6;

/** F(m, r)'s matrices, row-major: AT [m, n], G [n, r], BT [n, n]. */
export interface Winograd1dMatrices { m: number; r: number; n: number; AT: Float64Array; G: Float64Array; BT: Float64Array }

/** Solves the square system a x = b in place by Gaussian elimination with partial pivoting (float64). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(a[i][col]) > Math.abs(a[pivot][col])) pivot = i;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    for (let i = col + 1; i < n; i++) {
      const f = a[i][col] / a[col][col];
      for (let j = col; j < n; j++) a[i][j] -= f * a[col][j];
      b[i] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= a[i][j] * x[j];
    x[i] = s / a[i][i];
  }
  return x;
}

/**
 * The 8-point BT as the wasm kernel's input transform hard-codes it (inputTransform8 evaluates
 * these rows as sums and differences); winograd1dMatrices checks the solved matrix against it.
 */
export const KERNEL_BT8 = [
  [-1, 0, 5.25, 0, -5.25, 0, 1, 0],
  [0, 1, 1, -4.25, -4.25, 1, 1, 0],
  [0, -1, 1, 4.25, -4.25, -1, 1, 0],
  [0, 0.5, 0.25, -2.5, -1.25, 2, 1, 0],
  [0, -0.5, 0.25, 2.5, -1.25, -2, 1, 0],
  [0, 2, 4, -2.5, -5, 0.5, 1, 0],
  [0, -2, 4, 2.5, -5, -0.5, 1, 0],
  [0, -1, 0, 5.25, 0, -5.25, 0, 1],
];

const cache = new Map<string, Winograd1dMatrices>();

/** The matrices of F(m, r) (m + r - 1 <= 8), built once and checked against the identity. */
export function winograd1dMatrices(m: number, r: number): Winograd1dMatrices {
  const key = `${m},${r}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const n = m + r - 1;
  if (m < 1 || r < 2 || n > WINOGRAD1D_MAX_POINTS) throw new Error(`winograd1dMatrices: F(${m}, ${r}) needs ${n} points; 2..${WINOGRAD1D_MAX_POINTS} are available.`);
  const p = POINTS.slice(0, n - 1);
  const AT = new Float64Array(m * n);
  const G = new Float64Array(n * r);
  for (let i = 0; i < n - 1; i++) {
    let f = 1;
    for (let l = 0; l < n - 1; l++) if (l !== i) f *= p[i] - p[l];
    for (let j = 0; j < m; j++) AT[j * n + i] = p[i] ** j;
    for (let k = 0; k < r; k++) G[i * r + k] = p[i] ** k / f;
  }
  AT[(m - 1) * n + n - 1] = 1; // infinity: the highest output of the highest tap
  G[(n - 1) * r + r - 1] = 1;
  // BT's column l from the identity sum_i AT[j][i] G[i][k] BT[i][l] = [l == j + k] for all j, k:
  // m*r equations in n unknowns, consistent; the normal equations give the exact solution.
  const BT = new Float64Array(n * n);
  for (let l = 0; l < n; l++) {
    const ata = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const atb = new Array<number>(n).fill(0);
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < r; k++) {
        const row = Array.from({ length: n }, (_, i) => AT[j * n + i] * G[i * r + k]);
        const rhs = l === j + k ? 1 : 0;
        for (let a = 0; a < n; a++) {
          atb[a] += row[a] * rhs;
          for (let b = 0; b < n; b++) ata[a][b] += row[a] * row[b];
        }
      }
    }
    solve(ata, atb).forEach((v, i) => { BT[i * n + l] = Math.abs(v) < 1e-12 ? 0 : v; });
  }
  for (let j = 0; j < m; j++) {
    for (let k = 0; k < r; k++) {
      for (let l = 0; l < n; l++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += AT[j * n + i] * G[i * r + k] * BT[i * n + l];
        if (Math.abs(s - (l === j + k ? 1 : 0)) > 1e-9) throw new Error(`winograd1dMatrices: F(${m}, ${r}) does not reproduce the convolution (${s} at output ${j}, tap ${k}, input ${l}).`);
      }
    }
  }
  if (n === WINOGRAD1D_MAX_POINTS && KERNEL_BT8.some((row, i) => row.some((v, l) => Math.abs(v - BT[i * n + l]) > 1e-9))) {
    throw new Error(`winograd1dMatrices: the solved 8-point BT differs from the one the wasm kernel hard-codes (KERNEL_BT8); were the points changed?`);
  }
  const out = { m, r, n, AT, G, BT };
  cache.set(key, out);
  return out;
}

/** Outputs per tile for an r-tap filter: as many as 8 points allow. */
export const outputsPerTile = (r: number): number => WINOGRAD1D_MAX_POINTS + 1 - r;

/**
 * Whether a convolution of this geometry runs on 1-D Winograd: a [1, r] filter (3 <= r <= 7), stride 1,
 * no vertical padding, channels multiples of 4 and at least WINOGRAD1D_MIN_CHANNELS, and a saving of
 * at least WINOGRAD1D_MIN_SAVING for `kernel` (the input gradient tiles dx's width, the others y's).
 */
export function winograd1dApplies(g: ConvGeometry, kernel: 'forward' | 'filter' | 'input' = 'forward'): boolean {
  const r = g.filterWidth;
  if (winogradDisabled() || g.filterHeight !== 1 || r < 3 || r > 7 || g.strideHeight !== 1 || g.strideWidth !== 1) return false;
  if (g.padTop !== 0 || g.padBottom !== 0 || g.padLeft > r - 1 || g.padRight > r - 1) return false;
  if (g.inChannels % 4 !== 0 || g.outChannels % 4 !== 0) return false;
  if (g.inChannels < WINOGRAD1D_MIN_CHANNELS || g.outChannels < WINOGRAD1D_MIN_CHANNELS) return false;
  const m = outputsPerTile(r);
  const width = kernel === 'input' ? g.inWidth : g.outWidth;
  return (g.outWidth * r) / ((m + r - 1) * Math.ceil(width / m)) >= WINOGRAD1D_MIN_SAVING;
}

/** A float32 tensor holding `values` (the transform matrices, on the heap for the kernels). */
function constant(backend: BackendWasm, values: Float64Array): TensorInfo {
  const t = allocate(backend, [values.length]);
  heapF32(backend, t).set(values);
  return t;
}

/** Rows of x [n, h, w, c] as [n*h, wp, c], zero-padded by `left` and to the tile grid of `outW` outputs. */
function tiledRows(backend: BackendWasm, x: TensorInfo, left: number, outW: number, mats: Winograd1dMatrices): TensorInfo {
  const [n, h, w, c] = x.shape;
  const Wp = mats.m * Math.ceil(outW / mats.m) + mats.r - 1;
  const out = allocate(backend, [n * h, Wp, c]);
  kernelsFor(backend).padImages(heapOffset(backend, x), heapOffset(backend, out), n * h, 1, w, c, 0, 0, left, Wp - w - left);
  return out;
}

/** y [rows, outW, outC] of the rows of xp by the transformed filter U. */
function forwardRows(backend: BackendWasm, xp: TensorInfo, U: TensorInfo, outW: number, outC: number, bias: TensorInfo | undefined, epilogue: number, mats: Winograd1dMatrices, outShape: number[]): TensorInfo {
  const [R, Wp, C] = xp.shape;
  const { m, n } = mats;
  const V = allocate(backend, [n * (WINOGRAD_TILE_BLOCK * C + 16)]);
  const M = allocate(backend, [n * (WINOGRAD_TILE_BLOCK * outC + 16)]);
  const y = allocate(backend, outShape);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).winograd1dForward(at(xp), at(U), at(y), bias ? at(bias) : 0, epilogue, at(V), at(M), R, Wp, C, outW, outC, m, WINOGRAD_TILE_BLOCK);
  free(backend, V, M);
  return y;
}

/** The filter [1, r, inC, outC] transformed: [n, inC, outC], or flipped for the input gradient: [n, outC, inC]. */
function transformedFilter(backend: BackendWasm, filter: TensorInfo, flip: boolean, mats: Winograd1dMatrices): TensorInfo {
  const [, , C, OC] = filter.shape;
  const U = allocate(backend, [mats.n * (C * OC + 16)]);
  const G = constant(backend, mats.G);
  kernelsFor(backend).winograd1dFilter(heapOffset(backend, filter), heapOffset(backend, U), heapOffset(backend, G), mats.n, mats.r, C, OC, flip ? 1 : 0);
  free(backend, G);
  return U;
}

/** Conv2D with a [1, r] filter (plus the epilogue's bias and relu) by 1-D Winograd. */
export function winograd1dConv2D(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, epilogue: number, g: ConvGeometry): TensorInfo {
  const mats = winograd1dMatrices(outputsPerTile(g.filterWidth), g.filterWidth);
  const xp = tiledRows(backend, x, g.padLeft, g.outWidth, mats);
  const U = transformedFilter(backend, filter, false, mats);
  const y = forwardRows(backend, xp, U, g.outWidth, g.outChannels, bias, epilogue, mats, [g.batch, g.outHeight, g.outWidth, g.outChannels]);
  free(backend, xp, U);
  return y;
}

/** Conv2DBackpropInput by 1-D Winograd: dy padded by r - 1 - pad, convolved with the reversed, transposed filter. */
export function winograd1dBackpropInput(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const r = g.filterWidth;
  const mats = winograd1dMatrices(outputsPerTile(r), r);
  const dyp = tiledRows(backend, dy, r - 1 - g.padLeft, g.inWidth, mats);
  const U = transformedFilter(backend, filter, true, mats);
  const dx = forwardRows(backend, dyp, U, g.inWidth, g.inChannels, undefined, 0, mats, [g.batch, g.inHeight, g.inWidth, g.inChannels]);
  free(backend, dyp, U);
  return dx;
}

/** Conv2DBackpropFilter by 1-D Winograd: x [n, h, w, inC], dy [n, h, outW, outC] -> dW [1, r, inC, outC]. */
export function winograd1dBackpropFilter(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const r = g.filterWidth;
  const mats = winograd1dMatrices(outputsPerTile(r), r);
  const xp = tiledRows(backend, x, g.padLeft, g.outWidth, mats);
  const [R, Wp, C] = xp.shape;
  const OC = g.outChannels;
  const { m, n } = mats;
  const V = allocate(backend, [n * (WINOGRAD_TILE_BLOCK * C + 16)]);
  const Z = allocate(backend, [n * (WINOGRAD_TILE_BLOCK * OC + 16)]);
  const dU = allocate(backend, [n * (C * OC + 16)]);
  const G = constant(backend, mats.G);
  const dW = allocate(backend, [1, r, C, OC]);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).winograd1dFilterGrad(at(xp), at(dy), at(dW), at(V), at(Z), at(dU), at(G), R, Wp, C, g.outWidth, OC, m, r, WINOGRAD_TILE_BLOCK);
  free(backend, xp, V, Z, dU, G);
  return dW;
}
