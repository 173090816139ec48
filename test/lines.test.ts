import { createHash } from 'crypto';
import { ctcMinFrames } from '../src/ctc/loss';
import { Dataset } from '../src/data/dataset';
import { loadEmnist } from '../src/data/emnist';
import { loadMnistPart } from '../src/data/mnist';
import { cleanWordCounts, englishWordCounts, foldChar, foldText, foldWord, splitVocabulary, WordCount } from '../src/synth/corpus';
import {
  createLineGenerator,
  decodeLineText,
  encodeLineText,
  encodeLineTexts,
  ENGLISH_WORD_LENGTHS,
  fitsTimeSteps,
  LineBatch,
  LineGeneratorOptions,
  lineCharset,
  lineTimeSteps,
} from '../src/synth/lines';
import { dev47Dir } from './emnist_dir';

/** EMNIST Balanced's 47 classes, in mapping order. */
const BALANCED = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt'.split('');

/**
 * A tiny dataset: `perClass` images of each class, each a solid bar 20 rows high whose width is
 * `barWidth(class)`, at a class/variant-dependent column, filled with one value that names the image:
 * 60 + 8*class + variant for the train part, 160 + ... for the test part. A pixel value in a line
 * therefore tells which split (and image) it came from.
 */
function fixture(classes: string[], split: 'train' | 'test', opts: { perClass?: number; barWidth?: (k: number) => number } = {}): Dataset {
  const perClass = opts.perClass ?? 10;
  const barWidth = opts.barWidth ?? ((k: number) => 4 + 2 * (k % 6));
  const count = classes.length * perClass;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % classes.length;
    const v = Math.floor(i / classes.length);
    labels[i] = k;
    const value = (split === 'train' ? 60 : 160) + 8 * (k % 8) + (v % 8);
    const w = barWidth(k);
    const x0 = 2 + ((k + v) % Math.max(1, 26 - w));
    for (let y = 4; y < 24; y++) for (let x = x0; x < x0 + w; x++) images[i * 784 + y * 28 + x] = value;
  }
  return { name: 'fixture', split, images, labels, count, height: 28, width: 28, classes };
}

const CLASSES = ['A', 'B', 'C', 'a', 'b', '1', '7'];
const WORDS: WordCount[] = 'cab abc bac a cc ab ba bb aa cabbac acca bacca abba caca baba c'.split(' ').map((word, i) => ({ word, count: 1000 - 50 * i }));

function pixelAt(b: LineBatch, line: number, y: number, x: number): number {
  return b.images[(line * b.height + y) * b.width + x];
}

/** Pixels of line `line` in a box, row-major. */
function boxPixels(b: LineBatch, line: number, x: number, y: number, w: number, h: number): number[] {
  const out: number[] = [];
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) out.push(pixelAt(b, line, yy, xx));
  return out;
}

/** The ink-box crop of a dataset image, row-major. */
function crop(ds: Dataset, index: number): { pixels: number[]; w: number; h: number } {
  let x0 = 28, y0 = 28, x1 = 0, y1 = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (ds.images[index * 784 + y * 28 + x] > 0) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1); y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1);
      }
    }
  }
  const pixels: number[] = [];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) pixels.push(ds.images[index * 784 + y * 28 + x]);
  return { pixels, w: x1 - x0, h: y1 - y0 };
}

