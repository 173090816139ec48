import * as fs from 'fs';
import * as path from 'path';
import { LINE_CHARSET } from '../src/synth/charset';
import { englishWordCounts, splitVocabulary } from '../src/synth/corpus';
import {
  TEXT_CORPORA,
  TextKind,
  TextSource,
  createTextSource,
  lineWordKeys,
  loadSentenceCorpus,
  normalizeTypography,
  splitSentences,
  textVocabulary,
  wordKey,
} from '../src/synth/text';
import { createRng } from '../src/util/rng';

const CHARSET = new Set(LINE_CHARSET);

/**
 * Word identities of a line, written from the definition rather than with the module's code: runs of
 * letters, digits and apostrophes; a run with a digit is a number; quote marks and a possessive 's are
 * not part of the word; one letter is not a word.
 */
function keysOf(line: string): string[] {
  return line
    .split(/[^A-Za-z0-9']+/)
    .filter((t) => t !== '' && !/[0-9]/.test(t))
    .map((t) => t.replace(/^'+|'+$/g, ''))
    .map((t) => (t.length > 2 && /'s$/i.test(t) ? t.slice(0, -2) : t))
    .filter((t) => t.length >= 2)
    .map((t) => t.toLowerCase());
}

/** A text the sources promise: line characters only, 1..maxChars long, single spaces, no space at either end. */
function expectWellFormed(text: string, maxChars: number): void {
  const ok =
    text.length >= 1 && text.length <= maxChars && [...text].every((c) => CHARSET.has(c)) && !text.includes('  ') && text.trim() === text;
  if (!ok) throw new Error(`bad line (maxChars ${maxChars}): ${JSON.stringify(text)}`);
}

let trainSrc: TextSource;
let valSrc: TextSource;
let testSrc: TextSource;
beforeAll(() => {
  trainSrc = createTextSource({ split: 'train' });
  valSrc = createTextSource({ split: 'val' });
  testSrc = createTextSource({ split: 'test' });
});

describe('corpora', () => {
  test('TEXT_CORPORA names each installed package, its exact version and the licences its files state', () => {
    expect(TEXT_CORPORA.map((c) => c.id)).toEqual(['sotu', 'moby-dick']);
    for (const c of TEXT_CORPORA) {
      for (const field of [c.name, c.package, c.version, c.licence, c.authors, c.files]) expect(field.length).toBeGreaterThan(0);
      const pkgJson = require.resolve(`${c.package}/package.json`);
      const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
      expect(pkg.version).toBe(c.version);
      expect(c.licence).toContain(pkg.license); // Apache-2.0: the software
      const licence = fs.readFileSync(path.join(path.dirname(pkgJson), 'LICENSE'), 'utf8').replace(/\s+/g, ' ');
      expect(licence).toContain('Public Domain Dedication & License 1.0 (PDDL 1.0)');
      expect(licence).toContain('Creative Commons Zero v1.0 Universal (CC0 1.0)');
      expect(c.licence).toContain('PDDL-1.0');
      expect(c.licence).toContain('CC0-1.0');
    }
  });

  // How fast it loads is not asserted here (a CI machine once took 1.8 s of CPU where this one takes 0.3 s).
  test('the parsed corpus is cached, holds only line text, and keeps both corpora', () => {
    const c = loadSentenceCorpus();
    expect(loadSentenceCorpus()).toBe(c); // cached
    expect(c.ranges).toHaveLength(2);
    for (const [first, end] of c.ranges) expect(end - first).toBeGreaterThan(5000);
    for (let i = 0; i < c.sentences.length; i += 7) expectWellFormed(c.sentences[i], 1e6);
    expect(c.stats.dropped / c.stats.read).toBeLessThan(0.1);
    // Word starts count the space-separated chunks of each sentence.
    for (const i of [0, 1, 1000, c.sentences.length - 1]) expect(c.wordStart[i + 1] - c.wordStart[i]).toBe(c.sentences[i].split(' ').length);
    expect(c.sentences).toContain('Call me Ishmael.');
    const counts = new Map(c.words.map((w) => [w.word, w.count]));
    expect(counts.get('whale')).toBeGreaterThan(500);
    expect(counts.get('congress')).toBeGreaterThan(500);
  });
});

describe('typography, sentences, word identities', () => {
  test('normalizeTypography folds quotes, dashes, &, %, brackets and accents to line characters', () => {
    expect(normalizeTypography('\u201cDon\u2019t,\u201d she said\u2014twice.')).toBe('"Don\'t," she said - twice.');
    expect(normalizeTypography('1861\u20131865 & 5% [sic] caf\u00e9  na\u00efve\n*word')).toBe('1861-1865 and 5 percent (sic) cafe naive word');
    expect(normalizeTypography('end -- start')).toBe('end - start');
    expect(normalizeTypography('costs $5 at 10\u00b0')).toBe('costs $5 at 10\u00b0'); // no rule: the caller drops it
  });

  test('splitSentences cuts at . ? ! before a capital, not after initials or abbreviations', () => {
    expect(splitSentences('Mr. Smith met the U.S. envoy on Dec. 7. He left! Why? "Because." (Then) it ended.')).toEqual([
      'Mr. Smith met the U.S. envoy on Dec. 7.',
      'He left!',
      'Why?',
      '"Because."',
      '(Then) it ended.',
    ]);
    expect(splitSentences('no capital. after this')).toEqual(['no capital. after this']);
  });

  test('wordKey: lower case, quotes and possessive stripped, numbers and single letters are not words', () => {
    expect(wordKey("Don't")).toBe("don't");
    expect(wordKey("'Tis")).toBe('tis');
    expect(wordKey("Ahab's")).toBe('ahab');
    expect(wordKey("Jones'")).toBe('jones');
    expect(wordKey('1st')).toBeUndefined();
    expect(wordKey('I')).toBeUndefined();
    expect(wordKey("'s")).toBeUndefined();
    expect(lineWordKeys('"Call me Ishmael," I said; 3 whales\' tails.')).toEqual(['call', 'me', 'ishmael', 'said', 'whales', 'tails']);
  });
});

describe('vocabulary split', () => {
  test('splits are disjoint, stratified by frequency, and SUBTLEXus words split as src/synth/lines.ts splits them', () => {
    const v = textVocabulary();
    // One expect per check, not per word: jest's expect is slow over 100,000 words.
    const overlap = (a: ReadonlySet<string>, b: ReadonlySet<string>): string[] => [...a].filter((k) => b.has(k));
    expect([...overlap(v.train, v.val), ...overlap(v.train, v.test), ...overlap(v.val, v.test)]).toEqual([]);
    const total = v.train.size + v.val.size + v.test.size;
    expect(v.test.size / total).toBeCloseTo(0.1, 2);
    expect(v.val.size / total).toBeCloseTo(0.1, 2);
    // Stratified: the 1,000 commonest SUBTLEXus words are split 80/10/10 too, not left to chance.
    const top = englishWordCounts().slice(0, 1000).map((w) => v.splitOf.get(w.word.toLowerCase()));
    expect(top.filter((s) => s === 'test').length).toBe(100);
    expect(top.filter((s) => s === 'val').length).toBe(100);
    const lines = splitVocabulary(englishWordCounts());
    for (const split of ['train', 'val', 'test'] as const) {
      expect(lines[split].filter((w) => v.splitOf.get(w.key) !== split).map((w) => w.key)).toEqual([]);
    }
    // Corpus words SUBTLEXus lacks are split as well.
    expect(v.splitOf.get('queequeg')).toBeDefined();
    expect(trainSrc.vocabulary).toBe(v.train);
    expect(testSrc.vocabulary).toBe(v.test);
  });

  test('no test or validation word in 20,000 training lines, and none of another split in 20,000 test lines', () => {
    let checked = 0;
    for (let n = 0; n < 20000; n++) {
      for (const k of keysOf(trainSrc.line(n).text)) {
        checked++;
        if (testSrc.vocabulary.has(k) || valSrc.vocabulary.has(k)) throw new Error(`train line ${n} holds '${k}'`);
      }
    }
    expect(checked).toBeGreaterThan(50000);
    let own = 0;
    let words = 0;
    for (let n = 0; n < 20000; n++) {
      for (const k of keysOf(testSrc.line(n).text)) {
        words++;
        if (testSrc.vocabulary.has(k)) own++;
        if (trainSrc.vocabulary.has(k) || valSrc.vocabulary.has(k)) throw new Error(`test line ${n} holds '${k}'`);
      }
    }
    // Test lines are made of test words; the rest are random strings in no vocabulary.
    expect(own / words).toBeGreaterThan(0.9);
  });

  test('enforceVocabulary keeps punctuation, length and case pattern while replacing foreign words', () => {
    const text = 'The Whale\'s wake, OF course! "Said" he: (of) the-end.';
    for (const source of [trainSrc, testSrc]) {
      const rng = createRng(3);
      const out = source.enforceVocabulary(text, rng);
      // Every length from 2 to 6 letters has words in each split, so the skeleton is unchanged.
      expect(out.replace(/[A-Za-z]/g, 'x')).toBe(text.replace(/[A-Za-z]/g, 'x'));
      const before = text.split(/[^A-Za-z']+/);
      const after = out.split(/[^A-Za-z']+/);
      before.forEach((w, i) => {
        const pattern = (s: string): string => (s.length > 1 && s === s.toUpperCase() ? 'upper' : /^[A-Z]/.test(s) ? 'capital' : 'lower');
        expect(pattern(after[i])).toBe(pattern(w));
      });
      const others = source === trainSrc ? [valSrc.vocabulary, testSrc.vocabulary] : [trainSrc.vocabulary, valSrc.vocabulary];
      for (const k of keysOf(out)) for (const o of others) expect(o.has(k)).toBe(false);
      expect(source.enforceVocabulary(out, createRng(4))).toBe(out); // already clean: unchanged
    }
    // "of" is a test word with the default split, so a training line cannot keep it, and a test line must.
    expect(testSrc.vocabulary.has('of')).toBe(true);
    expect(testSrc.enforceVocabulary('of', createRng(1))).toBe('of');
    expect(trainSrc.enforceVocabulary('of', createRng(1))).not.toBe('of');
  });

  test('sharedWords lets every split write the commonest words', () => {
    const shared = createTextSource({ split: 'train', sharedWords: 100 });
    expect(shared.vocabulary.has('of')).toBe(true);
    expect(shared.enforceVocabulary('of', createRng(1))).toBe('of');
    let seen = 0;
    for (let n = 0; n < 500; n++) if (keysOf(shared.line(n).text).includes('of')) seen++;
    expect(seen).toBeGreaterThan(10);
  });
});

describe('lines', () => {
  test('deterministic by (seed, split, n), whatever the order lines are asked for', () => {
    const again = createTextSource({ split: 'train' });
    const late = again.line(150);
    for (let n = 0; n < 200; n++) expect(again.line(n)).toEqual(trainSrc.line(n));
    expect(trainSrc.line(150)).toEqual(late);
    const other = createTextSource({ split: 'train', seed: 1 });
    let same = 0;
    for (let n = 0; n < 200; n++) if (other.line(n).text === trainSrc.line(n).text) same++;
    expect(same).toBeLessThan(20);
    expect(trainSrc.text(createRng(9))).toBe(trainSrc.text(createRng(9)));
  });

  test('every line is line text of 1..maxChars characters, for any maxChars, split and mode', () => {
    for (const source of [trainSrc, valSrc, testSrc]) for (let n = 0; n < 2000; n++) expectWellFormed(source.line(n).text, 48);
    const rng = createRng(5);
    for (const maxChars of [1, 2, 3, 7, 12, 20, 80]) {
      for (let i = 0; i < 1000; i++) expectWellFormed(testSrc.text(rng, maxChars), maxChars);
    }
    const narrow = createTextSource({ split: 'val', maxChars: 16 });
    for (let n = 0; n < 2000; n++) expectWellFormed(narrow.line(n).text, 16);
  });

  test('each kind appears in its share; mode random makes only letter and digit strings', () => {
    const counts: Record<TextKind, number> = { sentence: 0, words: 0, numbers: 0, random: 0 };
    let single = 0;
    const N = 4000;
    const lines = Array.from({ length: N }, (_, n) => trainSrc.line(n));
    for (const l of lines) {
      counts[l.kind]++;
      if (!l.text.includes(' ')) single++;
    }
    // Defaults 0.55 / 0.25 / 0.1 / 0.1; a retried line (nothing fitted) may change kind, rarely at 48 characters.
    expect(counts.sentence / N).toBeCloseTo(0.55, 1);
    expect(counts.words / N).toBeCloseTo(0.25, 1);
    expect(counts.numbers / N).toBeCloseTo(0.1, 1);
    expect(counts.random / N).toBeCloseTo(0.1, 1);
    expect(single / N).toBeGreaterThan(0.1);
    expect(single / N).toBeLessThan(0.25);
    const random = createTextSource({ split: 'test', mode: 'random' });
    for (let n = 0; n < 1000; n++) {
      const l = random.line(n);
      expect(l.kind).toBe('random');
      expect(l.text).toMatch(/^[A-Za-z0-9]+( [A-Za-z0-9]+)*$/);
    }
    // Sentence lines carry the corpus's capitals and punctuation, numbers lines their digits.
    const sample = (kind: TextKind): string =>
      lines
        .filter((l) => l.kind === kind)
        .map((l) => l.text)
        .join('\n');
    expect(sample('sentence')).toMatch(/[A-Z][a-z]+ [a-z]+[,.;]/);
    expect(sample('numbers')).toMatch(/[0-9]+[:/][0-9]+/);
  });

  test('every line character is at least 1 in 2,000 of 100,000 characters of training text', () => {
    const counts = new Map<string, number>();
    let total = 0;
    for (let n = 0; total < 100000; n++) {
      for (const c of trainSrc.line(n).text) {
        counts.set(c, (counts.get(c) ?? 0) + 1);
        total++;
      }
    }
    const rare = LINE_CHARSET.filter((c) => (counts.get(c) ?? 0) < total / 2000);
    expect(rare).toEqual([]);
  });

  test('options are checked, with the value named', () => {
    expect(() => createTextSource({ split: 'dev' as 'train' })).toThrow(/split must be/);
    expect(() => createTextSource({ split: 'train', maxChars: 0 })).toThrow(/maxChars must be a positive integer, got 0/);
    expect(() => createTextSource({ split: 'train', kinds: { sentence: 0, words: 0, numbers: 0, random: 0 } })).toThrow(/kinds/);
    expect(() => createTextSource({ split: 'train', singleWord: 2 })).toThrow(/singleWord/);
    expect(() => trainSrc.line(-1)).toThrow(/integer >= 0/);
    expect(() => trainSrc.text(createRng(1), 0)).toThrow(/maxChars/);
    const only = createTextSource({ split: 'train', kinds: { sentence: 0, words: 0, numbers: 1, random: 0 } });
    for (let n = 0; n < 200; n++) expect(only.line(n).kind).toBe('numbers');
  });
});
