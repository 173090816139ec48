/**
 * A bidirectional LSTM whose recurrence runs as one wasm kernel per direction and sequence,
 * forward and backward, as a serialisable layer ('FusedBiLSTM').
 *
 * tfjs-layers runs an LSTM as a JavaScript loop over time steps, a dozen kernels per step and
 * as many again for its gradient: a BiLSTM head cost 2.5x the conv head's step. Here x W + b for
 * every step is one GEMM (tfjs matMul, and its gradient), and only what is sequential runs in the
 * wasm module: h_{t-1} U, the gates and the cell (lstmForward), and the reverse pass giving the
 * gradient of the gates' inputs (lstmBackward); dU is one GEMM over all steps. The maths is
 * tfjs-layers' LSTMCell (gates i, f, c, o; recurrent activation hard sigmoid by default, or
 * sigmoid; tanh), with zero initial states and no masking, dropout or regularisers.
 *
 * Off wasm, on a wasm backend without the project's kernels registered (the browser app), or with
 * units not a multiple of 4, the layer computes the same with tfjs ops, a step at a time, so a saved
 * model loads and runs on any backend once this module is imported. The wasm kernels themselves live
 * in fused_lstm_wasm.ts (Node-side); this module imports only tfjs, so the web app can bundle it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GradConfig } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Forward kernel: inputs {zx [B, T, 4H], recurrentKernel [H, 4H]}, attrs {hard, reverse} -> [h, c,
 * tanh(c) [B, T, H], gates [B, T, 4H]]; reverse runs the steps from the last (outputs in place).
 */
export const LSTM_SEQUENCE = 'HandwritingLstmSequence';
/** Backward kernel: inputs {dh, recurrentKernelT, c, tc, gates}, attrs {hard, reverse} -> dzx [B, T, 4H]. */
export const LSTM_SEQUENCE_GRAD = 'HandwritingLstmSequenceGrad';

/** The recurrent activations the kernels implement (tfjs-layers' names). */
export type RecurrentActivation = 'hardSigmoid' | 'sigmoid';

/** The sequence kernel's gradient: dzx from the backward kernel, dU = sum over steps of h_{t-1}^T dz_t (one GEMM). */
export const lstmSequenceGradient: GradConfig = {
  kernelName: LSTM_SEQUENCE,
  inputsToSave: ['recurrentKernel'],
  outputsToSave: [true, true, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const [dh] = dys as tf.Tensor[]; // c, tanh(c) and the gates are internal: their dys are zeros
    const [recurrentKernel, h, c, tc, gates] = saved;
    const [B, T, H] = h.shape;
    const dz = tf.engine().runKernel(LSTM_SEQUENCE_GRAD, { dh, recurrentKernelT: tf.transpose(recurrentKernel), c, tc, gates }, attrs) as tf.Tensor;
    return {
      zx: () => dz,
      recurrentKernel: () => tf.tidy(() => {
        // The state each step started from: h_{t-1} (h_{-1} = 0), or h_{t+1} running in reverse (h_T = 0).
        const hPrev = attrs?.reverse
          ? tf.concat([tf.slice(h, [0, 1, 0], [B, T - 1, H]), tf.zeros([B, 1, H])], 1)
          : tf.concat([tf.zeros([B, 1, H]), tf.slice(h, [0, 0, 0], [B, T - 1, H])], 1);
        return tf.matMul(tf.reshape(hPrev, [B * T, H]), tf.reshape(dz, [B * T, 4 * H]), true, false);
      }),
    };
  },
};

/** Keras' hard sigmoid (clip(0.2 z + 0.5, 0, 1)) or the logistic function, as tfjs ops. */
function sigma(z: tf.Tensor, activation: RecurrentActivation): tf.Tensor {
  return activation === 'hardSigmoid' ? tf.clipByValue(tf.add(tf.mul(z, 0.2), 0.5), 0, 1) : tf.sigmoid(z);
}

/** The recurrence with tfjs ops, one step at a time (other backends; the wasm kernel's reference). */
function recurrenceOps(zx: tf.Tensor3D, recurrentKernel: tf.Tensor2D, activation: RecurrentActivation, reverse: boolean): tf.Tensor3D {
  const [B, T, H4] = zx.shape;
  const H = H4 / 4;
  let h: tf.Tensor2D = tf.zeros([B, H]);
  let c: tf.Tensor2D = tf.zeros([B, H]);
  const steps: tf.Tensor2D[] = [];
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const z = tf.add(tf.reshape(tf.slice(zx, [0, t, 0], [B, 1, H4]), [B, H4]), tf.matMul(h, recurrentKernel));
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    c = tf.add(tf.mul(sigma(zf, activation), c), tf.mul(sigma(zi, activation), tf.tanh(zg)));
    h = tf.mul(sigma(zo, activation), tf.tanh(c));
    steps.push(h);
  }
  if (reverse) steps.reverse();
  return tf.stack(steps, 1) as tf.Tensor3D;
}

