/**
 * The character language model of a line model, estimated from the text of its TRAINING lines:
 * the train split of text.ts (sentence spans, words with punctuation, numbers, random strings), the
 * very texts the handwriting generator writes for training lines 0..N-1 of a model's seed. Never the
 * validation or test text: those splits' words stay unseen by the LM as by the model (only the
 * `sharedWords` commonest words are in every split, by design), so validation CER with the LM
 * measures spelling patterns that generalise, not a memorised vocabulary.
 */
import { CharLm, CharLmBuildOptions, buildCharLm } from '../ctc/char_lm';
import { deriveSeed } from '../util/rng';
import { LINE_CHARSET } from './charset';
import { TextSource, TextSourceOptions, createTextSource } from './text';

/** Options of `buildLineLm`. */
export interface LineLmOptions {
  /** Training lines whose text is counted. Default 300,000. */
  lines?: number;
  /** The line model's seed (metadata `lines.lineSeed`): its generator's text seed is derived from it. Default 42. */
  lineSeed?: number;
  /** Text options of the model's training lines (e.g. `sharedWords`); the split is always 'train'. */
  text?: Omit<TextSourceOptions, 'split' | 'seed'>;
  /** n-gram order. Default 4. */
  order?: number;
  /** Minimum count per order for an n-gram to be stored (`CharLmBuildOptions.minCounts`). Default DEFAULT_LINE_LM_MIN_COUNTS. */
  minCounts?: number[];
}

/**
 * Default pruning: 3- and 4-grams seen fewer than 4 and 8 times are dropped. Random strings (a tenth
 * of the lines) fill almost every 3-gram of letters and digits once or twice. Measured on 300,000
 * lines (seed 42) against 3,000 validation texts: order 4 unpruned 1.04 M n-grams (~5 MB),
 * 3.25 bits/char; pruned so, 120 k n-grams, 0.72 MB, 3.26 bits/char; order 3: 3.57 bits/char.
 */
export const DEFAULT_LINE_LM_MIN_COUNTS: readonly number[] = [1, 1, 4, 8];

/** The text seed of a handwriting generator of seed `lineSeed` (handwriting.ts derives it so). */
export function lineTextSeed(lineSeed: number): number {
  return deriveSeed(lineSeed, 'text');
}

/** The text source of a line model's training lines (what `createHandwritingGenerator({ split: 'train', seed: lineSeed, text })` writes). */
export function lineLmTextSource(opts: Pick<LineLmOptions, 'lineSeed' | 'text'> = {}): TextSource {
  return createTextSource({ ...opts.text, split: 'train', seed: lineTextSeed(opts.lineSeed ?? 42) });
}

/** Builds the LM over LINE_CHARSET from the text of training lines 0..lines-1; returns it and the seconds it took. */
export function buildLineLm(opts: LineLmOptions = {}): { lm: CharLm; seconds: number; characters: number } {
  const n = opts.lines ?? 300_000;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`buildLineLm: lines must be a positive integer, got ${n}.`);
  const lineSeed = opts.lineSeed ?? 42;
  const order = opts.order ?? 4;
  const minCounts = opts.minCounts ?? [...DEFAULT_LINE_LM_MIN_COUNTS];
  const started = Date.now();
  const text = lineLmTextSource({ lineSeed, text: opts.text });
  const index = new Map(LINE_CHARSET.map((c, i) => [c, i]));
  let characters = 0;
  function* labels(): Generator<Int32Array> {
    for (let i = 0; i < n; i++) {
      const t = text.line(i).text;
      const out = new Int32Array(t.length);
      for (let j = 0; j < t.length; j++) {
        const k = index.get(t[j]);
        if (k === undefined) throw new Error(`buildLineLm: training line ${i} "${t}" holds '${t[j]}', not a line character.`);
        out[j] = k;
      }
      characters += t.length;
      yield out;
    }
  }
  const info = { corpus: 'synth/text.ts, train split', lines: n, lineSeed, text: text.options, order, minCounts };
  const build: CharLmBuildOptions = { order, minCounts, info };
  const lm = buildCharLm(labels(), LINE_CHARSET, build);
  return { lm, seconds: (Date.now() - started) / 1000, characters };
}
