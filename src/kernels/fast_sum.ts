/**
 * Sum and Mean for the wasm backend with a fast path for reducing leading axes: the bias
 * gradient of every conv and dense layer and batch norm's moments ([n, h, w, c] -> [c]). The
 * stock kernels first transpose the reduced axes innermost (a full copy of the activation);
 * summing rows in place is ~4x faster than that for Sum and ~5x for Mean; with a multiple of 4
 * columns the rows are summed by the project's wasm SIMD module (float32 chunks of 64 rows into
 * float64 totals). Other reductions go to the stock kernels.
 */
import { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo, util } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm, free, heapF32 } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';

// Float64 column accumulators, reused across calls.
let acc = new Float64Array(0);

/** out[j] = (sum over rows i of x[i * cols + j]) / divisor, accumulated in float64. */
export function sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array, divisor = 1): void {
  if (acc.length < cols) acc = new Float64Array(cols);
  const a = acc;
  a.fill(0, 0, cols);
  // Eight rows per pass: one accumulator load/store per eight loads (3x faster than row by row).
  const c = cols;
  let i = 0;
  let base = 0;
  for (; i + 8 <= rows; i += 8, base += 8 * c) {
    for (let j = 0; j < c; j++) {
      const p = base + j;
      a[j] += ((x[p] + x[p + c]) + (x[p + 2 * c] + x[p + 3 * c])) + ((x[p + 4 * c] + x[p + 5 * c]) + (x[p + 6 * c] + x[p + 7 * c]));
    }
  }
  for (; i < rows; i++, base += c) {
    for (let j = 0; j < c; j++) a[j] += x[base + j];
  }
  for (let j = 0; j < c; j++) out[j] = a[j] / divisor;
}

/** Wraps the stock Sum so float32 reductions over a leading prefix of axes run in place. */
export function leadingAxesSum(stock: KernelConfig): KernelConfig {
  return leadingAxesReduction(stock, false);
}

/** Wraps the stock Mean the same way (the row sums divided by the row count). */
export function leadingAxesMean(stock: KernelConfig): KernelConfig {
  return leadingAxesReduction(stock, true);
}

function leadingAxesReduction(stock: KernelConfig, mean: boolean): KernelConfig {
  const stockFunc = stock.kernelFunc;
  const kernelFunc = ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: { axis: number | number[]; keepDims: boolean } }) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const axes = util.parseAxisParam(attrs.axis, x.shape).slice().sort((p, q) => p - q);
    const k = axes.length;
    const leading = k > 0 && k < x.shape.length && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return stockFunc(args as never);
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    const cols = util.sizeFromShape(x.shape.slice(k));
    const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const out = allocate(backend, outShape);
    if (cols % 4 === 0) {
      const acc = allocate(backend, [2 * cols]); // float64 totals
      kernelsFor(backend).sumRows(heapOffset(backend, x), heapOffset(backend, out), heapOffset(backend, acc), rows, cols, mean ? rows : 1);
      free(backend, acc);
      return out;
    }
    sumRows(heapF32(backend, x), rows, cols, heapF32(backend, out), mean ? rows : 1);
    return out;
  }) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
