import * as fs from 'fs';
import * as path from 'path';
import { Dataset } from '../src/data/dataset';
import { loadEmnistPart } from '../src/data/emnist';
import { createRng } from '../src/util/rng';
import { EmnistLineOptions, createEmnistGlyphs, drawStrokes, renderEmnistLine } from '../src/synth/emnist_line';
import { LINE_CHARSET } from '../src/synth/charset';

// Fixture: crisp rectangles of known size per class, drawn as 3-pixel frames (strokes like a pen's)
// or, when narrow, filled; 'i' and 'j' with a dot above a gap.
const CLASSES = ['A', 'a', 'g', 'x', 'l', 'j', 'i', '1'];
/** [x0, y0, x1, y1] (exclusive) and frame thickness (0 = filled) of each piece of a class's ink. */
type Rect = [number, number, number, number, number];
const RECTS: Record<string, Rect[]> = {
  A: [[7, 4, 21, 24, 3]], // 14 x 20
  a: [[6, 8, 22, 22, 3]], // 16 x 14
  g: [[8, 4, 20, 24, 3]], // 12 x 20
  x: [[8, 8, 20, 20, 3]], // 12 x 12
  l: [[12, 4, 16, 24, 0]], // 4 x 20
  j: [[12, 4, 16, 7, 0], [12, 9, 16, 24, 0]], // dotted
  i: [[12, 4, 16, 7, 0], [12, 9, 16, 24, 0]], // dotted
  '1': [[12, 4, 16, 24, 0]],
};
const PER_CLASS = 10;

/** 80 images, image n of class n % 8 shifted right by (n / 8) % 3 pixels; image 0 is blank. */
function fixture(split: 'train' | 'test', rects = RECTS): Dataset {
  const count = CLASSES.length * PER_CLASS;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % CLASSES.length;
    labels[n] = label;
    if (n === 0) continue;
    const dx = Math.floor(n / CLASSES.length) % 3;
    for (const [x0, y0, x1, y1, t] of rects[CLASSES[label]]) {
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const inside = t > 0 && x >= x0 + t && x < x1 - t && y >= y0 + t && y < y1 - t;
          if (!inside) images[n * 784 + y * 28 + x + dx] = 255;
        }
      }
    }
  }
  return { name: 'fixture', split, images, labels, count, height: 28, width: 28, classes: CLASSES.slice() };
}

/** Every random variation off: glyphs exactly at their zone's size, no slant, drift, stroke change or overlap. */
const STILL: EmnistLineOptions = {
  bodyHeight: [20, 20],
  capRatio: [1.5, 1.5],
  ascenderRatio: [1.05, 1.05],
  descenderRatio: [0.6, 0.6],
  slant: [0, 0],
  usualSlant: [0, 0],
  strokeMatch: 0,
  baselineDrift: 0,
  sizeJitter: 0,
  aspectJitter: 0,
  verticalJitter: 0,
  rotationJitter: 0,
  punctuationJitter: 0,
  maxOverlap: 0,
  strokeScale: [1, 1],
};

/** Ink extent (coverage > threshold) inside columns [c0, c1): rows [top, bottom) and columns [left, right). */
function extent(line: { ink: Float32Array; width: number; height: number }, c0 = 0, c1 = line.width, threshold = 0.5) {
  const { min, max, floor, ceil } = Math;
  let top = Infinity;
  let bottom = -Infinity;
  let left = Infinity;
  let right = -Infinity;
  for (let y = 0; y < line.height; y++) {
    for (let x = max(0, floor(c0)); x < min(line.width, ceil(c1)); x++) {
      if (line.ink[y * line.width + x] > threshold) {
        top = min(top, y);
        bottom = max(bottom, y + 1);
        left = min(left, x);
        right = max(right, x + 1);
      }
    }
  }
  return { top, bottom, left, right };
}

