/**
 * Winograd F(2x2, 3x3) convolutions on the wasm backend: Conv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter for 3x3 filters at stride 1, with 16 multiplies per 2x2 output block and
 * channel pair instead of the direct kernels' 36 (the maths and layouts are in
 * src/kernels/wasm/assembly/kernels.ts). The three conv kernels call these when
 * `winogradApplies` says the shape gains; everything else stays on the direct kernels.
 *
 * Accuracy: the transforms only add, subtract and halve, so the error stays within a few times
 * the direct kernels' (test/kernels_winograd.test.ts measures it against the cpu backend).
 * HWR_WINOGRAD=0 turns them off (for before/after comparisons and as an escape hatch).
 */
import { TensorInfo } from '@tensorflow/tfjs-core';
import { ConvGeometry } from './conv_geometry';
import { allocate, BackendWasm, free } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';

/**
 * Fewest input and output channels for Winograd: with fewer, its GEMMs (as long as the channel
 * count) are too short and the transforms (adds over whole tiles) cost more than the multiplies
 * they save. CPU ms of forward / filter gradient / input gradient, direct vs Winograd, batch 32
 * (AMD EPYC, bench/conv_kernels.ts): the line recipe's 16->48 layer [32,20,200,16] 28.9/35.5/28.2
 * vs 18.4/17.7/18.5; 16->32 20.8/21.5/20.1 vs 12.0/11.8/12.1; 8->32 9.7/9.8/9.3 vs 8.4/7.4/8.0
 * (too close to call: 8 stays direct).
 */
export const WINOGRAD_MIN_CHANNELS = 16;

/**
 * Fewest direct multiplies per Winograd multiply: partial tiles at odd sizes, and the input
 * gradient's zero border around dy in a valid convolution, are multiplied all the same. The
 * benchmark CNN's 13x13 valid layer has 1.89 (forward and filter gradient, 1.15-1.2x faster) and
 * 1.39 for its input gradient (1.2x slower than direct).
 */
export const WINOGRAD_MIN_SAVING = 1.6;

/** Tiles per block: a block's transformed inputs and products stay in L2 between the three phases. */
export const WINOGRAD_TILE_BLOCK = 64;

/** Floats of one of the 16 planes of a scratch array of `values` per plane (the kernels pad each by 16 floats). */
const planes = (values: number): number => 16 * (values + 16);

/** Whether HWR_WINOGRAD=0 turned Winograd off (the 2-D and the 1-D kernels alike). */
export function winogradDisabled(): boolean {
  return typeof process !== 'undefined' && process.env?.HWR_WINOGRAD === '0';
}

/** 2x2 tiles covering `outputs` rows or columns. */
const tiles = (outputs: number): number => Math.ceil(outputs / 2);

/**
 * Whether a convolution of this geometry runs on Winograd: 3x3, stride 1, channels multiples of 4
 * and at least WINOGRAD_MIN_CHANNELS, and a saving of multiplies of at least WINOGRAD_MIN_SAVING
 * for `kernel` (the input gradient tiles dx, the others y).
 */
export function winogradApplies(g: ConvGeometry, kernel: 'forward' | 'filter' | 'input' = 'forward'): boolean {
  if (winogradDisabled() || g.filterHeight !== 3 || g.filterWidth !== 3 || g.strideHeight !== 1 || g.strideWidth !== 1) return false;
  if (g.inChannels % 4 !== 0 || g.outChannels % 4 !== 0) return false;
  if (g.inChannels < WINOGRAD_MIN_CHANNELS || g.outChannels < WINOGRAD_MIN_CHANNELS) return false;
  // The input gradient pads dy by 2 - pad on each side.
  if (Math.max(g.padTop, g.padBottom, g.padLeft, g.padRight) > 2) return false;
  const [h, w] = kernel === 'input' ? [g.inHeight, g.inWidth] : [g.outHeight, g.outWidth];
  const direct = 9 * g.outHeight * g.outWidth;
  return direct / (16 * tiles(h) * tiles(w)) >= WINOGRAD_MIN_SAVING;
}

