/**
 * The line recipe's body-height normalisation on generated words whose bands are known exactly:
 * letters are rectangle outlines, body letters h tall on the baseline, ascenders 1.5h, descenders
 * hanging 0.6h below it, capitals 1.4h. The body band estimate (estimateBody), ruled-line removal,
 * a line's deskew, and the scaling that puts the body on given output rows.
 */
import { FloatImage, createImage } from '../src/image/gray';
import { BodyBand, estimateBody, preprocessLineGray } from '../src/image/line';
import { removeRuledLines } from '../src/image/rules';
import { estimateSkew, rotateImage, rotation } from '../src/image/skew';
import { Mask } from '../src/image/threshold';
import { createRng } from '../src/util/rng';

const { abs, max, round } = Math;

interface Word {
  /** White ink on black. */
  ink: FloatImage;
  /** The true band: body letters' top and the baseline (edges, pixels from the top). */
  top: number;
  baseline: number;
}

/**
 * Letters as rectangle outlines: x body, A ascender, g descender, C capital, '.' a dot on the
 * baseline, ',' a comma hanging below it, ' ' a space. Body height h, strokes 0.15h.
 */
function drawWord(pattern: string, h = 20, opts: { width?: number; height?: number; x0?: number; baseline?: number } = {}): Word {
  const t = max(2, round(0.15 * h));
  const letterW = round(0.6 * h);
  const gap = round(0.35 * h);
  const x0 = opts.x0 ?? 30;
  const needed = x0 * 2 + pattern.length * (letterW + gap);
  const width = opts.width ?? needed;
  const height = opts.height ?? 4 * h;
  const baseline = opts.baseline ?? round(2 * h);
  const ink = createImage(width, height);
  const rect = (xa: number, ya: number, xb: number, yb: number) => {
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) ink.data[y * width + x] = 1;
  };
  const outline = (xa: number, ya: number, xb: number, yb: number) => {
    rect(xa, ya, xb, ya + t);
    rect(xa, yb - t, xb, yb);
    rect(xa, ya, xa + t, yb);
    rect(xb - t, ya, xb, yb);
  };
  let x = x0;
  for (const c of pattern) {
    if (c === 'x') outline(x, baseline - h, x + letterW, baseline);
    else if (c === 'A') outline(x, baseline - round(1.5 * h), x + letterW, baseline);
    else if (c === 'g') outline(x, baseline - h, x + letterW, baseline + round(0.6 * h));
    else if (c === 'C') outline(x, baseline - round(1.4 * h), x + letterW, baseline);
    else if (c === '.') rect(x, baseline - t, x + t, baseline);
    else if (c === ',') rect(x, baseline - t, x + t, baseline + round(0.3 * h));
    x += c === '.' || c === ',' ? t + gap : c === ' ' ? round(0.8 * h) : letterW + gap;
  }
  return { ink, top: baseline - h, baseline };
}

