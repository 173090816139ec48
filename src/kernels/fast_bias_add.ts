/**
 * Add for the wasm backend with a fast path for a bias: x [..., c] + b [c] (every conv and dense
 * layer's forward pass in training, where tfjs does not fuse the bias). The stock kernel's general
 * broadcasting loop took 1.7 ms per step on the benchmark CNN's first layer; one SIMD pass over
 * the rows takes about half. Anything else goes to the stock kernel.
 */
import { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo, util } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';

/** Whether `b` is a vector of x's last dimension (length a multiple of 4), both float32. */
function isBias(x: TensorInfo, b: TensorInfo): boolean {
  const c = x.shape[x.shape.length - 1];
  return x.dtype === 'float32' && b.dtype === 'float32' && x.shape.length >= 2 && b.shape.length === 1 && b.shape[0] === c && c % 4 === 0;
}

/** Wraps the stock Add: bias additions run as one SIMD pass. */
export function biasAddFastPath(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc;
  const kernelFunc = ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm }) => {
    const { inputs, backend } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const [x, bias] = isBias(a, b) ? [a, b] : isBias(b, a) ? [b, a] : [undefined, undefined];
    if (!x || !bias) return stockFunc(args as never);
    const out = allocate(backend, x.shape);
    const c = bias.shape[0];
    kernelsFor(backend).biasAdd(heapOffset(backend, x), heapOffset(backend, bias), heapOffset(backend, out), util.sizeFromShape(x.shape) / c, c);
    return out;
  }) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
