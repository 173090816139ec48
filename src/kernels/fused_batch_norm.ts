/**
 * Batch normalisation in training as two wasm kernels, forward and backward.
 *
 * tfjs-layers' BatchNormalization trains through tf.moments + tf.batchNorm: Mean, Sub, Square,
 * Mean and FusedBatchNorm forward, then the gradients of all five (Multiply, Sub, Tile, Sum,
 * RealDiv, Rsqrt...: ~20 kernels and as many full-size temporaries per layer). That made the
 * line model's step 1.8x slower with batch norm on wasm. Here one kernel computes the batch's
 * mean, variance and the normalised output (two passes over x), and one computes dx, dgamma and
 * dbeta (two passes over x and dy), with float64 totals per channel.
 *
 * tfjs-layers calls its moments and batchNorm from inside the layer's `call`, so the kernels are
 * reached by wrapping BatchNormalization.prototype.call: in training, on wasm, for float32 input
 * normalised over every axis but the last (channels a multiple of 4), with scale and center on,
 * the wrapper runs the fused kernel and the layer's own moving-average updates; anything else runs
 * the original call. The layer's class, config and weights are untouched, so models still save and
 * load as a standard BatchNormalization.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers BatchNormalization, whose call is wrapped below
import { allocate, BackendWasm, free } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';

/** Forward kernel: inputs {x [..., C], scale [C], offset [C]}, attrs {epsilon} -> [y, mean [C], variance [C]]. */
export const BATCH_NORM_TRAIN = 'HandwritingBatchNormTrain';
/** Backward kernel: inputs {dy, x, mean, variance, scale}, attrs {epsilon} -> [dx, dscale, doffset]. */
export const BATCH_NORM_TRAIN_GRAD = 'HandwritingBatchNormTrainGrad';

interface BatchNormAttrs { epsilon: number }

/** Rows (every axis but the last) and channels of a channels-last tensor. */
function rowsAndChannels(x: TensorInfo): [number, number] {
  const C = x.shape[x.shape.length - 1];
  return [tf.util.sizeFromShape(x.shape) / C, C];
}

function batchNormTrainWasm(args: { inputs: { x: TensorInfo; scale: TensorInfo; offset: TensorInfo }; backend: BackendWasm; attrs: BatchNormAttrs }): TensorInfo[] {
  const { inputs: { x, scale, offset }, backend, attrs } = args;
  const [rows, C] = rowsAndChannels(x);
  const y = allocate(backend, x.shape);
  const mean = allocate(backend, [C]);
  const variance = allocate(backend, [C]);
  const acc = allocate(backend, [8 * C]); // float64 totals + per-channel coefficients
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).batchNormForward(at(x), at(scale), at(offset), at(y), at(mean), at(variance), at(acc), rows, C, attrs.epsilon);
  free(backend, acc);
  return [y, mean, variance];
}

function batchNormTrainGradWasm(args: { inputs: { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; scale: TensorInfo }; backend: BackendWasm; attrs: BatchNormAttrs }): TensorInfo[] {
  const { inputs: { dy, x, mean, variance, scale }, backend, attrs } = args;
  const [rows, C] = rowsAndChannels(x);
  const dx = allocate(backend, x.shape);
  const dscale = allocate(backend, [C]);
  const doffset = allocate(backend, [C]);
  const acc = allocate(backend, [8 * C]);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).batchNormBackward(at(x), at(dy), at(mean), at(variance), at(scale), at(dx), at(dscale), at(doffset), at(acc), rows, C, attrs.epsilon);
  free(backend, acc);
  return [dx, dscale, doffset];
}

/** Registration records for `registerKernel`. */
export const batchNormTrainConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: 'wasm',
  kernelFunc: batchNormTrainWasm as unknown as KernelFunc,
};
export const batchNormTrainGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormTrainGradWasm as unknown as KernelFunc,
};

/**
 * The forward kernel's gradient: dx, dscale, doffset from one backward kernel call. The mean and
 * variance outputs only feed the layer's moving averages (no gradient flows back through them),
 * so their incoming gradients are ignored.
 */
export const batchNormTrainGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const [dy] = dys as tf.Tensor[];
    const [x, scale, mean, variance] = saved;
    // One kernel call for all three, made here: the tape calls each input's function in its own
    // tidy, which would dispose the two gradients a lazily shared call did not return.
    const [dx, dscale, doffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x, mean, variance, scale }, attrs) as tf.Tensor[];
    return { x: () => dx, scale: () => dscale, offset: () => doffset };
  },
};

/**
 * [y, mean, variance] of batch norm in training over every axis of `x` but the last, on the wasm
 * kernels (differentiable w.r.t. x, scale and offset; mean and variance are not).
 */
export function batchNormTraining(x: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale, offset }, { epsilon }) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}

/** The parts of tfjs-layers' BatchNormalization the wrapper reads (its fields are not in the typings). */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

type CallFunc = (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** Marks the wrapped call, so wrapping twice (or from a second copy of this module) is a no-op. */
const WRAPPED = 'handwritingTfjsFusedBatchNorm';

/** Turns the wrapper off (HWR_FUSED_BATCHNORM=0): tfjs-layers' own ops, for before/after comparisons. */
function disabled(): boolean {
  return typeof process !== 'undefined' && process.env?.HWR_FUSED_BATCHNORM === '0';
}

/** Whether the fused kernels compute this call exactly as the layer would. */
function fusable(layer: BatchNormLayer, x: tf.Tensor): boolean {
  const rank = x.shape.length;
  const axis = layer.axis >= 0 ? layer.axis : layer.axis + rank;
  return tf.getBackend() === 'wasm' && !disabled() && x.dtype === 'float32' && rank >= 2 && axis === rank - 1 &&
    x.shape[rank - 1] % 4 === 0 && layer.center && layer.scale && layer.gamma != null && layer.beta != null;
}

/**
 * Wraps BatchNormalization.prototype.call (idempotent). Returns false when tfjs-layers'
 * BatchNormalization is not registered (nothing to wrap).
 */
export function wrapBatchNormalizationLayer(): boolean {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization as unknown as [{ prototype: { call: CallFunc } }] | undefined;
  if (!entry) return false;
  const proto = entry[0].prototype;
  const original = proto.call;
  if ((original as unknown as Record<string, unknown>)[WRAPPED]) return true;
  const call: CallFunc = function (this: BatchNormLayer, inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training || (Array.isArray(inputs) && inputs.length !== 1) || !fusable(this, x)) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(x, this.gamma!.read() as tf.Tensor1D, this.beta!.read() as tf.Tensor1D, this.epsilon);
      // The layer's moving averages, in the same float32 operations as tfjs-layers' doMovingAverage.
      const decay = 1 - this.momentum;
      for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), decay)));
        });
      }
      return y;
    });
  };
  (call as unknown as Record<string, unknown>)[WRAPPED] = true;
  proto.call = call;
  return true;
}
