import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import '@tensorflow/tfjs-backend-cpu';
import {
  FloatImage,
  SAMPLE_SPECS,
  SampleSpec,
  centreByMass,
  centreOfMass,
  createImage,
  decodeImage,
  fitInBox,
  glyphPath,
  labelFromFilename,
  otsuThreshold,
  preprocessBuffer,
  preprocessFile,
  preprocessGray,
  preprocessGraySteps,
  removeSpecks,
  renderMnistReference,
  renderSample,
  resizeImage,
  resolveAlpha,
  thresholdMask,
  toModelInput,
} from '../src/image';
import { loadMnistPart } from '../src/data/mnist';

const SAMPLES_DIR = path.join(__dirname, '..', 'data', 'samples');
const STROKE = 10; // pen width in glyph units (glyph box = 100), the same in a rendering and its reference
// A correct pipeline lands within ~0.007 of the reference (measured below); every broken step
// measured lands above 0.05. The bound sits between with room on both sides.
const MATCH = 0.02;

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Distance of the centre of mass from (14, 14), the MNIST centre, in pixels. */
function comDistance(pixels: Float32Array): number {
  const c = centreOfMass({ width: 28, height: 28, data: pixels });
  return c ? Math.hypot(c.x - 14, c.y - 14) : Infinity;
}

/** Mean abs diff of a variant that may also fail outright (a throw counts as "does not match"). */
function scoreOrInfinity(run: () => Float32Array, ref: FloatImage): number {
  try {
    return meanAbsDiff(run(), ref.data);
  } catch {
    return Infinity;
  }
}

function spec(over: Partial<SampleSpec>): SampleSpec {
  return {
    file: 'page.png', label: '7', width: 800, height: 600, background: 'white', ink: [20, 20, 20],
    strokeWidth: STROKE, x: 460, y: 280, size: 260, wobble: 0, seed: 1, ...over,
  };
}

const refs = new Map<string, FloatImage>();
async function reference(label: string, strokeWidth: number): Promise<FloatImage> {
  const key = `${label}/${strokeWidth}`;
  if (!refs.has(key)) refs.set(key, await renderMnistReference(glyphPath(label), strokeWidth));
  return refs.get(key) as FloatImage;
}

// Thick blue ballpoint on paper lit from one side, with grain and JPEG noise.
const PHOTO = spec({ file: 'photo.jpg', background: 'paper', ink: [28, 44, 140], strokeWidth: 15, shade: 0.5, width: 640, height: 480, x: 100, y: 120, size: 300 });

describe('real-looking images come out like the strokes drawn straight into MNIST geometry', () => {
  const cases: Array<[string, string, SampleSpec]> = [
    ['7', 'black ink, off-centre on a large white page', spec({})],
    ['7', 'small, near the corner of the page', spec({ width: 400, height: 300, x: 10, y: 15, size: 90 })],
    ['7', 'thick blue ink on gradient-lit noisy paper (JPEG)', PHOTO],
    ['7', 'black strokes on a transparent PNG', spec({ file: 'transparent.png', background: 'transparent', width: 300, height: 300, x: 20, y: 30, size: 240 })],
    ['7', 'white strokes on a black canvas', spec({ file: 'canvas.png', background: 'canvas', ink: [255, 255, 255], width: 280, height: 280, x: 40, y: 20, size: 200 })],
    ['4', 'thick blue ink on gradient-lit noisy paper (JPEG)', PHOTO],
    ['1', 'white strokes on a black canvas (WebP)', spec({ file: 'canvas.webp', background: 'canvas', ink: [255, 255, 255], width: 280, height: 280, x: 60, y: 40, size: 180 })],
  ];
  for (const [label, what, s] of cases) {
    test(`'${label}': ${what}`, async () => {
      const out = await preprocessBuffer(await renderSample({ ...s, label }), s.file);
      expect(out.pixels).toHaveLength(28 * 28);
      expect(meanAbsDiff(out.pixels, (await reference(label, s.strokeWidth)).data)).toBeLessThan(MATCH);
      expect(comDistance(out.pixels)).toBeLessThanOrEqual(1);
    });
  }

  test('EXIF orientation is applied (pixels stored turned, tagged orientation 6)', async () => {
    const bytes = await renderSample({ ...spec({ file: 'turned.jpg', width: 400, height: 300, x: 120, y: 40, size: 220 }), exifOrientation: 6 });
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const out = await preprocessBuffer(bytes, 'turned.jpg');
    expect(meanAbsDiff(out.pixels, (await reference('7', STROKE)).data)).toBeLessThan(MATCH);
  });
});

