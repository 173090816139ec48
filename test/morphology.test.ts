/**
 * Square min/max filters and the opening (src/image/morphology.ts) against their definition, and
 * the shadow-aware ink maps (src/image/lighting.ts): strokes on paper half in a sharp-edged shadow.
 */
import { closing, opening, squareFilter } from '../src/image/morphology';
import { toInkMap, unevenLight } from '../src/image/lighting';
import { createImage } from '../src/image/gray';
import { createRng } from '../src/util/rng';

/** The definition: extreme over the (2r+1)-square around each pixel, clipped at the edges. */
function bruteFilter(src: Float32Array, w: number, h: number, r: number, op: 'min' | 'max'): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let e = op === 'min' ? Infinity : -Infinity;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) e = op === 'min' ? Math.min(e, src[yy * w + xx]) : Math.max(e, src[yy * w + xx]);
      }
      out[y * w + x] = e;
    }
  }
  return out;
}

describe('squareFilter', () => {
  test.each([
    // 300 and 530 wide: more columns than one strip of the column pass holds.
    [1, 1, 0], [7, 5, 1], [13, 9, 2], [9, 17, 4], [20, 3, 6], [5, 5, 10], [300, 6, 2], [530, 4, 1],
  ])('%ix%i, radius %i: min and max equal the definition', (w, h, r) => {
    const rng = createRng(w * 100 + h * 10 + r);
    const src = Float32Array.from({ length: w * h }, () => rng.next());
    for (const op of ['min', 'max'] as const) expect(squareFilter(src, w, h, r, op)).toEqual(bruteFilter(src, w, h, r, op));
  });

  test('bad radius or size is an error that names it', () => {
    expect(() => squareFilter(new Float32Array(4), 2, 2, 1.5, 'min')).toThrow(/radius must be an integer/);
    expect(() => squareFilter(new Float32Array(5), 2, 2, 1, 'min')).toThrow(/5 values are not 2x2/);
  });
});

describe('opening', () => {
  test('keeps a bright square wider than the window and removes a thinner bright line', () => {
    const [w, h] = [30, 20];
    const src = new Float32Array(w * h);
    for (let y = 2; y < 12; y++) for (let x = 2; x < 12; x++) src[y * w + x] = 1; // 10x10 square
    for (let y = 0; y < h; y++) src[y * w + 20] = 1; // 1-px line
    const out = opening(src, w, h, 2); // window 5
    expect(out[6 * w + 6]).toBe(1);
    expect(out[2 * w + 2]).toBe(1); // corners of a square survive a square window
    expect(Math.max(...Array.from({ length: h }, (_, y) => out[y * w + 20]))).toBe(0);
  });
});

describe('closing', () => {
  /** The definition on the image continued by its edge pixels: min over the window of max over the window. */
  function bruteClosing(src: Float32Array, w: number, h: number, r: number): Float32Array {
    const at = (x: number, y: number) => src[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
    const dilated = (x: number, y: number) => {
      let e = -Infinity;
      for (let yy = y - r; yy <= y + r; yy++) for (let xx = x - r; xx <= x + r; xx++) e = Math.max(e, at(xx, yy));
      return e;
    };
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let e = Infinity;
        for (let yy = y - r; yy <= y + r; yy++) for (let xx = x - r; xx <= x + r; xx++) e = Math.min(e, dilated(xx, yy));
        out[y * w + x] = e;
      }
    }
    return out;
  }

  test.each([[1, 1, 0], [9, 7, 1], [12, 10, 2], [6, 15, 3]])('%ix%i, radius %i: equals the definition', (w, h, r) => {
    const rng = createRng(w * 31 + h * 7 + r);
    const src = Float32Array.from({ length: w * h }, () => rng.next());
    expect(closing(src, w, h, r)).toEqual(bruteClosing(src, w, h, r));
  });

  test('fills a dark line thinner than the window, keeps a slanted shadow edge up to the border', () => {
    const [w, h] = [40, 30];
    const src = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) src[y * w + x] = x + 0.5 * y >= 20 ? 0.4 : 1;
    for (let y = 0; y < 20; y++) src[y * w + 5] = 0; // a 1-px stroke on the lit side, clear of the shadow
    const out = closing(src, w, h, 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(out[y * w + x]).toBe(Math.fround(x + 0.5 * y >= 20 ? 0.4 : 1));
  });
});

describe('toInkMap with shadows', () => {
  // Paper 0.9 with a sharp shadow (0.55) over the right 45% and a dark 3-px stroke (0.2 of the light) across both.
  const [w, h] = [120, 80];
  const img = createImage(w, h);
  const rng = createRng(3);
  const shaded = (x: number) => x >= 66;
  const isStroke = (x: number, y: number) => y >= 38 && y < 41 && x >= 20 && x < 100;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const light = shaded(x) ? 0.55 : 0.9;
      img.data[y * w + x] = (isStroke(x, y) ? 0.2 * light : light) + 0.01 * (rng.next() - 0.5);
    }
  }
  const inkAt = (map: Float32Array, pred: (x: number, y: number) => boolean) => {
    let s = 0, n = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (pred(x, y)) { s += map[y * w + x]; n++; }
    return s / n;
  };

  test('the shadow is background: ink only on the stroke, as strong in the shadow as in the light', () => {
    const ink = toInkMap(img, { shadows: true });
    expect(ink.inverted).toBe(true);
    const paperInShadow = inkAt(ink.image.data, (x, y) => shaded(x) && !isStroke(x, y) && Math.abs(y - 39) > 4 && Math.abs(x - 66) > 2);
    const strokeLit = inkAt(ink.image.data, (x, y) => isStroke(x, y) && !shaded(x));
    const strokeShaded = inkAt(ink.image.data, (x, y) => isStroke(x, y) && shaded(x) && x > 70);
    expect(paperInShadow).toBeLessThan(0.02);
    expect(strokeLit).toBeGreaterThan(0.7);
    expect(strokeShaded).toBeGreaterThan(0.7);
  });

  test('without it, the smooth surface leaves the shadow as ink (why the character recipe turns it on)', () => {
    const ink = toInkMap(img);
    const paperInShadow = inkAt(ink.image.data, (x, y) => shaded(x) && !isStroke(x, y) && Math.abs(y - 39) > 4 && x > 90);
    expect(paperInShadow).toBeGreaterThan(0.1);
  });
});

