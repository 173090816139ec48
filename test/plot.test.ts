import { Resvg } from '@resvg/resvg-js';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { barChart, confusionHeatmap, Figure, imageGrid, pictureGrid, trainingCurves } from '../src/plot';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function count(svg: string, needle: string): number {
  return svg.split(needle).length - 1;
}

/** Checks the SVG parses (resvg rejects malformed XML) and has one <svg> root of the figure's size. */
function expectValidSvg(fig: Figure): void {
  expect(fig.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(fig.svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(count(fig.svg, '<svg')).toBe(1);
  const parsed = new Resvg(fig.svg);
  expect(parsed.width).toBe(fig.width);
  expect(parsed.height).toBe(fig.height);
}

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Decodes a PNG to RGBA by drawing it 1:1 into an SVG of the same size. */
function decodePng(png: Buffer): { pixels: Buffer; width: number } {
  const { width, height } = pngSize(png);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<image width="${width}" height="${height}" href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return { pixels: new Resvg(svg).render().pixels, width };
}

function luminance(img: { pixels: Buffer; width: number }, x: number, y: number): number {
  const i = (y * img.width + x) * 4;
  return (img.pixels[i] + img.pixels[i + 1] + img.pixels[i + 2]) / 3;
}

describe('imageGrid', () => {
  // Three black 28x28 images; image 1 has one white pixel at row 5, column 7.
  const images = new Uint8Array(3 * 28 * 28);
  images[28 * 28 + 5 * 28 + 7] = 255;

  it('draws one image per input with labels and highlight frames', () => {
    const fig = imageGrid(images, { labels: ['a', 'b', 'c'], titles: ['#0', '#1', '#2'], highlight: [false, true, false], cols: 2 });
    expectValidSvg(fig);
    expect(count(fig.svg, 'class="grid-image"')).toBe(3);
    expect(count(fig.svg, 'class="highlight"')).toBe(1);
    for (const s of ['>a</text>', '>b</text>', '>c</text>', '>#2</text>']) expect(fig.svg).toContain(s);
    expect(pngSize(fig.toPng())).toEqual({ width: fig.width, height: fig.height });
  });

  it('shows a white source pixel as a light PNG pixel at the right place', () => {
    const scale = 3;
    const fig = imageGrid(images, { cols: 3, scale });
    // Where image 1 was placed, read from the SVG itself.
    const tags = fig.svg.match(/<image [^>]*>/g) ?? [];
    const attr = (tag: string, name: string) => Number(new RegExp(` ${name}="([\\d.]+)"`).exec(tag)![1]);
    const x0 = attr(tags[1], 'x');
    const y0 = attr(tags[1], 'y');
    const png = decodePng(fig.toPng());
    const at = (col: number, row: number) => luminance(png, Math.floor(x0 + col * scale + scale / 2), Math.floor(y0 + row * scale + scale / 2));
    expect(at(7, 5)).toBeGreaterThan(200);
    expect(at(8, 5)).toBeLessThan(50); // crisp: the neighbour is not smeared
    expect(at(7, 6)).toBeLessThan(50);
    // The same spot in image 0 stays dark.
    const x00 = attr(tags[0], 'x');
    expect(luminance(png, Math.floor(x00 + 7 * scale + 1), Math.floor(y0 + 5 * scale + 1))).toBeLessThan(50);
  });

  it('accepts arrays of rows and 0..1 float images', () => {
    const rows = Array.from({ length: 28 }, () => new Array(28).fill(0));
    const floats = new Float32Array(784).fill(1);
    const fig = imageGrid([rows, floats] as never, { labels: ['rows', 'floats'] });
    expect(count(fig.svg, 'class="grid-image"')).toBe(2);
  });

  it('rejects a pixel count that is not whole images', () => {
    expect(() => imageGrid(new Uint8Array(100))).toThrow(/28x28/);
  });
});

describe('trainingCurves', () => {
  it('draws train and validation series for loss and accuracy', () => {
    const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, acc: 0.8 + epoch / 20, valLoss: 1.1 / epoch, valAcc: 0.78 + epoch / 20 }));
    const fig = trainingCurves(history, { title: 'run 1' });
    expectValidSvg(fig);
    expect(count(fig.svg, 'class="series series-train"')).toBe(2);
    expect(count(fig.svg, 'class="series series-validation"')).toBe(2);
    for (const s of ['>Loss<', '>Accuracy<', '>epoch<', '>run 1<']) expect(fig.svg).toContain(s);
    expect(pngSize(fig.toPng({ scale: 2 }))).toEqual({ width: fig.width * 2, height: fig.height * 2 });
  });

  it('draws a single epoch without validation data', () => {
    const fig = trainingCurves([{ epoch: 1, loss: 0.3, acc: 0.9, valLoss: null, valAcc: null }]);
    expectValidSvg(fig);
    expect(count(fig.svg, 'series-validation')).toBe(0);
    expect(count(fig.svg, '>validation<')).toBe(0); // no legend entry either
    expect(count(fig.svg, 'NaN')).toBe(0);
  });
});

