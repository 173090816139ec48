/**
 * A TensorFlow.js layers model lowered to the plain sequence of inference ops an exporter writes:
 * batch norm folded into the conv/dense before it, dropout dropped, ReLU fused into the op before
 * it where possible. Weights stay in TensorFlow.js layouts (conv HWIO, dense [in, out]); each
 * writer transposes to its own format. `runInferenceGraph` executes the graph with tfjs ops, which
 * is both the check that lowering kept the model's maths and the source of calibration ranges.
 *
 * Line models (crnn: convs, a [h, 1] conv that collapses the height to 1, Reshape [1, T, F] ->
 * [T, F], Conv1D / Dense per time step) stay 4-D after the collapse: every 1-D op is the 2-D op of
 * height 1 (Conv1D kernel k, dilation d = CONV_2D kernel [1, k], dilation [1, d]; Dense per step
 * = a 1x1 CONV_2D), exact and what TFLite has, and one final `squeeze` drops the unit height where
 * the Reshape's output shape is reached. A free input dimension (a line's width) is -1 in every
 * shape; `stepShapes` gives the concrete shapes for one input size.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Activation applied inside an op (TFLite's fused_activation_function). */
export type FusedActivation = 'none' | 'relu';

interface StepBase {
  /** The tfjs layers this step came from, in order (e.g. conv + batch norm + relu). */
  layers: string[];
  /** Output shape without the batch dimension; -1 where it follows a free input dimension (a line's width). */
  outputShape: number[];
}

/** 2-D convolution, NHWC. */
export interface ConvStep extends StepBase {
  kind: 'conv2d';
  kernel: Float32Array; // [kh, kw, in, out] (HWIO, as tfjs stores it)
  kernelShape: [number, number, number, number];
  bias: Float32Array; // [out]; zeros when the layer had none
  strides: [number, number];
  dilations: [number, number];
  padding: 'same' | 'valid';
  activation: FusedActivation;
}

/** Fully connected layer on a flat input. */
export interface DenseStep extends StepBase {
  kind: 'dense';
  kernel: Float32Array; // [in, out] (as tfjs stores it)
  kernelShape: [number, number];
  bias: Float32Array; // [out]
  activation: FusedActivation;
}

/** Max pooling, NHWC. */
export interface MaxPoolStep extends StepBase {
  kind: 'maxPool2d';
  poolSize: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}

/** Row-major flatten of [h, w, c] (the same order in tfjs and TFLite, both NHWC). */
export interface FlattenStep extends StepBase {
  kind: 'flatten';
}

/**
 * Removes the unit height the 1-D layers of a line model ran with: [1, T, F] -> [T, F] (the
 * Reshape after a line model's height collapse, applied after the per-time-step ops that followed it).
 */
export interface SqueezeStep extends StepBase {
  kind: 'squeeze';
}

/** A ReLU that could not be fused into the op before it. */
export interface ReluStep extends StepBase {
  kind: 'relu';
}

/** Softmax over the last axis (beta 1). */
export interface SoftmaxStep extends StepBase {
  kind: 'softmax';
}

export type InferenceStep = ConvStep | DenseStep | MaxPoolStep | FlattenStep | SqueezeStep | ReluStep | SoftmaxStep;

/** The lowered model: an input shape and the ops in order. */
export interface InferenceGraph {
  name: string;
  inputShape: number[]; // [h, w, c], -1 for a free dimension (a line model's width)
  steps: InferenceStep[];
}

/** Layer classes the exporters understand. */
export const SUPPORTED_LAYERS = [
  'InputLayer', 'Conv2D', 'BatchNormalization', 'Activation (relu, softmax, linear)', 'MaxPooling2D',
  'Flatten', 'Dense (activation relu, softmax or linear; on [b, n] or per position)', 'Dropout',
  'Reshape (only [b, 1, T, F] -> [b, T, F], a line model\'s height collapse)',
  'Conv1D (after that Reshape; padding same or valid, any dilation)',
] as const;

