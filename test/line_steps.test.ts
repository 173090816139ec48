/**
 * The line recipe's steps, made fast for training (issue 16), against their definitions: region
 * labels against a flood fill, perimeters, dilation and boxes against brute force, quantiles
 * against a full sort, Otsu against its textbook form, the background fit and ink map against a
 * plain least-squares reference, skew against an exhaustive angle search, a windowed turn against
 * the whole turn, the filled profile against its definition, opaque RGBA against the luma formula.
 */
import { createImage, FloatImage, quantiles } from '../src/image/gray';
import { filledProfile } from '../src/image/line';
import { fitBackground, toInkMap } from '../src/image/lighting';
import { rgbaToGray } from '../src/image/rgba';
import { estimateSkew, rotateImage } from '../src/image/skew';
import { Mask, boundingBoxAbove, connectedComponents, dilate, maskBoundingBox, otsuThreshold, thresholdMask } from '../src/image/threshold';
import { createRng, Rng } from '../src/util/rng';

const { abs, ceil, cos, floor, max, min, PI, round, sin } = Math;

function randomMask(rng: Rng, width: number, height: number, density: number): Mask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < density ? 1 : 0;
  return { width, height, data };
}

/** Flood fill in raster order: the definition of the labels (8-connected, numbered by first pixel). */
function floodFill(mask: Mask): { labels: Int32Array; areas: number[]; edges: number[] } {
  const { width: W, height: H, data } = mask;
  const labels = new Int32Array(W * H);
  const areas = [0];
  const edges = [0];
  const ink = (x: number, y: number) => x >= 0 && y >= 0 && x < W && y < H && data[y * W + x] === 1;
  for (let s = 0; s < W * H; s++) {
    if (!data[s] || labels[s]) continue;
    const id = areas.length;
    let area = 0;
    let edge = 0;
    const stack = [s];
    labels[s] = id;
    while (stack.length) {
      const p = stack.pop() as number;
      const x = p % W;
      const y = (p - x) / W;
      area++;
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) if (!ink(x + dx, y + dy)) edge++;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (ink(x + dx, y + dy) && !labels[(y + dy) * W + x + dx]) {
            labels[(y + dy) * W + x + dx] = id;
            stack.push((y + dy) * W + x + dx);
          }
        }
      }
    }
    areas.push(area);
    edges.push(edge);
  }
  return { labels, areas, edges };
}

describe('masks and regions', () => {
  test('connectedComponents: the labels, areas and perimeters of a flood fill (random masks, every density)', () => {
    const rng = createRng(1);
    for (let t = 0; t < 300; t++) {
      const mask = randomMask(rng, 1 + rng.int(40), 1 + rng.int(40), rng.next());
      const want = floodFill(mask);
      const got = connectedComponents(mask, { edges: true });
      expect(Array.from(got.labels)).toEqual(Array.from(want.labels));
      expect(got.areas).toEqual(want.areas);
      expect(got.edges).toEqual(want.edges);
      expect(connectedComponents(mask).edges).toBeUndefined();
    }
    // A spiral: one region whose provisional labels merge many times.
    const W = 41;
    const spiral = { width: W, height: W, data: new Uint8Array(W * W) };
    for (let r = 0; r < W / 2; r += 2) {
      for (let k = r; k < W - r; k++) {
        spiral.data[r * W + k] = 1;
        spiral.data[(W - 1 - r) * W + k] = 1;
        spiral.data[k * W + r] = 1;
        if (k > r + 1) spiral.data[k * W + W - 1 - r] = 1;
      }
    }
    expect(connectedComponents(spiral).areas).toEqual(floodFill(spiral).areas);
  });

  test('dilate, maskBoundingBox and boundingBoxAbove: as brute force defines them', () => {
    const rng = createRng(2);
    for (let t = 0; t < 200; t++) {
      const W = 1 + rng.int(30);
      const H = 1 + rng.int(30);
      const mask = randomMask(rng, W, H, rng.next() * 0.2);
      const r = rng.int(3);
      const grown = dilate(mask, r).data;
      let wrong = 0;
      let x0 = W;
      let y0 = H;
      let x1 = -1;
      let y1 = -1;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let near = 0;
          for (let yy = max(0, y - r); yy <= min(H - 1, y + r); yy++) for (let xx = max(0, x - r); xx <= min(W - 1, x + r); xx++) near |= mask.data[yy * W + xx];
          if (grown[y * W + x] !== near) wrong++;
          if (!mask.data[y * W + x]) continue;
          [x0, y0, x1, y1] = [min(x0, x), min(y0, y), max(x1, x), max(y1, y)];
        }
      }
      expect(wrong).toBe(0);
      const box = x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
      expect(maskBoundingBox(mask)).toEqual(box);
      const img: FloatImage = { width: W, height: H, data: Float32Array.from(mask.data, (v) => v * rng.uniform(0.2, 1)) };
      expect(boundingBoxAbove(img, 0.5)).toEqual(maskBoundingBox(thresholdMask(img, 0.5)));
    }
  });

  test('filledProfile: each column counts every row from its first to its last ink', () => {
    const rng = createRng(3);
    for (let t = 0; t < 50; t++) {
      const mask = randomMask(rng, 1 + rng.int(30), 2 + rng.int(30), rng.next() * 0.1);
      const y0 = rng.int(mask.height);
      const y1 = y0 + 1 + rng.int(mask.height - y0);
      const want = new Float64Array(y1 - y0 + 2);
      for (let x = 0; x < mask.width; x++) {
        const rows = [];
        for (let y = y0; y < y1; y++) if (mask.data[y * mask.width + x]) rows.push(y);
        if (rows.length) for (let y = rows[0]; y <= rows[rows.length - 1]; y++) want[y - y0 + 1]++;
      }
      expect(Array.from(filledProfile(mask, y0, y1))).toEqual(Array.from(want));
    }
  });
});

