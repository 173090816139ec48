/**
 * The segmentation baseline for reading lines with a character model: over-segment the line
 * (layout.ts), classify every candidate character in the model's own geometry (crop.ts), and pick,
 * word by word, the split into characters whose probabilities multiply to the most (a Viterbi pass
 * over the atoms, each character also earning `charBonus`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { EMNIST_GEOMETRY, PreprocessOptions } from '../../image/preprocess';
import { cropCharacter } from './crop';
import { SegmentLineImage, LineLayout, SegmentOptions, segmentLine } from './layout';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { log, max } = Math;

/** Options of the segmentation reader. */
export interface SegmentReadOptions extends SegmentOptions {
  /**
   * Added to each character's log-probability when choosing a split: above 0 favours more, narrower
   * characters, below 0 fewer, wider ones. Default 3. This, `cutWeight`, `mixPenalty` and the
   * layout's `minPieceWidth` and `spaceGap` are the best on the mean CER of validation lines in
   * 'words' and 'random' mode (held-out train-split images, validation words) found by
   * `node scripts/segment-lines.js --tune`; never tuned on test lines or data/samples.
   */
  charBonus?: number;
  /** Cost of ending a character at a cut, per character height of ink the cut goes through; default 5. */
  cutWeight?: number;
  /** Read each word as all letters or all digits unless mixing scores `mixPenalty` better; default true. */
  wordContext?: boolean;
  /** How much better (in summed log-probability) a mixed reading must be; default 2. */
  mixPenalty?: number;
  /** Geometry of the character model's input; default EMNIST's (24 px box, box-centred, 28x28). */
  geometry?: PreprocessOptions;
  /** Candidate crops per model call; default 512. */
  batchSize?: number;
  /** Lines segmented before their crops are classified together; default 64. */
  linesPerChunk?: number;
}

/** One character read from a line. */
export interface SegmentedChar {
  char: string;
  /** The character model's probability for it. */
  p: number;
  /** Ink columns [x0, x1) in the line image. */
  x0: number;
  x1: number;
}

/** A line read by segmentation. */
export interface SegmentedLine {
  /** Words separated by single spaces; '' when the line holds no ink. */
  text: string;
  /** Product of the characters' probabilities (0 for an empty line). */
  confidence: number;
  chars: SegmentedChar[];
  /** Estimated character height, pixels (0 for an empty line). */
  charHeight: number;
}

const DEFAULT_CHAR_BONUS = 3;
const DEFAULT_CUT_WEIGHT = 5;
const DEFAULT_MIX_PENALTY = 2;

/**
 * Reads one line image (white ink on black, uint8 [height, width]) by splitting it into characters
 * and classifying each with `charModel` (classes = its output order). See `readLinesBySegmentation`.
 */
export function readLineBySegmentation(
  charModel: tfl.LayersModel,
  classes: readonly string[],
  image: Uint8Array,
  width: number,
  opts: SegmentReadOptions = {},
): SegmentedLine {
  return readLinesBySegmentation(charModel, classes, image, 1, width, opts)[0];
}

/**
 * Reads `n` line images stacked as uint8 [n, height, width] (white ink on black; the height is
 * images.length / (n * width)) with a character model. Lines are segmented in chunks and every
 * candidate crop of a chunk goes through the model in large batches, so 1,000 lines take seconds.
 */
export function readLinesBySegmentation(
  charModel: tfl.LayersModel,
  classes: readonly string[],
  images: Uint8Array,
  n: number,
  width: number,
  opts: SegmentReadOptions = {},
): SegmentedLine[] {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(width) && width >= 1) || images.length % max(1, n * width) !== 0) {
    throw new Error(`readLinesBySegmentation: ${images.length} pixels are not ${n} lines of width ${width}; pass images as [n, height, width]`);
  }
  if (n === 0) return [];
  const height = images.length / (n * width);
  const geometry = opts.geometry ?? EMNIST_GEOMETRY;
  const size = geometry.size ?? 28;
  const chunk = opts.linesPerChunk ?? 64;
  const out: SegmentedLine[] = [];
  for (let first = 0; first < n; first += chunk) {
    const lines: SegmentLineImage[] = [];
    for (let i = first; i < Math.min(n, first + chunk); i++) {
      lines.push({ pixels: images.subarray(i * height * width, (i + 1) * height * width), width, height });
    }
    const layouts = lines.map((l) => segmentLine(l, opts));
    const total = layouts.reduce((s, l) => s + l.candidates.length, 0);
    const crops = new Float32Array(total * size * size); // [total, 28, 28]
    let k = 0;
    layouts.forEach((layout, i) => {
      for (const c of layout.candidates) {
        const atoms = layout.words[c.word].slice(c.start, c.end);
        cropCharacter(lines[i], layout, atoms.flatMap((a) => a.pieces), crops, k * size * size, geometry);
        k++;
      }
    });
    const probs = classifyCrops(charModel, classes.length, crops, total, size, opts.batchSize ?? 512);
    let offset = 0;
    for (const layout of layouts) {
      out.push(chooseCharacters(layout, probs.subarray(offset * classes.length), classes, opts));
      offset += layout.candidates.length;
    }
  }
  return out;
}

/**
 * Class probabilities of `n` crops [n, size, size] through the model, [n * C]; a softmax is applied
 * when the model outputs raw scores.
 */
