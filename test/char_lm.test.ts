/**
 * The character n-gram LM against a brute-force interpolated Kneser-Ney written from the definition
 * (counts by scanning the corpus at every query), hand-computed textbook values on a tiny corpus,
 * normalisation of pruned models, and the JSON round trip.
 */
import { CHAR_LM_VERSION, CharLm, LOG_PROB_STEP, buildCharLm } from '../src/ctc/char_lm';
import { createRng } from '../src/util/rng';

const START = -1;
/** Stored ln p are quantised to LOG_PROB_STEP: half a step off at most (backoffs are exact). */
const LOG_TOLERANCE = LOG_PROB_STEP / 2 + 1e-6;

/** Interpolated KN by definition: symbols 0..V-1 characters, V the end, -1 the start (contexts only). */
function referenceKn(lines: number[][], V: number, N: number, fixed?: number[]) {
  const seqs = lines.filter((l) => l.length > 0).map((l) => [START, ...l, V]);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  /** Windows ending at a predicted position (>= 1) of every line. */
  const windows = (k: number): number[][] => seqs.flatMap((s) => {
    const out: number[][] = [];
    for (let i = Math.max(1, k - 1); i < s.length; i++) out.push(s.slice(i - k + 1, i + 1));
    return out;
  });
  const raw = (g: number[]) => windows(g.length).filter((w) => same(w, g)).length;
  const adjusted = (g: number[]): number => {
    if (g.length === N || g[0] === START) return raw(g);
    const before = new Set(windows(g.length + 1).filter((w) => same(w.slice(1), g)).map((w) => w[0]));
    return before.size;
  };
  const discounts = Array.from({ length: N }, (_, i) => {
    if (fixed) return fixed[i];
    const distinct = new Map(windows(i + 1).map((w) => [w.join(','), w]));
    const a = [...distinct.values()].map(adjusted);
    const n1 = a.filter((x) => x === 1).length;
    const n2 = a.filter((x) => x === 2).length;
    return n1 > 0 ? n1 / (n1 + 2 * n2) : 0.5; // no singletons: a middle value
  });
  const symbols = Array.from({ length: V + 1 }, (_, w) => w);
  const p = (h: number[], w: number): number => {
    const D = discounts[h.length];
    const counts = symbols.map((x) => adjusted([...h, x]));
    const A = counts.reduce((s, x) => s + x, 0);
    const lower = h.length === 0 ? 1 / (V + 1) : p(h.slice(1), w);
    if (A === 0) return lower;
    const followers = counts.filter((x) => x > 0).length;
    return Math.max(counts[w] - D, 0) / A + ((D * followers) / A) * lower;
  };
  /** p(next | the line so far = labels). */
  const prob = (labels: number[], next: number) => p(N === 1 ? [] : [START, ...labels].slice(-(N - 1)), next);
  return { prob, discounts };
}

/** Every label sequence of length 0..maxLen over V characters. */
function allPrefixes(V: number, maxLen: number): number[][] {
  const out: number[][] = [[]];
  for (let len = 1, level: number[][] = [[]]; len <= maxLen; len++) {
    level = level.flatMap((p) => Array.from({ length: V }, (_, c) => [...p, c]));
    out.push(...level);
  }
  return out;
}

/** Lines of a toy language over V characters: a few "words" with random letters mixed in. */
function toyCorpus(V: number, n: number, seed: number): number[][] {
  const rng = createRng(seed);
  const words = [[0, 1], [1, 2, 0], [2, 2], [0]].map((w) => w.map((c) => c % V));
  return Array.from({ length: n }, () => {
    const line: number[] = [];
    const count = 1 + rng.int(3);
    for (let i = 0; i < count; i++) {
      if (rng.next() < 0.2) line.push(rng.int(V));
      else line.push(...words[rng.int(words.length)]);
    }
    return line;
  });
}

const sumNext = (lm: CharLm, prefix: number[]) => {
  let s = 0;
  for (let w = 0; w <= lm.end; w++) s += Math.exp(lm.logProbAfter(prefix, w));
  return s;
};

