/**
 * The line LM's corpus: exactly the text of a line model's training lines (the train split, the
 * generator's text seed), and the LM built from it.
 */
import { buildCharLm } from '../src/ctc/char_lm';
import { textToLabels } from '../src/ctc/decode';
import { LINE_CHARSET } from '../src/synth/charset';
import { DEFAULT_LINE_LM_MIN_COUNTS, buildLineLm, lineLmTextSource } from '../src/synth/char_lm_corpus';
import { createHandwritingGenerator } from '../src/synth/handwriting';

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
    const { lm, characters, seconds } = buildLineLm({ lines: 300, lineSeed: 7, text: { sharedWords: 100 } });
    const source = lineLmTextSource({ lineSeed: 7, text: { sharedWords: 100 } });
    const texts = Array.from({ length: 300 }, (_, i) => source.line(i).text);
    const expected = buildCharLm(texts.map((t) => textToLabels(t, LINE_CHARSET)), LINE_CHARSET, { order: 4, minCounts: [...DEFAULT_LINE_LM_MIN_COUNTS] });
    const { info, ...json } = lm.toJSON();
    const { info: _, ...expectedJson } = expected.toJSON();
    expect(json).toEqual(expectedJson);
    expect(characters).toBe(texts.reduce((s, t) => s + t.length, 0));
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(info).toMatchObject({ lines: 300, lineSeed: 7, order: 4, text: { split: 'train', sharedWords: 100 } });
    expect(() => buildLineLm({ lines: 0 })).toThrow(/lines must be a positive integer, got 0/);
  });
});
