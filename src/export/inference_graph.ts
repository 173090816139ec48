/**
 * A TensorFlow.js layers model lowered to the plain sequence of inference ops an exporter writes:
 * batch norm folded into the conv/dense before it, dropout dropped, ReLU fused into the op before
 * it where possible. Weights stay in TensorFlow.js layouts (conv HWIO, dense [in, out]); each
 * writer transposes to its own format. `runInferenceGraph` executes the graph with tfjs ops, which
 * is both the check that lowering kept the model's maths and the source of calibration ranges.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Activation applied inside an op (TFLite's fused_activation_function). */
export type FusedActivation = 'none' | 'relu';

interface StepBase {
  /** The tfjs layers this step came from, in order (e.g. conv + batch norm + relu). */
  layers: string[];
  /** Output shape without the batch dimension. */
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

/** A ReLU that could not be fused into the op before it. */
export interface ReluStep extends StepBase {
  kind: 'relu';
}

/** Softmax over the last axis (beta 1). */
export interface SoftmaxStep extends StepBase {
  kind: 'softmax';
}

export type InferenceStep = ConvStep | DenseStep | MaxPoolStep | FlattenStep | ReluStep | SoftmaxStep;

/** The lowered model: an input shape and the ops in order. */
export interface InferenceGraph {
  name: string;
  inputShape: number[]; // [h, w, c]
  steps: InferenceStep[];
}

/** Layer classes the exporters understand. */
export const SUPPORTED_LAYERS = [
  'InputLayer', 'Conv2D', 'BatchNormalization', 'Activation (relu, softmax, linear)', 'MaxPooling2D',
  'Flatten', 'Dense (activation relu, softmax or linear)', 'Dropout',
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

function shapeOf(layer: tfl.layers.Layer): number[] {
  const s = layer.outputShape as (number | null)[];
  return s.slice(1).map((d) => d as number);
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
  const rank = last.outputShape.length + 1;
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

/** Lowers a Sequential-style tfjs model into an InferenceGraph, or throws UnsupportedLayerError. */
export function lowerModel(model: tfl.LayersModel): InferenceGraph {
  // Name an unsupported layer first: it is the actionable error (e.g. an LSTM line model).
  const known = new Set(['InputLayer', 'Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout']);
  const unknown = model.layers.filter((l) => !known.has(l.getClassName()));
  if (unknown.length) {
    const others = unknown.slice(1).map((l) => `${l.getClassName()} '${l.name}'`);
    throw new UnsupportedLayerError(unknown[0].getClassName(), unknown[0].name,
      `no TFLite/inference lowering for this layer class${others.length ? ` (also unsupported here: ${others.join(', ')})` : ''}`);
  }
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1) as number[];
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d))) {
    throw new UnsupportedLayerError(model.getClassName(), model.name, `input shape ${JSON.stringify(model.inputs[0].shape)} is not [batch, height, width, channels]`);
  }
  const steps: InferenceStep[] = [];
  for (const layer of chainOf(model)) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const shape = shapeOf(layer);
    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
        break; // dropout is the identity at inference
      case 'Conv2D': {
        if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
          throw new UnsupportedLayerError(cls, layer.name, `data format ${String(cfg.dataFormat)} (only channelsLast)`);
        }
        const padding = cfg.padding as string;
        if (padding !== 'same' && padding !== 'valid') throw new UnsupportedLayerError(cls, layer.name, `padding '${padding}'`);
        const kernelVar = layer.getWeights()[0];
        const kernelShape = kernelVar.shape as [number, number, number, number];
        const out = kernelShape[3];
        steps.push({
          kind: 'conv2d', layers: [layer.name], outputShape: shape,
          kernel: (kernelVar.dataSync() as Float32Array).slice(), kernelShape,
          bias: cfg.useBias ? (layer.getWeights()[1].dataSync() as Float32Array).slice() : new Float32Array(out),
          strides: pair(cfg.strides, 'strides', layer), dilations: pair(cfg.dilationRate ?? 1, 'dilation rate', layer),
          padding, activation: 'none',
        });
        applyActivation(steps, activationName(layer), layer);
        break;
      }
      case 'Dense': {
        const kernelVar = layer.getWeights()[0];
        const kernelShape = kernelVar.shape as [number, number];
        const prev = steps.length ? steps[steps.length - 1].outputShape : inputShape;
        if (prev.length !== 1 || kernelShape.length !== 2) {
          throw new UnsupportedLayerError(cls, layer.name, `Dense on a rank-${prev.length + 1} input (add a Flatten before it)`);
        }
        steps.push({
          kind: 'dense', layers: [layer.name], outputShape: shape,
          kernel: (kernelVar.dataSync() as Float32Array).slice(), kernelShape,
          bias: cfg.useBias ? (layer.getWeights()[1].dataSync() as Float32Array).slice() : new Float32Array(kernelShape[1]),
          activation: 'none',
        });
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
      case 'Flatten':
        steps.push({ kind: 'flatten', layers: [layer.name], outputShape: shape });
        break;
      default:
        throw new UnsupportedLayerError(cls, layer.name, 'no TFLite/inference lowering for this layer class');
    }
  }
  return { name: model.name, inputShape, steps };
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
