/**
 * A line model and a line batch for the speed benchmarks (bench/lines_profile.ts,
 * bench/lines_lstm.ts): a crnn at height 40 (the lines recipe's as it was before 0ed3f76 dropped the
 * third block's second conv; the recipe's own is recipeFor('lines').crnn), and a seeded synthetic
 * batch. A step's cost depends on shapes, not on what the pixels show, so no dataset is needed.
 */
import { crnn } from '../src/models/crnn';
import { recipeFor } from '../src/train/recipes';
import { HostBatch } from '../src/engine/host_batch';
import { createRng } from '../src/util/rng';

/** crnn at height 40, conv blocks [16], [32], [64, 64], [96] with batch norm, a 4-layer conv head of 192, no dropout (not the recipe's [64] third block). */
export function nextLineModel(seed = 1): ReturnType<typeof crnn> {
  return crnn({
    numClasses: 77, height: 40, blocks: [[16], [32], [64, 64], [96]], features: 192,
    headUnits: 192, headLayers: 4, headKernel: 5, batchNorm: true, seed,
  });
}

/** The lines recipe's own crnn (src/train/recipes.ts) at its height, 77 classes, dropout included. */
export function recipeLineModel(seed = 1): ReturnType<typeof crnn> {
  const recipe = recipeFor('lines');
  return crnn({ ...recipe.crnn, numClasses: 77, height: recipe.lines!.height, seed });
}

/** A seeded synthetic batch: [batch, 40, width, 1] pixels (dark strokes on light), CTC targets for T = width / 4. */
export function syntheticLineBatch(batch: number, width: number, classes: number, seed: number): HostBatch {
  const rng = createRng(seed);
  const H = 40;
  const x = new Uint8Array(batch * H * width).fill(235);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < width / 3; k++) { // short random strokes
      let r = 8 + rng.int(24);
      let c = rng.int(width);
      for (let s = 0; s < 6; s++) {
        x[(b * H + r) * width + c] = 30;
        r = Math.min(H - 1, Math.max(0, r + rng.int(3) - 1));
        c = Math.min(width - 1, Math.max(0, c + rng.int(3) - 1));
      }
    }
  }
  const T = width / 4;
  const L = Math.floor(T / 3);
  const labels = new Int32Array(batch * L);
  const lengths = new Int32Array(batch);
  const frames = new Int32Array(batch).fill(T);
  for (let b = 0; b < batch; b++) {
    lengths[b] = L - rng.int(Math.max(1, Math.floor(L / 4)));
    for (let i = 0; i < lengths[b]; i++) labels[b * L + i] = rng.int(classes - 1);
  }
  return {
    x: { data: x, shape: [batch, H, width, 1] },
    targets: [{ data: labels, shape: [batch, L] }, { data: lengths, shape: [batch] }, { data: frames, shape: [batch] }],
    transforms: null,
  };
}
