/**
 * Depthwise convolution gradients for the wasm backend (tfjs 4.22 ships neither).
 * Depthwise layers are cheap (one filter tap per channel), so plain loops over the wasm
 * heap, innermost over contiguous channels, are fast enough and need no scratch tensors.
 *
 * Shapes: x [n, h, w, c], filter [fh, fw, c, mult], dy [n, oh, ow, c * mult].
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvAttrs, ConvGeometry, convGeometry } from './conv_geometry';
import { allocate, BackendWasm, heapF32 } from './wasm_ops';

/** Attributes of DepthwiseConv2dNativeBackpropFilter. */
interface DepthwiseFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/** Attributes of DepthwiseConv2dNativeBackpropInput. */
interface DepthwiseInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

// Float64 accumulators for the filter gradient: sums run over every output pixel of the batch.
let filterAcc = new Float64Array(0);

/** dW[fh, fw, c, q] = sum over (n, oh, ow) of x[n, ih, iw, c] * dy[n, oh, ow, c * mult + q]. */
export function depthwiseFilterGrad(x: Float32Array, dy: Float32Array, dW: Float32Array, g: ConvGeometry, mult: number): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl } = g;
  const OC = C * mult;
  if (filterAcc.length < dW.length) filterAcc = new Float64Array(dW.length);
  const acc = filterAcc;
  acc.fill(0, 0, dW.length);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let fh = 0; fh < FH; fh++) {
        const ih = oh * sh + fh - pt;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < OW; ow++) {
          const dyBase = ((n * OH + oh) * OW + ow) * OC;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw - pl;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const wBase = (fh * FW + fw) * OC;
            if (mult === 1) {
              for (let c = 0; c < C; c++) acc[wBase + c] += x[xBase + c] * dy[dyBase + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = x[xBase + c];
                for (let q = 0; q < mult; q++) acc[wBase + c * mult + q] += xv * dy[dyBase + c * mult + q];
              }
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < dW.length; i++) dW[i] = acc[i];
}

/** dx[n, ih, iw, c] = sum over taps and q of dy[n, oh, ow, c * mult + q] * W[fh, fw, c, q]. */
export function depthwiseInputGrad(dy: Float32Array, w: Float32Array, dx: Float32Array, g: ConvGeometry, mult: number): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, padTop: pt, padLeft: pl } = g;
  const OC = C * mult;
  dx.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let fh = 0; fh < FH; fh++) {
        const ih = oh * sh + fh - pt;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < OW; ow++) {
          const dyBase = ((n * OH + oh) * OW + ow) * OC;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw - pl;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const wBase = (fh * FW + fw) * OC;
            if (mult === 1) {
              for (let c = 0; c < C; c++) dx[xBase + c] += dy[dyBase + c] * w[wBase + c];
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let q = 0; q < mult; q++) s += dy[dyBase + c * mult + q] * w[wBase + c * mult + q];
                dx[xBase + c] += s;
              }
            }
          }
        }
      }
    }
  }
}

/** Kernel function: inputs {x, dy} -> dW [fh, fw, c, mult]. */
export function depthwiseBackpropFilterWasm(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: DepthwiseFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const g = convGeometry('DepthwiseConv2dNativeBackpropFilter', x.shape, attrs.filterShape, attrs, true);
  const dW = allocate(backend, attrs.filterShape);
  depthwiseFilterGrad(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, dW), g, attrs.filterShape[3]);
  return dW;
}

/** Kernel function: inputs {dy, filter} -> dx [n, h, w, c]. */
export function depthwiseBackpropInputWasm(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: DepthwiseInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const g = convGeometry('DepthwiseConv2dNativeBackpropInput', attrs.inputShape, filter.shape, attrs, true);
  const dx = allocate(backend, attrs.inputShape);
  depthwiseInputGrad(heapF32(backend, dy), heapF32(backend, filter), heapF32(backend, dx), g, filter.shape[3]);
  return dx;
}

/** Registration records for `registerKernel`. */
export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilterWasm as unknown as KernelFunc,
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInputWasm as unknown as KernelFunc,
};