/** Shape, charset, glyph and padding invariants every batch must satisfy; collects every violation, then asserts none. */
function checkBatch(b: LineBatch, ds: Dataset, opts: { minCharPixels?: number; widthMultiple?: number } = {}) {
  const charset = new Set(lineCharset(ds.classes));
  const minChar = opts.minCharPixels ?? 8;
  expect(b.images).toBeInstanceOf(Uint8Array);
  expect(b.images.length).toBe(b.size * b.height * b.width);
  expect(b.width % (opts.widthMultiple ?? 16)).toBe(0);
  expect(b.texts).toHaveLength(b.size);
  expect(b.widths).toHaveLength(b.size);
  const problems: string[] = [];
  const bad = (i: number, what: string) => problems.push(`line ${i} "${b.texts[i]}": ${what}`);
  const maxIn = (i: number, x: number, y: number, w: number, h: number) => {
    let m = 0;
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) m = Math.max(m, pixelAt(b, i, yy, xx));
    return m;
  };
  for (let i = 0; i < b.size; i++) {
    const text = b.texts[i];
    if (text.length === 0 || /^ | $|  /.test(text)) bad(i, 'empty, or not single spaces between words');
    for (const c of text) if (!charset.has(c)) bad(i, `'${c}' is not in the charset`);
    // The CTC guarantee.
    if (b.widths[i] < minChar * text.length) bad(i, `ink width ${b.widths[i]} < ${minChar} x ${text.length}`);
    if (!fitsTimeSteps(text, lineTimeSteps(b.widths[i]))) bad(i, `does not fit ${lineTimeSteps(b.widths[i])} time steps`);
    if (b.widths[i] > b.width) bad(i, `ink width ${b.widths[i]} > image width ${b.width}`);
    // One glyph per non-space character, of that class, inside the image and with ink.
    const glyphs = b.glyphs[i];
    const expected = [...text].flatMap((c, j) => (c === ' ' ? [] : [j])).join(',');
    if (glyphs.map((g) => g.textIndex).join(',') !== expected) bad(i, 'glyphs do not match the non-space characters');
    for (const g of glyphs) {
      if (g.char !== text[g.textIndex] || ds.classes[ds.labels[g.index]] !== g.char) bad(i, `glyph ${g.textIndex} is not a '${text[g.textIndex]}' image`);
      if (g.x < 0 || g.y < 0 || g.x + g.width > b.widths[i] || g.y + g.height > b.height) bad(i, `glyph ${g.textIndex} box outside the line`);
      else if (maxIn(i, g.x, g.y, g.width, g.height) === 0) bad(i, `glyph ${g.textIndex} has no ink`);
    }
    for (let j = 1; j < glyphs.length; j++) {
      if (glyphs[j].x <= glyphs[j - 1].x) bad(i, `glyph ${j} is not right of glyph ${j - 1}`);
      // Every space is a band of at least minCharPixels empty columns between two words.
      if (glyphs[j].textIndex === glyphs[j - 1].textIndex + 1) continue;
      const left = glyphs[j - 1].x + glyphs[j - 1].width;
      if (glyphs[j].x - left < minChar) bad(i, `word gap before glyph ${j} is ${glyphs[j].x - left} px`);
      else if (maxIn(i, left, 0, glyphs[j].x - left, b.height) > 0) bad(i, `ink in the word gap before glyph ${j}`);
    }
    // Padding right of the ink is black.
    if (maxIn(i, b.widths[i], 0, b.width - b.widths[i], b.height) > 0) bad(i, 'ink right of its ink width');
  }
  expect(problems).toEqual([]);
}

const fxTrain = fixture(CLASSES, 'train');
const fxTest = fixture(CLASSES, 'test');
const base = (over: Partial<LineGeneratorOptions> = {}): LineGeneratorOptions => ({ chars: fxTrain, split: 'train', words: WORDS, minCount: 1, ...over });

describe('text folding to EMNIST Balanced classes', () => {
  test('merged lower-case letters become their upper-case class; a b d e f g h n q r t stay', () => {
    expect(foldChar('c', BALANCED)).toBe('C');
    expect(foldChar('a', BALANCED)).toBe('a');
    expect(foldChar('T', BALANCED)).toBe('T');
    expect(foldChar('7', BALANCED)).toBe('7');
    expect(foldChar("'", BALANCED)).toBeUndefined();
    // Definition: every lower-case letter maps to itself iff Balanced has it as a class, else to its capital.
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') expect(foldChar(ch, BALANCED)).toBe('abdefghnqrt'.includes(ch) ? ch : ch.toUpperCase());
    expect(foldWord('What', BALANCED)).toBe('What');
    expect(foldWord('quick', BALANCED)).toBe('qUICK');
    expect(foldWord("don't", BALANCED)).toBeUndefined();
    expect(foldText("Can't  stop!\n2026.", BALANCED)).toBe('Cant StOP 2026');
  });

  test('the corpus clean-up drops contraction pieces, one-letter non-words and non-letters, keeps a and I', () => {
    const cleaned = cleanWordCounts([
      { word: 'the', count: 9 }, { word: 's', count: 9 }, { word: 'don', count: 9 }, { word: 'I', count: 9 },
      { word: 'a', count: 9 }, { word: 'x', count: 9 }, { word: "o'clock", count: 9 }, { word: 'zero', count: 0 },
    ]);
    expect(cleaned.map((w) => w.word)).toEqual(['the', 'I', 'a']);
  });
});

