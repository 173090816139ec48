/**
 * Relu's gradient as one wasm kernel. tfjs computes it as dy * cast(step(x)): three kernels and
 * two full-size temporaries per relu layer and step (2-3% of a training step of our CNN). The
 * gradient registered here runs one SIMD pass on wasm for float32 tensors whose size is a multiple
 * of 4, and tfjs's own formula anywhere else (other backends, other shapes), so results match.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';

/** Name of the fused kernel (registered for 'wasm' only). */
export const RELU_GRAD = 'HandwritingReluGrad';

/** Kernel function: inputs {dy, x} (same shape) -> dx = x > 0 ? dy : 0. */
function reluGradWasm(args: { inputs: { dy: TensorInfo; x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs: { dy, x }, backend } = args;
  const dx = allocate(backend, x.shape);
  kernelsFor(backend).reluGrad(heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dx), tf.util.sizeFromShape(x.shape));
  return dx;
}

/** Registration record for `registerKernel`. */
export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGradWasm as unknown as KernelFunc,
};

/** The gradient of Relu: the fused kernel where it applies, tfjs's formula elsewhere. */
export const reluGradientConfig: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    const fused = tf.getBackend() === 'wasm' && x.dtype === 'float32' && g.dtype === 'float32' && x.size % 4 === 0;
    return {
      x: () => (fused
        ? tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor
        : tf.mul(g, tf.cast(tf.step(x), 'float32'))),
    };
  },
};
