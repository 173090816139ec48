/**
 * Identity, and Cast to the same dtype, for the wasm backend without a copy. The stock kernels
 * memcpy their input; training through tfjs-layers calls Identity on every large activation
 * (~10 copies of up to 11 MB per step of our CNN) and the relu gradient casts float32 to
 * float32. Tensors are immutable, so sharing the data with a reference count is safe; this
 * is what the cpu backend's Identity and the wasm backend's own Reshape already do.
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

/** Wraps the stock Cast: a cast to the tensor's own (numeric) dtype shares the data. */
export function zeroCopySameDtypeCast(stock: KernelConfig): KernelConfig {
  const kernelFunc = ((args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: { dtype: string } }) =>
    args.inputs.x.dtype === args.attrs.dtype && args.attrs.dtype !== 'string'
      ? sharedIdentity(args)
      : stock.kernelFunc(args as never)) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
