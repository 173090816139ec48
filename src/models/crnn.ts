/**
 * The line model family `crnn`: a convolutional feature extractor that keeps the image's width as
 * time (height is pooled away, width downsampled by 4), then a per-column head, emitting raw logits
 * for every label character plus the CTC blank (the last class) at every time step.
 *
 *   input  [batch, height, width, 1]   (width free: any multiple of 4)
 *   conv blocks                         -> [batch, height', width / 4, F]
 *   conv [height', 1] 'valid'           -> [batch, 1, width / 4, F]   (height collapsed, learned)
 *   reshape                             -> [batch, T = width / 4, F]
 *   head: 'conv' (1-D convs over time) or 'lstm'/'gru' (bidirectional) -> [batch, T, headUnits or 2 * headUnits]
 *   dense                               -> [batch, T, classes]  logits, blank = classes - 1
 *
 * Standard tfjs-layers layers, except the 'lstm' head's FusedBiLSTM (kernels/fused_lstm.ts), whose
 * class this module's import registers: data-parallel workers and model loaders rebuild the model
 * from its JSON wherever that module is imported (runtime/backend.ts, io/saved_model.ts and the web
 * app import it).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { FusedBiLstm } from '../kernels/fused_lstm';

/** Options of the `crnn` factory. */
export interface CrnnOptions {
  /** Output classes per time step: the line charset's size + 1 (the blank, last). */
  numClasses: number;
  /** Input height in pixels (default 28). */
  height?: number;
  /**
   * Conv blocks: filters of each 3x3 conv in a block; each block ends in a max pooling. The first
   * two pool 2x2 (width / 4 overall), later ones pool height only (2x1). Default [[32], [64], [128]].
   */
  blocks?: number[][];
  /** Filters of the conv that collapses the remaining height (default 128). */
  features?: number;
  /**
   * 'conv' (default): 1-D convolutions over time. 'lstm': bidirectional LSTM layers, each the
   * project's FusedBiLSTM layer (kernels/fused_lstm.ts: the recurrence in one wasm kernel per
   * direction on wasm, tfjs ops elsewhere; the maths of tfjs-layers' LSTM with its hard-sigmoid
   * recurrent activation). 'gru': bidirectional tfjs-layers GRU layers (a JavaScript loop over time
   * steps: slow to train). Neither recurrent head lowers to TFLite (`hwr export`).
   */
  head?: CrnnHead;
  /**
   * Units per direction of each recurrent layer, or filters of each 1-D conv of the conv head (default
   * 128). The 'lstm' head's wasm kernel needs a multiple of 4 (other counts run its tfjs-ops path).
   */
  headUnits?: number;
  /** Recurrent layers, or 1-D convs of the conv head (default 2). */
  headLayers?: number;
  /** Kernel width (time steps) of the conv head's 1-D convs (default 5). */
  headKernel?: number;
  /**
   * Batch norm after every conv, the conv head's 1-D convs included (default false). CTC leaves its blank-only
   * plateau several times sooner with it, at a cost per step on wasm.
   */
  batchNorm?: boolean;
  /** Dropout before the classifier (default 0). */
  dropout?: number;
  /** Seed of every initializer: the same seed builds the same weights (default 42). */
  seed?: number;
}

/** The kinds of per-column head. */
export const CRNN_HEADS = ['conv', 'lstm', 'gru'] as const;
export type CrnnHead = (typeof CRNN_HEADS)[number];

/** Width pixels per time step of every crnn model (two 2x2 poolings). */
export const CRNN_DOWNSAMPLE = 4;

/** Each layer's seed derived from the model seed (see cnn.ts). */
function seeder(seed: number): () => number {
  let i = 0;
  return () => seed * 1000 + ++i;
}

