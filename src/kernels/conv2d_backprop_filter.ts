/**
 * Conv2DBackpropFilter for the wasm backend (tfjs 4.22 ships none, so conv nets cannot train).
 *
 * dW[k, outC] = sum over output pixels m of cols[k, m] * dy[m, outC], with k = (fh, fw, inC)
 * and m = (n, oh, ow). The im2col matrix is written already transposed ([k, m]) so the
 * product is a plain, untransposed, batch-1 BatchMatMul: the only layout that takes the
 * backend's XNNPACK path (any transpose falls back to a scalar loop 10x slower).
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvAttrs, ConvGeometry, convGeometry, endValidOut, firstValidOut } from './conv_geometry';
import { allocate, BackendWasm, free, heapF32, runWasm, wasmKernel, withShape } from './wasm_ops';

/** Attributes tfjs passes to Conv2DBackpropFilter. */
interface BackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/**
 * Fills `cols` ([fh*fw*inC, n*oh*ow], row-major) from `xT`, the input laid out as
 * [inC, n, h, w] so every row reads contiguous runs. Out-of-image taps are zeros.
 */
export function im2colTransposed(xT: Float32Array, cols: Float32Array, g: ConvGeometry): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl } = g;
  let d = 0;
  for (let fh = 0; fh < FH; fh++) {
    for (let fw = 0; fw < FW; fw++) {
      const lo = firstValidOut(fw, pl, sw, OW);
      const hi = Math.max(lo, endValidOut(fw, pl, sw, W, OW));
      for (let c = 0; c < C; c++) {
        for (let n = 0; n < batch; n++) {
          const plane = (c * batch + n) * H;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh + fh - pt;
            if (ih < 0 || ih >= H) {
              cols.fill(0, d, d + OW);
              d += OW;
              continue;
            }
            // Input column for output column ow is ow * sw + fw - pl.
            const s = (plane + ih) * W + fw - pl;
            let ow = 0;
            for (; ow < lo; ow++) cols[d + ow] = 0;
            if (sw === 1) {
              for (; ow < hi; ow++) cols[d + ow] = xT[s + ow];
            } else {
              for (; ow < hi; ow++) cols[d + ow] = xT[s + ow * sw];
            }
            for (; ow < OW; ow++) cols[d + ow] = 0;
            d += OW;
          }
        }
      }
    }
  }
}

/** Kernel function: inputs {x: [n, h, w, inC], dy: [n, oh, ow, outC]} -> dW [fh, fw, inC, outC]. */
export function conv2DBackpropFilterWasm(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: BackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const g = convGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs, false);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const M = g.batch * g.outHeight * g.outWidth;

  // [inC, n, h, w]: a channel's pixels become contiguous rows (XNNPACK-free but memory-bound and cheap).
  const xT = g.inChannels === 1 ? x : runWasm(backend, wasmKernel('Transpose'), { x }, { perm: [3, 0, 1, 2] });
  const cols = allocate(backend, [1, K, M]);
  im2colTransposed(heapF32(backend, xT), heapF32(backend, cols), g);
  if (xT !== x) free(backend, xT);

  const dW = runWasm(backend, wasmKernel('BatchMatMul'),
    { a: cols, b: withShape(dy, [1, M, g.outChannels]) },
    { transposeA: false, transposeB: false });
  free(backend, cols);
  return withShape(dW, attrs.filterShape);
}

/** Registration record for `registerKernel`. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
