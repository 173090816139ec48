/**
 * Identity for the wasm backend without a copy. The stock kernel memcpys its input; training
 * through tfjs-layers calls it on every large activation (~10 copies of up to 11 MB per step
 * of our CNN). Tensors are immutable, so sharing the data with a reference count is safe;
 * this is what the cpu backend's Identity and the wasm backend's own Reshape already do.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendWasm } from './wasm_ops';

/** Kernel function: returns x's data under a new reference. */
export function sharedIdentity(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') throw new Error('sharedIdentity: string tensors are handled by the stock kernel');
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Wraps the stock Identity: numeric tensors are shared, anything else goes to the stock kernel. */
export function zeroCopyIdentity(stock: KernelConfig): KernelConfig {
  const kernelFunc = ((args: { inputs: { x: TensorInfo }; backend: BackendWasm }) =>
    args.inputs.x.dtype === 'string' ? stock.kernelFunc(args as never) : sharedIdentity(args)) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
