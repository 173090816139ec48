/**
 * Conv2DBackpropFilter for the wasm backend (tfjs 4.22 ships none, so conv nets cannot train).
 *
 * dW[k, outC] = sum over output pixels m of x[window(m) + offset(k)] * dy[m, outC], with
 * k = (fh, fw, inC) and m = (n, oh, ow): a GEMM whose left operand is read straight from the
 * image (no im2col matrix), in the project's wasm SIMD module, one image at a time so that
 * image's x and dy stay in cache while every 4x8 tile of dW sweeps it. Padded convolutions
 * run on a zero-padded copy of x. 3x3 stride-1 convolutions with enough channels run on
 * Winograd F(2x2, 3x3) instead (winograd.ts), one-row
 * filters (the line model's 1-D convs) with enough channels on 1-D Winograd (winograd1d.ts).
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvAttrs, ConvGeometry, convGeometry } from './conv_geometry';
import { allocate, BackendWasm, free, requireSupported } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';
import { winogradApplies, winogradBackpropFilter } from './winograd';
import { winograd1dApplies, winograd1dBackpropFilter } from './winograd1d';

/** Attributes tfjs passes to Conv2DBackpropFilter. */
interface BackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/** Whether the geometry has any padding (then the kernels run on a padded copy of the input). */
export function isPadded(g: ConvGeometry): boolean {
  return g.padTop !== 0 || g.padBottom !== 0 || g.padLeft !== 0 || g.padRight !== 0;
}

/** x zero-padded to the geometry's padded size ([n, h + pt + pb, w + pl + pr, c]), or x itself. */
export function paddedInput(backend: BackendWasm, x: TensorInfo, g: ConvGeometry): TensorInfo {
  if (!isPadded(g)) return x;
  const { batch, inHeight: H, inWidth: W, inChannels: C, padTop: pt, padBottom: pb, padLeft: pl, padRight: pr } = g;
  const out = allocate(backend, [batch, H + pt + pb, W + pl + pr, C]);
  kernelsFor(backend).padImages(heapOffset(backend, x), heapOffset(backend, out), batch, H, W, C, pt, pb, pl, pr);
  return out;
}

/** Kernel function: inputs {x: [n, h, w, inC], dy: [n, oh, ow, outC]} -> dW [fh, fw, inC, outC]. */
export function conv2DBackpropFilterWasm(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: BackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  requireSupported('Conv2DBackpropFilter', x.dtype === 'float32' && dy.dtype === 'float32', `dtype ${x.dtype}/${dy.dtype} (float32 only)`);
  const g = convGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs, false);
  if (winogradApplies(g, 'filter')) return winogradBackpropFilter(backend, x, dy, g);
  if (winograd1dApplies(g, 'filter')) return winograd1dBackpropFilter(backend, x, dy, g);
  const xp = paddedInput(backend, x, g);
  const dW = allocate(backend, attrs.filterShape);
  kernelsFor(backend).convFilterGrad(
    heapOffset(backend, xp), heapOffset(backend, dy), heapOffset(backend, dW),
    g.batch, g.inHeight + g.padTop + g.padBottom, g.inWidth + g.padLeft + g.padRight, g.inChannels,
    g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth);
  if (xp !== x) free(backend, xp);
  return dW;
}

/** Registration record for `registerKernel`. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
