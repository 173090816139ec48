import * as tf from '@tensorflow/tfjs-core';

/**
 * The optimizer every training path uses (the single-process loop and each data-parallel replica):
 * Adam at `learningRate`. One factory, so a faster implementation replaces it everywhere at once.
 */
export function createOptimizer(learningRate: number): tf.Optimizer {
  return tf.train.adam(learningRate);
}