describe('the comparison fails when a step is broken', () => {
  test('no inversion, no lighting correction, wrong polarity, no centring, no aspect keep', async () => {
    for (const label of ['7', '1']) {
      const decoded = await decodeImage(await renderSample({ ...PHOTO, label }), PHOTO.file);
      const ref = await reference(label, PHOTO.strokeWidth);
      const { steps } = preprocessGraySteps(decoded.image, {}, PHOTO.file);
      expect(meanAbsDiff(steps.centred.data, ref.data)).toBeLessThan(MATCH); // the real pipeline, for contrast

      const notInverted = steps.centred.data.map((v) => 1 - v);
      expect(meanAbsDiff(notInverted, ref.data)).toBeGreaterThan(MATCH);
      expect(scoreOrInfinity(() => preprocessGray(decoded.image, { polarity: 'light-ink' }).pixels, ref)).toBeGreaterThan(MATCH);
      // A flat background cannot absorb this photo's shadow: the ink is lost in it. (The shadow
      // step alone, on a flat background, takes the gradient out as well, so both are off here.)
      expect(scoreOrInfinity(() => preprocessGray(decoded.image, { lighting: 'flat', shadows: false }).pixels, ref)).toBeGreaterThan(MATCH);

      const topLeft = createImage(28, 28);
      const { fitted } = steps;
      for (let y = 0; y < fitted.height; y++) topLeft.data.set(fitted.data.subarray(y * fitted.width, (y + 1) * fitted.width), y * 28);
      expect(meanAbsDiff(topLeft.data, ref.data)).toBeGreaterThan(MATCH);
      expect(comDistance(topLeft.data)).toBeGreaterThan(1);

      const stretched = centreByMass(resizeImage(steps.cropped, 20, 20));
      expect(meanAbsDiff(stretched.data, ref.data)).toBeGreaterThan(MATCH);
    }
  });
});

describe('real MNIST digits survive a trip through paper', () => {
  test('upscaled, printed dark on light with a gradient, and preprocessed back', () => {
    const test = loadMnistPart('test');
    const diffs: number[] = [];
    for (let k = 0; k < 12; k++) {
      const original = createImage(28, 28);
      for (let i = 0; i < 784; i++) original.data[i] = test.images[k * 784 + i] / 255;
      const big = resizeImage(original, 224, 224);
      const paper = createImage(300, 260);
      for (let y = 0; y < 260; y++) {
        for (let x = 0; x < 300; x++) {
          const light = 0.95 - 0.3 * (x / 300);
          const ink = x >= 50 && x < 274 && y >= 20 && y < 244 ? big.data[(y - 20) * 224 + (x - 50)] : 0;
          paper.data[y * 300 + x] = light * (1 - 0.85 * ink);
        }
      }
      const out = preprocessGray(paper, {}, `mnist-test-${k}`);
      expect(comDistance(out.pixels)).toBeLessThanOrEqual(1);
      diffs.push(meanAbsDiff(out.pixels, original.data));
    }
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    expect(mean).toBeLessThan(0.06);
  });
});

