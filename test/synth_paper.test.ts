import { preprocessLineRgba } from '../src/image/line';
import { RgbaImage } from '../src/image/rgba';
import { InkLine, createInkLine } from '../src/synth/ink';
import { forwardDct8x8, inverseDct8x8, jpegRoundTrip } from '../src/synth/jpeg';
import { gaussianBlur } from '../src/image/blur';
import { PAPER_PRESETS, PaperOptions, drawPaperLook, motionBlur, putOnPaper, renderPaper } from '../src/synth/paper';
import { createRng } from '../src/util/rng';

// Fixtures: a filled band (the body zone) and a row of strokes, at body height 16.
const BODY = 16;

/** Coverage 1 between baseline - BODY and baseline, columns 20..179, in a 200 x 60 line. */
function bandLine(): InkLine {
  const line = createInkLine(200, 60, 40, BODY, 'band');
  for (let y = 40 - BODY; y < 40; y++) for (let x = 20; x < 180; x++) line.ink[y * 200 + x] = 1;
  return line;
}

/** Strokes 3 px wide and BODY tall (every 4th one an ascender), like a word of l's and i's. */
function strokesLine(): InkLine {
  const line = createInkLine(260, 60, 40, BODY, 'strokes');
  for (let s = 0; s < 20; s++) {
    const top = s % 4 === 0 ? 40 - 1.8 * BODY : 40 - BODY;
    for (let y = Math.round(top); y < 40; y++) for (let x = 20 + 11 * s; x < 23 + 11 * s; x++) line.ink[y * 260 + x] = 1;
  }
  return line;
}

/** Strength 1 geometry (rotation, keystone, scale, margins) with every photometric effect off. */
const GEOMETRY_ONLY: PaperOptions = {
  strength: 1,
  invertedProbability: 0,
  ruledProbability: 0,
  neighbourProbability: 0,
  maxBlur: 0,
  motionBlurProbability: 0,
  maxNoise: 0,
  saltPepperProbability: 0,
  jpegProbability: 0,
  lowContrastProbability: 0,
  maxGradient: 0,
  shadowProbability: 0,
  maxVignette: 0,
  maxTexture: 0,
  maxGrain: 0,
  exposure: [1, 1],
  gamma: [1, 1],
  maxPressure: 0,
};

function luma(img: RgbaImage, x: number, y: number): number {
  const p = 4 * (y * img.width + x);
  return 0.299 * img.data[p] + 0.587 * img.data[p + 1] + 0.114 * img.data[p + 2];
}

/** Mean luma of rows [y0, y1) over columns [x0, x1). */
function meanLuma(img: RgbaImage, x0: number, x1: number, y0: number, y1: number): number {
  let s = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += luma(img, x, y);
  return s / ((x1 - x0) * (y1 - y0));
}