describe('vocabulary split', () => {
  test('train, validation and test vocabularies are disjoint, cover every word, and are stratified by frequency', () => {
    const words = Array.from({ length: 1000 }, (_, i) => ({ word: `w${i}x`.replace(/\d/g, (d) => 'abcdefghij'[+d]), count: 10000 - i }));
    const s = splitVocabulary(words, { seed: 5 });
    const keys = (p: { key: string }[]) => new Set(p.map((w) => w.key));
    const [tr, va, te] = [keys(s.train), keys(s.val), keys(s.test)];
    expect(tr.size + va.size + te.size).toBe(1000);
    for (const k of te) expect(tr.has(k) || va.has(k)).toBe(false);
    for (const k of va) expect(tr.has(k)).toBe(false);
    expect([s.test.length, s.val.length]).toEqual([100, 100]);
    // Stratified: each run of 20 frequency-ranked words gives exactly 2 to test.
    const rank = new Map(words.map((w, i) => [w.word, i]));
    for (let g = 0; g < 50; g++) expect(s.test.filter((w) => Math.floor((rank.get(w.word) as number) / 20) === g)).toHaveLength(2);
    // Seeded: same seed, same split; another seed, another split.
    expect(splitVocabulary(words, { seed: 5 }).test).toEqual(s.test);
    expect(splitVocabulary(words, { seed: 6 }).test).not.toEqual(s.test);
  });

  test('a word in two cases is one word (one vocabulary, counts added)', () => {
    const s = splitVocabulary([{ word: 'Jack', count: 5 }, { word: 'jack', count: 3 }], { testFraction: 0, valFraction: 0 });
    expect(s.train).toEqual([{ word: 'Jack', key: 'jack', count: 8 }]);
  });
});