describe('bad input gives errors that name the file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'preprocess-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('a text file named .png', async () => {
    const file = path.join(dir, 'notes.png');
    await fs.writeFile(file, 'this is not an image\n');
    await expect(preprocessFile(file)).rejects.toThrow(`${file}: not a readable image`);
  });
  test('an empty file', async () => {
    const file = path.join(dir, 'empty.jpg');
    await fs.writeFile(file, '');
    await expect(preprocessFile(file)).rejects.toThrow(`${file}: the file is empty`);
  });
  test('an all-white image and a blank noisy photo', async () => {
    const white = path.join(dir, 'white.png');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#fff' } }).png().toFile(white);
    await expect(preprocessFile(white)).rejects.toThrow(`${white}: no ink found`);
    const blank = await renderSample(spec({ file: 'blank.jpg', background: 'paper', ink: [246, 242, 230], shade: 0.4, width: 320, height: 240 }));
    await expect(preprocessBuffer(blank, 'blank.jpg')).rejects.toThrow('blank.jpg: no ink found');
  });
  test('a missing file', async () => {
    const file = path.join(dir, 'nope.png');
    await expect(preprocessFile(file)).rejects.toThrow(`${file}: cannot read the file (no such file)`);
  });
});

describe('the steps', () => {
  test('Otsu splits two clusters between them', () => {
    const img = createImage(10, 10, 0.1);
    for (let i = 0; i < 30; i++) img.data[i] = 0.8;
    const t = otsuThreshold(img);
    expect(t).toBeGreaterThan(0.1);
    expect(t).toBeLessThan(0.8);
  });
  test('removeSpecks drops a lone pixel and keeps the stroke', () => {
    const img = createImage(20, 20);
    for (let x = 2; x < 18; x++) for (let y = 8; y < 11; y++) img.data[y * 20 + x] = 1;
    img.data[2 * 20 + 2] = 1;
    const mask = removeSpecks(thresholdMask(img, 0.5));
    expect(mask.data[2 * 20 + 2]).toBe(0);
    expect(mask.data.reduce((a, b) => a + b, 0)).toBe(16 * 3);
  });
  test('fitInBox keeps the aspect ratio, centreByMass puts the mass at (14, 14)', () => {
    const wide = fitInBox(createImage(40, 10, 1), 20);
    expect([wide.width, wide.height]).toEqual([20, 5]);
    const dot = createImage(3, 3);
    dot.data[0] = 1; // mass at the corner of a 3x3 image
    const centred = centreByMass(dot);
    expect(centreOfMass(centred)).toEqual({ x: 14, y: 14 });
  });
  test('a transparent drawing is read from its alpha, whatever the stroke colour', () => {
    const lum = createImage(10, 10, 1); // white strokes ...
    const alpha = createImage(10, 10, 0); // ... on a transparent background
    for (let i = 40; i < 60; i++) alpha.data[i] = 1;
    const { image, fromAlpha } = resolveAlpha(lum, alpha);
    expect(fromAlpha).toBe(true);
    expect(image.data[0]).toBe(1); // background reads as paper
    expect(image.data[45]).toBe(0); // strokes read as dark ink
  });
  test('toModelInput stacks images into [n, 28, 28, 1]', () => {
    const x = toModelInput([new Float32Array(784), new Float32Array(784).fill(1)]);
    expect(x.shape).toEqual([2, 28, 28, 1]);
    expect(x.dataSync()[784]).toBe(1);
    x.dispose();
    expect(() => toModelInput([new Float32Array(10)])).toThrow(/image 0 has 10 pixels/);
  });
});

describe('the committed sample images', () => {
  test('every file is small, labelled by its name, and preprocesses', async () => {
    const files = (await fs.readdir(SAMPLES_DIR)).filter((f) => /\.(png|jpe?g|webp)$/i.test(f)).sort(); // words/ has its own test
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const file = path.join(SAMPLES_DIR, f);
      expect((await fs.stat(file)).size).toBeLessThan(100 * 1024);
      expect(labelFromFilename(f)).toMatch(/^[0-9A-Za-z]$/);
      const out = await preprocessFile(file);
      expect(comDistance(out.pixels)).toBeLessThanOrEqual(1);
    }
  });
  test('the files on disk are what the sample script renders (re-run `npm run samples` after changing it)', async () => {
    for (const name of ['digit-6-tiny.png', 'letter-T-transparent.png']) {
      const s = SAMPLE_SPECS.find((x) => x.file === name) as SampleSpec;
      expect(Buffer.compare(await renderSample(s), await fs.readFile(path.join(SAMPLES_DIR, name)))).toBe(0);
    }
  });
});
