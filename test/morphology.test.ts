/**
 * Square min/max filters and the opening (src/image/morphology.ts) against their definition, and
 * the shadow-aware ink map (src/image/lighting.ts): a stroke on paper half in a sharp-edged shadow.
 */
import { opening, squareFilter } from '../src/image/morphology';
import { toInkMap } from '../src/image/lighting';
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
    [1, 1, 0], [7, 5, 1], [13, 9, 2], [9, 17, 4], [20, 3, 6], [5, 5, 10],
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
