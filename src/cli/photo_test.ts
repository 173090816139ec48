/**
 * A character model on photos (src/synth/char_photos.ts): held-out handwriting fonts and its test
 * split's own images, on paper in front of a camera, read in by the real-photo recipe. `hwr
 * evaluate` prints it; `hwr train` records it in metadata.json as `photoTest`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { Dataset } from '../data/dataset';
import { ConfusedPair } from '../eval/confusion';
import { evaluate } from '../eval/evaluate';
import { geometryForDataset } from '../image/preprocess';
import { CharPhotoTestSets, charPhotoTestSets, photoTestCount } from '../synth/char_photos';

/** Accuracy on each photo set (0..1) and the images in each; what metadata.json's `photoTest` holds. */
export interface PhotoTest {
  count: number;
  fonts: number;
  glyphs: number;
  /** The pairs most often confused on each set (true -> predicted). */
  mostConfused?: { fonts: ConfusedPair[]; glyphs: ConfusedPair[] };
}

/** The photo test sets of a dataset (`test` is its test split; its name picks the geometry). */
export function photoTestSets(test: Dataset, count = photoTestCount(test.classes.length)): CharPhotoTestSets {
  return charPhotoTestSets(test, geometryForDataset(test.name), count);
}

/** Measures `model` on photo test sets (`photoTestSets`; made once, they serve any number of models). */
export function photoTest(model: tfl.LayersModel, sets: CharPhotoTestSets): PhotoTest {
  const count = sets.fonts.count;
  const fonts = evaluate(model, sets.fonts, { topPairs: 5 });
  const glyphs = evaluate(model, sets.glyphs, { topPairs: 5 });
  return { count, fonts: fonts.accuracy, glyphs: glyphs.accuracy, mostConfused: { fonts: fonts.mostConfused, glyphs: glyphs.mostConfused } };
}

/** Two lines for a terminal. */
export function formatPhotoTest(r: PhotoTest): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const pairs = (ps: ConfusedPair[] | undefined) => (ps ?? []).slice(0, 3).map((p) => `${p.true}->${p.predicted} ${p.count}`).join(', ');
  return [
    `photos, held-out fonts:       ${r.count.toLocaleString('en-US')} images, accuracy ${pct(r.fonts)} (most confused: ${pairs(r.mostConfused?.fonts)})`,
    `photos, test images on paper: ${r.count.toLocaleString('en-US')} images, accuracy ${pct(r.glyphs)} (most confused: ${pairs(r.mostConfused?.glyphs)})`,
  ].join('\n');
}
