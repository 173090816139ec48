/**
 * Helpers for writing wasm kernels out of the wasm backend's own kernels: run another
 * registered kernel on TensorInfos, view tensors on the wasm heap, free intermediates.
 * This is how tfjs backends compose kernels; it keeps the heavy lifting in XNNPACK.
 */
import { DataType, getKernel, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo, util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };

/** A registered wasm kernel function, looked up once and called directly. */
export function wasmKernel(name: string): KernelFunc {
  const config = getKernel(name, 'wasm');
  if (config == null) {
    throw new Error(`wasm kernel '${name}' is not registered: import '@tensorflow/tfjs-backend-wasm' before registering the training kernels`);
  }
  return config.kernelFunc;
}

/** Runs a wasm kernel on TensorInfos (no tape, no engine bookkeeping): the caller owns the result. */
export function runWasm(
  backend: BackendWasm,
  kernel: KernelFunc,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const out = kernel({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error('runWasm: expected a kernel with a single output');
  return out;
}

/** The same data seen with another shape (no copy; sizes must match). */
export function withShape(t: TensorInfo, shape: number[]): TensorInfo {
  if (util.sizeFromShape(t.shape) !== util.sizeFromShape(shape)) {
    throw new Error(`withShape: cannot view [${t.shape}] as [${shape}]`);
  }
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * A Float32Array view on a tensor's wasm memory. Views go stale whenever the heap grows
 * (any allocation can grow it), so take views after the allocations of a phase, not before.
 */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Allocates an uninitialised tensor on the wasm heap. */
export function allocate(backend: BackendWasm, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  return backend.makeOutput(shape, dtype);
}

/** Frees intermediates created inside a kernel. */
export function free(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/** Throws a clear error when a kernel is asked for something it does not implement. */
export function requireSupported(kernel: string, ok: boolean, what: string): void {
  if (!ok) throw new Error(`${kernel} (wasm, registered by handwriting-tfjs) does not support ${what}`);
}