/**
 * The outputs h [B, T, H] of one LSTM direction over x [B, T, D] (kernel [D, 4H], recurrentKernel
 * [H, 4H], bias [4H]), differentiable w.r.t. all four. `reverse` runs from the last step to the
 * first (h[:, t] then depends on x[:, t..T-1]), as a bidirectional layer's backward direction.
 */
export function lstmSequence(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, activation: RecurrentActivation = 'hardSigmoid', reverse = false): tf.Tensor3D {
  const [B, T, D] = x.shape;
  const H4 = kernel.shape[1];
  return tf.tidy(() => {
    const zx = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, D]), kernel), bias), [B, T, H4]) as tf.Tensor3D;
    const fused = tf.getBackend() === 'wasm' && x.dtype === 'float32' && (H4 / 4) % 4 === 0 && T > 0
      && tf.getKernel(LSTM_SEQUENCE, 'wasm') != null; // registerWasmTrainingKernels (kernels/index.ts) installs it
    if (!fused) return recurrenceOps(zx, recurrentKernel, activation, reverse);
    const outs = tf.engine().runKernel(LSTM_SEQUENCE, { zx, recurrentKernel }, { hard: activation === 'hardSigmoid', reverse }) as tf.Tensor[];
    return outs[0] as tf.Tensor3D;
  });
}

/** Options of the FusedBiLSTM layer. */
export interface FusedBiLstmArgs {
  /** Units per direction (the output has 2 * units features). */
  units: number;
  /** 'hardSigmoid' (tfjs-layers' LSTM default) or 'sigmoid'. */
  recurrentActivation?: RecurrentActivation;
  /** Seeds the initializers (glorotUniform kernels, orthogonal recurrent kernels, zero biases). */
  seed?: number;
  name?: string;
  inputShape?: number[];
  trainable?: boolean;
}

/** A layer's input or output shape (tfjs-layers' Shape: batch and time may be null). */
type Shape = Array<number | null>;

/** LayerVariable as the layer uses it (the class is not in tfjs-layers' public typings' namespace we import). */
interface Weight { read(): tf.Tensor }

/**
 * Bidirectional LSTM over [batch, T, features] -> [batch, T, 2 * units] (forward outputs, then the
 * backward direction's, as tfjs-layers' bidirectional(lstm) with mergeMode 'concat' and
 * returnSequences). Weights: forward_kernel, forward_recurrent_kernel, forward_bias, then the same
 * for backward_.
 */
export class FusedBiLstm extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'FusedBiLSTM';
  readonly units: number;
  readonly recurrentActivation: RecurrentActivation;
  readonly seed: number | undefined;
  private weightsOf: { forward: Weight[]; backward: Weight[] } | null = null;

  constructor(args: FusedBiLstmArgs) {
    super(args as never);
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`FusedBiLSTM: units must be a positive integer, got ${args.units}.`);
    const activation = args.recurrentActivation ?? 'hardSigmoid';
    if (activation !== 'hardSigmoid' && activation !== 'sigmoid') throw new Error(`FusedBiLSTM: recurrentActivation must be 'hardSigmoid' or 'sigmoid', got '${String(activation)}'.`);
    this.units = args.units;
    this.recurrentActivation = activation;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const D = shape[shape.length - 1];
    if (D == null) throw new Error('FusedBiLSTM: the input\'s last dimension (features) must be known.');
    const H = this.units;
    const seed = (k: number) => (this.seed == null ? undefined : this.seed * 10 + k);
    const direction = (prefix: string, k: number): Weight[] => [
      this.addWeight(`${prefix}_kernel`, [D, 4 * H], 'float32', tfl.initializers.glorotUniform({ seed: seed(k) })),
      this.addWeight(`${prefix}_recurrent_kernel`, [H, 4 * H], 'float32', tfl.initializers.orthogonal({ seed: seed(k + 1), gain: 1 })),
      this.addWeight(`${prefix}_bias`, [4 * H], 'float32', tfl.initializers.zeros()),
    ];
    this.weightsOf = { forward: direction('forward', 1), backward: direction('backward', 3) };
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0], shape[1], 2 * this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const { forward, backward } = this.weightsOf!;
      const run = (w: Weight[], reverse: boolean) =>
        lstmSequence(x, w[0].read() as tf.Tensor2D, w[1].read() as tf.Tensor2D, w[2].read() as tf.Tensor1D, this.recurrentActivation, reverse);
      // The backward direction runs from the last step in the kernel: no reversed copies of x or of its outputs.
      return tf.concat([run(forward, false), run(backward, true)], -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, recurrentActivation: this.recurrentActivation, ...(this.seed == null ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(FusedBiLstm);
