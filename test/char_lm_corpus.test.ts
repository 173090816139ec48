/**
 * The line LM's corpus: exactly the text of a line model's training lines (the train split, the
 * generator's text seed) and prose.ts's 'lm' prose, and the LM built from it.
 */
import { buildCharLm } from '../src/ctc/char_lm';
import { textToLabels } from '../src/ctc/decode';
import { LINE_CHARSET } from '../src/synth/charset';
import { DEFAULT_LINE_LM_MIN_COUNTS, buildLineLm, lineLmTextSource } from '../src/synth/char_lm_corpus';
import { createHandwritingGenerator } from '../src/synth/handwriting';
import { proseLines } from '../src/synth/prose';
import { textVocabulary } from '../src/synth/text';

describe('line LM corpus', () => {
  test("its texts are the training generator's, line for line (train split, the model's seed and text options)", () => {
    const gen = createHandwritingGenerator({ split: 'train', seed: 7, text: { sharedWords: 100 } });
    const source = lineLmTextSource({ lineSeed: 7, text: { sharedWords: 100 } });
    expect(source.split).toBe('train');
    for (let i = 0; i < 40; i++) expect(source.line(i).text).toBe(gen.text.line(i).text);
    // Another seed gives other lines.
    expect(lineLmTextSource({ lineSeed: 8, text: { sharedWords: 100 } }).line(0).text).not.toBe(source.line(0).text);
  });

  test('buildLineLm counts those lines with the default order and pruning, and records how it was made', () => {
    const { lm, characters, seconds, proseLines: prose } = buildLineLm({ lines: 300, lineSeed: 7, text: { sharedWords: 100 }, prose: false });
    const source = lineLmTextSource({ lineSeed: 7, text: { sharedWords: 100 } });
    const texts = Array.from({ length: 300 }, (_, i) => source.line(i).text);
    const expected = buildCharLm(texts.map((t) => textToLabels(t, LINE_CHARSET)), LINE_CHARSET, { order: 4, minCounts: [...DEFAULT_LINE_LM_MIN_COUNTS] });
    const { info, ...json } = lm.toJSON();
    const { info: _, ...expectedJson } = expected.toJSON();
    expect(json).toEqual(expectedJson);
    expect(characters).toBe(texts.reduce((s, t) => s + t.length, 0));
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(info).toMatchObject({ lines: 300, proseLines: 0, lineSeed: 7, order: 4, text: { split: 'train', sharedWords: 100 } });
    expect(prose).toBe(0);
    expect(() => buildLineLm({ lines: 0 })).toThrow(/lines must be a positive integer, got 0/);
  });

  test("by default the 'lm' prose is counted after the training lines, once each line", () => {
    const { lm, characters, proseLines: n } = buildLineLm({ lines: 50, lineSeed: 7, text: { sharedWords: 100 } });
    const source = lineLmTextSource({ lineSeed: 7, text: { sharedWords: 100 } });
    const texts = [...Array.from({ length: 50 }, (_, i) => source.line(i).text), ...proseLines('lm')];
    expect(n).toBe(proseLines('lm').length);
    expect(characters).toBe(texts.reduce((s, t) => s + t.length, 0));
    // Words of the test vocabulary, never in a training line, are known from the prose.
    const labels = (t: string) => textToLabels(t, LINE_CHARSET);
    const without = buildLineLm({ lines: 50, lineSeed: 7, text: { sharedWords: 100 }, prose: false }).lm;
    const prose = proseLines('lm').join(' ');
    const words = [...textVocabulary({ sharedWords: 100 }).test].filter((w) => /^[a-z]{7,}$/.test(w) && prose.includes(` ${w} `)).slice(0, 20);
    expect(words).toHaveLength(20);
    const better = words.filter((w) => lm.lineLogProb(labels(w)) > without.lineLogProb(labels(w)));
    expect(better.length).toBeGreaterThanOrEqual(18);
    expect(lm.toJSON().info).toMatchObject({ lines: 50, proseLines: n });
  }, 60000);
});
