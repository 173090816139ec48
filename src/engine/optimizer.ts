import * as tf from '@tensorflow/tfjs-core';
import { FusedAdamOptimizer } from '../kernels';

/**
 * The optimizer every training path uses (the single-process loop and each data-parallel replica):
 * Adam at `learningRate`, fused into one wasm kernel per variable on the wasm backend (plain tfjs
 * Adam elsewhere; same maths, same getWeights/setWeights). One factory, so a change lands everywhere.
 */
export function createOptimizer(learningRate: number): tf.Optimizer {
  return new FusedAdamOptimizer(learningRate);
}