describe('putOnPaper', () => {
  it('is deterministic by seed', () => {
    const line = strokesLine();
    const a = putOnPaper(line, createRng(11));
    const b = putOnPaper(line, createRng(11));
    const c = putOnPaper(line, createRng(12));
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.baseline).toBe(b.baseline);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });

  it('clean preset: white paper, black ink where coverage is 1, the band where baseline and bodyHeight say', () => {
    for (let seed = 0; seed < 5; seed++) {
      const { image, baseline, bodyHeight } = putOnPaper(bandLine(), createRng(seed), PAPER_PRESETS.clean);
      expect(bodyHeight).toBe(BODY);
      expect(Number.isInteger(baseline)).toBe(true);
      // Margins of 0.5..3 body heights on each side of the 160 x 16 band.
      expect(image.width - 160).toBeGreaterThanOrEqual(2 * 0.5 * BODY);
      expect(image.width - 160).toBeLessThanOrEqual(2 * 3 * BODY + 1);
      expect(image.height - BODY).toBeGreaterThanOrEqual(2 * 0.5 * BODY);
      expect(image.height - BODY).toBeLessThanOrEqual(2 * 3 * BODY + 1);
      let left = -1;
      for (let x = 0; x < image.width && left < 0; x++) if (image.data[4 * ((baseline - 1) * image.width + x)] === 0) left = x;
      expect(left).toBeGreaterThanOrEqual(0.5 * BODY);
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          const inBand = y >= baseline - BODY && y < baseline && x >= left && x < left + 160;
          const p = 4 * (y * image.width + x);
          const want = inBand ? 0 : 255;
          if (image.data[p] !== want || image.data[p + 1] !== want || image.data[p + 2] !== want || image.data[p + 3] !== 255) {
            throw new Error(`seed ${seed}: pixel (${x}, ${y}) is ${Array.from(image.data.subarray(p, p + 4))}, expected ${want}`);
          }
        }
      }
    }
  });

  it('baseline and bodyHeight follow rotation, keystone and scale (the band found at the ink centre)', () => {
    const line = bandLine();
    for (let seed = 0; seed < 12; seed++) {
      const look = drawPaperLook(line, createRng(seed), GEOMETRY_ONLY);
      look.inkGrain = 0; // a pencil's grain would punch holes in the band
      const { image, baseline, bodyHeight } = renderPaper(line, look);
      expect(bodyHeight).toBeCloseTo(BODY * look.scale, 9);
      expect(bodyHeight).toBeGreaterThanOrEqual(8);
      // The band's centre column: the image centre, give or take the unequal margins.
      const cx = Math.round((look.margins.left * bodyHeight + (image.width - look.margins.right * bodyHeight)) / 2);
      const dark: number[] = [];
      for (let y = 0; y < image.height; y++) if (luma(image, cx, y) < 127.5) dark.push(y);
      const top = dark[0];
      const bottom = dark[dark.length - 1] + 1;
      expect(dark.length).toBe(bottom - top); // one band
      expect(Math.abs(bottom - baseline)).toBeLessThanOrEqual(1);
      expect(Math.abs(bottom - top - bodyHeight)).toBeLessThanOrEqual(1.5);
      // At least the drawn margin of paper above and below (rotation only adds to it away from the ends).
      expect(top).toBeGreaterThanOrEqual(look.margins.top * bodyHeight - 1);
      expect(image.height - bottom).toBeGreaterThanOrEqual(look.margins.bottom * bodyHeight - 1);
    }
  });

  it('inverted polarity: light ink on a dark board', () => {
    const line = bandLine();
    for (let seed = 0; seed < 6; seed++) {
      const look = drawPaperLook(line, createRng(seed), { invertedProbability: 1, neighbourProbability: 0 });
      expect(look.inverted).toBe(true);
      const { image, baseline, bodyHeight } = renderPaper(line, look);
      const cx = Math.round(image.width / 2);
      const ink = meanLuma(image, cx - 5, cx + 5, Math.round(baseline - 0.7 * bodyHeight), Math.round(baseline - 0.3 * bodyHeight));
      const paper = meanLuma(image, 0, image.width, 0, Math.max(1, Math.floor(0.4 * look.margins.top * bodyHeight)));
      expect(paper).toBeLessThan(140);
      expect(ink - paper).toBeGreaterThan(20);
    }
  });

  it('faded ink keeps its contrast floor; rules stay lighter than the ink', () => {
    const line = strokesLine();
    const lum = (c: number[]): number => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
    for (let seed = 0; seed < 300; seed++) {
      const look = drawPaperLook(line, createRng(seed), { lowContrastProbability: 1, ruledProbability: 1, invertedProbability: 0.3 });
      const p = lum(look.paper);
      const i = lum(look.ink);
      if (look.inverted) expect(i - p).toBeGreaterThanOrEqual(0.25 - 1e-9);
      else expect((p - i) / p).toBeGreaterThanOrEqual(0.25 - 1e-9);
      if (look.rules) expect(look.rules.alpha * (p - lum(look.rules.colour))).toBeLessThanOrEqual(0.5 * (p - i) + 1e-9);
    }
  });

  it('a neighbouring line shows only at the edge, with paper between it and the line', () => {
    const line = bandLine();
    let seen = 0;
    for (let seed = 0; seed < 12; seed++) {
      const look = drawPaperLook(line, createRng(seed), { ...GEOMETRY_ONLY, neighbourProbability: 1, margin: [2, 2] });
      look.inkGrain = 0; // a pencil's grain would punch holes in the dark rows
      const above = look.neighbours.above;
      if (!above) continue;
      const { image, bodyHeight } = renderPaper(line, look);
      const dark: boolean[] = [];
      for (let y = 0; y < image.height; y++) {
        let any = false;
        for (let x = 0; x < image.width && !any; x++) any = luma(image, x, y) < 127.5;
        dark.push(any);
      }
      if (!dark[0]) continue; // reaching less than half a pixel in: nothing to see
      seen++;
      // The neighbour's ink reaches at most `depth` into the frame, then paper, then this line.
      let end = 0;
      while (dark[end]) end++;
      expect(end).toBeLessThanOrEqual(above.depth * bodyHeight + 1);
      expect(dark.slice(end).indexOf(true)).toBeGreaterThan(0.2 * bodyHeight);
    }
    expect(seen).toBeGreaterThan(3);
  });

  it('stays within 0..255 without wrapping: burnt-out paper stays white, noise does not wrap', () => {
    const line = bandLine();
    const opts: PaperOptions = { ...GEOMETRY_ONLY, exposure: [1.6, 1.6], maxNoise: 8 / 255, saltPepperProbability: 0 };
    for (let seed = 0; seed < 4; seed++) {
      const look = drawPaperLook(line, createRng(seed), opts);
      look.noise = 8 / 255;
      const { image } = renderPaper(line, look);
      let min = 255;
      for (let y = 0; y < 4; y++) for (let x = 0; x < image.width; x++) min = Math.min(min, luma(image, x, y));
      expect(min).toBeGreaterThan(200); // paper at 255 + noise clips at 255; wrapping would give ~0
    }
  });

  it('the line recipe finds the ink at moderate strength', () => {
    const line = strokesLine();
    for (let seed = 0; seed < 6; seed++) {
      const { image } = putOnPaper(line, createRng(seed), { strength: 0.5 });
      const pre = preprocessLineRgba(image, {}, `seed ${seed}`);
      expect(pre.empty).toBe(false);
      expect(pre.foundCharHeight).toBeGreaterThan(0);
    }
  });

  it('rejects a strength outside [0, 1] and an ink line of the wrong size', () => {
    expect(() => putOnPaper(bandLine(), createRng(0), { strength: 1.5 })).toThrow(/strength/);
    const bad = { ...bandLine(), ink: new Float32Array(10) };
    expect(() => putOnPaper(bad, createRng(0))).toThrow(/200 x 60/);
  });
});

