/**
 * Conv2DBackpropInput for the wasm backend, replacing the stock one (a scalar C++ loop,
 * ~10x slower than XNNPACK on our conv layers).
 *
 * cols[m, k] = sum over outC of dy[m, outC] * W[k, outC]  (one untransposed XNNPACK matmul
 * against a transposed copy of the small filter), then col2im scatters every cols row back
 * onto the input pixels its window covered.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvAttrs, ConvGeometry, convGeometry } from './conv_geometry';
import { allocate, BackendWasm, free, heapF32, runWasm, wasmKernel, withShape } from './wasm_ops';

/** Attributes tfjs passes to Conv2DBackpropInput. */
interface BackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

/** Adds every row of `cols` ([n*oh*ow, fh*fw*inC]) into the window it came from in `dx` ([n, h, w, inC]). */
export function col2im(cols: Float32Array, dx: Float32Array, g: ConvGeometry): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl } = g;
  const K = FH * FW * C;
  dx.fill(0);
  let m = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, m++) {
        const row = m * K;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh + fh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw - pl;
            if (iw < 0 || iw >= W) continue;
            const d = ((n * H + ih) * W + iw) * C;
            const s = row + (fh * FW + fw) * C;
            for (let c = 0; c < C; c++) dx[d + c] += cols[s + c];
          }
        }
      }
    }
  }
}

/** Kernel function: inputs {dy: [n, oh, ow, outC], filter: [fh, fw, inC, outC]} -> dx [n, h, w, inC]. */
export function conv2DBackpropInputWasm(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: BackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const g = convGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs, false);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const M = g.batch * g.outHeight * g.outWidth;

  // A fresh [outC, K] copy each call: XNNPACK caches packed weights by tensor id, so the
  // right-hand operand must never be a reused buffer.
  const wT = runWasm(backend, wasmKernel('Transpose'), { x: withShape(filter, [K, g.outChannels]) }, { perm: [1, 0] });
  const cols = runWasm(backend, wasmKernel('BatchMatMul'),
    { a: withShape(dy, [1, M, g.outChannels]), b: withShape(wT, [1, g.outChannels, K]) },
    { transposeA: false, transposeB: false });
  free(backend, wT);
  const dx = allocate(backend, attrs.inputShape);
  col2im(heapF32(backend, cols), heapF32(backend, dx), g);
  free(backend, cols);
  return dx;
}

/** Registration record for `registerKernel` (replaces the stock wasm kernel). */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};