describe('statistics', () => {
  test('quantiles: as a full sort gives them (float32), small and large arrays, ties, sorted input', () => {
    const rng = createRng(4);
    const sorted = (v: number[], qs: number[]) => {
      const s = Float32Array.from(v).sort();
      return qs.map((q) => {
        const pos = q * (s.length - 1);
        return s[floor(pos)] + (s[ceil(pos)] - s[floor(pos)]) * (pos - floor(pos));
      });
    };
    for (let t = 0; t < 120; t++) {
      const n = 1 + rng.int(t < 60 ? 50 : 5000); // beyond 600 the selection narrows by sampling
      const kind = t % 4;
      const v = Array.from({ length: n }, (_, i) => (kind === 0 ? rng.next() : kind === 1 ? rng.int(5) : kind === 2 ? i : n - i));
      const qs = [0, 0.1, 0.5, 0.9, 1, rng.next()];
      expect(quantiles(v, qs)).toEqual(sorted(v, qs));
    }
    expect(quantiles([], [0.5])[0]).toBeNaN();
  });

  test("otsuThreshold: the textbook level (maximal between-class variance on 256 bins), with or without the peak given", () => {
    const rng = createRng(5);
    for (let t = 0; t < 40; t++) {
      const img = createImage(60, 40);
      const ink = rng.uniform(0.2, 1);
      for (let i = 0; i < img.data.length; i++) img.data[i] = rng.next() < 0.1 ? ink * rng.uniform(0.7, 1) : max(0, rng.uniform(-0.05, 0.05));
      let top = 0;
      for (const v of img.data) top = max(top, v);
      const hist = new Array(256).fill(0);
      for (const v of img.data) hist[min(255, floor((max(0, v) / top) * 256))]++;
      let best = 0;
      let bestVar = -1;
      for (let k = 0; k < 255; k++) {
        let [n0, s0, n1, s1] = [0, 0, 0, 0];
        for (let b = 0; b < 256; b++) if (b <= k) [n0, s0] = [n0 + hist[b], s0 + b * hist[b]]; else [n1, s1] = [n1 + hist[b], s1 + b * hist[b]];
        if (n0 === 0 || n1 === 0) continue;
        const between = n0 * n1 * (s0 / n0 - s1 / n1) ** 2;
        if (between > bestVar * (1 + 1e-12)) [best, bestVar] = [k, between];
      }
      const level = ((best + 1) / 256) * top;
      expect(abs(otsuThreshold(img) - level)).toBeLessThanOrEqual(top / 256);
      expect(otsuThreshold(img, top)).toBe(otsuThreshold(img));
    }
  });
});