/** Paper with dark ink (what a scan gives), a little seeded noise. */
function toPaper(ink: FloatImage, seed = 1): FloatImage {
  const rng = createRng(seed);
  const out = createImage(ink.width, ink.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = 0.92 - 0.8 * ink.data[i] + rng.uniform(-0.02, 0.02);
  return out;
}

function toMask(ink: FloatImage): Mask {
  return { width: ink.width, height: ink.height, data: Uint8Array.from(ink.data, (v) => (v > 0.5 ? 1 : 0)) };
}

function expectBand(found: BodyBand | null, top: number, baseline: number): void {
  expect(found).not.toBeNull();
  const b = found as BodyBand;
  const truth = baseline - top;
  expect(abs(b.bodyHeight / truth - 1)).toBeLessThan(0.1);
  expect(abs(b.baseline - baseline)).toBeLessThanOrEqual(max(1, 0.05 * truth));
}

describe('estimateBody: the body band from the row profile', () => {
  test.each([
    ['a line with ascenders and descenders', 'xAxxgx xAx xxgxA xAxg'],
    ['a 3-letter word', 'Axg'],
    ['a short word ("to")', 'Ax'],
    ['one letter ("a")', 'x'],
    ['punctuation', 'xxA, xgx. xx'],
  ])('%s: within 10%%, baseline within 1 px', (_, pattern) => {
    for (const h of [12, 20, 33]) {
      const w = drawWord(pattern, h);
      expectBand(estimateBody(toMask(w.ink)), w.top, w.baseline);
      expectBand(estimateBody(w.ink), w.top, w.baseline); // an ink image works as well as a mask
    }
  });

  test('capitals only: the body is the cap height', () => {
    const w = drawWord('CCCC CC', 20);
    expectBand(estimateBody(toMask(w.ink)), w.baseline - 28, w.baseline);
  });

  test('slight residual skew (0.5 degrees: the band drifts by 3 px over the word)', () => {
    const w = drawWord('xAxxgx xAx xxgx', 20);
    const turned = rotateImage(w.ink, 0.5).image;
    const rot = rotation(w.ink.width, w.ink.height, 0.5);
    const centre = rot.forward(w.ink.width / 2, w.baseline)[1]; // the baseline crosses the middle here
    const b = estimateBody(toMask(turned)) as BodyBand;
    expect(abs(b.bodyHeight / 20 - 1)).toBeLessThan(0.1);
    expect(abs(b.baseline - centre)).toBeLessThanOrEqual(2);
  });

  test('no ink: null', () => {
    expect(estimateBody(createImage(10, 10))).toBeNull();
  });
});

describe('ruled lines', () => {
  /** The word with a 2 px ruled line across the whole width at `row`. */
  function ruled(w: Word, row: number): FloatImage {
    const ink = { ...w.ink, data: w.ink.data.slice() };
    for (let y = row; y < row + 2; y++) for (let x = 0; x < ink.width; x++) ink.data[y * ink.width + x] = 1;
    return ink;
  }

  test.each([
    ['on the baseline (through the letters\' feet)', 0],
    ['below the words (through the descenders)', 6],
  ])('a ruled line %s is removed; the estimate is the one without it; crossing strokes keep their pixels', (_, below) => {
    const w = drawWord('xAxxgx xAx xxgxA', 20);
    const row = w.baseline - 1 + below;
    const clean = estimateBody(toMask(w.ink)) as BodyBand;
    const mask = toMask(ruled(w, row));
    const out = removeRuledLines(mask, { size: 20 });
    expect(out.count).toBe(1);
    const b = estimateBody(out.mask) as BodyBand;
    // Within a pixel: where a letter's stroke lies on the ruled line, the pixels they share go with it.
    expect(abs(b.top - clean.top)).toBeLessThanOrEqual(1);
    expect(abs(b.baseline - clean.baseline)).toBeLessThanOrEqual(1);
    // Every ink pixel of the ruled line away from letters is gone; the letters' columns are kept.
    const truth = toMask(w.ink);
    let lost = 0;
    let left = 0;
    for (let y = row; y < row + 2; y++) {
      for (let x = 0; x < mask.width; x++) {
        const i = y * mask.width + x;
        if (truth.data[i] && !out.mask.data[i]) lost++;
        if (!truth.data[i] && out.mask.data[i]) left++;
      }
    }
    // Under 10% of the ruled line is left (where strokes cross it, their columns keep it all).
    expect(left).toBeLessThan(0.1 * 2 * mask.width);
    // Only the letters' own horizontal strokes lying on the ruled line can go (their bottom edges).
    expect(out.mask.data.reduce((a, v) => a + v, 0)).toBeGreaterThan(0.9 * truth.data.reduce((a, v) => a + v, 0));
    expect(lost).toBeLessThan(2 * mask.width);
  });

  test('the line recipe takes ruled lines out before measuring: same body as without', () => {
    const w = drawWord('xAxxgx xAx xxgxA', 20);
    const opts = { height: 40, bodyHeight: 14, baselineRow: 26 };
    const plain = preprocessLineGray(toPaper(w.ink), opts);
    const lined = preprocessLineGray(toPaper(ruled(w, w.baseline + 5)), opts);
    expect(plain.ruledLines).toBe(0);
    expect(lined.ruledLines).toBe(1);
    expect(abs((lined.body as BodyBand).bodyHeight - (plain.body as BodyBand).bodyHeight)).toBeLessThanOrEqual(1);
    expect(abs((lined.body as BodyBand).baseline - (plain.body as BodyBand).baseline)).toBeLessThanOrEqual(1);
  });

  test('a capital T\'s bar across most of the image is not a ruled line: it is no longer than the writing is tall', () => {
    const t = createImage(100, 120);
    for (let y = 10; y < 16; y++) for (let x = 10; x < 90; x++) t.data[y * 100 + x] = 1;
    for (let y = 10; y < 110; y++) for (let x = 47; x < 53; x++) t.data[y * 100 + x] = 1;
    expect(removeRuledLines(toMask(t), { size: (writing) => (estimateBody(writing) as BodyBand).bodyHeight }).count).toBe(0);
    expect(preprocessLineGray(toPaper(t), { height: 40, bodyHeight: 14, baselineRow: 26 }).ruledLines).toBe(0);
    expect(preprocessLineGray(toPaper(t), { height: 28 }).ruledLines).toBe(0);
  });

  test('ruled paper with no writing: an empty line and a note', () => {
    const ink = createImage(300, 80);
    for (const row of [20, 60]) for (let y = row; y < row + 2; y++) for (let x = 0; x < 300; x++) ink.data[y * 300 + x] = 1;
    const out = preprocessLineGray(toPaper(ink), { height: 40, bodyHeight: 14, baselineRow: 26 }, 'ruled.png');
    expect(out.empty).toBe(true);
    expect(out.notes.join(' ')).toMatch(/ruled\.png: no writing found, only ruled lines/);
  });

  test('writing alone is left alone: no long thin run, nothing removed', () => {
    const w = drawWord('xAxxgx xAx', 20);
    const out = removeRuledLines(toMask(w.ink), { size: 20 });
    expect(out.count).toBe(0);
    expect(out.removed.every((v) => v === 0)).toBe(true);
  });
});

describe('deskew', () => {
  test('estimateSkew finds the angle a line was turned by', () => {
    const w = drawWord('xAxxgx xAx xxgxA xAxg xx', 20);
    for (const deg of [-8, -3, 0, 4.5]) {
      expect(abs(estimateSkew(toMask(rotateImage(w.ink, deg).image)) - deg)).toBeLessThan(0.4);
    }
  });

  test('rotation maps points there and back; a turned image holds the same ink', () => {
    const rot = rotation(100, 40, 7);
    const [x, y] = rot.inverse(...rot.forward(13, 29));
    expect(abs(x - 13) + abs(y - 29)).toBeLessThan(1e-9);
    const w = drawWord('xAx', 20);
    const sum = (img: FloatImage) => img.data.reduce((a, v) => a + v, 0);
    expect(abs(sum(rotateImage(w.ink, 7).image) / sum(w.ink) - 1)).toBeLessThan(0.01);
    // 90 degrees counter-clockwise as seen: the top-right corner goes to the top-left.
    const img = createImage(4, 2);
    img.data[3] = 1;
    const turned = rotateImage(img, 90).image;
    expect([turned.width, turned.height]).toEqual([2, 4]);
    expect(turned.data[0]).toBeCloseTo(1, 5);
  });

  test('the recipe turns a skewed line level before measuring it (body within 10%)', () => {
    const w = drawWord('xAxxgx xAx xxgxA xAxg', 20, { height: 140, baseline: 70 });
    const out = preprocessLineGray(toPaper(rotateImage(w.ink, 5, { expand: false }).image), { height: 40, bodyHeight: 14, baselineRow: 26 });
    expect(abs(out.skewDegrees - 5)).toBeLessThan(0.5);
    expect(abs((out.body as BodyBand).bodyHeight / 20 - 1)).toBeLessThan(0.1);
  });

  test('short words are not turned (a guess would hurt more than help)', () => {
    const w = drawWord('Axg', 20);
    expect(preprocessLineGray(toPaper(rotateImage(w.ink, 5).image), { height: 40, bodyHeight: 14, baselineRow: 26 }).skewDegrees).toBe(0);
  });
});

describe('scaling by the body', () => {
  /** Edges of the rows whose ink (summed over the columns) is above half the fullest row's: the body band of a fixture. */
  function halfMaxBand(pixels: Float32Array, width: number, height: number): [number, number] {
    const rows = Array.from({ length: height }, (_, y) => pixels.subarray(y * width, (y + 1) * width).reduce((a, v) => a + v, 0));
    const peak = Math.max(...rows);
    const inside = rows.map((v) => v > 0.5 * peak);
    return [inside.indexOf(true), inside.lastIndexOf(true) + 1];
  }

  test.each([6, 12, 20, 45])('body %i px -> rows 12..26 of 40 (within 1 px); width follows the scale', (h) => {
    const w = drawWord('xAxxgx xAx xxgxA', h);
    const out = preprocessLineGray(toPaper(w.ink), { height: 40, bodyHeight: 14, baselineRow: 26 });
    expect(out.height).toBe(40);
    expect(out.pixels).toHaveLength(40 * out.width);
    const [top, bottom] = halfMaxBand(out.pixels, out.width, 40);
    expect(abs(top - 12)).toBeLessThanOrEqual(1);
    expect(abs(bottom - 26)).toBeLessThanOrEqual(1);
    // Scale is per working-image pixel; a body under 16 px is enlarged first (minBodyPixels).
    if (h < 16) expect(out.enlarged).toBeGreaterThan(1.25);
    else expect(out.enlarged).toBe(1);
    expect(abs(out.scale * out.enlarged - 14 / h)).toBeLessThan(0.1 * (14 / h));
    // The ink's width at that scale, plus the margins (3 px at height 40).
    const inkW = (out.inkBox as { width: number }).width;
    expect(out.width).toBe(round(inkW * out.scale) + 2 * 3);
    for (let y = 0; y < 40; y++) for (const x of [0, 1, 2, out.width - 1]) expect(out.pixels[y * out.width + x]).toBe(0);
  });

  test('tall ascenders are cut at the top, never squeezed in', () => {
    const w = drawWord('xxxxxxAxxxx', 20, { height: 150, baseline: 110 });
    // Make the ascender 4h tall: far more than the 12 rows above the body.
    for (let y = 110 - 80; y < 110; y++) for (let x = 30 + 6 * 19; x < 30 + 6 * 19 + 3; x++) w.ink.data[y * w.ink.width + x] = 1;
    const out = preprocessLineGray(toPaper(w.ink), { height: 40, bodyHeight: 14, baselineRow: 26 });
    const [top, bottom] = halfMaxBand(out.pixels, out.width, 40);
    expect(abs(top - 12)).toBeLessThanOrEqual(1);
    expect(abs(bottom - 26)).toBeLessThanOrEqual(1);
    expect(Math.max(...Array.from(out.pixels.subarray(0, out.width)))).toBeGreaterThan(0.5); // ink reaches row 0
  });

  test('without bodyHeight the older median-character scaling is used; half the pair is an error', () => {
    const w = drawWord('xAxxgx', 20);
    const old = preprocessLineGray(toPaper(w.ink), { height: 28 });
    expect(old.foundCharHeight).toBeGreaterThan(0);
    expect(old.skewDegrees).toBe(0);
    expect(() => preprocessLineGray(toPaper(w.ink), { height: 40, bodyHeight: 14 })).toThrow(/bodyHeight and baselineRow together/);
    expect(() => preprocessLineGray(toPaper(w.ink), { height: 40, bodyHeight: 30, baselineRow: 20 })).toThrow(/bodyHeight 30 and baselineRow 20/);
  });
});
