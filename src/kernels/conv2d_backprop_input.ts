/**
 * Conv2DBackpropInput for the wasm backend, replacing the stock one (a scalar C++ loop, ~10x
 * slower than XNNPACK on our conv layers).
 *
 * dx = col2im(dy x W^T): each output pixel's row of dy times the transposed filter gives the
 * gradient of its whole receptive window, added straight into dx by the project's wasm SIMD
 * module (col2im fused into the GEMM's epilogue, no cols matrix). Exactly the forward conv's
 * multiply-adds; padded convolutions accumulate into a padded scratch and crop it. Windows whose
 * rows hold fewer than 8 values have no room for the fused tiles: there the product goes to a cols
 * matrix on the GEMM tile, then a separate col2im pass; except a single-channel input at stride 1
 * (a first layer, whose input gradient a fused conv's gradient computes all the same though nothing
 * uses it), which has a kernel of its own, about twice as fast as the cols route. 3x3 stride-1
 * convolutions with enough channels run on Winograd F(2x2, 3x3) instead (winograd.ts), one-row
 * filters (the line model's 1-D convs) with enough channels on 1-D Winograd (winograd1d.ts).
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvAttrs, ConvGeometry, convGeometry } from './conv_geometry';
import { isPadded } from './conv2d_backprop_filter';
import { allocate, BackendWasm, free, heapF32, requireSupported } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';
import { winogradApplies, winogradBackpropInput } from './winograd';
import { winograd1dApplies, winograd1dBackpropInput } from './winograd1d';

/** Attributes tfjs passes to Conv2DBackpropInput. */
interface BackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

/**
 * Short-row route: cols [m, Kp] = dy [m, outC] x W^T [outC, Kp] (W^T zero-padded to a multiple
 * of 4 columns, so the GEMM runs no scalar column), then col2im into `target` (padded geometry).
 */
function viaCols(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, target: TensorInfo, g: ConvGeometry, Hp: number, Wp: number): void {
  const k = kernelsFor(backend);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const Kp = Math.ceil(K / 4) * 4;
  const M = g.batch * g.outHeight * g.outWidth;
  const wtp = allocate(backend, [g.outChannels, Kp]);
  heapF32(backend, wtp).fill(0);
  k.transpose2d(heapOffset(backend, filter), heapOffset(backend, wtp), K, g.outChannels, Kp);
  const cols = allocate(backend, [M, Kp]);
  k.convForward(heapOffset(backend, dy), heapOffset(backend, wtp), heapOffset(backend, cols), 0, 0, 1, 1, M, g.outChannels, 1, M, Kp, 1, 1, 1, 1);
  k.col2im(heapOffset(backend, cols), heapOffset(backend, target), g.batch, Hp, Wp, g.inChannels, g.outHeight, g.outWidth,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, Kp);
  free(backend, wtp, cols);
}

/** Kernel function: inputs {dy: [n, oh, ow, outC], filter: [fh, fw, inC, outC]} -> dx [n, h, w, inC]. */
export function conv2DBackpropInputWasm(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: BackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  requireSupported('Conv2DBackpropInput', dy.dtype === 'float32' && filter.dtype === 'float32', `dtype ${dy.dtype}/${filter.dtype} (float32 only)`);
  const g = convGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs, false);
  if (winogradApplies(g, 'input')) return winogradBackpropInput(backend, dy, filter, g);
  if (winograd1dApplies(g, 'input')) return winograd1dBackpropInput(backend, dy, filter, g);
  const k = kernelsFor(backend);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const wt = allocate(backend, [g.outChannels, K]); // [outC, K]: one contiguous row of W^T per dy channel
  const dx = allocate(backend, attrs.inputShape);
  const padded = isPadded(g);
  const Hp = g.inHeight + g.padTop + g.padBottom;
  const Wp = g.inWidth + g.padLeft + g.padRight;
  const target = padded ? allocate(backend, [g.batch, Hp, Wp, g.inChannels]) : dx;
  if (g.inChannels === 1 && g.strideHeight === 1 && g.strideWidth === 1 && g.outChannels % 4 === 0) {
    // W [fh, fw, 1, outC] is already one contiguous row of outC per tap.
    k.convInputGradSingle(heapOffset(backend, dy), heapOffset(backend, filter), heapOffset(backend, target),
      g.batch, Hp, Wp, g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth);
  } else if (g.filterWidth * g.inChannels >= 8) {
    k.transpose2d(heapOffset(backend, filter), heapOffset(backend, wt), K, g.outChannels, K);
    k.convInputGrad(heapOffset(backend, dy), heapOffset(backend, wt), heapOffset(backend, target),
      g.batch, Hp, Wp, g.inChannels, g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth);
  } else {
    viaCols(backend, dy, filter, target, g, Hp, Wp);
  }
  if (padded) {
    k.cropImages(heapOffset(backend, target), heapOffset(backend, dx), g.batch, g.inHeight, g.inWidth, g.inChannels,
      g.padTop, g.padBottom, g.padLeft, g.padRight);
    free(backend, target);
  }
  free(backend, wt);
  return dx;
}

/** Registration record for `registerKernel` (replaces the stock wasm kernel). */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};
