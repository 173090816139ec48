/**
 * How the project trains a model for each dataset: the defaults of `hwr train` and the settings of
 * the notebooks' full profile, in one place so the two produce the same model. Each recipe names
 * the command and the result that chose it (see README's results table and docs/RESULTS.md).
 */
import { CnnOptions, ModelFamily } from '../models/cnn';
import { CrnnOptions } from '../models/crnn';
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
  /** Synthetic photos of characters added to the training images (src/synth/char_photos.ts); 0 or absent for none. */
  photos?: number;
  /** Early stopping: epochs without validation-loss improvement. */
  patience: number;
  /** Line models: the crnn options and the synthetic lines they train on. */
  crnn?: Omit<CrnnOptions, 'numClasses' | 'seed' | 'height'>;
  lines?: LineRecipe;
}

/** The synthetic handwriting a line model trains on (src/synth/handwriting.ts, src/lines/task.ts). */
export interface LineRecipe {
  /** New lines drawn per epoch. */
  linesPerEpoch: number;
  /** Validation lines (fonts, EMNIST images and words no training line uses). */
  valLines: number;
  /** Share of lines written with EMNIST letters (the rest with handwriting fonts) when EMNIST ByClass is at hand. */
  emnistShare: number;
  /** Model input: height, body (x-) height and baseline row, pixels. */
  height: number;
  bodyHeight: number;
  baselineRow: number;
  /** Curriculum: epochs of short lines (at most `warmupMaxWords` words) before the full lines; 0 for none. */
  warmupEpochs: number;
  warmupMaxWords: number;
  /** The commonest SUBTLEXus words every split may write (text.ts `sharedWords`): function words real text is full of. */
  sharedWords: number;
}

/** The datasets that have a recipe. */
export type RecipeName = 'mnist' | 'emnist' | 'lines';

export const RECIPES: Record<RecipeName, Recipe> = {
  // saved_models/mnist-wide reached 99.63% in 5 epochs with these settings (at batch 64, one worker).
  // With 20,000 photos of digits (src/synth/char_photos.ts) added: 99.48% on the MNIST test images
  // (99.59% without), 97.80% on held-out-font photos (96.25%), 97.50% on test digits photographed
  // (97.00%). Retrained when the character recipe learnt to take out shadows (30ab0ec): 99.62%,
  // 98.45%, 98.85%: saved_models/mnist. See docs/RESULTS.md, "Photos of characters".
  mnist: {
    family: 'cnn', model: { blocks: [[32], [64, 64], [128]] }, epochs: 5, batchSize: 64, learningRate: 0.002,
    validationSplit: 0.05, balance: false, labelSmoothing: 0, patience: 3, photos: 20000,
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
  // Realistic synthetic handwriting (hwr train --dataset lines): fonts and EMNIST ByClass letters on
  // paper, read in through the real-image line recipe at height 40. 28 epochs of 20,000 new lines fit
  // the 3 hours a committed model may train on the 2-core machine (134 min at 73 lines/s on the AMD
  // EPYC with other work beside it, ~2 hours quiet; 20 epochs read every test set 0.2-1.3 points
  // worse, docs/LINES.md); the conv blocks are the wider 16/48/96/128, better on every test set than
  // 16/32/64/96 for ~10% more time: see docs/LINES.md.
  lines: {
    family: 'crnn', model: {}, epochs: 28, batchSize: 32, learningRate: 0.002,
    validationSplit: 0, balance: false, labelSmoothing: 0, patience: 4,
    crnn: { head: 'conv', blocks: [[16], [48], [96], [128]], features: 192, headUnits: 192, headLayers: 4, headKernel: 5, batchNorm: true, dropout: 0.1 },
    lines: {
      linesPerEpoch: 20000, valLines: 1000, emnistShare: 0.5, height: 40, bodyHeight: 14, baselineRow: 26,
      warmupEpochs: 1, warmupMaxWords: 2, sharedWords: 100,
    },
  },
};

/** The recipe for a dataset name as the CLI knows it ('mnist', 'emnist'). */
export function recipeFor(dataset: string): Recipe {
  const recipe = (RECIPES as Record<string, Recipe | undefined>)[dataset];
  if (!recipe) throw new Error(`No training recipe for dataset '${dataset}': choose one of ${Object.keys(RECIPES).join(', ')}.`);
  return recipe;
}