/** Builds a crnn line model (see the module comment for the shapes). */
export function crnn(opts: CrnnOptions): tfl.LayersModel {
  const {
    numClasses, height = 28, blocks = [[32], [64], [128]], features = 128, head = 'conv',
    headUnits = 128, headLayers = 2, headKernel = 5, batchNorm = false, dropout = 0, seed = 42,
  } = opts;
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`crnn: numClasses must be charset size + 1 (the blank) >= 2, got ${numClasses}.`);
  if (!CRNN_HEADS.includes(head)) throw new Error(`crnn: head must be one of ${CRNN_HEADS.join(', ')}, got '${String(head)}'.`);
  if (blocks.length < 2) throw new Error('crnn: needs at least two conv blocks (they downsample width by 4).');
  const next = seeder(seed);
  const model = tfl.sequential({ name: `crnn_${head}` });
  let h = height;
  blocks.forEach((block, b) => {
    for (const filters of block) {
      model.add(tfl.layers.conv2d({
        ...(model.layers.length === 0 ? { inputShape: [height, null, 1] } : {}),
        filters, kernelSize: 3, padding: 'same', activation: batchNorm ? 'linear' : 'relu', useBias: !batchNorm,
        kernelInitializer: tfl.initializers.heNormal({ seed: next() }),
      }));
      if (batchNorm) {
        model.add(tfl.layers.batchNormalization());
        model.add(tfl.layers.activation({ activation: 'relu' }));
      }
    }
    // Width is time: halved twice (4 pixels per step), never again, so a narrow glyph keeps two steps.
    const pool: [number, number] = b < 2 ? [2, 2] : [2, 1];
    model.add(tfl.layers.maxPooling2d({ poolSize: pool, strides: pool })); // height 28 -> 14 -> 7 -> 3
    h = Math.floor(h / 2);
  });
  if (h < 1) throw new Error(`crnn: height ${height} is too small for ${blocks.length} pooling blocks.`);
  // A learned collapse of the remaining rows (max or mean pooling would drop where the ink is).
  model.add(tfl.layers.conv2d({
    filters: features, kernelSize: [h, 1], padding: 'valid', activation: 'relu',
    kernelInitializer: tfl.initializers.heNormal({ seed: next() }),
  })); // [batch, 1, T, features]
  model.add(tfl.layers.reshape({ targetShape: [-1, features] })); // [batch, T, features]
  if (head === 'conv') {
    for (let i = 0; i < headLayers; i++) {
      model.add(tfl.layers.conv1d({
        filters: headUnits, kernelSize: headKernel, padding: 'same',
        activation: batchNorm ? 'linear' : 'relu', useBias: !batchNorm,
        kernelInitializer: tfl.initializers.heNormal({ seed: next() }),
      })); // [batch, T, headUnits]
      if (batchNorm) {
        model.add(tfl.layers.batchNormalization());
        model.add(tfl.layers.activation({ activation: 'relu' }));
      }
    }
  } else if (head === 'lstm') {
    for (let i = 0; i < headLayers; i++) {
      // Forward then backward outputs concatenated, as bidirectional(lstm) with mergeMode 'concat'.
      model.add(new FusedBiLstm({ units: headUnits, recurrentActivation: 'hardSigmoid', seed: next() })); // [batch, T, 2 * headUnits]
    }
  } else {
    for (let i = 0; i < headLayers; i++) {
      const cell = {
        units: headUnits, returnSequences: true,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
        recurrentInitializer: tfl.initializers.orthogonal({ seed: next(), gain: 1 }),
      };
      model.add(tfl.layers.bidirectional({ layer: tfl.layers.gru(cell) as tfl.RNN, mergeMode: 'concat' })); // [batch, T, 2 * headUnits]
    }
  }
  if (dropout > 0) model.add(tfl.layers.dropout({ rate: dropout, seed: next() }));
  model.add(tfl.layers.dense({
    units: numClasses, kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
  })); // [batch, T, numClasses] logits
  return model;
}

/** How much a layer divides the image width by: its width stride (pooling and conv layers), else 1. */
export function widthStride(layer: tfl.layers.Layer): number {
  if (!/Pooling2D$|^Conv2D$/.test(layer.getClassName())) return 1;
  const { strides } = layer.getConfig() as { strides?: number | number[] };
  if (strides === undefined) return 1;
  return Array.isArray(strides) ? strides[1] ?? strides[0] : strides;
}

/**
 * Width pixels per output time step of a model whose output is [batch, T, classes] (the product of
 * its layers' width strides); undefined for other models.
 */
export function timeDownsample(model: tfl.LayersModel): number | undefined {
  if (model.outputs[0].shape.length !== 3) return undefined;
  return model.layers.reduce((f, layer) => f * widthStride(layer), 1);
}
