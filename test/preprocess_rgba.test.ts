import sharp from 'sharp';
import {
  FloatImage,
  RgbaImage,
  createImage,
  decodeRgba,
  preprocessBuffer,
  preprocessGray,
  preprocessRgba,
  renderSample,
  resizeImage,
  resolveAlpha,
  rgbaMix,
  rgbaToGray,
} from '../src/image';

/** A seeded pseudo-random RGBA image with a dark stroke and, optionally, transparent pixels hiding black. */
function syntheticRgba(width: number, height: number, transparentBackground: boolean): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const onStroke = Math.abs(x - width / 2) < width / 12 && y > height / 5 && y < (4 * height) / 5;
      if (transparentBackground) {
        // Hidden colour of transparent pixels is black: it must not bleed into the shrunk edges.
        data.set(onStroke ? [30, 40, 200, 255] : [0, 0, 0, 0], p);
      } else {
        const paper = 200 + Math.floor(rand() * 40);
        data.set(onStroke ? [20, 20, 30, 255] : [paper, paper - 5, paper - 10, 255], p);
      }
    }
  }
  return { width, height, data };
}

/** The definition: full-size float planes of premultiplied luma and alpha, shrunk with resizeImage, then resolveAlpha. */
function referenceGray(rgba: RgbaImage, maxSide: number): FloatImage {
  const luma = createImage(rgba.width, rgba.height);
  const alpha = createImage(rgba.width, rgba.height);
  for (let i = 0; i < rgba.width * rgba.height; i++) {
    const [r, g, b, a] = rgba.data.subarray(4 * i, 4 * i + 4);
    alpha.data[i] = a / 255;
    luma.data[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * (a / 255);
  }
  const s = maxSide / Math.max(rgba.width, rgba.height);
  const w = Math.max(1, Math.round(rgba.width * s));
  const h = Math.max(1, Math.round(rgba.height * s));
  return resolveAlpha(resizeImage(luma, w, h), resizeImage(alpha, w, h)).image;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('rgbaToGray: RGBA -> gray, shrunk to maxSide', () => {
  test.each([
    ['opaque paper', false],
    ['transparent background', true],
  ])('%s: equals the definition (full-size planes, then area resize)', (_, transparent) => {
    const rgba = syntheticRgba(700, 530, transparent);
    const gray = rgbaToGray(rgba, { maxSide: 200 });
    const ref = referenceGray(rgba, 200);
    expect([gray.image.width, gray.image.height]).toEqual([200, 151]);
    expect(maxAbsDiff(gray.image.data, ref.data)).toBeLessThan(1e-6);
    expect(gray.fromAlpha).toBe(transparent);
  });

  test('rgbaMix: with the luma weights, rgbaToGray pixel on pixel; with one weight, that channel', () => {
    const rgba = syntheticRgba(700, 530, false);
    const gray = rgbaToGray(rgba, { maxSide: 200 }).image;
    expect(maxAbsDiff(rgbaMix(rgba, [0.299, 0.587, 0.114], gray.width, gray.height).data, gray.data)).toBeLessThan(1e-6);
    const blue = rgbaMix(rgba, [0, 0, 1], rgba.width, rgba.height);
    expect(maxAbsDiff(blue.data, Float32Array.from({ length: 700 * 530 }, (_, i) => rgba.data[4 * i + 2] / 255))).toBeLessThan(1e-6);
  });

  test('a transparent drawing shrinks without dark halos from the hidden black', () => {
    // Dark blue strokes above, near-white below: too varied for alpha-as-ink, so composited on white.
    const rgba = syntheticRgba(700, 530, true);
    for (let i = 0; i < rgba.data.length; i += 4) {
      if (rgba.data[i + 3] === 255 && i / 4 >= 700 * 265) rgba.data.set([250, 250, 250], i);
    }
    const gray = rgbaToGray(rgba, { maxSide: 200 });
    expect(gray.fromAlpha).toBe(false);
    // Straight (not premultiplied) averaging, for contrast: the stroke's rim turns dark.
    const straight = createImage(700, 530);
    const alpha = createImage(700, 530);
    for (let i = 0; i < 700 * 530; i++) {
      const [r, g, b, a] = rgba.data.subarray(4 * i, 4 * i + 4);
      straight.data[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
      alpha.data[i] = a / 255;
    }
    const [sl, sa] = [resizeImage(straight, 200, 151), resizeImage(alpha, 200, 151)];
    const lowerHalf = (img: ArrayLike<number>) => {
      let m = Infinity;
      for (let y = 85; y < 110; y++) for (let x = 0; x < 200; x++) m = Math.min(m, img[y * 200 + x]);
      return m;
    };
    const straightComposite = sl.data.map((l, i) => l * sa.data[i] + 1 - sa.data[i]);
    expect(lowerHalf(straightComposite)).toBeLessThan(0.9);
    expect(lowerHalf(gray.image.data)).toBeGreaterThan(0.97);
  });

  test('an image within maxSide is not resampled, and bad sizes are errors', () => {
    const rgba = syntheticRgba(40, 30, false);
    const gray = rgbaToGray(rgba);
    expect([gray.image.width, gray.image.height]).toEqual([40, 30]);
    const [r, g, b] = rgba.data.subarray(0, 3);
    expect(gray.image.data[0]).toBeCloseTo((0.299 * r + 0.587 * g + 0.114 * b) / 255, 6);
    expect(() => rgbaToGray({ width: 4, height: 4, data: new Uint8Array(10) })).toThrow(/10 bytes, expected 4x4x4=64/);
  });
});

describe('Node = decode with sharp + the same pure functions', () => {
  test('PNG bytes of an RGBA image give exactly what preprocessRgba gives on those pixels', async () => {
    const rgba = syntheticRgba(640, 480, false);
    const png = await sharp(Buffer.from(rgba.data), { raw: { width: 640, height: 480, channels: 4 } }).png().toBuffer();
    const fromFile = await preprocessBuffer(png, 'synthetic.png');
    const fromPixels = preprocessRgba(rgba, {}, 'synthetic');
    expect(maxAbsDiff(fromFile.pixels, fromPixels.pixels)).toBe(0);
    expect(fromFile.pixels.some((v) => v > 0.5)).toBe(true); // there is a character, not an empty canvas
    // The gray route is the same recipe: gray pixels straight into preprocessGray.
    expect(maxAbsDiff(preprocessGray(rgbaToGray(rgba).image).pixels, fromPixels.pixels)).toBe(0);
  });

  test('decodeRgba keeps the full size and applies the EXIF orientation', async () => {
    const spec = {
      file: 'turned.jpg', label: '7', width: 900, height: 300, background: 'white' as const, ink: [20, 20, 20] as [number, number, number],
      strokeWidth: 10, x: 120, y: 40, size: 220, wobble: 0, seed: 1, exifOrientation: 6,
    };
    const { rgba, format } = await decodeRgba(await renderSample(spec), 'turned.jpg');
    expect(format).toBe('jpeg');
    // Stored turned (300 wide, 900 tall) and tagged 6: decoded upright at full size (no shrinking here).
    expect([rgba.width, rgba.height]).toEqual([900, 300]);
    expect(rgba.data).toHaveLength(900 * 300 * 4);
  });
});

describe('a bold drawing: a quarter of the canvas is ink', () => {
  test('the paper is still found (a robust start, not a fit pulled into the ink) and the ring comes out centred', () => {
    // A thick ring in dark ink on a flat white 280x280 canvas, like a '0' drawn with a fat pen.
    const size = 280;
    const data = new Uint8Array(size * size * 4).fill(255);
    let ink = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const r = Math.hypot(x - 140, y - 150);
        if (r >= 45 && r <= 95) {
          data.set([17, 17, 17], (y * size + x) * 4);
          ink++;
        }
      }
    }
    expect(ink / (size * size)).toBeGreaterThan(0.25);
    const out = preprocessRgba({ width: size, height: size, data });
    expect(out.inverted).toBe(true); // dark ink on light paper
    // The hole of the ring stays background, the ring itself is ink.
    expect(out.pixels[14 * 28 + 14]).toBe(0);
    expect(out.pixels[14 * 28 + 6]).toBeGreaterThan(0.9);
    expect(out.pixels[14 * 28 + 22]).toBeGreaterThan(0.9);
  });
});
