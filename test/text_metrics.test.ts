/** Edit distance, CER (both definitions) and WER against hand-computed values and a recursive definition. */
import { characterErrorRate, editDistance, splitWords, wordErrorRate } from '../src/eval/text_metrics';
import { looseCharacterErrorRate, looseText } from '../src/eval/text_metrics';
import { createRng } from '../src/util/rng';

/** Levenshtein by its recursive definition (exponential without the memo; fine for short strings). */
function levenshtein(a: string, b: string, memo = new Map<string, number>()): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const key = `${a.length},${b.length}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const d = Math.min(
    levenshtein(a.slice(1), b, memo) + 1,
    levenshtein(a, b.slice(1), memo) + 1,
    levenshtein(a.slice(1), b.slice(1), memo) + (a[0] === b[0] ? 0 : 1),
  );
  memo.set(key, d);
  return d;
}

describe('editDistance', () => {
  test('hand-computed cases', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('flaw', 'lawn')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance([1, 2, 3, 4], [1, 3, 4, 5])).toBe(2);
    expect(editDistance(['the', 'cat'], ['the', 'hat'])).toBe(1);
  });

  test('strings compare by code point (an emoji or accented letter is one character)', () => {
    expect(editDistance('café', 'cafe')).toBe(1);
    expect(editDistance('a😀b', 'ab')).toBe(1);
  });

  test('equals the recursive definition on random short strings, and is symmetric', () => {
    const rng = createRng(5);
    const word = () => Array.from({ length: rng.int(8) }, () => 'abc'[rng.int(3)]).join('');
    for (let i = 0; i < 300; i++) {
      const a = word();
      const b = word();
      expect(editDistance(a, b)).toBe(levenshtein(a, b));
      expect(editDistance(b, a)).toBe(editDistance(a, b));
    }
  });
});

describe('characterErrorRate', () => {
  test('total edits / target characters, and the per-line mean of edits / max(len)', () => {
    // edits 1 (c -> d), 0 (both empty), 1 (extra z), 3 (kitten -> sitting)
    const r = characterErrorRate(['abd', '', 'xyz', 'kitten'], ['abc', '', 'xy', 'sitting']);
    expect(r.edits).toBe(5);
    expect(r.targetChars).toBe(3 + 0 + 2 + 7);
    expect(r.cer).toBeCloseTo(5 / 12, 12);
    expect(r.cerPerLineMean).toBeCloseTo((1 / 3 + 0 + 1 / 3 + 3 / 7) / 4, 12);
    expect(r.n).toBe(4);
  });

  test('the two definitions differ: per-line divides by the longer string, capping a line at 1', () => {
    const r = characterErrorRate(['abcdef'], ['ab']);
    expect(r.cer).toBe(2); // 4 insertions over 2 target characters
    expect(r.cerPerLineMean).toBeCloseTo(4 / 6, 12);
  });

  test('empty inputs and mismatched counts', () => {
    expect(characterErrorRate([], [])).toEqual({ cer: 0, cerPerLineMean: 0, edits: 0, targetChars: 0, n: 0 });
    expect(characterErrorRate(['x'], [''])).toMatchObject({ cer: Infinity, cerPerLineMean: 1 });
    expect(() => characterErrorRate(['a'], ['a', 'b'])).toThrow(/1 predictions but 2 targets/);
  });
});

describe('wordErrorRate', () => {
  test('word-level edits / target words', () => {
    // "cat" -> "bat" substituted, "down" missing: 2 edits over 4 + 1 words
    const r = wordErrorRate(['the cat sat', 'hello'], ['the bat sat down', 'hello']);
    expect(r).toEqual({ wer: 2 / 5, edits: 2, targetWords: 5, n: 2 });
  });

  test('whitespace runs split words; an empty line has none', () => {
    expect(splitWords('  two   words ')).toEqual(['two', 'words']);
    expect(splitWords('   ')).toEqual([]);
    expect(wordErrorRate(['a  b'], [' a b'])).toMatchObject({ wer: 0, edits: 0 });
    expect(() => wordErrorRate([], ['x'])).toThrow(/0 predictions but 1 targets/);
  });
});

describe('loose CER (case and punctuation not counted)', () => {
  test('looseText keeps lower-cased letters, digits and single spaces', () => {
    expect(looseText('  Hello, World!  "It\'s" 10:30 ')).toBe('hello world it s 10 30');
    expect(looseText('...')).toBe('');
  });
  test('case and punctuation errors cost nothing, letter errors count', () => {
    expect(looseCharacterErrorRate(['hello world'], ['Hello, World!']).cer).toBe(0);
    // 'information' read 'infornation': one substitution in 11 letters.
    expect(looseCharacterErrorRate(['Infornation.'], ['information']).cer).toBeCloseTo(1 / 11, 12);
    expect(characterErrorRate(['hello world'], ['Hello, World!']).cer).toBeCloseTo(4 / 13, 12);
  });
});