/** The background fit as first written: every sample's basis as an array, least squares by elimination. */
function referenceFit(img: FloatImage): { background: Float64Array; sigma: number } {
  const { width, height } = img;
  const [nx, ny] = [min(64, width), min(64, height)];
  const basis = (x: number, y: number) => {
    const [u, v] = [(2 * x) / (width - 1) - 1, (2 * y) / (height - 1) - 1];
    return [1, u, v, u * u, u * v, v * v];
  };
  const rows: number[][] = [];
  const values: number[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const [x, y] = [round((i * (width - 1)) / (nx - 1)), round((j * (height - 1)) / (ny - 1))];
      rows.push(basis(x, y));
      values.push(img.data[y * width + x]);
    }
  }
  const median = (v: number[]) => quantiles(v, [0.5])[0];
  const level = median(values);
  let sigma = max(0.01, 1.4826 * median(values.map((v) => abs(v - level))));
  let keep = values.map((v) => abs(v - level) <= 2.5 * sigma);
  let coef = [level, 0, 0, 0, 0, 0];
  for (let it = 0; it < 4; it++) {
    const a = Array.from({ length: 6 }, () => new Array(7).fill(0));
    rows.forEach((r, k) => {
      if (!keep[k]) return;
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) a[i][j] += r[i] * r[j];
        a[i][6] += r[i] * values[k];
      }
    });
    for (let c = 0; c < 6; c++) {
      let p = c;
      for (let i = c + 1; i < 6; i++) if (abs(a[i][c]) > abs(a[p][c])) p = i;
      [a[c], a[p]] = [a[p], a[c]];
      for (let i = 0; i < 6; i++) {
        if (i === c) continue;
        const f = a[i][c] / a[c][c];
        for (let j = c; j <= 6; j++) a[i][j] -= f * a[c][j];
      }
    }
    coef = a.map((row, i) => row[6] / row[i]);
    const res = rows.map((r, k) => values[k] - r.reduce((s, b, i) => s + b * coef[i], 0));
    const kept = res.filter((_, k) => keep[k]);
    const med = median(kept);
    sigma = max(0.01, 1.4826 * median(kept.map((r) => abs(r - med))));
    keep = res.map((r) => abs(r - med) <= 2.5 * sigma);
  }
  const background = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) background[y * width + x] = basis(x, y).reduce((s, b, i) => s + b * coef[i], 0);
  return { background, sigma };
}

/** A photo-like page: a lighting gradient and vignette, noise, strokes dark (or light) by `ink`. */
function litPage(rng: Rng, width: number, height: number, ink: number): FloatImage {
  const img = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = [x / width - 0.5, y / height - 0.5];
      let p = 0.8 + 0.1 * u - 0.05 * v - 0.3 * (u * u + v * v) + rng.uniform(-0.02, 0.02);
      if (abs(sin(x / 7) * 10 + height / 2 - y) < 2 && x % 50 < 40) p += ink;
      img.data[y * width + x] = p;
    }
  }
  return img;
}

describe('lighting', () => {
  test('fitBackground and toInkMap: the plain least-squares fit, the ink as the share of light absorbed (or the excess of light ink)', () => {
    const rng = createRng(6);
    for (const [width, height, ink] of [[300, 80, -0.5], [120, 200, -0.3], [500, 64, 0.15], [70, 70, -0.6]] as const) {
      const img = litPage(rng, width, height, ink);
      const want = referenceFit(img);
      const got = fitBackground(img);
      expect(abs(got.sigma - want.sigma)).toBeLessThan(1e-9);
      let worst = 0;
      for (let i = 0; i < want.background.length; i++) worst = max(worst, abs(got.background.data[i] - want.background[i]));
      expect(worst).toBeLessThan(1e-6);
      const map = toInkMap(img);
      expect(map.inverted).toBe(ink < 0);
      let mean = 0;
      for (const b of got.background.data) mean += b;
      mean /= got.background.data.length;
      expect(map.sigma).toBeCloseTo(ink < 0 ? want.sigma / mean : want.sigma, 9);
      let peak = 0;
      let off = 0;
      for (let i = 0; i < img.data.length; i++) {
        const b = got.background.data[i];
        const r = img.data[i] - b;
        const v = max(0, ink < 0 ? -r / max(0.05, b) : r);
        off = max(off, abs(map.image.data[i] - v));
        peak = max(peak, map.image.data[i]);
      }
      expect(off).toBeLessThan(1e-6);
      expect(map.peak).toBe(peak);
      // Forcing the polarity gives the same map as deciding it.
      expect(Array.from(toInkMap(img, { polarity: ink < 0 ? 'dark-ink' : 'light-ink' }).image.data)).toEqual(Array.from(map.image.data));
    }
  });
});

