/**
 * Turns an InferenceGraph into a TFLite model description, in one of three numeric formats:
 * - 'none': float32 everywhere.
 * - 'float16': weights and biases stored as FLOAT16, each expanded by a DEQUANTIZE op at the start
 *   (TensorFlow's float16 post-training quantization); the maths runs in float32.
 * - 'int8': full-integer. Float input -> QUANTIZE -> int8 ops -> DEQUANTIZE -> float output.
 *   Conv weights int8 symmetric per output channel (quantized_dimension 0), dense weights int8
 *   symmetric per tensor, biases int32 with scale input_scale * weight_scale, activations int8
 *   asymmetric per tensor from calibration ranges, max pool and reshape keep their input's
 *   parameters, softmax output scale 1/256 zero point -128 (TensorFlow's converter conventions).
 * A graph with a free input dimension (a line model's width) is written with -1 there in every
 * tensor's shape_signature and a concrete size in its shape (`freeSize`, the size an interpreter
 * that never resizes runs at); interpreters that resize (TFLite's ResizeInputTensor, LiteRT given
 * an input of another width) run any width.
 */
import { InferenceGraph, InferenceStep, stepShapes } from '../inference_graph';
import { toFloat16Array } from '../float16';
import {
  asymmetricInt8, minMax, quantizeBiasInt32, quantizeInt8, quantizePerChannelInt8, QuantParams, symmetricInt8Scale,
} from '../quantize';
import { ModelSpec, OperatorSpec, TensorQuantization, TensorSpec } from './flatbuffer';
import { ActivationFunctionType, BuiltinOperator, Padding, TensorType } from './schema';

export type TfliteQuantization = 'none' | 'float16' | 'int8';

/** Size written in a tensor's shape for a free input dimension (its shape_signature says -1): 256 px, about ten characters of a 28 px line. */
export const DEFAULT_FREE_SIZE = 256;

/** Observed value ranges for int8 calibration: the graph input and each step's output. */
export interface CalibrationRanges {
  input: { min: number; max: number };
  steps: { min: number; max: number }[];
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function bytesOf(a: Float32Array | Int32Array | Int8Array | Uint16Array): Uint8Array {
  // Typed arrays are in platform order; TFLite buffers are little-endian.
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) view.setFloat32(i * 4, a[i], true);
    else if (a instanceof Int32Array) view.setInt32(i * 4, a[i], true);
    else if (a instanceof Uint16Array) view.setUint16(i * 2, a[i], true);
    else view.setInt8(i, a[i]);
  }
  return out;
}

/** conv kernel HWIO [kh, kw, in, out] -> TFLite filter OHWI [out, kh, kw, in]. */
export function hwioToOhwi(kernel: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
    out[((o * kh + y) * kw + x) * cin + i] = kernel[((y * kw + x) * cin + i) * cout + o];
  }
  return out;
}

/** dense kernel [in, out] -> TFLite FULLY_CONNECTED weights [out, in]. */
export function transpose2d(kernel: Float32Array, [rows, cols]: number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = kernel[r * cols + c];
  return out;
}

const act = (a: 'none' | 'relu') => (a === 'relu' ? ActivationFunctionType.RELU : ActivationFunctionType.NONE);
const pad = (p: 'same' | 'valid') => (p === 'same' ? Padding.SAME : Padding.VALID);
const perTensor = (q: QuantParams, range?: { min: number; max: number }): TensorQuantization => ({
  scale: [q.scale], zeroPoint: [q.zeroPoint], ...(range ? { min: [range.min], max: [range.max] } : {}),
});