/** A layer the exporter cannot write; names the layer and lists what is supported. */
export class UnsupportedLayerError extends Error {
  constructor(readonly layerClass: string, readonly layerName: string, reason: string) {
    super(`Cannot export layer ${layerClass} '${layerName}': ${reason}. ` +
      `Supported layers: ${SUPPORTED_LAYERS.join(', ')}, in a single chain (a Sequential model).`);
    this.name = 'UnsupportedLayerError';
  }
}

function pair(v: unknown, what: string, layer: tfl.layers.Layer): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x))) {
    throw new UnsupportedLayerError(layer.getClassName(), layer.name, `${what} ${JSON.stringify(v)} is not a pair of integers`);
  }
  return [a[0] as number, a[1] as number];
}

/** The layer's output shape without the batch, -1 for a dimension the input leaves free. */
function shapeOf(layer: tfl.layers.Layer): number[] {
  const s = layer.outputShape as (number | null)[];
  return s.slice(1).map((d) => (d == null ? -1 : d));
}

function weightNamed(layer: tfl.layers.Layer, suffix: string): Float32Array | undefined {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${suffix}`) || v.name.endsWith(`/${suffix}`));
  return w ? (w.read().dataSync() as Float32Array).slice() : undefined;
}

function activationName(layer: tfl.layers.Layer): string {
  const a = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof a === 'string' ? a : 'linear';
}

/** Adds the effect of an activation after `step`: fused ReLU where possible, else its own step. */
function applyActivation(steps: InferenceStep[], act: string, layer: tfl.layers.Layer): void {
  const last = steps[steps.length - 1];
  const shape = shapeOf(layer);
  if (act === 'linear') return;
  if (act === 'relu') {
    if (last && (last.kind === 'conv2d' || last.kind === 'dense') && last.activation === 'none') {
      last.activation = 'relu';
      if (!last.layers.includes(layer.name)) last.layers.push(layer.name);
    } else {
      steps.push({ kind: 'relu', layers: [layer.name], outputShape: shape });
    }
    return;
  }
  if (act === 'softmax') {
    steps.push({ kind: 'softmax', layers: [layer.name], outputShape: shape });
    return;
  }
  throw new UnsupportedLayerError(layer.getClassName(), layer.name, `activation '${act}' is not supported (only relu, softmax, linear)`);
}

/** Folds inference-mode batch norm y = gamma * (x - mean) / sqrt(var + eps) + beta into the op before it. */
function foldBatchNorm(steps: InferenceStep[], layer: tfl.layers.Layer): void {
  const last = steps[steps.length - 1];
  const cls = layer.getClassName();
  if (!last || (last.kind !== 'conv2d' && last.kind !== 'dense') || last.activation !== 'none') {
    throw new UnsupportedLayerError(cls, layer.name, 'batch norm can only be folded into a Conv2D or Dense directly before it, with no activation in between');
  }
  const cfg = layer.getConfig() as { axis?: number | number[]; epsilon?: number };
  const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
  // The layer's own rank: after a line model's Reshape the graph keeps a unit height the layer does not see.
  const rank = (layer.outputShape as unknown[]).length;
  if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== rank - 1)) {
    throw new UnsupportedLayerError(cls, layer.name, `only batch norm over the channel (last) axis can be folded, got axis ${JSON.stringify(cfg.axis)}`);
  }
  const channels = last.bias.length;
  const ones = new Float32Array(channels).fill(1);
  const gamma = weightNamed(layer, 'gamma') ?? ones;
  const beta = weightNamed(layer, 'beta') ?? new Float32Array(channels);
  const mean = weightNamed(layer, 'moving_mean');
  const variance = weightNamed(layer, 'moving_variance');
  if (!mean || !variance) throw new UnsupportedLayerError(cls, layer.name, 'moving mean/variance weights not found');
  const eps = cfg.epsilon ?? 1e-3;
  // Output channel is the last dimension of both HWIO conv kernels and [in, out] dense kernels.
  for (let c = 0; c < channels; c++) {
    const k = gamma[c] / Math.sqrt(variance[c] + eps);
    for (let i = c; i < last.kernel.length; i += channels) last.kernel[i] *= k;
    last.bias[c] = (last.bias[c] - mean[c]) * k + beta[c];
  }
  last.layers.push(layer.name);
}

/** The model's layers in order, checking that they form one chain (input -> ... -> output). */
function chainOf(model: tfl.LayersModel): tfl.layers.Layer[] {
  const layers = model.layers;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedLayerError(model.getClassName(), model.name, `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; one of each is supported`);
  }
  for (let i = 1; i < layers.length; i++) {
    const inbound = layers[i].inboundNodes.flatMap((n) => n.inboundLayers);
    if (inbound.length !== 1 || inbound[0] !== layers[i - 1]) {
      throw new UnsupportedLayerError(layers[i].getClassName(), layers[i].name, 'it does not take its input from the layer before it (branching models are not supported)');
    }
  }
  return layers;
}

/** A conv step from a tfjs kernel (HWIO, or [k, in, out] for Conv1D read as [1, k, in, out]). */
function convStep(layer: tfl.layers.Layer, shape: number[], kernelShape: [number, number, number, number], strides: [number, number], dilations: [number, number]): ConvStep {
  const cfg = layer.getConfig() as { padding?: string; useBias?: boolean };
  const padding = cfg.padding;
  if (padding !== 'same' && padding !== 'valid') throw new UnsupportedLayerError(layer.getClassName(), layer.name, `padding '${String(padding)}' (only same or valid)`);
  return {
    kind: 'conv2d', layers: [layer.name], outputShape: shape,
    kernel: (layer.getWeights()[0].dataSync() as Float32Array).slice(), kernelShape,
    bias: cfg.useBias ? (layer.getWeights()[1].dataSync() as Float32Array).slice() : new Float32Array(kernelShape[3]),
    strides, dilations, padding, activation: 'none',
  };
}

/**
 * Recurrent layer classes: a line model's 'lstm' head (the project's FusedBiLSTM) or 'gru' head
 * (tfjs-layers' Bidirectional around a GRU), or a plain tfjs-layers RNN.
 */
const RECURRENT_LAYERS = new Set(['FusedBiLSTM', 'Bidirectional', 'LSTM', 'GRU', 'SimpleRNN', 'RNN']);

/** Lowers a Sequential-style tfjs model into an InferenceGraph, or throws UnsupportedLayerError. */
export function lowerModel(model: tfl.LayersModel): InferenceGraph {
  // Name an unsupported layer first: it is the actionable error (e.g. an LSTM line model).
  const known = new Set(['InputLayer', 'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Reshape', 'Conv1D']);
  const unknown = model.layers.filter((l) => !known.has(l.getClassName()));
  if (unknown.length) {
    const others = unknown.slice(1).map((l) => `${l.getClassName()} '${l.name}'`);
    const recurrent = RECURRENT_LAYERS.has(unknown[0].getClassName())
      ? '; it is a recurrent layer (a line model trained with --head lstm or --head gru), which the TFLite export does not lower: ' +
        'to export a line model to TFLite, train it with --head conv (the lines recipe\'s default); the saved TF.js model itself reads lines as it is (hwr predict)'
      : '';
    throw new UnsupportedLayerError(unknown[0].getClassName(), unknown[0].name,
      `no TFLite/inference lowering for this layer class${others.length ? ` (also unsupported here: ${others.join(', ')})` : ''}${recurrent}`);
  }
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1).map((d) => (d == null ? -1 : d));
  if (inputShape.length !== 3 || !Number.isInteger(inputShape[2]) || inputShape[2] < 1 || inputShape.some((d) => !Number.isInteger(d))) {
    throw new UnsupportedLayerError(model.getClassName(), model.name, `input shape ${JSON.stringify(model.inputs[0].shape)} is not [batch, height, width, channels] with known channels`);
  }
  const steps: InferenceStep[] = [];
  // Set by a Reshape [1, T, F] -> [T, F]: the layers after it see [T, F], the graph keeps [1, T, F].
  let squeezedBy: string | undefined;
  const graphShape = (layer: tfl.layers.Layer) => (squeezedBy ? [1, ...shapeOf(layer)] : shapeOf(layer));
  for (const layer of chainOf(model)) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const shape = graphShape(layer);
    const prev = steps.length ? steps[steps.length - 1].outputShape : inputShape;
    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
        break; // dropout is the identity at inference
      case 'Conv2D': {
        if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
          throw new UnsupportedLayerError(cls, layer.name, `data format ${String(cfg.dataFormat)} (only channelsLast)`);
        }
        const kernelShape = layer.getWeights()[0].shape as [number, number, number, number];
        steps.push(convStep(layer, shape, kernelShape, pair(cfg.strides, 'strides', layer), pair(cfg.dilationRate ?? 1, 'dilation rate', layer)));
        applyActivation(steps, activationName(layer), layer);
        break;
      }
      case 'Conv1D': {
        if (!squeezedBy) {
          throw new UnsupportedLayerError(cls, layer.name, 'Conv1D is lowered only after a Reshape [b, 1, T, F] -> [b, T, F] (a line model\'s height collapse)');
        }
        const [k, cin, cout] = layer.getWeights()[0].shape as [number, number, number];
        const one = (v: unknown, what: string) => {
          const a = Array.isArray(v) ? v : [v ?? 1];
          if (a.length !== 1 || !Number.isInteger(a[0]) || (a[0] as number) < 1) throw new UnsupportedLayerError(cls, layer.name, `${what} ${JSON.stringify(v)} is not one positive integer`);
          return a[0] as number;
        };
        // [k, in, out] is [1, k, in, out] in HWIO order: the same numbers.
        steps.push(convStep(layer, shape, [1, k, cin, cout], [1, one(cfg.strides, 'strides')], [1, one(cfg.dilationRate, 'dilation rate')]));
        applyActivation(steps, activationName(layer), layer);
        break;
      }
      case 'Dense': {
        const kernelVar = layer.getWeights()[0];
        const kernelShape = kernelVar.shape as [number, number];
        const bias = cfg.useBias ? (layer.getWeights()[1].dataSync() as Float32Array).slice() : new Float32Array(kernelShape[1]);
        const kernel = (kernelVar.dataSync() as Float32Array).slice();
        if (prev.length === 3) {
          // Dense on [h, w, c] (or [1, T, F]) acts on each position alone: a 1x1 conv, [in, out] = HWIO [1, 1, in, out].
          steps.push({
            kind: 'conv2d', layers: [layer.name], outputShape: shape, kernel, kernelShape: [1, 1, kernelShape[0], kernelShape[1]], bias,
            strides: [1, 1], dilations: [1, 1], padding: 'valid', activation: 'none',
          });
        } else if (prev.length === 1) {
          steps.push({ kind: 'dense', layers: [layer.name], outputShape: shape, kernel, kernelShape, bias, activation: 'none' });
        } else {
          throw new UnsupportedLayerError(cls, layer.name, `Dense on a rank-${prev.length + 1} input (add a Flatten before it)`);
        }
        applyActivation(steps, activationName(layer), layer);
        break;
      }
      case 'BatchNormalization':
        foldBatchNorm(steps, layer);
        break;
      case 'Activation':
        applyActivation(steps, activationName(layer), layer);
        break;
      case 'MaxPooling2D': {
        if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
          throw new UnsupportedLayerError(cls, layer.name, `data format ${String(cfg.dataFormat)} (only channelsLast)`);
        }
        const poolSize = pair(cfg.poolSize, 'pool size', layer);
        steps.push({
          kind: 'maxPool2d', layers: [layer.name], outputShape: shape, poolSize,
          strides: cfg.strides == null ? poolSize : pair(cfg.strides, 'strides', layer),
          padding: cfg.padding as 'same' | 'valid',
        });
        break;
      }
      case 'Reshape': {
        // Only the height collapse of a line model: [1, T, F] -> [T, F], a pure relabelling of the same numbers.
        const out = shapeOf(layer);
        if (squeezedBy || prev.length !== 3 || prev[0] !== 1 || out.length !== 2 || out[1] !== prev[2] || (out[0] !== prev[1] && out[0] !== -1)) {
          throw new UnsupportedLayerError(cls, layer.name, `only the reshape [b, 1, T, F] -> [b, T, F] is supported, this one maps [${prev}] -> [${out}]`);
        }
        squeezedBy = layer.name;
        break;
      }
      case 'Flatten':
        // Row-major: flattening [1, T, F] or [T, F] gives the same vector.
        steps.push({ kind: 'flatten', layers: squeezedBy ? [squeezedBy, layer.name] : [layer.name], outputShape: shapeOf(layer) });
        squeezedBy = undefined;
        break;
      default:
        throw new UnsupportedLayerError(cls, layer.name, 'no TFLite/inference lowering for this layer class');
    }
  }
  if (squeezedBy) {
    const last = steps[steps.length - 1].outputShape;
    steps.push({ kind: 'squeeze', layers: [squeezedBy], outputShape: last.slice(1) });
  }
  return { name: model.name, inputShape, steps };
}

/** Output size of a conv or pool along one axis (TensorFlow's rules); -1 stays -1. */
function outSize(size: number, window: number, stride: number, dilation: number, padding: 'same' | 'valid'): number {
  if (size < 0) return -1;
  const span = (window - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(size / stride) : Math.max(0, Math.ceil((size - span + 1) / stride));
}

/**
 * Every step's output shape (without batch) for one concrete input shape [h, w, c]: what the
 * graph's -1 dimensions become for that input (a TFLite file's `shape` next to its -1 signature).
 */
export function stepShapes(graph: InferenceGraph, input: number[]): number[][] {
  let x = input;
  return graph.steps.map((s) => {
    switch (s.kind) {
      case 'conv2d':
        x = [outSize(x[0], s.kernelShape[0], s.strides[0], s.dilations[0], s.padding), outSize(x[1], s.kernelShape[1], s.strides[1], s.dilations[1], s.padding), s.kernelShape[3]];
        break;
      case 'maxPool2d':
        x = [outSize(x[0], s.poolSize[0], s.strides[0], 1, s.padding), outSize(x[1], s.poolSize[1], s.strides[1], 1, s.padding), x[2]];
        break;
      case 'dense':
        x = [s.kernelShape[1]];
        break;
      case 'flatten':
        x = [x.reduce((a, b) => a * b, 1)];
        break;
      case 'squeeze':
        x = x.slice(1);
        break;
      default:
        break; // relu, softmax: same shape
    }
    return x;
  });
}

/** One step applied with tfjs ops; `x` is [batch, ...step input shape]. */
function applyStep(step: InferenceStep, x: tf.Tensor): tf.Tensor {
  switch (step.kind) {
    case 'conv2d': {
      const k = tf.tensor4d(step.kernel, step.kernelShape);
      const y = tf.add(tf.conv2d(x as tf.Tensor4D, k, step.strides, step.padding, 'NHWC', step.dilations), step.bias);
      return step.activation === 'relu' ? tf.relu(y) : y;
    }
    case 'dense': {
      const y = tf.add(tf.matMul(x as tf.Tensor2D, tf.tensor2d(step.kernel, step.kernelShape)), step.bias);
      return step.activation === 'relu' ? tf.relu(y) : y;
    }
    case 'maxPool2d':
      return tf.maxPool(x as tf.Tensor4D, step.poolSize, step.strides, step.padding);
    case 'flatten':
      return tf.reshape(x, [x.shape[0], -1]);
    case 'squeeze':
      return tf.squeeze(x, [1]);
    case 'relu':
      return tf.relu(x);
    case 'softmax':
      return tf.softmax(x);
  }
}

/**
 * Runs the graph on `input` ([batch, h, w, c]) with tfjs ops. Returns every step's output when
 * `keepAll` is set (the caller disposes them), else only the final output.
 */
export function runInferenceGraph(graph: InferenceGraph, input: tf.Tensor, keepAll = false): tf.Tensor[] {
  const outs: tf.Tensor[] = [];
  let x = input;
  for (const step of graph.steps) {
    const y = tf.tidy(() => applyStep(step, x));
    if (keepAll) outs.push(y);
    else if (x !== input) x.dispose();
    x = y;
  }
  return keepAll ? outs : [x];
}

/** One line per step, for logs and error messages. */
export function describeGraph(graph: InferenceGraph): string {
  return graph.steps.map((s) => {
    const act = s.kind === 'conv2d' || s.kind === 'dense' ? (s.activation === 'relu' ? ' +relu' : '') : '';
    return `${s.kind}${act} [${s.outputShape.join(', ')}] <- ${s.layers.join(' + ')}`;
  }).join('\n');
}
