/**
 * The sheet of paper in a photo with the desk around it (src/image/sheet.ts), on generated pages
 * (test/page_fixtures.ts): found on dark and grey desks, with the sheet inside the frame or cut off
 * by it, a blot on it kept in the cut; not found where the paper fills the image, under the shadows page layout handles, on a
 * chalkboard or under a vignette. And `readPage` reading a photographed word on a desk as it reads
 * the word alone, its box in the photo's pixels.
 */
import * as path from 'path';
import { FloatImage, PixelBox } from '../src/image/gray';
import { decodeRgba, readImageBytes } from '../src/image/decode';
import { findTextLines } from '../src/image/page';
import { RgbaImage } from '../src/image/rgba';
import { findSheet, sheetImage } from '../src/image/sheet';
import { rgbaToGray } from '../src/image/rgba';
import { photoOnDesk } from '../src/synth/desk';
import { loadLineModel } from '../src/lines/read';
import { readPage } from '../src/read/page';
import { initBackend } from '../src/runtime/backend';
import { createRng } from '../src/util/rng';
import { PageSpec, renderPage } from './page_fixtures';

const SPEC: PageSpec = { width: 700, height: 300, lines: [{ text: 'HELLO there', x: 60, y: 40 }, { text: 'and then', x: 80, y: 150 }] };

/** `page` with `pad` pixels of desk (gray `level`, a little grain) on each side [left, top, right, bottom]. */
function onDesk(page: FloatImage, pad: [number, number, number, number], level: number): FloatImage {
  const [l, t, r, b] = pad;
  const width = page.width + l + r;
  const height = page.height + t + b;
  const rng = createRng(3);
  const data = Float32Array.from({ length: width * height }, () => level + 0.04 * (rng.next() - 0.5));
  for (let y = 0; y < page.height; y++) data.set(page.data.subarray(y * page.width, (y + 1) * page.width), (y + t) * width + l);
  return { width, height, data };
}

/** `page` with each pixel's light scaled by `shade(x, y)`. */
function shaded(page: FloatImage, shade: (x: number, y: number) => number): FloatImage {
  return { ...page, data: page.data.map((v, i) => v * shade(i % page.width, Math.floor(i / page.width))) };
}

const near = (a: PixelBox, b: PixelBox, tol: number) =>
  Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y), Math.abs(a.x + a.width - b.x - b.width), Math.abs(a.y + a.height - b.y - b.height)) <= tol;

