/**
 * MaxPoolGrad for the wasm backend, replacing the stock one (a C++ port of the cpu loop that
 * rescans every window per input pixel: ~50 ms per pooling layer of our CNN at batch 128).
 * Here each window is scanned once and dy goes to its argmax: the first maximum in row-major
 * window order, the same tie-break as the cpu backend (ties are common after relu). The common
 * 2x2/stride-2 pool and the line model's 2x1/stride-[2, 1] pool over a multiple of 4 channels run
 * in the project's wasm SIMD module (the general loop below took over 10x as long on the latter).
 */
import { backend_util, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm, heapF32 } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';

/** Attributes tfjs passes to MaxPoolGrad. */
interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

// Per-channel running max and its flat index, reused across calls.
let bestVal = new Float32Array(0);
let bestPos = new Int32Array(0);

/**
 * The common 2x2, stride 2, unpadded pool: four straight-line compares per channel, no
 * scratch arrays (3x faster than the general loop). Windows do not overlap, so each dy
 * value lands on exactly one dx position.
 */
function maxPool2x2Backprop(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const rowStep = W * C;
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o += C) {
        const p00 = ((n * H + 2 * oh) * W + 2 * ow) * C;
        const p01 = p00 + C;
        const p10 = p00 + rowStep;
        const p11 = p10 + C;
        for (let c = 0; c < C; c++) {
          // Strict '>' keeps the first maximum in row-major order, as the cpu backend does.
          let best = x[p00 + c];
          let at = p00 + c;
          let v = x[p01 + c];
          if (v > best) { best = v; at = p01 + c; }
          v = x[p10 + c];
          if (v > best) { best = v; at = p10 + c; }
          v = x[p11 + c];
          if (v > best) { at = p11 + c; }
          dx[at] = dy[o + c];
        }
      }
    }
  }
}

/** An fh x fw pool with stride [fh, fw] (windows side by side), no padding, windows inside the input. */
function isPlainPool(info: backend_util.Conv2DInfo, fh: number, fw: number): boolean {
  return info.effectiveFilterHeight === fh && info.effectiveFilterWidth === fw && info.strideHeight === fh && info.strideWidth === fw &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && fh * info.outHeight <= info.inHeight && fw * info.outWidth <= info.inWidth;
}

/** The common pool: 2x2 windows, stride 2. */
const isPlain2x2 = (info: backend_util.Conv2DInfo): boolean => isPlainPool(info, 2, 2);
/** The line model's height-only pool: 2x1 windows, stride [2, 1]. */
const isPlain2x1 = (info: backend_util.Conv2DInfo): boolean => isPlainPool(info, 2, 1);

/** dx = dy routed to each window's (first) maximum of x. x, dx: [n, h, w, c]; dy: [n, oh, ow, c]. */
export function maxPoolBackprop(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: FH, effectiveFilterWidth: FW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  if (isPlain2x2(info)) {
    maxPool2x2Backprop(x, dy, dx, info);
    return;
  }
  if (bestVal.length < C) {
    bestVal = new Float32Array(C);
    bestPos = new Int32Array(C);
  }
  const val = bestVal;
  const pos = bestPos;
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(0, oh * sh - pt);
      const h1 = Math.min(H, oh * sh - pt + FH);
      for (let ow = 0; ow < OW; ow++, o += C) {
        const w0 = Math.max(0, ow * sw - pl);
        const w1 = Math.min(W, ow * sw - pl + FW);
        val.fill(-Infinity, 0, C);
        pos.fill(-1, 0, C);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const base = ((n * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > val[c]) {
                val[c] = v;
                pos[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) if (pos[c] >= 0) dx[pos[c]] += dy[o + c];
      }
    }
  }
}

/** Kernel function: inputs {dy, input, output} -> dx shaped like input. */
export function maxPoolGradWasm(args: { inputs: { dy: TensorInfo; input: TensorInfo }; backend: BackendWasm; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const dx = allocate(backend, input.shape);
  if (isPlain2x2(info) && info.inChannels % 4 === 0 && input.dtype === 'float32') {
    kernelsFor(backend).maxPoolGrad2x2(heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, dx),
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth);
    return dx;
  }
  if (isPlain2x1(info) && info.inChannels % 4 === 0 && input.dtype === 'float32') {
    kernelsFor(backend).maxPoolGrad2x1(heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, dx),
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight);
    return dx;
  }
  maxPoolBackprop(heapF32(backend, input), heapF32(backend, dy), heapF32(backend, dx), info);
  return dx;
}

/** Registration record for `registerKernel` (replaces the stock wasm kernel). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as KernelFunc,
};
