/**
 * Photos of single handwritten characters, as a character model meets them in `hwr predict` and the
 * web app: a letter or digit written by a handwriting font or taken from EMNIST/MNIST, put on paper
 * in front of a camera (paper.ts), then through the very recipe real photos go through
 * (image/preprocess.ts). The result is a `Dataset` of 28x28 model inputs with the model's labels.
 *
 * Why: EMNIST and MNIST test images were cut out, thinned and centred by NIST's and LeCun's tools,
 * not by ours; a model can score 99% on them and still trip on a phone photo whose strokes, size
 * and lighting our recipe turns into something those tools never produced. Two uses:
 * - **Measuring** a model on what real photos look like after our recipe: held-out font families
 *   (fonts.ts TEST_FONT_FAMILIES, never in training) and photographed test-split glyphs.
 * - **Training** on it: the same pictures from the training fonts and train-split glyphs, mixed
 *   into the dataset's own images (train/photo_mix.ts).
 *
 * A class stands for every character that maps to it: in EMNIST's 47-class splits 'C' is c and C
 * (the merged letters), so a font writes either; a glyph is any image of the class.
 */
import { Dataset, classCounts, concatDatasets } from '../data/dataset';
import { PreprocessOptions, geometryForDataset, preprocessRgba } from '../image/preprocess';
import { Rng, createRng, deriveSeed, shuffleInPlace } from '../util/rng';
import { createEmnistGlyphs, renderEmnistLine } from './emnist_line';
import { fontCanWrite, renderFontLine } from './font_line';
import { loadFont } from './fonts';
import { refuseTestFonts, splitFonts } from './handwriting';
import { InkLine } from './ink';
import { PaperOptions, putOnPaper } from './paper';

export type CharPhotoSplit = 'train' | 'val' | 'test';

/** Options of `charPhotoDataset`. */
export interface CharPhotoOptions {
  /** Which pictures: 'train' (training fonts, train glyphs), 'val' (validation fonts, held-out train glyphs) or 'test' (the held-out fonts, test glyphs). */
  split: CharPhotoSplit;
  /** The model's classes, e.g. the dataset's `classes`. */
  classes: readonly string[];
  /** How many images. */
  count: number;
  /** Writers: 'fonts', 'glyphs' (needs `glyphs`) or 'both' (half each, alternating). Default 'both' with glyphs, else 'fonts'. */
  source?: 'fonts' | 'glyphs' | 'both';
  /** Character images to photograph: the train part of the dataset for 'train'/'val', its test part for 'test'. */
  glyphs?: Dataset;
  /** Font families; default `splitFonts(split)` (handwriting.ts). */
  fonts?: readonly string[];
  /** The model's preprocessing geometry (EMNIST_GEOMETRY or MNIST_GEOMETRY). */
  geometry: PreprocessOptions;
  /** Seed of the pictures. Default 0. */
  seed?: number;
  /** Share of pictures on clean white paper with black ink. Default 0.15. */
  cleanShare?: number;
  /** Strength range of paper and camera for the others. Default [0.2, 1]. */
  strength?: [number, number];
  /** Paper options under the strength; default CHAR_PAPER. */
  paper?: PaperOptions;
  /** Called every 1,000 images with the count so far (generation takes a few ms an image). */
  onProgress?: (done: number, total: number) => void;
  /**
   * How often each class appears, e.g. the training images per class: photos then follow the same
   * class frequencies (in a seeded order) instead of going round the classes evenly. Training uses
   * it so that a rare class is not mostly photos: with class-balanced sampling that would teach the
   * look of a rare class from fonts more than from real writing.
   */
  classWeights?: ArrayLike<number>;
}

/**
 * Paper for a single character: more room around it than a line gets, and no ruled lines or
 * neighbouring lines, which the character recipe does not take out (a photo of one letter is
 * framed on that letter; ruled paper is the line recipe's business).
 */
export const CHAR_PAPER: PaperOptions = { margin: [1, 4], ruledProbability: 0, neighbourProbability: 0 };

