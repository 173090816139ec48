/**
 * prose.ts: English prose from the State of the Union addresses the line generator never reads,
 * parted by address (so no sentence is in two parts), wrapped into lines, in a fixed order.
 */
import { createHandwritingGenerator } from '../src/synth/handwriting';
import { PROSE_MAX_CHARS, ProsePart, isProseAddress, occursInSentences, proseLines, wrapSentence } from '../src/synth/prose';
import { createRng } from '../src/util/rng';
import { SOTU_EVERY, isLineText, loadSentenceCorpus, sotuAddresses } from '../src/synth/text';

const PARTS: ProsePart[] = ['lm', 'val', 'test'];

describe('prose', () => {
  test("every address is the generator's or in exactly one part; the parts share no line", () => {
    const n = sotuAddresses().length;
    for (let i = 0; i < n; i++) {
      const owners = PARTS.filter((p) => isProseAddress(i, p)).length + (i % SOTU_EVERY === 0 ? 1 : 0);
      expect(owners).toBe(1);
    }
    const sets = PARTS.map((p) => new Set(proseLines(p)));
    const [lm, val, test] = sets;
    // Addresses repeat their formulas: validation and test leave out what the LM read word for word.
    const shared = (a: Set<string>, b: Set<string>) => [...a].filter((l) => b.has(l)).length;
    expect(shared(lm, test)).toBe(0);
    expect(shared(lm, val)).toBe(0);
    expect(shared(val, test)).toBe(0);
    for (const s of sets) expect(s.size).toBeGreaterThan(20000);
  });

  test("no line is a sentence the generator writes, and every line is line text within the width", () => {
    const generator = new Set(loadSentenceCorpus().sentences);
    for (const p of PARTS) {
      const lines = proseLines(p);
      expect(lines.every((l) => isLineText(l) && l.length > 0 && (l.length <= PROSE_MAX_CHARS || !l.includes(' ')))).toBe(true);
      const whole = lines.filter((l) => l.length >= 40 && generator.has(l)).length;
      expect(whole).toBeLessThan(0.001 * lines.length);
    }
  });

  test('no validation or test line is a run of words of a sentence the generator reads (the first 3,000, every run)', () => {
    const runs = new Set<string>();
    for (const sentence of loadSentenceCorpus().sentences.slice(0, 3000)) {
      const ws = sentence.split(' ');
      for (let a = 0; a < ws.length; a++) {
        for (let b = a + 1, run = ws[a]; b <= ws.length && (b === a + 1 || run.length <= PROSE_MAX_CHARS); run += ` ${ws[b++]}`) runs.add(run);
      }
    }
    for (const p of ['val', 'test'] as const) expect(proseLines(p).filter((l) => runs.has(l))).toEqual([]);
    expect(proseLines('lm').filter((l) => runs.has(l)).length).toBeGreaterThan(0); // the LM's part is not filtered: the check can see one
  });

  test('occursInSentences agrees with searching every run of words', () => {
    const rng = createRng(5);
    const vocab = ['a', 'b', 'c', 'the', 'of', 'x.', 'y,'];
    const sentence = (n: number) => Array.from({ length: n }, () => vocab[rng.int(vocab.length)]).join(' ');
    const sentences = Array.from({ length: 30 }, () => sentence(1 + rng.int(8)));
    const lines = Array.from({ length: 400 }, () => sentence(1 + rng.int(4)));
    const brute = lines.map((l) => sentences.some((s) => ` ${s} `.includes(` ${l} `)));
    expect(occursInSentences(lines, sentences)).toEqual(brute);
    expect(brute.filter(Boolean).length).toBeGreaterThan(50);
    expect(brute.filter((b) => !b).length).toBeGreaterThan(50);
    expect(occursInSentences(['zzz', 'the of'], ['of the'])).toEqual([false, false]);
  });

  test('wrapSentence cuts at spaces, at most maxChars a line; a longer word stands alone', () => {
    expect(wrapSentence('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrapSentence('a extraordinarily b', 8)).toEqual(['a', 'extraordinarily', 'b']);
    expect(wrapSentence('', 8)).toEqual([]);
    expect(() => proseLines('train' as ProsePart)).toThrow(/part must be 'lm', 'val' or 'test'/);
  });

  test('a handwriting generator writes fixed texts line by line, and refuses text it cannot write', () => {
    const texts = proseLines('test').slice(0, 3);
    const gen = createHandwritingGenerator({ split: 'test', seed: 1, texts });
    expect([0, 1, 2].map((n) => gen.line(n).text)).toEqual(texts);
    expect(gen.line(0).kind).toBe('sentence');
    expect(gen.describe).toMatchObject({ texts: '3 fixed texts' });
    expect(() => gen.line(3)).toThrow(/line 3 of 3 fixed texts does not exist/);
    expect(() => createHandwritingGenerator({ split: 'test', texts: ['ok', 'caf\u00e9'] })).toThrow(/fixed text 1 "caf\u00e9" .* outside the line charset/);
  });
});
