/**
 * BatchMatMul and _FusedMatMul for the wasm backend that keep transposed products on XNNPACK.
 * The stock kernels use XNNPACK only for untransposed, batch-1 products; dense-layer
 * gradients (dy x W^T and x^T x dy) otherwise run a scalar loop ~15x slower. Transposing the
 * operand first (a memory-bound copy) and calling the stock kernel untransposed is far cheaper.
 */
import { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo, util } from '@tensorflow/tfjs-core';
import { BackendWasm, free, runWasm, wasmKernel, withShape } from './wasm_ops';

/** A transposed copy of a batch-1 matrix: [...ones, r, c] -> [...ones, c, r] (leading dims kept so output shapes match). */
function transposed(backend: BackendWasm, m: TensorInfo): TensorInfo {
  const r = m.shape[m.shape.length - 2];
  const c = m.shape[m.shape.length - 1];
  const t = runWasm(backend, wasmKernel('Transpose'), { x: withShape(m, [r, c]) }, { perm: [1, 0] });
  return withShape(t, [...m.shape.slice(0, -2), c, r]);
}

/** Product of the batch dims (all but the last two). */
function batchOf(m: TensorInfo): number {
  return util.sizeFromShape(m.shape.slice(0, -2));
}

/** Wraps a stock matmul kernel so batch-1 transposed products reach its XNNPACK path. */
export function untransposingMatMul(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc;
  const kernelFunc = ((args: { inputs: { a: TensorInfo; b: TensorInfo } & NamedTensorInfoMap; backend: BackendWasm; attrs: Record<string, unknown> }) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const tA = attrs.transposeA === true;
    const tB = attrs.transposeB === true;
    if ((!tA && !tB) || batchOf(a) !== 1 || batchOf(b) !== 1) return stockFunc(args as never);
    const a2 = tA ? transposed(backend, a) : a;
    const b2 = tB ? transposed(backend, b) : b;
    try {
      return stockFunc({
        inputs: { ...inputs, a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      } as never);
    } finally {
      if (a2 !== a) free(backend, a2);
      if (b2 !== b) free(backend, b2);
    }
  }) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