describe('findSheet', () => {
  test.each([
    ['a dark desk on every side', [90, 60, 80, 70], 0.2],
    ['a grey desk on every side', [90, 60, 80, 70], 0.5],
    ['the sheet cut off by the frame at the right and bottom', [120, 90, 0, 0], 0.25],
  ] as Array<[string, [number, number, number, number], number]>)('%s: the sheet is found, the desk left out', async (_, pad, level) => {
    const page = await renderPage(SPEC);
    const photo = onDesk(page, pad, level);
    const sheet = findSheet(photo);
    expect(sheet).not.toBeNull();
    const paper = { x: pad[0], y: pad[1], width: page.width, height: page.height };
    expect(near(sheet!.box, paper, 2 * sheet!.cellSize)).toBe(true);
    expect(sheet!.paper).toBeGreaterThan(0.9);
    const cut = sheetImage(photo, sheet!);
    expect([cut.width, cut.height]).toEqual([sheet!.box.width, sheet!.box.height]);
    // What is left is paper with writing: page layout finds both lines in it, and no desk.
    expect(findTextLines(cut).lines).toHaveLength(2);
    expect(Math.min(...cut.data.filter((v, i) => v < 0.5 && (i % cut.width < 3 || i % cut.width >= cut.width - 3)))).toBe(Infinity);
  });

  test('a blot wider than the closing fills, on the sheet: the cut keeps it rather than painting it over with paper', () => {
    const card: FloatImage = { width: 400, height: 200, data: new Float32Array(400 * 200).fill(0.92) };
    for (let y = 80; y < 120; y++) for (let x = 180; x < 240; x++) card.data[y * 400 + x] = 0.15;
    const photo = onDesk(card, [60, 50, 60, 50], 0.25);
    const sheet = findSheet(photo);
    expect(sheet).not.toBeNull();
    const cut = sheetImage(photo, sheet!);
    const at = (x: number, y: number) => cut.data[(y + 50 - sheet!.box.y) * cut.width + x + 60 - sheet!.box.x];
    expect([at(210, 100), at(185, 85), at(235, 115)].every((v) => v < 0.2)).toBe(true);
  });

  test("bench:read's desk (src/synth/desk.ts): the photo kept pixel for pixel inside a margin of desk, and its sheet found", async () => {
    const page = await renderPage(SPEC);
    const rgba: RgbaImage = { width: page.width, height: page.height, data: new Uint8ClampedArray(4 * page.data.length) };
    for (let i = 0; i < page.data.length; i++) {
      const v = Math.round(255 * page.data[i]);
      rgba.data[4 * i] = rgba.data[4 * i + 1] = rgba.data[4 * i + 2] = v;
      rgba.data[4 * i + 3] = 255;
    }
    const { image, sheet: where } = photoOnDesk(rgba, createRng(9));
    const again = photoOnDesk(rgba, createRng(9)).image;
    expect([again.width, again.height, Buffer.compare(Buffer.from(again.data), Buffer.from(image.data))]).toEqual([image.width, image.height, 0]);
    expect(image.width - page.width).toBeGreaterThanOrEqual(2 * Math.max(12, Math.round(0.1 * page.width)));
    expect(image.height - page.height).toBeGreaterThanOrEqual(2 * Math.max(12, Math.round(0.2 * page.height)));
    for (const y of [0, 100, page.height - 1]) {
      const row = (image.data as Uint8ClampedArray).subarray(4 * ((where.y + y) * image.width + where.x), 4 * ((where.y + y) * image.width + where.x + page.width));
      expect(Buffer.compare(Buffer.from(row), Buffer.from((rgba.data as Uint8ClampedArray).subarray(4 * y * page.width, 4 * (y + 1) * page.width)))).toBe(0);
    }
    const sheet = findSheet(rgbaToGray(image, { maxSide: 4096 }).image);
    expect(sheet).not.toBeNull();
    expect(near(sheet!.box, where, 2 * sheet!.cellSize)).toBe(true);
  });

  test('nothing is cut where the paper fills the image, under shadows with writing in them, on a chalkboard or under a vignette', async () => {
    const page = await renderPage(SPEC);
    expect(findSheet(page)).toBeNull();
    // The shadows of test/page.test.ts, which page layout reads through: the writing shows in the shadow.
    expect(findSheet(shaded(page, (x, y) => (x + 0.4 * y > 330 ? 0.45 : 1)))).toBeNull();
    expect(findSheet(shaded(page, (x, y) => (x - 0.3 * y < 200 ? 0.3 : 1)))).toBeNull();
    expect(findSheet(shaded(page, (x, y) => (1 - x / 1800) * (y > 100 && y < 200 ? 0.5 : 1)))).toBeNull();
    // Chalk on a board: light writing on a dark surface that fills the image.
    expect(findSheet({ ...page, data: page.data.map((v) => 0.2 + 0.7 * (1 - v)) })).toBeNull();
    // A vignette: the corners darkened gradually, no edge.
    expect(findSheet(shaded(page, (x, y) => 1 - 0.75 * Math.min(1, Math.hypot(x - 350, y - 150) / 380) ** 2))).toBeNull();
    // Too small to tell: a thumbnail.
    expect(findSheet(onDesk({ width: 6, height: 4, data: new Float32Array(24).fill(0.9) }, [1, 1, 1, 1], 0.2))).toBeNull();
  });
});

describe('readPage on a photographed word with the desk around it', () => {
  const WORD = path.join(__dirname, '..', 'data', 'samples', 'words', 'word-HELLO-photo.jpg');

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  /** The photo on a dark-brown desk, `pad` pixels each side. */
  function rgbaOnDesk(rgba: RgbaImage, pad: number): RgbaImage {
    const width = rgba.width + 2 * pad;
    const height = rgba.height + 2 * pad;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([70, 50, 35, 255], 4 * i);
    for (let y = 0; y < rgba.height; y++) data.set(rgba.data.subarray(4 * y * rgba.width, 4 * (y + 1) * rgba.width), 4 * ((y + pad) * width + pad));
    return { width, height, data };
  }

  test('reads the sheet alone: the same text as the photo without the desk, the box in the photo\'s pixels', async () => {
    const { model, metadata, lm } = await loadLineModel(path.join(__dirname, '..', 'saved_models', 'lines'));
    try {
      const { rgba } = await decodeRgba(await readImageBytes(WORD), WORD);
      const alone = readPage(model, metadata, rgba, { decoder: 'beam', lm });
      expect(alone.text).toBe('HELLO');
      const pad = Math.round(0.3 * Math.max(rgba.width, rgba.height));
      const desk = readPage(model, metadata, rgbaOnDesk(rgba, pad), { decoder: 'beam', lm });
      expect(desk.text).toBe('HELLO');
      const [a, b] = [alone.lines[0].box, desk.lines[0].box];
      expect(near(b, { ...a, x: a.x + pad, y: a.y + pad }, 6)).toBe(true);
    } finally {
      model.dispose();
    }
  }, 60_000);
});