describe('blurs', () => {
  /** A 40 x 30 plane with a random patch away from the edges. */
  function patch(): Float32Array {
    const rng = createRng(3);
    const plane = new Float32Array(40 * 30);
    for (let y = 10; y < 20; y++) for (let x = 10; x < 30; x++) plane[y * 40 + x] = rng.next();
    return plane;
  }
  const mean = (p: Float32Array): number => p.reduce((a, b) => a + b, 0) / p.length;

  it('conserve the mean within 1%', () => {
    const plane = patch();
    for (const sigma of [0.5, 1.3, 2.5]) expect(Math.abs(mean(gaussianBlur(plane, 40, 30, sigma)) / mean(plane) - 1)).toBeLessThan(0.01);
    for (const [length, angle] of [
      [2, 0],
      [4.5, 0.7],
      [6, Math.PI / 2],
    ]) {
      expect(Math.abs(mean(motionBlur(plane, 40, 30, length, angle)) / mean(plane) - 1)).toBeLessThan(0.01);
    }
  });

  it('Gaussian blur of an impulse is the normalised sampled Gaussian', () => {
    const plane = new Float32Array(31 * 31);
    plane[15 * 31 + 15] = 1;
    const sigma = 1.7;
    const out = gaussianBlur(plane, 31, 31, sigma);
    const r = Math.ceil(3 * sigma);
    let norm = 0;
    for (let k = -r; k <= r; k++) norm += Math.exp((-k * k) / (2 * sigma * sigma));
    for (let dy = -r - 1; dy <= r + 1; dy++) {
      for (let dx = -r - 1; dx <= r + 1; dx++) {
        const inside = Math.abs(dx) <= r && Math.abs(dy) <= r;
        const want = inside ? Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) / (norm * norm) : 0;
        expect(out[(15 + dy) * 31 + 15 + dx]).toBeCloseTo(want, 6);
      }
    }
  });

  it('motion blur of an impulse is a streak of equal weights along the angle', () => {
    const plane = new Float32Array(21 * 21);
    plane[10 * 21 + 10] = 1;
    const out = motionBlur(plane, 21, 21, 4, 0); // taps at -2..2: five pixels of 1/5
    for (let x = 0; x < 21; x++) expect(out[10 * 21 + x]).toBeCloseTo(Math.abs(x - 10) <= 2 ? 0.2 : 0, 6);
    expect(out[9 * 21 + 10]).toBe(0);
  });
});