describe('confusionHeatmap', () => {
  it('draws n*n cells with class labels at 47 classes', () => {
    const classes = Array.from({ length: 47 }, (_, i) => String.fromCharCode(48 + i));
    const matrix = classes.map((_, r) => classes.map((__, c) => (r === c ? 50 : (r + c) % 11 === 0 ? 2 : 0)));
    const fig = confusionHeatmap(matrix, classes);
    expectValidSvg(fig);
    expect(count(fig.svg, 'class="cell"')).toBe(47 * 47);
    expect(count(fig.svg, 'class="col-label"')).toBe(47);
    expect(count(fig.svg, 'class="row-label"')).toBe(47);
    expect(fig.svg).toContain('&lt;'); // class '<' (code 60) is escaped
    expect(pngSize(fig.toPng())).toEqual({ width: fig.width, height: fig.height });
  });

  it('prints counts for small matrices and rejects a mismatched size', () => {
    const fig = confusionHeatmap([[5, 1], [0, 7]], ['x', 'y']);
    expect(fig.svg).toContain('>7</text>');
    expect(() => confusionHeatmap([[1, 2]], ['x', 'y'])).toThrow(/2x2/);
  });
});

describe('barChart', () => {
  it('draws one bar per value, labelled', () => {
    const fig = barChart([10, 20, 5], ['a', 'b', 'c'], { title: 'per class' });
    expectValidSvg(fig);
    expect(count(fig.svg, 'class="bar"')).toBe(3);
    expect(count(fig.svg, 'class="bar-label"')).toBe(3);
    const heights = [...fig.svg.matchAll(/<rect [^>]*height="([\d.]+)"[^>]*class="bar"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(3);
    expect(heights[1]).toBeCloseTo(2 * heights[0], 0); // bar height proportional to value
    expect(() => barChart([1], ['a', 'b'])).toThrow(/labels/);
  });
});

describe('Figure.save / show', () => {
  it('writes .svg and .png, or just the named one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plot-'));
    const fig = barChart([1, 2], ['a', 'b']);
    const both = fig.save(path.join(dir, 'sub', 'bars'));
    expect(both.map((p) => path.basename(p))).toEqual(['bars.svg', 'bars.png']);
    expect(fs.readFileSync(both[0], 'utf8')).toBe(fig.svg);
    expect(pngSize(fs.readFileSync(both[1]))).toEqual({ width: fig.width, height: fig.height });
    expect(fig.save(path.join(dir, 'only.png'))).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'only.svg'))).toBe(false);
    fs.rmSync(dir, { recursive: true });
  });

  it('show() is a no-op outside tslab', () => {
    expect(barChart([1], ['a']).show()).toBe(false);
  });
});

describe('pictureGrid', () => {
  it('fits colour pictures into boxes, keeping their aspect ratio', () => {
    // A 4x2 red PNG, made by rendering an SVG.
    const red = new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><rect width="4" height="2" fill="#ff0000"/></svg>').render().asPng();
    const fig = pictureGrid([{ data: red, width: 4, height: 2, label: 'wide' }], { cellSize: 100 });
    expectValidSvg(fig);
    expect(count(fig.svg, 'class="picture"')).toBe(1);
    expect(fig.svg).toContain('width="100" height="50"');
    const png = decodePng(fig.toPng());
    const i = (Math.floor(fig.height / 2) * png.width + Math.floor(fig.width / 2)) * 4;
    expect([png.pixels[i], png.pixels[i + 1], png.pixels[i + 2]]).toEqual([255, 0, 0]);
    expect(() => pictureGrid([{ data: new Uint8Array(8), width: 1, height: 1 }])).toThrow(/PNG nor JPEG/);
  });
});