describe('buildCharLm', () => {
  test('textbook interpolated KN on "ab", "aab", "b" (bigrams, D = 0.75)', () => {
    // Unigram continuation counts: a 2 (after ^, a), b 2 (after a, ^), $ 1 (after b): p(a) = 1.25/5 + 0.75 * 3/5 * 1/3 = 0.4, p($) = 0.2.
    // After ^: ^a 2, ^b 1 -> p(a | ^) = 1.25/3 + 0.75 * 2/3 * 0.4 = 0.61667; after b: b$ 3 -> p($ | b) = 2.25/3 + 0.25 * 0.2 = 0.8.
    const lm = buildCharLm([[0, 1], [0, 0, 1], [1]], ['a', 'b'], { order: 2, discounts: [0.75, 0.75] });
    const p = (prefix: number[], next: number) => Math.exp(lm.logProbAfter(prefix, next));
    const $ = lm.end;
    expect(lm.end).toBe(2);
    expect(p([], 0)).toBeCloseTo(1.25 / 3 + 0.2, 3);
    expect(p([], 1)).toBeCloseTo(0.25 / 3 + 0.2, 3);
    expect(p([], $)).toBeCloseTo(0.1, 3);
    expect(p([0], 1)).toBeCloseTo(1.25 / 3 + 0.2, 3);
    expect(p([0], 0)).toBeCloseTo(0.25 / 3 + 0.2, 3);
    expect(p([0], $)).toBeCloseTo(0.1, 3);
    expect(p([1], $)).toBeCloseTo(0.8, 3);
    expect(p([1], 0)).toBeCloseTo(0.1, 3);
    expect(p([0, 0, 1], 1)).toBeCloseTo(0.1, 3); // only the last symbol counts at order 2
    expect(lm.lineLogProb([1])).toBeCloseTo(Math.log((0.25 / 3 + 0.2) * 0.8), 3);
  });

  test("Ney's discounts n1 / (n1 + 2 n2) per order from the adjusted counts", () => {
    // Unigrams a 2, b 2, $ 1 -> 1 / (1 + 4); bigrams ^a 2, ab 2, b$ 3, aa 1, ^b 1 -> 2 / (2 + 4).
    const lm = buildCharLm([[0, 1], [0, 0, 1], [1]], ['a', 'b'], { order: 2 });
    expect(lm.discounts[0]).toBeCloseTo(0.2, 12);
    expect(lm.discounts[1]).toBeCloseTo(1 / 3, 12);
  });

  test.each([1, 2, 3, 4])('order %i: every probability equals the brute-force KN (no pruning)', (order) => {
    const V = 3;
    const lines = toyCorpus(V, 40, 7 + order);
    const lm = buildCharLm(lines, ['x', 'y', 'z'], { order });
    const ref = referenceKn(lines, V, order);
    lm.discounts.forEach((d, i) => expect(d).toBeCloseTo(ref.discounts[i], 12));
    for (const prefix of allPrefixes(V, order)) {
      for (let w = 0; w <= V; w++) expect(Math.abs(lm.logProbAfter(prefix, w) - Math.log(ref.prob(prefix, w)))).toBeLessThan(LOG_TOLERANCE);
    }
  });

  test('fixed discounts too, and empty lines are skipped', () => {
    const lines = [...toyCorpus(3, 30, 3), []];
    const lm = buildCharLm(lines, ['x', 'y', 'z'], { order: 3, discounts: [0.6, 0.7, 0.8] });
    const ref = referenceKn(lines, 3, 3, [0.6, 0.7, 0.8]);
    for (const prefix of allPrefixes(3, 3)) {
      for (let w = 0; w <= 3; w++) expect(Math.abs(lm.logProbAfter(prefix, w) - Math.log(ref.prob(prefix, w)))).toBeLessThan(LOG_TOLERANCE);
    }
  });

  test('pruned models still sum to 1 over the next symbol, for seen and unseen contexts', () => {
    const V = 6;
    const lines = toyCorpus(V, 400, 11);
    const full = buildCharLm(lines, Array.from('abcdef'), { order: 4 });
    const pruned = buildCharLm(lines, Array.from('abcdef'), { order: 4, minCounts: [1, 2, 3, 5] });
    expect(pruned.ngramCount).toBeLessThan(full.ngramCount);
    const rng = createRng(5);
    const prefixes = [[], [0], [0, 1], [5, 5, 5], ...Array.from({ length: 40 }, () => Array.from({ length: rng.int(7) }, () => rng.int(V)))];
    for (const prefix of prefixes) {
      // Within the quantisation of the stored probabilities (half a step: 0.025%).
      expect(Math.abs(sumNext(full, prefix) - 1)).toBeLessThan(LOG_PROB_STEP / 2);
      expect(Math.abs(sumNext(pruned, prefix) - 1)).toBeLessThan(LOG_PROB_STEP / 2);
    }
  });

  test('states: next/stateOf keep the last order-1 symbols; the line start is a context of its own', () => {
    const lm = buildCharLm(toyCorpus(3, 50, 1), ['x', 'y', 'z'], { order: 3 });
    let s = lm.start;
    for (const c of [0, 1, 2, 2]) s = lm.next(s, c);
    expect(s).toBe(lm.stateOf([0, 1, 2, 2]));
    expect(lm.stateOf([2])).not.toBe(lm.stateOf([0, 2])); // ^ 2 is not 0 2
    expect(lm.stateOf([1, 2, 2])).toBe(lm.stateOf([0, 2, 2]));
    expect(lm.logProbAfter([1, 0, 1], 2)).toBe(lm.logProbAfter([0, 1], 2));
  });

  test('bad input: labels outside the charset, bad orders and min counts', () => {
    expect(() => buildCharLm([[0, 3]], ['a', 'b'])).toThrow(/label 3 in line 1 is outside 0..1/);
    expect(() => buildCharLm([[0]], ['a'], { order: 6 })).toThrow(/order 6 must be an integer 1..5/);
    expect(() => buildCharLm([[0]], ['a'], { minCounts: [1, 3, 2] })).toThrow(/must be integers >= 1 that do not decrease/);
    expect(() => buildCharLm([[]], ['a'])).toThrow(/no non-empty lines/);
  });
});

