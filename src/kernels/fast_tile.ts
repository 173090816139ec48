/**
 * Tile for the wasm backend by block copies. Batch norm's gradient tiles its per-channel
 * factors ([1, 1, 1, c]) up to the activation shape ([n, h, w, c]) several times a step, and
 * the stock element-by-element kernel made that the slowest part of training a BN model.
 * Here each axis is repeated with `copyWithin` over whole contiguous blocks (memcpy speed).
 */
import { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo, util } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm } from './wasm_ops';

/**
 * Tiles `x` (shape `shape`) by `reps` into `out` (length = size * prod(reps)), in place in `out`.
 * Works outermost axis first on the final layout: block i of axis d is written where it belongs,
 * then the repeats of axis d are copies of already-written memory.
 */
export function tileInto(x: ArrayLike<number> & { length: number }, shape: number[], reps: number[], out: Float32Array | Int32Array): void {
  const rank = shape.length;
  const outShape = shape.map((s, i) => s * reps[i]);
  // stride of axis d in the output (elements)
  const outStride = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    outStride[d] = s;
    s *= outShape[d];
  }
  // 1. scatter x's rows (its last axis) to their first-repeat positions in the output
  const inner = rank ? shape[rank - 1] : 1;
  const rows = util.sizeFromShape(shape) / Math.max(inner, 1);
  const index = new Array<number>(rank).fill(0);
  for (let r = 0; r < rows; r++) {
    let dst = 0;
    for (let d = 0; d < rank - 1; d++) dst += index[d] * outStride[d];
    for (let j = 0; j < inner; j++) out[dst + j] = x[r * inner + j];
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  // 2. innermost axis first: repeat each filled block along axis d. After handling axis d, every
  //    block of axes d.. is complete, so it can be copied as one contiguous run for axis d-1.
  for (let d = rank - 1; d >= 0; d--) {
    if (reps[d] === 1) continue;
    const block = shape[d] * outStride[d]; // one repeat of axis d, already filled
    const outer = d === 0 ? 1 : util.sizeFromShape(shape.slice(0, d));
    // positions of the filled outer blocks: index over axes < d within the original extents
    const idx = new Array<number>(d).fill(0);
    for (let o = 0; o < outer; o++) {
      let base = 0;
      for (let e = 0; e < d; e++) base += idx[e] * outStride[e];
      for (let k = 1; k < reps[d]; k++) out.copyWithin(base + k * block, base, base + block);
      for (let e = d - 1; e >= 0; e--) {
        if (++idx[e] < shape[e]) break;
        idx[e] = 0;
      }
    }
  }
}

/** Wraps the stock Tile so float32/int32 tiles run as block copies; other dtypes go to the stock kernel. */
export function blockCopyTile(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc;
  const kernelFunc = ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: { reps: number[] } }) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return stockFunc(args as never);
    const out = allocate(backend, x.shape.map((d, i) => d * attrs.reps[i]), x.dtype);
    // Views after allocation: allocating can grow (and detach) the wasm heap.
    tileInto(backend.typedArrayFromHeap(x) as Float32Array, x.shape, attrs.reps,
      backend.typedArrayFromHeap(out) as Float32Array | Int32Array);
    return out;
  }) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