/**
 * `x` [n, h, w, c] zero-padded by (top, left) and to the tile grid's extent for `outH` x `outW`
 * outputs of a 3x3 valid convolution ([n, 2*ceil(outH/2) + 2, 2*ceil(outW/2) + 2, c]).
 */
function tiledInput(backend: BackendWasm, x: TensorInfo, top: number, left: number, outH: number, outW: number): TensorInfo {
  const [n, h, w, c] = x.shape;
  const Hp = 2 * tiles(outH) + 2;
  const Wp = 2 * tiles(outW) + 2;
  const out = allocate(backend, [n, Hp, Wp, c]);
  kernelsFor(backend).padImages(heapOffset(backend, x), heapOffset(backend, out), n, h, w, c, top, Hp - h - top, left, Wp - w - left);
  return out;
}

/** A valid 3x3 Winograd convolution of xp (tiled) by the transformed filter U: y [n, outH, outW, outC]. */
function forward(backend: BackendWasm, xp: TensorInfo, U: TensorInfo, outH: number, outW: number, outC: number, bias: TensorInfo | undefined, epilogue: number): TensorInfo {
  const [n, Hp, Wp, c] = xp.shape;
  const TB = WINOGRAD_TILE_BLOCK;
  const V = allocate(backend, [planes(TB * c)]);
  const M = allocate(backend, [planes(TB * outC)]);
  const y = allocate(backend, [n, outH, outW, outC]);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).winogradForward(at(xp), at(U), at(y), bias ? at(bias) : 0, epilogue, at(V), at(M), n, Hp, Wp, c, outH, outW, outC, TB);
  free(backend, V, M);
  return y;
}

/** The filter [3, 3, inC, outC] transformed: [16, inC, outC], or flipped for the input gradient: [16, outC, inC]. */
function transformedFilter(backend: BackendWasm, filter: TensorInfo, flip: boolean): TensorInfo {
  const [, , C, OC] = filter.shape;
  const U = allocate(backend, [planes(C * OC)]);
  kernelsFor(backend).winogradFilter(heapOffset(backend, filter), heapOffset(backend, U), C, OC, flip ? 1 : 0);
  return U;
}

/** Conv2D (plus the epilogue's bias and relu) by Winograd: x [n, h, w, inC] -> [n, outH, outW, outC]. */
export function winogradConv2D(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, epilogue: number, g: ConvGeometry): TensorInfo {
  const xp = tiledInput(backend, x, g.padTop, g.padLeft, g.outHeight, g.outWidth);
  const U = transformedFilter(backend, filter, false);
  const y = forward(backend, xp, U, g.outHeight, g.outWidth, g.outChannels, bias, epilogue);
  free(backend, xp, U);
  return y;
}

/**
 * Conv2DBackpropInput by Winograd: dx [n, h, w, inC] is the valid convolution of dy, padded by
 * 2 - pad on each side, with the filter rotated by 180 degrees and its channels swapped.
 */
export function winogradBackpropInput(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const dyp = tiledInput(backend, dy, 2 - g.padTop, 2 - g.padLeft, g.inHeight, g.inWidth);
  const U = transformedFilter(backend, filter, true);
  const dx = forward(backend, dyp, U, g.inHeight, g.inWidth, g.inChannels, undefined, 0);
  free(backend, dyp, U);
  return dx;
}

/** Conv2DBackpropFilter by Winograd: x [n, h, w, inC], dy [n, outH, outW, outC] -> dW [3, 3, inC, outC]. */
export function winogradBackpropFilter(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const xp = tiledInput(backend, x, g.padTop, g.padLeft, g.outHeight, g.outWidth);
  const [n, Hp, Wp, C] = xp.shape;
  const OC = g.outChannels;
  const TB = WINOGRAD_TILE_BLOCK;
  const V = allocate(backend, [planes(TB * C)]);
  const Z = allocate(backend, [planes(TB * OC)]);
  const dU = allocate(backend, [planes(C * OC)]);
  const dW = allocate(backend, [3, 3, C, OC]);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).winogradFilterGrad(at(xp), at(dy), at(dW), at(V), at(Z), at(dU), n, Hp, Wp, C, g.outHeight, g.outWidth, OC, TB);
  free(backend, xp, V, Z, dU);
  return dW;
}