/** For each class, the characters a writer may put down for it ('C' -> C and c in a merged split). */
export function charactersByClass(classes: readonly string[]): string[][] {
  return classes.map((c) => {
    const lower = c.toLowerCase();
    // A merged class is an upper-case letter whose lower case has no class of its own.
    return c !== lower && !classes.includes(lower) ? [c, lower] : [c];
  });
}

/** Photos of single characters through the character recipe: a Dataset of `size` x `size` uint8 images. */
export function charPhotoDataset(opts: CharPhotoOptions): Dataset {
  const { split, classes, count, geometry } = opts;
  if (!['train', 'val', 'test'].includes(split)) throw new Error(`charPhotoDataset: split must be 'train', 'val' or 'test', got '${String(split)}'`);
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`charPhotoDataset: count must be a positive integer, got ${count}`);
  const source = opts.source ?? (opts.glyphs ? 'both' : 'fonts');
  if (source !== 'fonts' && !opts.glyphs) throw new Error(`charPhotoDataset: source '${source}' needs glyphs (a Dataset of character images)`);
  const seed = opts.seed ?? 0;
  const size = geometry.size ?? 28;
  const cleanShare = opts.cleanShare ?? 0.15;
  const [sLo, sHi] = opts.strength ?? [0.2, 1];
  const paper = opts.paper ?? CHAR_PAPER;

  const options = charactersByClass(classes);
  const fontNames = [...(opts.fonts ?? splitFonts(split))];
  refuseTestFonts(fontNames, split, `charPhotoDataset: ${split} photos`);
  const fonts = source === 'glyphs' ? [] : fontNames.map((f) => loadFont(f));
  // Per class: the fonts that can write at least one of its characters.
  const writers = options.map((chars) => fonts.filter((f) => chars.some((ch) => fontCanWrite(f, ch))));
  const glyphs = source === 'fonts' ? undefined : createEmnistGlyphs(opts.glyphs as Dataset, { split });
  const glyphClasses = glyphs ? options.map((chars) => chars.filter((ch) => glyphs.byChar.has(ch))) : [];

  /** The ink of one character of class k by a writer drawn from rng, or undefined when nobody can write it. */
  const draw = (k: number, useGlyph: boolean, rng: Rng): InkLine | undefined => {
    if (useGlyph && glyphs && glyphClasses[k].length > 0) {
      const ch = glyphClasses[k][rng.int(glyphClasses[k].length)];
      return renderEmnistLine(ch, glyphs, rng, { bodyHeight: [12, 36] });
    }
    const able = writers[k];
    if (able.length === 0) return undefined;
    const font = able[rng.int(able.length)];
    const chars = options[k].filter((ch) => fontCanWrite(font, ch));
    return renderFontLine(chars[rng.int(chars.length)], font, rng, { bodyHeight: [12, 36] });
  };

  const images = new Uint8Array(count * size * size);
  const labels = new Uint8Array(count);
  const writable = classes.map((_, k) => writers[k].length > 0 || (glyphClasses[k]?.length ?? 0) > 0);
  const usable = classes.map((_, k) => k).filter((k) => writable[k]);
  if (usable.length === 0) throw new Error(`charPhotoDataset: no ${split} writer can write any of the classes ${classes.join('')}`);
  const order = opts.classWeights ? classOrder(opts.classWeights, usable, count, createRng(deriveSeed(seed, 'char-photo-classes'))) : undefined;
  for (let i = 0; i < count; i++) {
    // Classes in turn (balanced) or in the weighted order; the writer alternates between glyphs and fonts for 'both'.
    const k = order ? order[i] : usable[i % usable.length];
    const round = order ? i : Math.floor(i / usable.length);
    const useGlyph = source === 'glyphs' || (source === 'both' && round % 2 === 1);
    for (let attempt = 0; ; attempt++) {
      const rng = createRng(deriveSeed(seed, 'char-photo', split, i, attempt));
      const ink = draw(k, useGlyph, rng) ?? draw(k, !useGlyph, rng);
      if (!ink) throw new Error(`charPhotoDataset: nothing can write class '${classes[k]}'`);
      const strength = rng.next() < cleanShare ? 0 : rng.uniform(sLo, sHi);
      const photo = putOnPaper(ink, rng, { ...paper, strength });
      try {
        images.set(preprocessRgba(photo.image, geometry, `photo ${i}`).uint8, i * size * size);
        break;
      } catch (e) {
        // A photo faded past the recipe's contrast floor: draw it again (a person would retake it).
        if (attempt >= 4) throw e;
      }
    }
    labels[i] = k;
    if (opts.onProgress && (i + 1) % 1000 === 0) opts.onProgress(i + 1, count);
  }
  const name = `photos-${source}-${split}`;
  return { name, split: split === 'test' ? 'test' : 'train', images, labels, count, height: size, width: size, classes: classes.slice() };
}

