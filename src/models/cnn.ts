import * as tfl from '@tensorflow/tfjs-layers';
import { CrnnOptions, crnn, timeDownsample, widthStride } from './crnn';

/** Options shared by every model factory. */
export interface ModelOptions {
  /** Number of output classes (10 for MNIST, 47 for EMNIST Balanced). */
  numClasses: number;
  /** Input image side in pixels. */
  imageSize?: number;
  /** Seed for weight initialisation: the same seed builds the same weights. */
  seed?: number;
}

/** Options of the stronger CNN: conv blocks with batch norm, then a dropout-regularised head. */
export interface CnnOptions extends ModelOptions {
  /** Conv blocks: the filters of each conv layer in a block; every block ends in a 2x2 max pooling. */
  blocks?: number[][];
  /** Units of the hidden dense layer. */
  denseUnits?: number;
  /** Dropout rate before the classifier. */
  dropout?: number;
  /**
   * Batch norm after each conv and the hidden dense layer (a conv bias otherwise). Off by default:
   * on the wasm backend it more than halves training speed (bench: 205 -> 93 images/s).
   */
  batchNorm?: boolean;
}

/** Registry of model families by name, used by the CLI and the saved metadata. */
export const MODEL_FAMILIES = ['baseline', 'cnn', 'crnn'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

// Each layer gets its own seed derived from the model seed, so two layers with the same shape
// do not start with identical weights while the whole model stays reproducible.
function seeder(seed: number): () => number {
  let i = 0;
  return () => seed * 1000 + ++i;
}

/** The old Python project's model: conv32-pool-conv64-pool-dense128-softmax. */
export function baselineCnn(opts: ModelOptions): tfl.LayersModel {
  const { numClasses, imageSize = 28, seed = 42 } = opts;
  const next = seeder(seed);
  const model = tfl.sequential({ name: 'baseline_cnn' });
  model.add(tfl.layers.conv2d({
    inputShape: [imageSize, imageSize, 1], filters: 32, kernelSize: 3, activation: 'relu',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
  })); // [batch, 26, 26, 32]
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 })); // [batch, 13, 13, 32]
  model.add(tfl.layers.conv2d({
    filters: 64, kernelSize: 3, activation: 'relu',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
  })); // [batch, 11, 11, 64]
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 })); // [batch, 5, 5, 64]
  model.add(tfl.layers.flatten()); // [batch, 1600]
  model.add(tfl.layers.dense({
    units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
  }));
  model.add(tfl.layers.dense({
    units: numClasses, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
  }));
  return model;
}

/**
 * The stronger default: conv blocks ([conv3x3 'same' -> (batch norm) -> relu] per width, then
 * maxpool), then dense -> (batch norm) -> relu -> dropout -> softmax.
 */
export function cnn(opts: CnnOptions): tfl.LayersModel {
  const {
    numClasses, imageSize = 28, seed = 42,
    blocks = [[32], [64], [128]], denseUnits = 128, dropout = 0.3, batchNorm = false,
  } = opts;
  const next = seeder(seed);
  const model = tfl.sequential({ name: 'cnn' });
  let first = true;
  for (const block of blocks) {
    for (const filters of block) {
      model.add(tfl.layers.conv2d({
        ...(first ? { inputShape: [imageSize, imageSize, 1] } : {}),
        filters, kernelSize: 3, padding: 'same', useBias: !batchNorm,
        kernelInitializer: tfl.initializers.heNormal({ seed: next() }),
      }));
      first = false;
      // Batch norm makes the bias redundant and lets Adam use a high learning rate early on.
      if (batchNorm) model.add(tfl.layers.batchNormalization());
      model.add(tfl.layers.activation({ activation: 'relu' }));
    }
    model.add(tfl.layers.maxPooling2d({ poolSize: 2 })); // side halves: 28 -> 14 -> 7 -> 3
  }
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({
    units: denseUnits, useBias: !batchNorm, kernelInitializer: tfl.initializers.heNormal({ seed: next() }),
  }));
  if (batchNorm) model.add(tfl.layers.batchNormalization());
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.dropout({ rate: dropout, seed: next() }));
  model.add(tfl.layers.dense({
    units: numClasses, activation: 'softmax',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
  }));
  return model;
}

/**
 * Builds a model of the named family with default options for the given number of classes
 * (for 'crnn', a line model: numClasses = charset + blank, imageSize = line height, `crnn` options).
 */
export function buildModel(family: ModelFamily, opts: CnnOptions & { crnn?: Omit<CrnnOptions, 'numClasses' | 'height' | 'seed'> }): tfl.LayersModel {
  if (family === 'baseline') return baselineCnn(opts);
  if (family === 'cnn') return cnn(opts);
  if (family === 'crnn') return crnn({ ...opts.crnn, numClasses: opts.numClasses, height: opts.imageSize, seed: opts.seed });
  throw new Error(`Unknown model family '${family as string}': choose one of ${MODEL_FAMILIES.join(', ')}.`);
}

/** One row of a model summary. */
export interface LayerSummary {
  name: string;
  type: string;
  outputShape: string;
  params: number;
}

/** Layer-by-layer summary with parameter counts, as data (model.summary() only prints). */
export function summarizeModel(model: tfl.LayersModel): { layers: LayerSummary[]; totalParams: number; trainableParams: number } {
  let stride = 1;
  const layers = model.layers.map((l) => {
    stride *= widthStride(l);
    // The first free dimension is the batch; a later one is a free image width W (W/4 after pooling), or time steps T.
    const free = (l.outputShape as unknown[]).length === 3 ? 'T' : stride > 1 ? `W/${stride}` : 'W';
    return {
      name: l.name,
      type: l.getClassName(),
      outputShape: JSON.stringify(l.outputShape).replace('null', 'batch').replace(/null|-1/g, free),
      params: l.countParams(),
    };
  });
  const count = (ws: tfl.LayerVariable[]) => ws.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  return { layers, totalParams: count(model.weights), trainableParams: count(model.trainableWeights) };
}

/** The summary as an aligned text table, for terminals and notebooks. */
export function formatSummary(model: tfl.LayersModel): string {
  const { layers, totalParams, trainableParams } = summarizeModel(model);
  const rows = [['layer', 'type', 'output shape', 'params'], ...layers.map((l) => [l.name, l.type, l.outputShape, String(l.params)])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  const downsample = timeDownsample(model);
  return [
    `Model: ${model.name}`,
    line(rows[0]),
    ...rows.slice(1).map(line),
    `total params: ${totalParams.toLocaleString('en-US')} (trainable ${trainableParams.toLocaleString('en-US')})`,
    ...(downsample ? [`time steps: input width / ${downsample} (a 256-px line gives ${Math.floor(256 / downsample)} frames)`] : []),
  ].join('\n');
}