describe('line generator on fixture glyphs', () => {
  test('the same seed and line numbers give the same pixels and texts; another index or seed does not', () => {
    const a = createLineGenerator(base({ seed: 3 }));
    const b = createLineGenerator(base({ seed: 3 }));
    const b0 = a.batch(2, 8);
    expect(b.batch(2, 8)).toEqual(b0);
    const other = a.batch(3, 8);
    expect(other.texts).not.toEqual(b0.texts);
    expect(Buffer.compare(Buffer.from(other.images), Buffer.from(b0.images))).not.toBe(0);
    expect(createLineGenerator(base({ seed: 4 })).batch(2, 8).texts).not.toEqual(b0.texts);
    // A line is a function of its number: batch(2, 8) holds lines 16..23 whatever the batching.
    expect(a.lines(16, 8).texts).toEqual(b0.texts);
    expect(a.line(20).text).toBe(b0.texts[4]);
    expect(a.batch(4, 4).texts).toEqual(b0.texts.slice(0, 4));
    expect(b0.first).toBe(16);
  });

  test('batches have the declared shape, charset texts, ink in every glyph box and black padding', () => {
    for (const mode of ['words', 'random'] as const) {
      const gen = createLineGenerator(base({ mode }));
      for (let i = 0; i < 4; i++) checkBatch(gen.batch(i, 16), fxTrain);
      expect(gen.charset).toEqual([...CLASSES, ' ']);
    }
  });

  test('at scale 1 a line is exactly the max of its glyph crops at their boxes (reference renderer)', () => {
    const gen = createLineGenerator(base({ scale: [1, 1], charScaleJitter: 0, maxOverlap: 0.33 }));
    const b = gen.batch(0, 16);
    checkBatch(b, fxTrain);
    let overlapping = 0;
    for (let i = 0; i < b.size; i++) {
      const ref = new Uint8Array(b.height * b.width);
      for (const g of b.glyphs[i]) {
        const c = crop(fxTrain, g.index);
        expect([g.width, g.height]).toEqual([c.w, c.h]);
        for (let y = 0; y < c.h; y++) {
          for (let x = 0; x < c.w; x++) {
            const p = (g.y + y) * b.width + g.x + x;
            if (ref[p] > 0 && c.pixels[y * c.w + x] > 0) overlapping++;
            ref[p] = Math.max(ref[p], c.pixels[y * c.w + x]);
          }
        }
      }
      expect(Buffer.compare(Buffer.from(b.images.subarray(i * ref.length, (i + 1) * ref.length)), Buffer.from(ref))).toBe(0);
    }
    expect(overlapping).toBeGreaterThan(0); // the case where max-combining matters did occur
  });

  test('test lines draw only test images, validation and training lines disjoint parts of the train images', () => {
    // At scale 1 glyphs are copied exactly and overlaps keep the larger value, so every ink pixel of a
    // test line carries the value of the test image it came from (160..223; train images are 60..123).
    const exact = { scale: [1, 1] as [number, number], charScaleJitter: 0 };
    const testGen = createLineGenerator(base({ chars: fxTest, split: 'test', mode: 'random', ...exact }));
    let ink = 0;
    let notTest = 0;
    for (let i = 0; i < 3; i++) {
      for (const v of testGen.batch(i, 16).images) {
        if (v > 0) ink++;
        if (v > 0 && v < 160) notTest++;
      }
    }
    expect(ink).toBeGreaterThan(1000);
    expect(notTest).toBe(0);

    const train = createLineGenerator(base({ mode: 'random' }));
    const val = createLineGenerator(base({ split: 'val', mode: 'random' }));
    const trainPool = new Set(train.imagePool);
    for (const i of val.imagePool) expect(trainPool.has(i)).toBe(false);
    expect(train.imagePool.length + val.imagePool.length).toBe(fxTrain.count);
    for (const line of val.batch(0, 32).glyphs) for (const g of line) expect(g.index % 10).toBe(9);
    for (const line of train.batch(0, 32).glyphs) for (const g of line) expect(g.index % 10).not.toBe(9);
  });

  test('the split and the Dataset cannot be mixed', () => {
    expect(() => createLineGenerator(base({ split: 'test' }))).toThrow(/'test' lines draw characters from the test split only, but chars is fixture train/);
    expect(() => createLineGenerator(base({ chars: fxTest, split: 'val' }))).toThrow(/'val' lines draw characters from the train split only/);
    expect(() => createLineGenerator(base({ chars: fxTest, split: 'train' }))).toThrow(/pass the train part/);
  });

  test('words lines use only their own vocabulary, and the vocabularies are disjoint', () => {
    const many = Array.from({ length: 400 }, (_, i) => {
      const w = i.toString(3).replace(/0/g, 'a').replace(/1/g, 'b').replace(/2/g, 'c');
      return { word: w, count: 1000 - i };
    });
    const gens = (['train', 'val', 'test'] as const).map((split) =>
      createLineGenerator(base({ split, chars: split === 'test' ? fxTest : fxTrain, words: many, capitalizeFirst: 0.5, upperCase: 0.2 })),
    );
    const [tr, va, te] = gens.map((g) => g.vocabulary as ReadonlySet<string>);
    for (const k of te) expect(tr.has(k) || va.has(k)).toBe(false);
    for (const k of va) expect(tr.has(k)).toBe(false);
    gens.forEach((g, n) => {
      const vocab = [tr, va, te][n];
      for (let i = 0; i < 4; i++) {
        for (const text of g.batch(i, 16).texts) for (const word of text.split(' ')) expect(vocab.has(word.toLowerCase())).toBe(true);
      }
    });
  });

  test('one-character words, maximum length lines, repeated narrow glyphs: the CTC guarantee holds', () => {
    // One class of 1-pixel-wide bars: every label is all repeats ("I II III"), the worst case for CTC.
    const thin = fixture(['I'], 'train', { barWidth: () => 1 });
    const gen = createLineGenerator({ chars: thin, split: 'train', mode: 'random', minWords: 1, maxWords: 12, maxChars: 40, maxOverlap: 0.33 });
    for (let i = 0; i < 4; i++) {
      const b = gen.batch(i, 16);
      checkBatch(b, thin);
      // Mostly repeats: CTC needs nearly 2 frames a character, and gets them (checkBatch).
      const chars = b.texts.join('').length;
      const needed = b.texts.reduce((a, t) => a + ctcMinFrames(t), 0);
      expect(needed).toBeGreaterThan(1.5 * chars);
      for (let k = 0; k < b.size; k++) expect(lineTimeSteps(b.widths[k])).toBeGreaterThanOrEqual(ctcMinFrames(b.texts[k]));
    }
    // One-letter words only.
    const single = createLineGenerator(base({ words: [{ word: 'a', count: 5 }, { word: 'b', count: 5 }, { word: 'c', count: 5 }], testFraction: 0, valFraction: 0, minWords: 5, maxWords: 5 }));
    const sb = single.batch(0, 8);
    checkBatch(sb, fxTrain);
    for (const t of sb.texts) expect(t).toMatch(/^[aAbBC]( [aAbBC]){4}$/);
    // maxChars is never exceeded, and a fixed width must hold the widest possible line.
    const long = createLineGenerator(base({ mode: 'random', minWords: 20, maxWords: 20, maxChars: 24 }));
    for (const t of long.batch(0, 16).texts) expect(t.length).toBeLessThanOrEqual(24);
    expect(() => createLineGenerator(base({ maxChars: 24, width: 100 }))).toThrow(/width 100 is narrower than the widest possible line \(\d+ px/);
    const fixed = createLineGenerator(base({ mode: 'random', minWords: 20, maxWords: 20, maxChars: 24, width: long.maxLineWidth }));
    for (let i = 0; i < 3; i++) expect(fixed.batch(i, 8).width).toBe(long.maxLineWidth);
    checkBatch(fixed.batch(0, 8), fxTrain, { widthMultiple: 1 });
  });

  test('height 32 and digits mode', () => {
    const digits = fixture('0123456789'.split(''), 'test');
    const gen = createLineGenerator({ chars: digits, split: 'test', mode: 'digits', height: 32 });
    const b = gen.batch(0, 16);
    expect(b.height).toBe(32);
    checkBatch(b, digits);
    for (const t of b.texts) expect(t).toMatch(/^[0-9]+( [0-9]+)*$/);
    expect(() => createLineGenerator(base({ mode: 'digits' }))).toThrow(/'digits' mode needs images of 0-9/);
  });
});

describe('labels and CTC time steps', () => {
  test('ctcMinFrames equals the shortest alignment found by brute force', () => {
    // Definition: the least T such that some path of T symbols (blank '-' or a letter) collapses to the label.
    const collapse = (path: string) => path.replace(/(.)\1+/g, '$1').replace(/-/g, '');
    const shortest = (label: string): number => {
      for (let T = 0; T <= 2 * label.length; T++) {
        const n = 3 ** T;
        for (let p = 0; p < n; p++) {
          let path = '';
          for (let t = 0, q = p; t < T; t++, q = Math.floor(q / 3)) path += '-ab'[q % 3];
          if (collapse(path) === label) return T;
        }
      }
      return Infinity;
    };
    for (const label of ['', 'a', 'aa', 'ab', 'aab', 'aba', 'abba', 'aaaa', 'baab', 'abbb']) {
      expect(ctcMinFrames(label)).toBe(shortest(label));
      expect(fitsTimeSteps(label, shortest(label))).toBe(true);
      if (label) expect(fitsTimeSteps(label, shortest(label) - 1)).toBe(false);
    }
    expect(ctcMinFrames([3, 3, 1])).toBe(4);
  });

  test('encoding a label: charset indices with space last, and a clear error for other characters', () => {
    const charset = lineCharset(BALANCED);
    expect(charset).toHaveLength(48);
    const codes = encodeLineText('the 7 CatS', charset);
    expect(Array.from(codes)).toEqual([46, 42, 39, 47, 7, 47, 12, 36, 46, 28]);
    expect(decodeLineText(codes, charset)).toBe('the 7 CatS');
    expect(() => encodeLineText('the cat', charset)).toThrow(/'c' \(position 4 of "the cat"\) is not in the charset/);
    const batch = encodeLineTexts(['ab', 'tAB 1', ''], charset);
    expect(batch.maxLength).toBe(5);
    expect(Array.from(batch.lengths)).toEqual([2, 5, 0]);
    expect(Array.from(batch.labels)).toEqual([36, 37, 0, 0, 0, 46, 10, 11, 47, 1, 0, 0, 0, 0, 0]);
  });
});

test('random mode word lengths are the corpus word-length shares', () => {
  // Recomputes ENGLISH_WORD_LENGTHS from its definition: words with count >= 20, weighted count^0.75.
  const share = new Array(12).fill(0);
  for (const w of englishWordCounts()) if (w.count >= 20 && w.word.length <= 12) share[w.word.length - 1] += Math.pow(w.count, 0.75);
  const total = share.reduce((a, b) => a + b, 0);
  share.forEach((s, i) => expect(Math.abs(s / total - ENGLISH_WORD_LENGTHS[i])).toBeLessThanOrEqual(0.0005 + 1e-12));
});

test('digits lines from real MNIST test images', () => {
  const mnist = loadMnistPart('test');
  const b = createLineGenerator({ chars: mnist, split: 'test', mode: 'digits' }).batch(0, 16);
  checkBatch(b, mnist);
  expect(b.texts.join(' ')).toMatch(/^[0-9 ]+$/);
});

// Real EMNIST (dev47): EMNIST_DIR or ../shared/data/emnist47.
const realDir = dev47Dir();
if (!realDir) {
  if (process.env.CI) {
    test('EMNIST dev47 is present (required in CI)', () => {
      throw new Error('EMNIST dev47 not found; set EMNIST_DIR to the emnist47 directory');
    });
  } else {
    console.warn('lines.test: EMNIST dev47 not found (set EMNIST_DIR): skipping the real-EMNIST line tests');
  }
}

(realDir ? describe : describe.skip)('lines from real EMNIST dev47', () => {
  const hash = (ds: Dataset, i: number) => createHash('sha1').update(ds.images.subarray(i * 784, (i + 1) * 784)).digest('hex');

  test('test lines: test images only (no train image pixel for pixel), unseen words only; train lines: train words', () => {
    const { train, test } = loadEmnist({ dir: realDir, split: 'dev47' });
    expect(train.classes).toEqual(BALANCED);
    const trainGen = createLineGenerator({ chars: train, split: 'train', seed: 1 });
    const testGen = createLineGenerator({ chars: test, split: 'test', seed: 1 });
    const valGen = createLineGenerator({ chars: train, split: 'val', seed: 1 });
    const trainVocab = trainGen.vocabulary as ReadonlySet<string>;
    const testVocab = testGen.vocabulary as ReadonlySet<string>;
    const valVocab = valGen.vocabulary as ReadonlySet<string>;
    expect(trainVocab.size).toBeGreaterThan(10000);
    expect(testVocab.size).toBeGreaterThan(1000);
    for (const k of testVocab) expect(trainVocab.has(k) || valVocab.has(k)).toBe(false);
    for (const k of valVocab) expect(trainVocab.has(k)).toBe(false);

    const trainHashes = new Set<string>();
    for (let i = 0; i < train.count; i++) trainHashes.add(hash(train, i));
    let glyphs = 0;
    for (let i = 0; i < 4; i++) {
      const b = testGen.batch(i, 32);
      checkBatch(b, test);
      for (const text of b.texts) for (const w of text.split(' ')) expect(testVocab.has(w.toLowerCase())).toBe(true);
      for (const line of b.glyphs) for (const g of line) {
        expect(trainHashes.has(hash(test, g.index))).toBe(false);
        glyphs++;
      }
      const tb = trainGen.batch(i, 32);
      checkBatch(tb, train);
      for (const text of tb.texts) for (const w of text.split(' ')) expect(trainVocab.has(w.toLowerCase())).toBe(true);
      for (const line of tb.glyphs) for (const g of line) expect(g.index % 10).not.toBe(9);
    }
    expect(glyphs).toBeGreaterThan(1000);
    // Random strings cover the alphabet.
    const seen = new Set(createLineGenerator({ chars: test, split: 'test', mode: 'random' }).batch(0, 64).texts.join(''));
    expect(seen.size).toBe(48);
  });

});