describe('JPEG', () => {
  it('the 8x8 DCT matches the definition, and the inverse undoes it', () => {
    const rng = createRng(5);
    const block = Array.from({ length: 64 }, () => rng.uniform(-128, 128));
    const fast = new Float64Array(64);
    forwardDct8x8(block, fast);
    for (let v = 0; v < 8; v++) {
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) s += block[y * 8 + x] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
        const cu = u === 0 ? Math.SQRT1_2 : 1;
        const cv = v === 0 ? Math.SQRT1_2 : 1;
        expect(fast[v * 8 + u]).toBeCloseTo((cu * cv * s) / 4, 9);
      }
    }
    const back = new Float64Array(64);
    inverseDct8x8(fast, back);
    for (let k = 0; k < 64; k++) expect(back[k]).toBeCloseTo(block[k], 9);
  });

  function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbaImage {
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data.set([...pixel(x, y), 255], 4 * (y * width + x));
      }
    }
    return { width, height, data };
  }
  const maxDiff = (a: RgbaImage, b: RgbaImage): number => a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i])), 0);
  const meanDiff = (a: RgbaImage, b: RgbaImage): number => a.data.reduce((s, v, i) => s + Math.abs(v - b.data[i]), 0) / a.data.length;

  it('quality 100 changes pixels by at most 2 (colour without subsampling; gray with it)', () => {
    const rng = createRng(9);
    const noisy = image(37, 29, () => [rng.int(256), rng.int(256), rng.int(256)]);
    expect(maxDiff(jpegRoundTrip(noisy, 100, { subsampleChroma: false }), noisy)).toBeLessThanOrEqual(2);
    const gray = image(37, 29, () => {
      const v = rng.int(256);
      return [v, v, v];
    });
    expect(maxDiff(jpegRoundTrip(gray, 100), gray)).toBeLessThanOrEqual(2);
  });

  it('lower quality loses more, in 8x8 blocks', () => {
    const rng = createRng(4);
    const photo = image(48, 32, (x, y) => {
      const v = 128 + 60 * Math.sin(x / 3) * Math.cos(y / 4) + rng.uniform(-20, 20);
      return [v, v * 0.9, v * 0.8];
    });
    const errors = [90, 60, 30].map((q) => meanDiff(jpegRoundTrip(photo, q), photo));
    expect(errors[0]).toBeGreaterThan(0);
    expect(errors[1]).toBeGreaterThan(errors[0]);
    expect(errors[2]).toBeGreaterThan(errors[1]);
    // A flat image survives any quality (only the DC term, which is exact up to its step).
    const flat = image(16, 16, () => [200, 200, 200]);
    expect(maxDiff(jpegRoundTrip(flat, 30), flat)).toBeLessThanOrEqual(1);
  });
});
