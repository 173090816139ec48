/**
 * Convolution geometry shared by the gradient kernels: tfjs's own conv info (so padding
 * and rounding match the forward op exactly), reduced to the numbers the loops need.
 */
import { backend_util } from '@tensorflow/tfjs-core';

/** Everything an NHWC 2-D convolution loop needs, in plain numbers. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/** Attributes that describe a convolution (as tfjs kernels receive them). */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  dataFormat?: 'NHWC' | 'NCHW';
}

/**
 * Conv geometry for input `[batch, h, w, c]` and filter `[fh, fw, c, outC]` (or depthwise
 * `[fh, fw, c, multiplier]`). Throws for NCHW or dilation != 1, which these kernels do not implement.
 */
export function convGeometry(
  kernel: string,
  inShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): ConvGeometry {
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (wasm training kernel) supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  }
  const d = attrs.dilations ?? 1;
  const [dh, dw] = typeof d === 'number' ? [d, d] : d;
  if (dh !== 1 || dw !== 1) {
    throw new Error(`${kernel} (wasm training kernel) supports dilation 1 only, got [${dh}, ${dw}]`);
  }
  if (inShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(`${kernel} (wasm training kernel) expects rank-4 NHWC input and filter, got [${inShape}] and [${filterShape}]`);
  }
  const info = backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}
