/**
 * Slant (src/image/slant.ts): the estimate on words of letter-like strokes drawn leaning by a known
 * angle (each pixel decided from the geometry, not by shearing an image), the shear against a
 * pixel-by-pixel reference, the correction's range, and the line recipe's use of them
 * (`slantRange`): writing leaning further than the training lines is sheared to lean less.
 */
import { FloatImage, createImage } from '../src/image/gray';
import { preprocessLineGray } from '../src/image/line';
import { TRAINING_SLANTS, estimateSlant, shearImage, slantCorrection } from '../src/image/slant';
import { Mask } from '../src/image/threshold';

const { abs, round, tan, PI } = Math;

/**
 * A word of `letters` letter shapes (stems of body or ascender height joined by a bar, as in n, h, l,
 * u), white on black, every upright stroke leaning `degrees` (tops to the right for positive).
 */
function leaningWord(degrees: number, letters = 9, h = 24): FloatImage {
  const t = tan((degrees * PI) / 180);
  const stroke = 4;
  const baseline = round(2.4 * h);
  const width = 60 + letters * round(1.1 * h) + round(abs(t) * 2 * h);
  const img = createImage(width, round(3.2 * h));
  const x0 = 30 + (t < 0 ? round(-t * 2 * h) : 0);
  for (let k = 0; k < letters; k++) {
    const left = x0 + k * round(1.1 * h);
    const tall = k % 3 === 1 ? 1.8 * h : h; // every third letter has an ascender
    for (let y = 0; y < img.height; y++) {
      const up = baseline - y; // height above the baseline
      if (up < 0) continue;
      const lean = up * t;
      for (let x = 0; x < width; x++) {
        const u = x - left - lean; // position across the letter, along its slant
        const stem = (u >= 0 && u < stroke && up < tall) || (u >= 0.6 * h && u < 0.6 * h + stroke && up < h);
        const bar = up >= h - stroke && up < h && u >= 0 && u < 0.6 * h + stroke;
        if (stem || bar) img.data[y * width + x] = 1;
      }
    }
  }
  return img;
}

function maskOf(img: FloatImage): Mask {
  return { width: img.width, height: img.height, data: Uint8Array.from(img.data, (v) => (v > 0.5 ? 1 : 0)) };
}

/** Dark writing on light paper, as a photo shows it. */
function onPaper(img: FloatImage): FloatImage {
  return { ...img, data: Float32Array.from(img.data, (v) => 0.9 - 0.75 * v) };
}

describe('estimateSlant', () => {
  test.each([-25, -10, 0, 12, 30, 45])('strokes leaning %d degrees measure within 2 degrees of it', (degrees) => {
    expect(abs(estimateSlant(maskOf(leaningWord(degrees))) - degrees)).toBeLessThanOrEqual(2);
  });

  test('an empty mask has no slant; the search stops at maxDegrees', () => {
    expect(estimateSlant({ width: 10, height: 10, data: new Uint8Array(100) })).toBe(0);
    expect(estimateSlant(maskOf(leaningWord(45)), { maxDegrees: 30 })).toBeLessThanOrEqual(30);
  });
});

describe('shearImage', () => {
  test('each row moves by its height above the middle row times tan(angle), on a canvas wide enough', () => {
    const img = createImage(20, 11);
    for (let y = 0; y < 11; y++) img.data[y * 20 + 10] = 1; // an upright stroke in column 10
    const degrees = 30;
    const { image, shift } = shearImage(img, degrees);
    const t = tan((degrees * PI) / 180);
    expect(shift).toBe(Math.ceil((t * 10) / 2));
    expect(image.width).toBe(20 + 2 * shift);
    for (let y = 0; y < 11; y++) {
      // Reference: the stroke's pixel lands where x + shift - (mid - y) * t = 10 + shift - (5 - y) * t.
      const at = 10 + shift - (5 - y) * t;
      let sum = 0;
      let centre = 0;
      for (let x = 0; x < image.width; x++) {
        sum += image.data[y * image.width + x];
        centre += x * image.data[y * image.width + x];
      }
      expect(sum).toBeCloseTo(1, 5); // bilinear: the ink is moved, not lost
      expect(centre / sum).toBeCloseTo(at, 5);
    }
  });

  test("strokes leaning by the angle come out upright; 'edge' fills the uncovered corners with the row's end pixels", () => {
    const upright = shearImage(leaningWord(35), 35).image;
    expect(abs(estimateSlant(maskOf(upright)))).toBeLessThanOrEqual(2);
    const paper = onPaper(leaningWord(35));
    const { image } = shearImage(paper, 35, 'edge');
    expect(image.data[image.width - 1]).toBeCloseTo(paper.data[paper.width - 1], 6);
    // The bottom-left corner is uncovered (the bottom rows move right): the row's first pixel, or the fill.
    const bottom = (image.height - 1) * image.width;
    expect(image.data[bottom]).toBeCloseTo(paper.data[(paper.height - 1) * paper.width], 6);
    expect(shearImage(paper, 35).image.data[bottom]).toBe(0);
  });
});

describe('slantCorrection', () => {
  test('nothing inside the training range; outside it, to the nearer end of its middle', () => {
    const [lo, hi] = TRAINING_SLANTS.keep;
    expect(slantCorrection(lo)).toBe(0);
    expect(slantCorrection(hi)).toBe(0);
    expect(slantCorrection(0)).toBe(0);
    // Shears add tangents: the correction's tangent is the slant's less the target's.
    const tanOf = (d: number) => tan((d * PI) / 180);
    expect(tanOf(slantCorrection(hi + 13))).toBeCloseTo(tanOf(hi + 13) - tanOf(TRAINING_SLANTS.to[1]), 10);
    expect(tanOf(slantCorrection(lo - 12))).toBeCloseTo(tanOf(lo - 12) - tanOf(TRAINING_SLANTS.to[0]), 10);
    expect(slantCorrection(50, { keep: [-10, 10], to: [0, 0] })).toBeCloseTo(50, 10);
  });
});

describe('the line recipe with slantRange', () => {
  const recipe = { height: 40, bodyHeight: 14, baselineRow: 26 };
  const outputSlant = (line: { pixels: Float32Array; width: number; height: number }) =>
    estimateSlant({ width: line.width, height: line.height, data: Uint8Array.from(line.pixels, (v) => (v > 0.5 ? 1 : 0)) });

  test('writing leaning 50 degrees is sheared to the training range and leans less in the model input', () => {
    const photo = onPaper(leaningWord(50));
    const plain = preprocessLineGray(photo, recipe, 'word.png');
    const sheared = preprocessLineGray(photo, { ...recipe, slantRange: TRAINING_SLANTS }, 'word.png');
    expect(plain.slantDegrees).toBe(0);
    expect(sheared.slantDegrees).toBeCloseTo(slantCorrection(50), 0);
    expect(abs(outputSlant(plain) - 50)).toBeLessThanOrEqual(4);
    expect(abs(outputSlant(sheared) - TRAINING_SLANTS.to[1])).toBeLessThanOrEqual(4);
    // Rows do not move: the body band is scaled the same way.
    expect(sheared.foundCharHeight).toBeCloseTo(plain.foundCharHeight, 0);
  });

  test('writing within the range is left as it is, to the pixel', () => {
    const photo = onPaper(leaningWord(10));
    const plain = preprocessLineGray(photo, recipe, 'word.png');
    const kept = preprocessLineGray(photo, { ...recipe, slantRange: TRAINING_SLANTS }, 'word.png');
    expect(kept.slantDegrees).toBe(0);
    expect(kept.pixels).toEqual(plain.pixels);
  });
});