export function classifyCrops(model: tfl.LayersModel, numClasses: number, crops: Float32Array, n: number, size = 28, batchSize = 512): Float32Array {
  const out = new Float32Array(n * numClasses);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const y = tf.tidy(() => {
      const x = tf.tensor4d(crops.subarray(start * size * size, (start + b) * size * size), [b, size, size, 1]);
      const scores = model.predict(x) as tf.Tensor; // [b, C]
      if (scores.shape.length !== 2 || scores.shape[1] !== numClasses) {
        throw new Error(
          `the character model outputs shape [${scores.shape}] but ${numClasses} classes were given; ` +
            '--segment needs a character model (e.g. saved_models/emnist) and its classes',
        );
      }
      return scores;
    });
    const data = y.dataSync() as Float32Array;
    y.dispose();
    out.set(isProbabilities(data, numClasses) ? data : softmaxRows(data, numClasses), start * numClasses);
  }
  return out;
}

function isProbabilities(data: Float32Array, C: number): boolean {
  for (let r = 0; r < data.length; r += C) {
    let s = 0;
    for (let k = 0; k < C; k++) {
      if (data[r + k] < 0) return false;
      s += data[r + k];
    }
    if (Math.abs(s - 1) > 1e-3) return false;
  }
  return true;
}

function softmaxRows(data: Float32Array, C: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < data.length; r += C) {
    let m = -Infinity;
    for (let k = 0; k < C; k++) m = max(m, data[r + k]);
    let s = 0;
    for (let k = 0; k < C; k++) s += out[r + k] = Math.exp(data[r + k] - m);
    for (let k = 0; k < C; k++) out[r + k] /= s;
  }
  return out;
}

/** A word's reading: its score and, per character, the candidate and the class chosen. */
interface WordReading {
  score: number;
  picks: Array<{ candidate: number; k: number }>;
}

/**
 * The best reading of one word (Viterbi over its atom boundaries): the split into candidates, each
 * read as its most probable class among `allowed` (null = all), that maximises the sum of
 * log p + charBonus, minus cutWeight x (ink the cut crosses / character height) for every
 * character that ends inside a blob. Candidates [c0, c1) are the word's, sorted by start atom.
 */
function readWord(
  layout: LineLayout,
  word: number,
  c0: number,
  c1: number,
  probs: Float32Array,
  C: number,
  allowed: Uint8Array | null,
  charBonus: number,
  cutWeight: number,
): WordReading {
  const atoms = layout.words[word];
  const m = atoms.length;
  const best = new Float64Array(m + 1).fill(-Infinity);
  const from = new Int32Array(m + 1).fill(-1); // the candidate ending at each boundary on the best path
  const label = new Int32Array(c1 - c0).fill(-1);
  best[0] = 0;
  // Sorted by start, so a boundary's best is final before any candidate extends it.
  for (let c = c0; c < c1; c++) {
    const cand = layout.candidates[c];
    if (best[cand.start] === -Infinity) continue;
    const row = c * C;
    let k = -1;
    for (let j = 0; j < C; j++) if ((!allowed || allowed[j]) && (k < 0 || probs[row + j] > probs[row + k])) k = j;
    label[c - c0] = k;
    const cut = cand.end < m ? (cutWeight * atoms[cand.end].cutInk) / layout.charHeight : 0;
    const score = best[cand.start] + log(max(probs[row + k], 1e-30)) + charBonus - cut;
    if (score > best[cand.end]) {
      best[cand.end] = score;
      from[cand.end] = c;
    }
  }
  const picks: Array<{ candidate: number; k: number }> = [];
  for (let e = m; e > 0; e = layout.candidates[from[e]].start) picks.push({ candidate: from[e], k: label[from[e] - c0] });
  return { score: best[m], picks: picks.reverse() };
}

/**
 * Reads every word of a segmented line from its candidates' class probabilities (`probs`: C values
 * per candidate, in `layout.candidates` order). With `wordContext`, a word is also read with letters
 * only and with digits only, and such a one-kind reading is kept unless the mixed one scores
 * `mixPenalty` more: handwriting confuses O/0, I/1, S/5, Z/2, and words rarely mix them.
 */
export function chooseCharacters(layout: LineLayout, probs: Float32Array, classes: readonly string[], opts: SegmentReadOptions = {}): SegmentedLine {
  const C = classes.length;
  const charBonus = opts.charBonus ?? DEFAULT_CHAR_BONUS;
  const cutWeight = opts.cutWeight ?? DEFAULT_CUT_WEIGHT;
  const useContext = opts.wordContext ?? true;
  const mixPenalty = opts.mixPenalty ?? DEFAULT_MIX_PENALTY;
  const digits = Uint8Array.from(classes, (c) => (/^[0-9]$/.test(c) ? 1 : 0));
  const letters = Uint8Array.from(digits, (d, k) => (d || !/^\p{L}$/u.test(classes[k]) ? 0 : 1));
  const kinds = [digits, letters].filter((set) => set.some((v) => v === 1) && set.some((v) => v === 0));
  const chars: SegmentedChar[] = [];
  const words: string[] = [];
  let confidence = layout.words.length > 0 ? 1 : 0;
  let c0 = 0;
  layout.words.forEach((_, w) => {
    let c1 = c0;
    while (c1 < layout.candidates.length && layout.candidates[c1].word === w) c1++;
    let reading = readWord(layout, w, c0, c1, probs, C, null, charBonus, cutWeight);
    if (useContext) {
      for (const set of kinds) {
        const one = readWord(layout, w, c0, c1, probs, C, set, charBonus, cutWeight);
        if (one.score + mixPenalty >= reading.score) reading = { score: one.score + mixPenalty, picks: one.picks };
      }
    }
    let word = '';
    for (const { candidate, k } of reading.picks) {
      const cand = layout.candidates[candidate];
      const p = probs[candidate * C + k];
      word += classes[k];
      confidence *= p;
      chars.push({ char: classes[k], p, x0: cand.x0, x1: cand.x1 });
    }
    words.push(word);
    c0 = c1;
  });
  return { text: words.join(' '), confidence, chars, charHeight: layout.charHeight };
}
