/**
 * The synthetic test lines a line model is measured on, the same for `hwr train` (after training)
 * and `hwr evaluate`: every set uses the test split of everything (the five held-out font families,
 * EMNIST test images, test-vocabulary words) and the same paper-and-camera mix as training.
 * - 'fonts': written with the held-out handwriting fonts only: the headline figure, and the best proxy
 *   for real handwriting the repo can build (issue 16);
 * - 'emnist': written with EMNIST ByClass test letters only (real people's letters, placed by class);
 * - 'random': random strings of letters and digits, both sources: reading without any word context;
 * - 'prose': English prose from addresses the generator never reads (prose.ts's 'test' part) in the
 *   held-out fonts: the words of real text in their order, the set nearest to what people write. Its
 *   words are mostly of the training vocabulary, as in any English text; its sentences are unseen.
 */
import { Dataset } from '../data/dataset';
import { deriveSeed } from '../util/rng';
import { HandwritingGenerator, HandwritingOptions, LineGeometry, createHandwritingGenerator, splitFonts } from '../synth/handwriting';
import { proseLines } from '../synth/prose';

export type LineTestSet = 'fonts' | 'emnist' | 'random' | 'prose';

/** Options of `lineTestSources`. */
export interface LineTestOptions {
  /** EMNIST ByClass test part; without it there is no 'emnist' set and 'random' is written with fonts only. */
  emnist?: Dataset;
  seed: number;
  geometry: LineGeometry;
  /** Commonest words every split may write (the model's recipe). */
  sharedWords: number;
}

/**
 * The generator options of each test set (see the module comment); 'emnist' only with EMNIST test
 * images. For a reader of the same lines made another way (bench/read.ts: on clean paper too).
 */
export function lineTestSetOptions(opts: LineTestOptions): Partial<Record<LineTestSet, HandwritingOptions>> {
  const { emnist, seed, geometry, sharedWords } = opts;
  if (emnist && emnist.split !== 'test') throw new Error(`lineTestSources: EMNIST must be the test part, got ${emnist.name} ${emnist.split}`);
  // Each set its own texts: the sets differ in more than the hand that writes them.
  const common = (name: LineTestSet) => ({ split: 'test' as const, seed: deriveSeed(seed, 'test-set', name), geometry, name });
  return {
    fonts: { ...common('fonts'), fonts: splitFonts('test'), text: { sharedWords } },
    ...(emnist ? { emnist: { ...common('emnist'), fonts: [], emnist, text: { sharedWords } } } : {}),
    random: { ...common('random'), emnist, text: { mode: 'random', sharedWords } },
    prose: { ...common('prose'), fonts: splitFonts('test'), texts: proseLines('test'), text: { sharedWords } },
  };
}

/** The test sets, by name (see the module comment); 'emnist' only with EMNIST test images. */
export function lineTestSources(opts: LineTestOptions): Partial<Record<LineTestSet, HandwritingGenerator>> {
  const options = lineTestSetOptions(opts);
  return Object.fromEntries(Object.entries(options).map(([name, o]) => [name, createHandwritingGenerator(o)]));
}
