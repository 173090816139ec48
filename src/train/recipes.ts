/**
 * How the project trains a model for each dataset: the defaults of `hwr train` and the settings of
 * the notebooks' full profile, in one place so the two produce the same model. Each recipe names
 * the command and the result that chose it (see README's results table and docs/RESULTS.md).
 */
import { CnnOptions, ModelFamily } from '../models/cnn';
import { CrnnOptions } from '../models/crnn';
import { LineMode } from '../synth/lines';
import { AugmentOptions } from '../data/augment';

/** A model family with its options, and the training settings that go with it. */
export interface Recipe {
  family: ModelFamily;
  /** Options of the `cnn` factory (ignored by `baseline`). */
  model: Omit<CnnOptions, 'numClasses' | 'seed' | 'imageSize'>;
  epochs: number;
  batchSize: number;
  learningRate: number;
  validationSplit: number;
  /** Class-balanced sampling (EMNIST dev47's classes hold 342 to 6,237 images). */
  balance: boolean;
  labelSmoothing: number;
  augment?: AugmentOptions;
  /** Early stopping: epochs without validation-loss improvement. */
  patience: number;
  /** Line models: the crnn options and the synthetic lines they train on. */
  crnn?: Omit<CrnnOptions, 'numClasses' | 'seed' | 'height'>;
  lines?: LineRecipe;
}

/** The synthetic lines a line model trains on (src/data/lines.ts, src/lines/task.ts). */
export interface LineRecipe {
  /** New lines drawn per epoch. */
  linesPerEpoch: number;
  /** Validation lines (held-out images and words). */
  valLines: number;
  /** Text of the training lines. */
  mode: LineMode;
  /** Share of training lines that are random character strings instead (no word context to lean on). */
  randomShare: number;
  /** Line height, pixels. */
  height: number;
  /** Curriculum: epochs of short lines (at most `warmupMaxWords` words) before the full lines; 0 for none. */
  warmupEpochs: number;
  warmupMaxWords: number;
}

/** The datasets that have a recipe. */
export type RecipeName = 'mnist' | 'emnist' | 'lines';

export const RECIPES: Record<RecipeName, Recipe> = {
  // saved_models/mnist-wide reached 99.63% in 5 epochs with these settings (at batch 64, one worker).
  mnist: {
    family: 'cnn', model: { blocks: [[32], [64, 64], [128]] }, epochs: 5, batchSize: 64, learningRate: 0.002,
    validationSplit: 0.05, balance: false, labelSmoothing: 0, patience: 3,
  },
  // dev47 test after 5 epochs (seed 42): 88.43% for blocks 32/64/128 without batch norm (1 worker);
  // on 2 workers 89.03% with 32/64,64/128 + batch norm + label smoothing 0.1, 89.18% with 48/96,96/192 and
  // dense 256, and 89.53% with that and half the default augmentation (these settings). The wider model at
  // batch 64 was no better by epoch 2. Most errors left are O/0, L/1, I/1, F/f: see docs/RESULTS.md.
  emnist: {
    family: 'cnn', model: { blocks: [[48], [96, 96], [192]], denseUnits: 256, batchNorm: true }, epochs: 5,
    batchSize: 128, learningRate: 0.002, validationSplit: 0.05, balance: true, labelSmoothing: 0.1, patience: 3,
    augment: { rotation: 5, shift: 1, scale: 0.05 },
  },
  // Lines of EMNIST characters (hwr train --dataset lines). 8 epochs without warm-up reached 4.70% greedy
  // test CER (CTC's all-blank plateau took 1.5 of them; val CER still falling): hence 14 epochs, the first
  // of short lines. A BiLSTM head costs 2.5x the conv head per step on wasm, batch norm 1.8x
  // (bench/lines_step.ts). See docs/LINES.md.
  lines: {
    family: 'crnn', model: {}, epochs: 14, batchSize: 32, learningRate: 0.003,
    validationSplit: 0, balance: false, labelSmoothing: 0, patience: 3,
    crnn: { head: 'conv', blocks: [[16], [32], [64]], features: 128, headUnits: 128, headLayers: 3, headKernel: 7, dropout: 0 },
    lines: { linesPerEpoch: 20000, valLines: 1000, mode: 'words', randomShare: 0.2, height: 28, warmupEpochs: 1, warmupMaxWords: 2 },
  },
};

/** The recipe for a dataset name as the CLI knows it ('mnist', 'emnist'). */
export function recipeFor(dataset: string): Recipe {
  const recipe = (RECIPES as Record<string, Recipe | undefined>)[dataset];
  if (!recipe) throw new Error(`No training recipe for dataset '${dataset}': choose one of ${Object.keys(RECIPES).join(', ')}.`);
  return recipe;
}
