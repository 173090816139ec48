/**
 * BatchMatMul and _FusedMatMul for the wasm backend. The stock kernels use XNNPACK only for
 * untransposed, batch-1 products; dense-layer gradients (dy x W^T and x^T x dy) otherwise run a
 * scalar loop ~15x slower. Transposing the operand first (a memory-bound copy) is far cheaper.
 * Float32 batch-1 products (every dense-layer product in training; with a bias and relu, inference's
 * fused dense layers) then run on the project's GEMM tile (the forward conv kernel with a 1x1
 * window and its bias/relu epilogue), ~25% under XNNPACK's time with the relaxed-SIMD build; the
 * rest go to the stock kernel untransposed.
 */
import { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo, util } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm, free, runWasm, wasmKernel, withShape } from './wasm_ops';
import { EPILOGUE_BIAS, EPILOGUE_RELU, heapOffset, kernelsFor } from './wasm_module';

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

/**
 * The GEMM epilogue for a float32 batch-1 product (leading dims all 1) whose bias is absent or a
 * [n] vector and whose activation is linear or relu; undefined for anything else.
 */
function plainEpilogue(a: TensorInfo, b: TensorInfo, inputs: NamedTensorInfoMap, attrs: Record<string, unknown>): number | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2 || batchOf(a) !== 1 || batchOf(b) !== 1) return undefined;
  if (inputs.preluActivationWeights != null) return undefined;
  const bias = inputs.bias as TensorInfo | undefined;
  const n = b.shape[b.shape.length - 1];
  if (bias != null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) return undefined;
  const act = (attrs.activation as string | undefined) ?? 'linear';
  if (act !== 'linear' && act !== 'relu') return undefined;
  return (bias != null ? EPILOGUE_BIAS : 0) | (act === 'relu' ? EPILOGUE_RELU : 0);
}

function isPlainProduct(a: TensorInfo, b: TensorInfo, inputs: NamedTensorInfoMap, attrs: Record<string, unknown>): boolean {
  return plainEpilogue(a, b, inputs, attrs) != null;
}

/**
 * a [..., m, k] x b [..., k, n] -> [..., m, n] (leading dims 1, as the stock kernel shapes it) on
 * the GEMM tile: a "convolution" of m pixels with a 1x1 window.
 */
function gemm(backend: BackendWasm, a: TensorInfo, b: TensorInfo, bias: TensorInfo | undefined, epilogue: number): TensorInfo {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const outer = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  const out = allocate(backend, [...outer, m, n]);
  kernelsFor(backend).convForward(heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out),
    bias != null ? heapOffset(backend, bias) : 0, epilogue, 1, 1, m, k, 1, m, n, 1, 1, 1, 1);
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
      const epilogue = plainEpilogue(a2, b2, inputs, attrs);
      if (epilogue != null) return gemm(backend, a2, b2, inputs.bias as TensorInfo | undefined, epilogue);
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
