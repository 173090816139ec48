/**
 * Training kernels for the wasm backend: the gradients tfjs 4.22 lacks, plus faster
 * replacements for stock kernels that dominate a training step. Register them once, before
 * or after `tf.setBackend('wasm')`.
 */
import { getGradient, getKernel, KernelConfig, registerGradient, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputConfig } from './conv2d_backprop_input';
import { directConv2D } from './conv2d_forward';
import { biasAddFastPath } from './fast_bias_add';
import { reluGradConfig, reluGradientConfig } from './relu_grad';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise_backprop';
import { untransposingMatMul } from './fast_matmul';
import { leadingAxesMean, leadingAxesSum } from './fast_sum';
import { blockCopyTile } from './fast_tile';
import { maxPoolGradConfig } from './max_pool_grad';
import { batchNormTrainConfig, batchNormTrainGradConfig, batchNormTrainGradient, wrapBatchNormalizationLayer } from './fused_batch_norm';
import { lstmSequenceGradient } from './fused_lstm';
import { lstmSequenceConfig, lstmSequenceGradConfig } from './fused_lstm_wasm';
import { zeroCopyIdentity, zeroCopySameDtypeCast } from './shared_identity';

// Registers the fused optimizer's class for deserialisation (worker threads rebuild it by name).
export { FusedAdamOptimizer } from './fused_adam';
// Registers the FusedBiLSTM layer's class (models that use it load wherever this module is imported).
export { FusedBiLstm } from './fused_lstm';

// Marks our registrations so a second call (or a second copy of this module) is a no-op.
const MARK = 'handwritingTfjsTrainingKernel';

/** Names of the kernels `registerWasmTrainingKernels` installs for 'wasm'. */
export const WASM_TRAINING_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'BatchMatMul',
  '_FusedMatMul',
  'Sum',
  'Mean',
  'Identity',
  'Cast',
  'Tile',
  'Add',
  'HandwritingReluGrad',
  'HandwritingBatchNormTrain',
  'HandwritingBatchNormTrainGrad',
  'HandwritingLstmSequence',
  'HandwritingLstmSequenceGrad',
] as const;

function isOurs(config: KernelConfig | undefined): boolean {
  return config != null && (config.kernelFunc as unknown as Record<string, unknown>)[MARK] === true;
}

function install(config: KernelConfig): void {
  const existing = getKernel(config.kernelName, 'wasm');
  if (isOurs(existing)) return;
  (config.kernelFunc as unknown as Record<string, unknown>)[MARK] = true;
  // Replacing a stock kernel: unregister first, so tfjs does not warn about a duplicate.
  if (existing != null) unregisterKernel(config.kernelName, 'wasm');
  registerKernel(config);
}

/** Installs the wasm training kernels (idempotent; safe to call any number of times). */
export function registerWasmTrainingKernels(): void {
  install(conv2DBackpropFilterConfig);
  install(conv2DBackpropInputConfig);
  install(depthwiseBackpropFilterConfig);
  install(depthwiseBackpropInputConfig);
  install(maxPoolGradConfig);
  wrapStock('Conv2D', directConv2D);
  wrapStock('FusedConv2D', directConv2D);
  wrapStock('BatchMatMul', untransposingMatMul);
  wrapStock('_FusedMatMul', untransposingMatMul);
  wrapStock('Sum', leadingAxesSum);
  wrapStock('Mean', leadingAxesMean);
  wrapStock('Identity', zeroCopyIdentity);
  wrapStock('Cast', zeroCopySameDtypeCast);
  wrapStock('Tile', blockCopyTile);
  wrapStock('Add', biasAddFastPath);
  install(reluGradConfig);
  // Relu's gradient through the fused kernel on wasm (tfjs's own formula on other backends).
  if (getGradient('Relu') !== reluGradientConfig) registerGradient(reluGradientConfig);
  // Batch norm in training: two fused kernels, reached through tfjs-layers' BatchNormalization.
  install(batchNormTrainConfig);
  install(batchNormTrainGradConfig);
  if (getGradient(batchNormTrainGradient.kernelName) !== batchNormTrainGradient) registerGradient(batchNormTrainGradient);
  wrapBatchNormalizationLayer();
  // The FusedBiLSTM layer's recurrence, forward and backward.
  install(lstmSequenceConfig);
  install(lstmSequenceGradConfig);
  if (getGradient(lstmSequenceGradient.kernelName) !== lstmSequenceGradient) registerGradient(lstmSequenceGradient);
}

// The stock kernels our wrappers replaced (for benchmarks that compare against them).
const stockKernels = new Map<string, KernelConfig>();

/** Replaces a stock kernel by a wrapper that handles the fast cases and delegates the rest. */
function wrapStock(name: string, wrap: (stock: KernelConfig) => KernelConfig): void {
  const stock = getKernel(name, 'wasm');
  if (stock == null) throw new Error(`wasm kernel '${name}' is missing: is @tensorflow/tfjs-backend-wasm 4.22 installed?`);
  if (isOurs(stock)) return;
  stockKernels.set(name, stock);
  install(wrap(stock));
}

/** The stock tfjs-wasm kernel that `registerWasmTrainingKernels` wrapped under `name` (this module instance's), if any. */
export function stockWasmKernel(name: string): KernelConfig | undefined {
  return stockKernels.get(name);
}