describe('skew and turning', () => {
  /** A mask of text-like rows turned by `degrees`: dashes of ink on a few baselines. */
  function turnedLines(rng: Rng, degrees: number, width: number, rows: number): Mask {
    const height = round(width * 0.25 + rows * 30);
    const mask = { width, height, data: new Uint8Array(width * height) };
    const t = (degrees * PI) / 180;
    for (let r = 0; r < rows; r++) {
      for (let x = 20; x < width - 20; x++) {
        if (x % 23 > 15) continue;
        for (let dy = 0; dy < 14; dy++) {
          if (dy > 2 && dy < 11 && x % 23 > 3 && x % 23 < 12) continue; // letter-like holes
          const cx = x - width / 2;
          const cy = height / 2 + (r - (rows - 1) / 2) * 30 + dy - 7;
          const sx = round(width / 2 + cx * cos(t) + (cy - height / 2) * sin(t));
          const sy = round(height / 2 - cx * sin(t) + (cy - height / 2) * cos(t));
          if (sx >= 0 && sy >= 0 && sx < width && sy < height) mask.data[sy * width + sx] = 1;
        }
      }
      if (rng.next() < 0.5) mask.data[rng.int(width * height)] = 1;
    }
    return mask;
  }

  /** The search as first written: every coarse angle and every fine angle on all pixels, parabola through the best three. */
  function exhaustiveSkew(mask: Mask, maxDegrees = 10): number {
    const pts: Array<[number, number]> = [];
    for (let y = 0; y < mask.height; y++) for (let x = 0; x < mask.width; x++) if (mask.data[y * mask.width + x]) pts.push([x - mask.width / 2, y - mask.height / 2]);
    const sharp = (deg: number, bin: number) => {
      const [s, c] = [sin((deg * PI) / 180) / bin, cos((deg * PI) / 180) / bin];
      const half = (mask.width + mask.height) / (2 * bin) + 2;
      const rows = new Float64Array(ceil(2 * half) + 2);
      for (const [x, y] of pts) {
        const r = x * s + y * c + half;
        const f = r - floor(r);
        rows[floor(r)] += 1 - f;
        rows[floor(r) + 1] += f;
      }
      return rows.reduce((a, v) => a + v * v, 0);
    };
    const bin = max(1, max(mask.width, mask.height) / 512);
    let best = 0;
    let bestScore = -1;
    for (let a = -maxDegrees; a <= maxDegrees + 1e-9; a += 1) {
      const sc = sharp(a, bin);
      if (sc > bestScore) [best, bestScore] = [a, sc];
    }
    const angles: number[] = [];
    for (let a = max(-maxDegrees, best - 1); a <= min(maxDegrees, best + 1) + 1e-9; a += 0.1) angles.push(a);
    const scores = angles.map((a) => sharp(a, 1));
    let k = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[k]) k = i;
    let angle = angles[k];
    if (k > 0 && k < scores.length - 1) {
      const d = scores[k - 1] - 2 * scores[k] + scores[k + 1];
      if (d < 0) angle += (0.05 * (scores[k - 1] - scores[k + 1])) / d;
    }
    return scores[k] >= 1.02 * sharp(0, 1) ? angle : 0;
  }

  test('estimateSkew: the exhaustive search\'s angle (coarse on pooled ink, then a climb), lines of any length', () => {
    const rng = createRng(7);
    for (const [degrees, width, rows] of [[3.3, 600, 1], [-7.2, 900, 1], [1.2, 300, 2], [-1.6, 1200, 1], [9.1, 500, 3], [-4.45, 250, 1]] as const) {
      const mask = turnedLines(rng, degrees, width, rows);
      const want = exhaustiveSkew(mask);
      expect(abs(estimateSkew(mask) - want)).toBeLessThan(1e-9);
      expect(abs(want - degrees)).toBeLessThan(0.3);
    }
  });

  test('rotateImage with a window and crop: the whole turn\'s pixels within the window\'s reach, nothing outside it', () => {
    const rng = createRng(8);
    for (const degrees of [2.5, -6, 0.3, 11]) {
      const img = createImage(160, 70);
      const win = { x: 30, y: 15, width: 90, height: 35 };
      for (let y = win.y; y < win.y + win.height; y++) for (let x = win.x; x < win.x + win.width; x++) img.data[y * 160 + x] = rng.next() < 0.3 ? rng.next() : 0;
      const whole = rotateImage(img, degrees);
      const part = rotateImage(img, degrees, { window: win, crop: true });
      expect([part.rotation.width, part.rotation.height]).toEqual([whole.rotation.width, whole.rotation.height]);
      let inside = 0;
      let off = 0;
      let outside = 0;
      const { x: bx, y: by, width: bw, height: bh } = part.box;
      for (let y = 0; y < whole.rotation.height; y++) {
        for (let x = 0; x < whole.rotation.width; x++) {
          const v = whole.image.data[y * whole.rotation.width + x];
          if (x >= bx && y >= by && x < bx + bw && y < by + bh) {
            off = max(off, abs(part.image.data[(y - by) * bw + x - bx] - v));
            inside += v;
          } else outside += v;
        }
      }
      expect(off).toBeLessThan(1e-6);
      expect(outside).toBe(0);
      expect(inside).toBeGreaterThan(0);
      // Without crop, the window only spares the work: the canvas is whole.
      const windowed = rotateImage(img, degrees, { window: win });
      expect(windowed.image.width).toBe(whole.rotation.width);
    }
  });
});

test('rgbaToGray of an opaque image: Rec. 601 luma of each pixel', () => {
  const rng = createRng(9);
  const [W, H] = [37, 23];
  const data = new Uint8Array(W * H * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : rng.int(256);
  const { image, fromAlpha } = rgbaToGray({ width: W, height: H, data });
  expect(fromAlpha).toBe(false);
  for (let i = 0; i < W * H; i++) {
    expect(abs(image.data[i] - (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255)).toBeLessThan(1e-6);
  }
});