describe('CharLm JSON', () => {
  test('round trip through JSON text gives bit-identical log-probabilities', () => {
    const V = 5;
    const lm = buildCharLm(toyCorpus(V, 200, 2), Array.from('abcde'), { order: 4, minCounts: [1, 1, 2, 2], info: { lines: 200 } });
    const json = lm.toJSON();
    expect(json.version).toBe(CHAR_LM_VERSION);
    const back = CharLm.fromJSON(JSON.parse(JSON.stringify(json)), 'lm.json');
    expect(back.toJSON()).toEqual(json);
    expect(back.info).toEqual({ lines: 200 });
    for (const prefix of allPrefixes(V, 3)) {
      for (let w = 0; w <= V; w++) expect(back.logProbAfter(prefix, w)).toBe(lm.logProbAfter(prefix, w));
    }
  });

  test('a wrong version, a damaged array or another file: errors naming the file and saying to rebuild', () => {
    const json = buildCharLm(toyCorpus(3, 20, 4), ['x', 'y', 'z'], { order: 2 }).toJSON();
    expect(() => CharLm.fromJSON({ ...json, version: 99 }, 'm/lm.json')).toThrow(/m\/lm.json is a character LM of version 99; .* rebuild/);
    expect(() => CharLm.fromJSON({ ...json, ngrams: { ...json.ngrams, logProbs: json.ngrams.logProbs.slice(4) } }, 'm/lm.json')).toThrow(/m\/lm.json: ngrams.logProbs: .*damaged/);
    expect(() => CharLm.fromJSON({ ...json, contexts: { ...json.contexts, keys: '!' + json.contexts.keys.slice(1) } }, 'm/lm.json')).toThrow(/not base64/);
    expect(() => CharLm.fromJSON({ hello: 1 }, 'x.json')).toThrow(/x.json is not a character language model/);
  });
});
