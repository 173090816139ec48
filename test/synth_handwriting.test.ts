/**
 * The synthetic handwriting generator: deterministic lines, splits that never share a font, EMNIST
 * image or vocabulary word, and model inputs whose writing sits where the line recipe promises (the
 * body band on rows baselineRow - bodyHeight .. baselineRow).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadEmnistPart } from '../src/data/emnist';
import { LINE_CHARSET } from '../src/synth/charset';
import { TEST_FONT_FAMILIES } from '../src/synth/fonts';
import { LINE_GEOMETRY, VAL_FONT_FAMILIES, createHandwritingGenerator, splitFonts } from '../src/synth/handwriting';
import { lineWordKeys } from '../src/synth/text';

const EMNIST62 = path.resolve(__dirname, '..', '..', 'shared', 'data', 'emnist62');
const haveEmnist = fs.existsSync(path.join(EMNIST62, 'emnist62-mapping.txt'));

describe('handwriting generator', () => {
  test('the three splits write with disjoint fonts: the five held-out families only for test lines', () => {
    const [train, val, test] = [splitFonts('train'), splitFonts('val'), splitFonts('test')];
    expect([...test].sort()).toEqual([...TEST_FONT_FAMILIES].sort());
    expect([...val].sort()).toEqual([...VAL_FONT_FAMILIES].sort());
    expect(train.filter((f) => val.includes(f) || test.includes(f))).toEqual([]);
    expect(train.length).toBeGreaterThan(40);
    expect(() => createHandwritingGenerator({ split: 'train', fonts: ['caveat', 'allura'] })).toThrow(/held-out test fonts \(allura\)/);
  });

  test('a line is the same every time, and another line number gives another line', () => {
    const a = createHandwritingGenerator({ split: 'train', seed: 3 });
    const b = createHandwritingGenerator({ split: 'train', seed: 3 });
    const [x, y] = [a.line(5), b.line(5)];
    expect(y.text).toBe(x.text);
    expect(Buffer.from(y.pixels).equals(Buffer.from(x.pixels))).toBe(true);
    expect(a.line(6).text).not.toBe(x.text);
  });

  test('lines are model inputs: 40 px high, charset text, ink inside the width, the body band where the recipe puts it', () => {
    const gen = createHandwritingGenerator({ split: 'val', seed: 1, cleanShare: 1 });
    const { height, bodyHeight, baselineRow } = LINE_GEOMETRY;
    let bodyInk = 0;
    let allInk = 0;
    for (let n = 0; n < 12; n++) {
      const line = gen.line(n);
      expect(line.height).toBe(height);
      expect(line.pixels.length).toBe(height * line.paddedWidth);
      expect([...line.text].every((c) => LINE_CHARSET.includes(c))).toBe(true);
      expect(VAL_FONT_FAMILIES.map((f) => `font:${f}`)).toContain(line.source);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < line.paddedWidth; x++) {
          const v = line.pixels[y * line.paddedWidth + x];
          if (x >= line.width + 1) expect(v).toBe(0); // nothing right of the ink's end
          allInk += v;
          if (y >= baselineRow - bodyHeight && y < baselineRow) bodyInk += v;
        }
      }
    }
    // Body letters fill the band; ascenders, capitals and descenders add some ink outside it.
    expect(bodyInk / allInk).toBeGreaterThan(0.55);
  });

  (haveEmnist ? test : test.skip)('EMNIST letters: train and validation lines never share an image, test lines come from the test part', () => {
    const train = loadEmnistPart('train', { dir: EMNIST62, split: 'emnist62' });
    const gen = createHandwritingGenerator({ split: 'train', seed: 2, emnist: train, emnistShare: 1, fonts: [] });
    const line = gen.line(0);
    expect(line.source).toBe('emnist');
    expect(() => createHandwritingGenerator({ split: 'test', emnist: train })).toThrow(/test/);
  });

  test('test lines hold no word of the training vocabulary', () => {
    const train = createHandwritingGenerator({ split: 'train', seed: 4 });
    const test = createHandwritingGenerator({ split: 'test', seed: 4 });
    const trainOnly = new Set([...train.text.vocabulary].filter((w) => !test.text.vocabulary.has(w)));
    for (let n = 0; n < 40; n++) {
      for (const key of lineWordKeys(test.text.line(n).text)) expect(trainOnly.has(key)).toBe(false);
    }
  });
});