/** `count` class indices from `usable`, each about `count * weight / total` times (largest remainders), shuffled. */
function classOrder(weights: ArrayLike<number>, usable: readonly number[], count: number, rng: Rng): Int32Array {
  const total = usable.reduce((sum, k) => sum + Math.max(0, weights[k] ?? 0), 0);
  if (!(total > 0)) throw new Error('charPhotoDataset: classWeights give no writable class a positive weight');
  const exact = usable.map((k) => (count * Math.max(0, weights[k] ?? 0)) / total);
  const n = exact.map(Math.floor);
  const byRemainder = exact.map((e, j) => j).sort((a, b) => exact[b] - n[b] - (exact[a] - n[a]) || a - b);
  for (let r = count - n.reduce((a, b) => a + b, 0), j = 0; r > 0; r--, j++) n[byRemainder[j]]++;
  const order = new Int32Array(count);
  let at = 0;
  usable.forEach((k, j) => order.fill(k, at, (at += n[j])));
  return shuffleInPlace(order, rng);
}

/** The photo test sets every character model is measured on (`hwr evaluate`, `hwr train`). */
export interface CharPhotoTestSets {
  /** The held-out font families (fonts.ts TEST_FONT_FAMILIES): letter shapes no training set has. */
  fonts: Dataset;
  /** The dataset's own test images, photographed: real handwriting through paper, camera and our recipe. */
  glyphs: Dataset;
}

/** Images in each photo test set: 100 a class, at least 2,000 (MNIST: 2,000; 47 classes: 4,700). */
export function photoTestCount(classes: number): number {
  return Math.max(2000, 100 * classes);
}

/** The photo test sets of a model with these classes and geometry; `test` is its dataset's test split. Fixed seeds: every run draws the same images. */
export function charPhotoTestSets(test: Dataset, geometry: PreprocessOptions, count = photoTestCount(test.classes.length)): CharPhotoTestSets {
  if (test.split !== 'test') throw new Error(`charPhotoTestSets: photograph the test split, got ${test.name} ${test.split}`);
  return {
    fonts: charPhotoDataset({ split: 'test', classes: test.classes, count, geometry, source: 'fonts', seed: 1 }),
    glyphs: charPhotoDataset({ split: 'test', classes: test.classes, count, geometry, source: 'glyphs', glyphs: test, seed: 2 }),
  };
}

/**
 * A train split with `count` photos of its characters appended: the training fonts and the split's
 * own images (train-split glyphs) on paper, through the recipe real photos go through, each class as
 * often as among the split's images. What `hwr
 * train --photos` and the notebooks' full profile train on; the same seed gives the same images.
 */
export function withCharPhotos(train: Dataset, count: number, seed: number, opts: Pick<CharPhotoOptions, 'onProgress'> = {}): Dataset {
  const photos = charPhotoDataset({
    split: 'train', classes: train.classes, count, glyphs: train, geometry: geometryForDataset(train.name), seed: deriveSeed(seed, 'photos'),
    classWeights: classCounts(train), ...opts,
  });
  return concatDatasets(train.name, [train, photos]);
}