describe("toInkMap with 'local' lighting (pages)", () => {
  const [w, h] = [160, 100];
  /** Paper `paper` under `light(x, y)`, rows of short strokes `width` px wide every `pitch` px (dense writing), noise +-0.005. */
  function page(paper: number, inkLevel: number, light: (x: number, y: number) => number, width = 2, pitch = 7) {
    const img = createImage(w, h);
    const rng = createRng(5);
    const isStroke = (x: number, y: number) => (y % 30) >= 10 && (y % 30) < 22 && x >= 8 && x < w - 8 && (x % pitch) < width;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = (isStroke(x, y) ? inkLevel : paper) * light(x, y) + 0.01 * (rng.next() - 0.5);
    return { img, isStroke };
  }
  const mean = (map: Float32Array, pred: (x: number, y: number) => boolean) => {
    let s = 0, n = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (pred(x, y)) { s += map[y * w + x]; n++; }
    return s / n;
  };
  const shadow = (x: number, y: number) => (x + 0.3 * y >= 90 ? 0.45 : 1);
  const nearEdge = (x: number, y: number) => Math.abs(x + 0.3 * y - 90) < 3;

  test('writing across a sharp shadow: the shadow is paper, the strokes as strong in it as in the light', () => {
    const { img, isStroke } = page(0.9, 0.2, shadow);
    const ink = toInkMap(img, { lighting: 'local' });
    expect(ink.inverted).toBe(true);
    const paper = (x: number, y: number) => !isStroke(x, y) && !isStroke(x - 1, y) && !isStroke(x + 1, y) && !nearEdge(x, y);
    expect(mean(ink.image.data, (x, y) => paper(x, y) && shadow(x, y) < 1)).toBeLessThan(0.02);
    expect(mean(ink.image.data, (x, y) => paper(x, y) && shadow(x, y) === 1)).toBeLessThan(0.02);
    const lit = mean(ink.image.data, (x, y) => isStroke(x, y) && shadow(x, y) === 1);
    const shaded = mean(ink.image.data, (x, y) => isStroke(x, y) && shadow(x, y) < 1 && !nearEdge(x, y));
    expect(lit).toBeGreaterThan(0.7);
    expect(shaded).toBeGreaterThan(0.7);
    expect(Math.abs(lit - shaded)).toBeLessThan(0.05);
  });

  test('unevenLight: a sharp shadow is, a smooth gradient or vignette is not, nor even light', () => {
    expect(unevenLight(page(0.9, 0.2, shadow).img)).toBe(true);
    expect(unevenLight(page(0.9, 0.2, () => 1).img)).toBe(false);
    expect(unevenLight(page(0.9, 0.2, (x, y) => 1 - 0.4 * (x / w) - 0.2 * ((y - h / 2) / h) ** 2).img)).toBe(false);
  });

  test('light ink (chalk on a board) with a bright patch: light polarity, the patch is board', () => {
    const patch = (x: number, y: number) => (x > 100 && y < 60 ? 1.8 : 1);
    const { img, isStroke } = page(0.3, 0.85, patch);
    const ink = toInkMap(img, { lighting: 'local' });
    expect(ink.inverted).toBe(false);
    const board = (x: number, y: number) => !isStroke(x, y) && !isStroke(x - 1, y) && !isStroke(x + 1, y) && Math.abs(x - 100) > 2 && Math.abs(y - 60) > 2;
    expect(mean(ink.image.data, (x, y) => board(x, y) && patch(x, y) > 1)).toBeLessThan(0.02);
    expect(mean(ink.image.data, (x, y) => isStroke(x, y) && patch(x, y) === 1)).toBeGreaterThan(0.4);
  });

  test('the window follows the writing: strokes 9 px wide are ink to their middle', () => {
    const { img, isStroke } = page(0.9, 0.2, () => 1, 9, 22);
    const ink = toInkMap(img, { lighting: 'local' });
    const middle = (x: number, y: number) => isStroke(x, y) && (x % 22) === 4;
    expect(mean(ink.image.data, middle)).toBeGreaterThan(0.7);
  });

  test('blank paper under a shadow: nothing is ink, up to the border', () => {
    const img = createImage(w, h);
    const rng = createRng(9);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = 0.9 * shadow(x, y) + 0.01 * (rng.next() - 0.5);
    const ink = toInkMap(img, { lighting: 'local' });
    expect(ink.peak).toBeLessThan(0.05);
    expect(ink.sigma).toBeLessThan(0.02);
  });
});