describe('createEmnistGlyphs', () => {
  test('ink boxes and stroke widths match a brute-force reading of each image; blank images are left out', () => {
    const ds = fixture('test');
    const g = createEmnistGlyphs(ds, { split: 'test' });
    expect(g.pool.length).toBe(ds.count - 1);
    expect(Array.from(g.pool)).not.toContain(0);
    for (const n of [1, 12, 45, 79]) {
      const c = CLASSES[ds.labels[n]];
      const dx = Math.floor(n / CLASSES.length) % 3;
      const rects = RECTS[c];
      const box = [Math.min(...rects.map((r) => r[0])) + dx, Math.min(...rects.map((r) => r[1])), Math.max(...rects.map((r) => r[2])) + dx, Math.max(...rects.map((r) => r[3]))];
      expect(Array.from(g.boxes.subarray(n * 4, n * 4 + 4))).toEqual(box);
      // Definition: 2 x area / perimeter; a w x h rectangle has area wh and perimeter 2(w + h), a frame
      // of thickness t is that less its (w - 2t) x (h - 2t) hole, whose edge adds to the perimeter.
      const hole = (r: Rect) => (r[4] > 0 ? [r[2] - r[0] - 2 * r[4], r[3] - r[1] - 2 * r[4]] : [0, 0]);
      const area = rects.reduce((s, r) => s + (r[2] - r[0]) * (r[3] - r[1]) - hole(r)[0] * hole(r)[1], 0);
      const perimeter = rects.reduce((s, r) => s + 2 * (r[2] - r[0] + r[3] - r[1]) + 2 * (hole(r)[0] + hole(r)[1]), 0);
      expect(g.strokeWidths[n]).toBeCloseTo((2 * area) / perimeter, 5);
    }
    expect([...g.byChar.keys()].sort()).toEqual([...CLASSES].sort());
  });

  test('test lines only from a test Dataset; train and val from disjoint parts of a train Dataset (every 10th image is val)', () => {
    expect(() => createEmnistGlyphs(fixture('train'), { split: 'test' })).toThrow(/'test' lines draw characters from the test split only.*loadEmnistPart\('test'/);
    expect(() => createEmnistGlyphs(fixture('test'), { split: 'train' })).toThrow(/'train' lines draw characters from the train split only/);
    expect(() => createEmnistGlyphs(fixture('test'), { split: 'val' })).toThrow(/from the train split only/);
    const ds = fixture('train');
    const train = createEmnistGlyphs(ds, { split: 'train' });
    const val = createEmnistGlyphs(ds, { split: 'val' });
    const trainSet = new Set(train.pool);
    expect(Array.from(val.pool).filter((i) => trainSet.has(i))).toEqual([]);
    expect(Array.from(val.pool)).toEqual(Array.from({ length: 8 }, (_, k) => 10 * k + 9));
    expect(train.pool.length + val.pool.length).toBe(ds.count - 1); // all but the blank image
    for (const [c, members] of val.byChar) for (const i of members) expect(CLASSES[ds.labels[i]]).toBe(c);
  });

  test('lines draw only their own pool: many val lines use held-out images only, train lines never', () => {
    const ds = fixture('train');
    const val = createEmnistGlyphs(ds, { split: 'val' });
    const train = createEmnistGlyphs(ds, { split: 'train' });
    const text = 'ax ja 1x'; // classes 1, 3, 5, 7: the only ones with images at index % 10 === 9
    const used = { val: new Set<number>(), train: new Set<number>() };
    for (let seed = 0; seed < 30; seed++) {
      renderEmnistLine(text, val, createRng(seed)).placed.forEach((p) => used.val.add(p.index));
      renderEmnistLine(text, train, createRng(seed)).placed.forEach((p) => used.train.add(p.index));
    }
    used.val.delete(-1);
    used.train.delete(-1);
    expect([...used.val].every((i) => i % 10 === 9)).toBe(true);
    expect([...used.train].some((i) => i % 10 === 9)).toBe(false);
    expect(used.train.size).toBeGreaterThan(10); // it does draw different images
  });
});

describe('renderEmnistLine', () => {
  const glyphs = createEmnistGlyphs(fixture('test'), { split: 'test' });

  test('places each zone: body on the baseline at body height, capitals at cap height, descenders below, ascenders above', () => {
    const line = renderEmnistLine('Aaxglj1', glyphs, createRng(1), STILL);
    const body = 20;
    expect(line.bodyHeight).toBe(body);
    expect(line.text).toBe('Aaxglj1');
    const B = line.baseline;
    const cap = 1.5 * body;
    const asc = cap * 1.05;
    const desc = 0.6 * body;
    const of = (c: string) => {
      const p = line.placed.find((q) => q.char === c)!;
      return { p, e: extent(line, p.x + 1, p.x + p.width - 1) };
    };
    for (const c of ['a', 'x']) {
      const { e } = of(c);
      expect(Math.abs(e.top - (B - body))).toBeLessThanOrEqual(1);
      expect(Math.abs(e.bottom - B)).toBeLessThanOrEqual(1);
    }
    const A = of('A').e;
    expect(Math.abs(A.top - (B - cap))).toBeLessThanOrEqual(1);
    expect(Math.abs(A.bottom - B)).toBeLessThanOrEqual(1);
    expect((A.bottom - A.top) / (of('a').e.bottom - of('a').e.top)).toBeCloseTo(1.5, 1);
    const g = of('g').e;
    expect(Math.abs(g.top - (B - body))).toBeLessThanOrEqual(1);
    expect(Math.abs(g.bottom - (B + desc))).toBeLessThanOrEqual(1);
    const l = of('l').e;
    expect(Math.abs(l.top - (B - asc))).toBeLessThanOrEqual(1);
    expect(Math.abs(l.bottom - B)).toBeLessThanOrEqual(1);
    // j: its dot above the body line, its stem below the baseline.
    const j = of('j').e;
    expect(j.top).toBeLessThan(B - body - 2);
    expect(Math.abs(j.bottom - (B + desc))).toBeLessThanOrEqual(1);
  });

  test('keeps each glyph\'s aspect: widths follow from heights, a narrow 1 or l stays narrow', () => {
    const w = (c: string) => {
      const e = extent(renderEmnistLine(c, glyphs, createRng(2), STILL));
      return { w: e.right - e.left, h: e.bottom - e.top };
    };
    for (const [c, aspect] of [['a', 16 / 14], ['1', 4 / 20], ['l', 4 / 20], ['x', 1]] as const) {
      const { w: width, h } = w(c);
      expect(Math.abs(width - h * aspect)).toBeLessThanOrEqual(1.5);
    }
    expect(w('1').w).toBeLessThan(0.3 * w('1').h);
  });

  test('the same rng seed draws the same line; another seed another', () => {
    const a = renderEmnistLine('Ax gl, 1a', glyphs, createRng(7));
    const b = renderEmnistLine('Ax gl, 1a', glyphs, createRng(7));
    const c = renderEmnistLine('Ax gl, 1a', glyphs, createRng(8));
    expect([a.width, a.height, a.baseline]).toEqual([b.width, b.height, b.baseline]);
    expect(Buffer.from(a.ink.buffer).equals(Buffer.from(b.ink.buffer))).toBe(true);
    expect(a.width === c.width && Buffer.from(a.ink.buffer).equals(Buffer.from(c.ink.buffer))).toBe(false);
  });

  test('default styles stay in range: body height in [10, 30], baseline inside the canvas, margins around the ink', () => {
    for (let seed = 0; seed < 20; seed++) {
      const line = renderEmnistLine('Ax gl, 1a', glyphs, createRng(seed));
      expect(line.bodyHeight).toBeGreaterThanOrEqual(10);
      expect(line.bodyHeight).toBeLessThanOrEqual(30);
      expect(line.baseline - line.bodyHeight).toBeGreaterThan(0);
      expect(line.baseline).toBeLessThan(line.height);
      expect(Math.abs(line.style.slantDegrees)).toBeLessThanOrEqual(15);
      const e = extent(line, 0, line.width, 0.01);
      for (const gap of [e.left, e.top, line.width - e.right, line.height - e.bottom]) {
        expect(gap).toBeGreaterThanOrEqual(Math.floor(0.3 * line.bodyHeight) - 1);
        expect(gap).toBeLessThanOrEqual(Math.ceil(0.3 * line.bodyHeight) + 1);
      }
      let max = 0;
      for (const v of line.ink) max = Math.max(max, v);
      expect(max).toBeLessThanOrEqual(1);
    }
  });

  test('slant shears about the baseline: a vertical bar leans by its height x tan(slant)', () => {
    const line = renderEmnistLine('l', glyphs, createRng(3), { ...STILL, slant: [10, 10], usualSlant: [10, 10] });
    const rowCentre = (y: number) => {
      let s = 0;
      let w = 0;
      for (let x = 0; x < line.width; x++) {
        s += line.ink[y * line.width + x] * (x + 0.5);
        w += line.ink[y * line.width + x];
      }
      return s / w;
    };
    const top = Math.ceil(line.baseline - 30);
    const bottom = Math.floor(line.baseline - 2);
    const lean = rowCentre(top) - rowCentre(bottom);
    expect(lean).toBeCloseTo((bottom - top) * Math.tan((10 * Math.PI) / 180), 0);
  });

  test('punctuation sits where it belongs: comma and period at the baseline (the comma below it), apostrophe above the body, hyphen mid-body', () => {
    const line = renderEmnistLine("a, a. a' a-a", glyphs, createRng(4), STILL);
    const B = line.baseline;
    const body = line.bodyHeight;
    const mark = (c: string) => {
      const p = line.placed.find((q) => q.char === c)!;
      expect(p.index).toBe(-1);
      return extent(line, p.x, p.x + p.width, 0.3);
    };
    const comma = mark(',');
    expect(comma.bottom).toBeGreaterThan(B + 0.15 * body);
    expect(comma.top).toBeGreaterThan(B - 0.4 * body);
    const period = mark('.');
    expect(Math.abs(period.bottom - B)).toBeLessThanOrEqual(1);
    expect(period.top).toBeGreaterThan(B - 0.3 * body);
    const apostrophe = mark("'");
    expect(apostrophe.bottom).toBeLessThan(B - body);
    expect(Math.abs(apostrophe.top - (B - 1.5 * body))).toBeLessThanOrEqual(1);
    const hyphen = mark('-');
    expect(Math.abs((hyphen.top + hyphen.bottom) / 2 - (B - body / 2))).toBeLessThanOrEqual(0.15 * body);
  });

  test('every punctuation mark draws, with ink, inside the canvas', () => {
    const text = '.,\'"-?!:;()/';
    const line = renderEmnistLine(`a${text}a`, glyphs, createRng(5));
    for (const c of text) {
      const p = line.placed.find((q) => q.char === c)!;
      const e = extent(line, p.x, p.x + p.width, 0.3);
      expect(e.bottom).toBeGreaterThan(e.top);
    }
  });

  test('an undotted i gets a pen dot above its body-high stem', () => {
    const undotted = { ...RECTS, i: [[12, 4, 16, 24, 0]] as Rect[] };
    const g = createEmnistGlyphs(fixture('test', undotted), { split: 'test' });
    expect(Number.isNaN(glyphs.undottedStemTop[6])).toBe(true);
    expect(g.undottedStemTop[6]).toBeCloseTo(0.5, 5);
    const line = renderEmnistLine('i', g, createRng(6), STILL);
    // Rows with ink, from the baseline up: the stem, a gap, the dot.
    const inkRows: boolean[] = [];
    for (let y = 0; y < line.height; y++) inkRows.push(line.ink.subarray(y * line.width, (y + 1) * line.width).some((v) => v > 0.5));
    let y = Math.floor(line.baseline) - 1;
    while (inkRows[y - 1]) y--;
    expect(Math.abs(y - (line.baseline - line.bodyHeight))).toBeLessThanOrEqual(1); // the stem's top
    const dotBottom = inkRows.lastIndexOf(true, y - 1) + 1;
    expect(dotBottom).toBeGreaterThan(0);
    expect(y - dotBottom).toBeGreaterThan(0.1 * line.bodyHeight);
  });

  test('a thicker pen draws more ink from the same glyphs', () => {
    const opts = { ...STILL, strokeMatch: 1 };
    const ink = (scale: number) =>
      renderEmnistLine('xaxa', glyphs, createRng(9), { ...opts, strokeScale: [scale, scale] }).ink.reduce((s, v) => s + v, 0);
    expect(ink(1.3)).toBeGreaterThan(ink(1) * 1.05);
    expect(ink(0.8)).toBeLessThan(ink(1) * 0.95);
  });

  test('spaces advance the pen by the word spacing; leading and trailing spaces keep their room', () => {
    const o = { ...STILL, wordSpacing: [1, 1] as [number, number] };
    const one = renderEmnistLine('x x', glyphs, createRng(10), o);
    const [a, b] = one.placed;
    const gap = b.x - (a.x + a.width);
    expect(gap).toBeGreaterThan(0.85 * 20 - 1);
    expect(gap).toBeLessThan(1.15 * 20 + 1);
    const padded = renderEmnistLine(' x ', glyphs, createRng(10), o);
    const tight = renderEmnistLine('x', glyphs, createRng(10), o);
    expect(padded.width).toBeGreaterThan(tight.width + 1.5 * 20);
    expect(padded.text).toBe(' x ');
  });

  test('unknown characters and characters without images are errors naming them and what to do', () => {
    expect(() => renderEmnistLine('ax\u00e9', glyphs, createRng(0))).toThrow(/'\u00e9' \(position 2 of "ax\u00e9"\) is not a line character/);
    expect(() => renderEmnistLine('aQ', glyphs, createRng(0))).toThrow(/no image of 'Q' \(position 1 of "aQ"\) in fixture test/);
    expect(() => renderEmnistLine('  ', glyphs, createRng(0))).toThrow(/nothing to draw/);
    expect(() => renderEmnistLine('a', glyphs, createRng(0), { bodyHeight: [20, 10] })).toThrow(/bodyHeight must be \[min, max\]/);
  });
});

describe('drawStrokes', () => {
  test('a straight stroke covers its length x pen width plus two round caps (area = L w + pi w^2 / 4)', () => {
    const W = 80;
    const H = 30;
    for (const [len, width] of [[40, 4], [25, 7.5]]) {
      const ink = new Float32Array(W * H);
      drawStrokes(ink, W, H, [{ points: [[20, 14.3], [20 + len, 14.3]], width }]);
      const area = ink.reduce((s, v) => s + v, 0);
      const expected = len * width + (Math.PI * width * width) / 4;
      expect(Math.abs(area - expected) / expected).toBeLessThan(0.02);
      // Coverage at a pixel centre: 1 well inside, 0 well outside, 0.5 at the pen's edge.
      expect(ink[14 * W + 40]).toBe(1);
      expect(ink[2 * W + 40]).toBe(0);
    }
    const dot = new Float32Array(W * H);
    drawStrokes(dot, W, H, [{ points: [[10, 10]], width: 6 }]);
    expect(dot[9 * W + 9]).toBe(1);
    expect(dot.reduce((s, v) => s + v, 0)).toBeCloseTo((Math.PI * 36) / 4, 0);
  });
});

// Real EMNIST ByClass with case (../shared/data/emnist62, see its PROVENANCE.md).
const real = path.resolve(__dirname, '..', '..', 'shared', 'data', 'emnist62');
(fs.existsSync(path.join(real, 'emnist62-mapping.txt')) ? describe : describe.skip)('real emnist62', () => {
  test('all 62 classes index; body letters sit between the body line and the baseline, capitals reach cap height', () => {
    const ds = loadEmnistPart('test', { dir: real, split: 'emnist62' });
    expect(ds.classes.join('')).toBe(LINE_CHARSET.slice(0, 62).join(''));
    const glyphs = createEmnistGlyphs(ds, { split: 'test' });
    expect(glyphs.byChar.size).toBe(62);
    expect(glyphs.pool.length).toBeGreaterThan(9000);
    const opts = { ...STILL, bodyHeight: [24, 24] as [number, number] };
    const tops: Record<string, number[]> = { body: [], cap: [] };
    const bottoms: number[] = [];
    for (let seed = 0; seed < 12; seed++) {
      const line = renderEmnistLine('aceo HNEK', glyphs, createRng(seed), opts);
      for (const p of line.placed) {
        const e = extent(line, p.x, p.x + p.width, 0.5);
        const zone = p.char === p.char.toLowerCase() ? 'body' : 'cap';
        tops[zone].push(line.baseline - e.top);
        if (zone === 'body') bottoms.push(e.bottom - line.baseline);
      }
    }
    const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
    // Soft edges: the 0.5-coverage edge sits a little inside the ink box the glyph was sized by.
    expect(Math.abs(median(tops.body) - 24)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(median(bottoms))).toBeLessThanOrEqual(1.5);
    expect(Math.abs(median(tops.cap) - 36)).toBeLessThanOrEqual(1.5);
  });
});
