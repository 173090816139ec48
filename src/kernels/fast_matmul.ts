/**
 * BatchMatMul and _FusedMatMul for the wasm backend. The stock kernels use XNNPACK only for
 * untransposed, batch-1 products; dense-layer gradients (dy x W^T and x^T x dy) otherwise run a
 * scalar loop ~15x slower. Transposing the operand first (a memory-bound copy) is far cheaper.
 * Plain float32 batch-1 products (no bias, no activation: every dense-layer product in training)
 * then run on the project's GEMM tile (the forward conv kernel with a 1x1 window), ~25% under
 * XNNPACK's time with the relaxed-SIMD build; the rest go to the stock kernel untransposed.
 */
import { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo, util } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm, free, runWasm, wasmKernel, withShape } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';

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

/** A float32, batch-1 product (leading dims all 1) with no bias, prelu or activation. */
function isPlainProduct(a: TensorInfo, b: TensorInfo, inputs: NamedTensorInfoMap, attrs: Record<string, unknown>): boolean {
  const linear = attrs.activation == null || attrs.activation === 'linear';
  return a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length >= 2 && b.shape.length >= 2 &&
    batchOf(a) === 1 && batchOf(b) === 1 && inputs.bias == null && inputs.preluActivationWeights == null && linear;
}

/**
 * a [..., m, k] x b [..., k, n] -> [..., m, n] (leading dims 1, as the stock kernel shapes it) on
 * the GEMM tile: a "convolution" of m pixels with a 1x1 window.
 */
function gemm(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const outer = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  const out = allocate(backend, [...outer, m, n]);
  kernelsFor(backend).convForward(heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), 1, 1, m, k, 1, m, n, 1, 1, 1, 1);
  return out;
}

/** Wraps a stock matmul kernel: plain products on the project's GEMM, transposed ones transposed first. */
export function untransposingMatMul(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc;
  const kernelFunc = ((args: { inputs: { a: TensorInfo; b: TensorInfo } & NamedTensorInfoMap; backend: BackendWasm; attrs: Record<string, unknown> }) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const tA = attrs.transposeA === true;
    const tB = attrs.transposeB === true;
    if (!tA && !tB && !isPlainProduct(a, b, inputs, attrs)) return stockFunc(args as never);
    if ((tA || tB) && (batchOf(a) !== 1 || batchOf(b) !== 1)) return stockFunc(args as never);
    const a2 = tA ? transposed(backend, a) : a;
    const b2 = tB ? transposed(backend, b) : b;
    try {
      if (isPlainProduct(a2, b2, inputs, attrs)) return gemm(backend, a2, b2);
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
