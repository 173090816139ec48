/**
 * Adam with one fused wasm SIMD pass per variable. tfjs's AdamOptimizer runs about a dozen
 * elementwise kernels per variable and step (each with engine bookkeeping); this subclass runs
 * the same float32 operations in the same order in one loop (src/kernels/wasm/assembly), so the
 * weights it produces are tfjs Adam's. Everything else is inherited: getWeights/setWeights (the
 * checkpoint format), dispose, getConfig. On other backends it is plain tfjs Adam.
 *
 * Registered for serialisation as 'FusedAdam', so a worker thread can rebuild it by class name.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, kernelsFor } from './wasm_module';

/** A named gradient, as optimizers receive them in list form. */
type NamedGradient = { name: string; tensor: tf.Tensor };

/** AdamOptimizer's private state, read and written as the parent class does. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Adam whose update is one wasm kernel per variable on the wasm backend. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** @nocollapse */
  static override get className(): string {
    return 'FusedAdam';
  }

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedGradient[]): void {
    const engine = tf.engine();
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const gradOf = (name: string, i: number): tf.Tensor | undefined =>
      Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
    const allFloat = names.every((name, i) => engine.registeredVariables[name]?.dtype === 'float32' && (gradOf(name, i)?.dtype ?? 'float32') === 'float32');
    if (tf.getBackend() !== 'wasm' || !allFloat) {
      super.applyGradients(variableGradients as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      return;
    }
    const backend = tf.backend() as BackendWasm;
    const kernels = kernelsFor(backend);
    const s = this as unknown as AdamState;
    // The scalars exactly as tfjs Adam's float32 tensor arithmetic makes them.
    const f = Math.fround;
    const c1 = f(1 - s.accBeta1.dataSync()[0]);
    const c2 = f(1 - s.accBeta2.dataSync()[0]);
    names.forEach((name, i) => {
      const value = engine.registeredVariables[name];
      if (s.accumulatedFirstMoment[i] == null) {
        s.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      if (s.accumulatedSecondMoment[i] == null) {
        s.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      const gradient = gradOf(name, i);
      if (gradient == null) return;
      const m = s.accumulatedFirstMoment[i].variable;
      const v = s.accumulatedSecondMoment[i].variable;
      // The weights get a fresh buffer every step: tfjs-wasm caches XNNPACK operators (with the
      // weights packed inside) by tensor data id, so writing a weight in place would go unseen.
      // The moments are only ours: in place, unless someone else holds a reference to their data.
      const newValue = backend.makeOutput(value.shape, 'float32');
      const newM = backend.refCount(m.dataId) === 1 ? m : backend.makeOutput(m.shape, 'float32');
      const newV = backend.refCount(v.dataId) === 1 ? v : backend.makeOutput(v.shape, 'float32');
      kernels.adamUpdate(
        heapOffset(backend, value), heapOffset(backend, m), heapOffset(backend, v), heapOffset(backend, gradient),
        heapOffset(backend, newValue), heapOffset(backend, newM), heapOffset(backend, newV), value.size,
        f(s.beta1), f(1 - s.beta1), f(s.beta2), f(1 - s.beta2), c1, c2, f(s.epsilon), f(-this.learningRate));
      assignInfo(value, newValue);
      if (newM !== m) assignInfo(m, newM);
      if (newV !== v) assignInfo(v, newV);
    });
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}

/** variable.assign(the tensor made of `info`), then drop that temporary tensor. */
function assignInfo(variable: tf.Variable, info: tf.TensorInfo): void {
  const t = tf.engine().makeTensorFromTensorInfo(info);
  variable.assign(t);
  t.dispose();
}

tf.serialization.registerClass(FusedAdamOptimizer);
