/**
 * The character language model of a line model, estimated from
 * - the text of its TRAINING lines: the train split of text.ts (sentence spans, words with
 *   punctuation, numbers, random strings), the very texts the handwriting generator writes for
 *   training lines 0..N-1 of a model's seed; never the validation or test lines' text;
 * - and English prose the generator never writes (prose.ts's 'lm' part: State of the Union addresses
 *   of other years), so that the LM knows English words and phrases as any LM of English would,
 *   including words of the validation and test vocabularies, but never a validation or test line.
 * Without the prose (`prose: false`) the LM knows only the training vocabulary (and the `sharedWords`
 * commonest words): on held-out English prose it is 2.37 bits a character against 2.19 with it.
 */
import { CharLm, CharLmBuildOptions, buildCharLm } from '../ctc/char_lm';
import { deriveSeed } from '../util/rng';
import { LINE_CHARSET } from './charset';
import { proseLines } from './prose';
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
  /** Count prose.ts's 'lm' prose as well (once each line). Default true. */
  prose?: boolean;
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

/** Builds the LM over LINE_CHARSET from the text of training lines 0..lines-1 and the 'lm' prose; returns it and the seconds it took. */
export function buildLineLm(opts: LineLmOptions = {}): { lm: CharLm; seconds: number; characters: number; proseLines: number } {
  const n = opts.lines ?? 300_000;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`buildLineLm: lines must be a positive integer, got ${n}.`);
  const lineSeed = opts.lineSeed ?? 42;
  const order = opts.order ?? 4;
  const minCounts = opts.minCounts ?? [...DEFAULT_LINE_LM_MIN_COUNTS];
  const started = Date.now();
  const text = lineLmTextSource({ lineSeed, text: opts.text });
  const index = new Map(LINE_CHARSET.map((c, i) => [c, i]));
  const prose = (opts.prose ?? true) ? proseLines('lm') : [];
  let characters = 0;
  const toLabels = (t: string, what: string): Int32Array => {
    const out = new Int32Array(t.length);
    for (let j = 0; j < t.length; j++) {
      const k = index.get(t[j]);
      if (k === undefined) throw new Error(`buildLineLm: ${what} "${t}" holds '${t[j]}', not a line character.`);
      out[j] = k;
    }
    characters += t.length;
    return out;
  };
  function* labels(): Generator<Int32Array> {
    for (let i = 0; i < n; i++) yield toLabels(text.line(i).text, `training line ${i}`);
    for (let i = 0; i < prose.length; i++) yield toLabels(prose[i], `prose line ${i}`);
  }
  const info = {
    corpus: `synth/text.ts, train split${prose.length ? "; synth/prose.ts, 'lm' part" : ''}`,
    lines: n, proseLines: prose.length, lineSeed, text: text.options, order, minCounts,
  };
  const build: CharLmBuildOptions = { order, minCounts, info };
  const lm = buildCharLm(labels(), LINE_CHARSET, build);
  return { lm, seconds: (Date.now() - started) / 1000, characters, proseLines: prose.length };
}