/** Builds the description; int8 needs `ranges` from calibrateGraph (never computed on test data). */
export function buildTfliteSpec(
  graph: InferenceGraph, quantize: TfliteQuantization, ranges?: CalibrationRanges, description = 'handwriting-tfjs hwr export', freeSize = DEFAULT_FREE_SIZE,
): ModelSpec {
  if (quantize === 'int8' && (!ranges || ranges.steps.length !== graph.steps.length)) {
    throw new Error('int8 export needs calibration ranges for the input and every step (calibrateGraph).');
  }
  const concreteInput = graph.inputShape.map((d) => (d < 0 ? freeSize : d));
  const concrete = stepShapes(graph, concreteInput);
  if (concrete.some((s) => s.some((d) => d < 1))) {
    throw new Error(`TFLite export: at input [${concreteInput}] a step's output would be empty; pass a larger free size than ${freeSize}.`);
  }
  const int8 = quantize === 'int8';
  const tensors: TensorSpec[] = [];
  const operators: OperatorSpec[] = [];
  const dequantizeOps: OperatorSpec[] = [];
  const add = (t: TensorSpec) => tensors.push(t) - 1;
  // [batch, ...]: batch 1 in the shape, -1 (free) in the signature, as are the graph's free dimensions.
  const batchShape = (signature: number[], shape: number[]) => ({ shape: [1, ...shape], shapeSignature: [-1, ...signature] });

  /** A float constant: float32, or float16 + DEQUANTIZE to a float32 tensor for the 'float16' format. */
  const floatConst = (name: string, shape: number[], values: Float32Array): number => {
    if (quantize !== 'float16') return add({ name, shape, type: TensorType.FLOAT32, data: bytesOf(values) });
    const half = add({ name: `${name}_fp16`, shape, type: TensorType.FLOAT16, data: bytesOf(toFloat16Array(values)) });
    const full = add({ name, shape, type: TensorType.FLOAT32 });
    dequantizeOps.push({ op: BuiltinOperator.DEQUANTIZE, version: 3, inputs: [half], outputs: [full] });
    return full;
  };

  const input = add({ name: 'input', ...batchShape(graph.inputShape, concreteInput), type: TensorType.FLOAT32 });
  let x = input;
  let xq: QuantParams | undefined;
  if (int8) {
    xq = asymmetricInt8(ranges!.input.min, ranges!.input.max);
    const q = add({ name: 'input_int8', ...batchShape(graph.inputShape, concreteInput), type: TensorType.INT8, quantization: perTensor(xq, ranges!.input) });
    operators.push({ op: BuiltinOperator.QUANTIZE, version: 1, inputs: [x], outputs: [q] });
    x = q;
  }

  graph.steps.forEach((step: InferenceStep, k) => {
    const name = step.layers[step.layers.length - 1];
    const range = ranges?.steps[k];
    // Output quantization: calibrated for ops that compute new values, inherited for ops that only move them.
    let outQ: QuantParams | undefined;
    if (int8) {
      if (step.kind === 'maxPool2d' || step.kind === 'flatten' || step.kind === 'squeeze') outQ = xq;
      else if (step.kind === 'softmax') outQ = { scale: 1 / 256, zeroPoint: -128 };
      else outQ = asymmetricInt8(range!.min, range!.max);
    }
    const out = add({
      name, ...batchShape(step.outputShape, concrete[k]), type: int8 ? TensorType.INT8 : TensorType.FLOAT32,
      ...(outQ ? { quantization: perTensor(outQ, step.kind === 'softmax' ? undefined : range) } : {}),
    });
    switch (step.kind) {
      case 'conv2d': {
        const [kh, kw, cin, cout] = step.kernelShape;
        const filterShape = [cout, kh, kw, cin];
        const ohwi = hwioToOhwi(step.kernel, step.kernelShape);
        let filter: number;
        let bias: number;
        if (int8) {
          const { data, scales } = quantizePerChannelInt8(ohwi, cout);
          filter = add({ name: `${name}/filter`, shape: filterShape, type: TensorType.INT8, data: bytesOf(data), quantization: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: 0 } });
          const biasScales = scales.map((s) => s * xq!.scale);
          bias = add({ name: `${name}/bias`, shape: [cout], type: TensorType.INT32, data: bytesOf(quantizeBiasInt32(step.bias, biasScales)), quantization: { scale: biasScales, zeroPoint: biasScales.map(() => 0), quantizedDimension: 0 } });
        } else {
          filter = floatConst(`${name}/filter`, filterShape, ohwi);
          bias = floatConst(`${name}/bias`, [cout], step.bias);
        }
        operators.push({
          op: BuiltinOperator.CONV_2D, version: int8 ? 3 : 1, inputs: [x, filter, bias], outputs: [out],
          options: {
            type: 'Conv2DOptions', padding: pad(step.padding), strideH: step.strides[0], strideW: step.strides[1],
            dilationH: step.dilations[0], dilationW: step.dilations[1], activation: act(step.activation),
          },
        });
        break;
      }
      case 'dense': {
        const [cin, cout] = step.kernelShape;
        const w = transpose2d(step.kernel, step.kernelShape); // [out, in]
        let weights: number;
        let bias: number;
        if (int8) {
          const { min, max } = minMax(w);
          const wq = { scale: symmetricInt8Scale(Math.max(-min, max)), zeroPoint: 0 };
          weights = add({ name: `${name}/weights`, shape: [cout, cin], type: TensorType.INT8, data: bytesOf(quantizeInt8(w, wq, -127, 127)), quantization: perTensor(wq) });
          const bq = { scale: wq.scale * xq!.scale, zeroPoint: 0 };
          bias = add({ name: `${name}/bias`, shape: [cout], type: TensorType.INT32, data: bytesOf(quantizeBiasInt32(step.bias, [bq.scale])), quantization: perTensor(bq) });
        } else {
          weights = floatConst(`${name}/weights`, [cout, cin], w);
          bias = floatConst(`${name}/bias`, [cout], step.bias);
        }
        operators.push({
          op: BuiltinOperator.FULLY_CONNECTED, version: int8 ? 4 : 1, inputs: [x, weights, bias], outputs: [out],
          options: { type: 'FullyConnectedOptions', activation: act(step.activation), keepNumDims: false },
        });
        break;
      }
      case 'maxPool2d':
        operators.push({
          op: BuiltinOperator.MAX_POOL_2D, version: int8 ? 2 : 1, inputs: [x], outputs: [out],
          options: {
            type: 'Pool2DOptions', padding: pad(step.padding), strideH: step.strides[0], strideW: step.strides[1],
            filterH: step.poolSize[0], filterW: step.poolSize[1], activation: ActivationFunctionType.NONE,
          },
        });
        break;
      case 'flatten': {
        if (step.outputShape.some((d) => d < 0)) throw new Error(`TFLite export: cannot flatten at ${name}: its size depends on the free input dimension.`);
        const newShape = [-1, step.outputShape.reduce((a, b) => a * b, 1)];
        const shape = add({ name: `${name}/shape`, shape: [2], type: TensorType.INT32, data: bytesOf(Int32Array.from(newShape)) });
        operators.push({ op: BuiltinOperator.RESHAPE, version: 1, inputs: [x, shape], outputs: [out], options: { type: 'ReshapeOptions', newShape } });
        break;
      }
      case 'squeeze':
        // Drops axis 1 (the unit height) whatever the width: a constant-shape RESHAPE could not say "any width".
        operators.push({ op: BuiltinOperator.SQUEEZE, version: 1, inputs: [x], outputs: [out], options: { type: 'SqueezeOptions', squeezeDims: [1] } });
        break;
      case 'relu':
        operators.push({ op: BuiltinOperator.RELU, version: int8 ? 2 : 1, inputs: [x], outputs: [out] });
        break;
      case 'softmax':
        operators.push({ op: BuiltinOperator.SOFTMAX, version: int8 ? 2 : 1, inputs: [x], outputs: [out], options: { type: 'SoftmaxOptions', beta: 1 } });
        break;
    }
    x = out;
    xq = outQ;
  });

  let output = x;
  if (int8) {
    const last = graph.steps[graph.steps.length - 1];
    output = add({ name: 'output', ...batchShape(last?.outputShape ?? graph.inputShape, concrete[concrete.length - 1] ?? concreteInput), type: TensorType.FLOAT32 });
    operators.push({ op: BuiltinOperator.DEQUANTIZE, version: 2, inputs: [x], outputs: [output] });
  }
  return {
    description, tensors, inputs: [input], outputs: [output],
    operators: [...dequantizeOps, ...operators],
    signature: { key: 'serving_default', inputNames: ['input'], outputNames: ['output'] },
  };
}
