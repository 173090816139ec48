/**
 * The standard TensorFlow.js namespace, as `@tensorflow/tfjs` (and tfjs-node) users know it.
 *
 * The library's own modules import `@tensorflow/tfjs-core` and `-layers` directly, and those
 * two alone register neither the chained-op API (`t.div(255)`, `t.mean()`) nor every gradient:
 * `tf.layers.lstm()` with its default orthogonal initializer then fails. Importing the umbrella
 * package once registers both into the one tfjs-core instance every module shares, and its
 * typings bring the chained-op methods into the type checker (tslab type-checks every cell).
 *
 *   import { tf } from 'handwriting-tfjs';   // in a notebook: from '../../dist/src/index'
 *   tf.tensor([1, 2]).div(2).print();
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
