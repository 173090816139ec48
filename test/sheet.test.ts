/**
 * The sheet of paper in a photo with the desk around it (src/image/sheet.ts), on generated pages
 * (test/page_fixtures.ts): found on dark and grey desks, with the sheet inside the frame or cut off
 * by it, a blot on it kept in the cut; not found where the paper fills the image, under the shadows page layout handles, on a
 * chalkboard or under a vignette. In colour: a pink card on a brown desk and a yellow note on a grey
 * one, each nearly as light as its desk, found in the photo's colours; and no sheet on coloured
 * paper filling the photo, under a bluish shade at the border or over the middle, under a vignette,
 * on a green chalkboard, or where bold writing fills the middle of a small photo. And `readPage` reading a photographed word on a
 * desk (a dark one, and a brown one as light as the tinted paper) as it reads the word alone, its
 * box in the photo's pixels.
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

type Rgb = [number, number, number];

/** `page` (gray, 1 paper, 0 ink) in colour: each pixel `ink` mixed towards `paper` by its gray level, times `light(x, y)` per channel. */
function inColour(page: FloatImage, paper: Rgb, ink: Rgb, light: (x: number, y: number) => Rgb = () => [1, 1, 1]): RgbaImage {
  const data = new Uint8ClampedArray(4 * page.data.length);
  for (let i = 0; i < page.data.length; i++) {
    const v = page.data[i];
    const l = light(i % page.width, Math.floor(i / page.width));
    for (let c = 0; c < 3; c++) data[4 * i + c] = Math.round(l[c] * (ink[c] + v * (paper[c] - ink[c])));
    data[4 * i + 3] = 255;
  }
  return { width: page.width, height: page.height, data };
}

/** `photo` with `pad` pixels of desk (colour `desk`, the same grain on each channel) on each side [left, top, right, bottom]. */
function rgbaOnDeskOf(photo: RgbaImage, pad: [number, number, number, number], desk: Rgb): RgbaImage {
  const [l, t, r, b] = pad;
  const width = photo.width + l + r;
  const height = photo.height + t + b;
  const rng = createRng(5);
  const data = new Uint8ClampedArray(4 * width * height);
  for (let i = 0; i < width * height; i++) {
    const grain = 16 * (rng.next() - 0.5);
    data.set([desk[0] + grain, desk[1] + grain, desk[2] + grain, 255], 4 * i);
  }
  for (let y = 0; y < photo.height; y++) data.set(photo.data.subarray(4 * y * photo.width, 4 * (y + 1) * photo.width), 4 * ((y + t) * width + l));
  return { width, height, data };
}

/** Gray level (0..1) of a colour, as `rgbaToGray` sees it. */
const grayOf = (c: Rgb) => (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255;

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

  // Each pair nearly as light as each other (0.09 and 0.15 apart in gray, under the 0.2 the gray
  // search asks for), far apart in colour; fonts-desk-0030 of bench:read is such a pink card.
  test.each([
    ['a pink card on a brown desk', [230, 178, 195], [190, 158, 120], [90, 60, 80, 70]],
    ['a yellow note on a grey desk, cut off by the frame at the right and bottom', [235, 222, 120], [180, 180, 178], [120, 90, 0, 0]],
  ] as Array<[string, Rgb, Rgb, [number, number, number, number]]>)('%s: found in the colours, not in gray; the desk left out', async (_, paperColour, deskColour, pad) => {
    expect(grayOf(paperColour) - grayOf(deskColour)).toBeLessThan(0.17);
    const page = await renderPage(SPEC);
    const rgba = rgbaOnDeskOf(inColour(page, paperColour, [35, 35, 60]), pad, deskColour);
    const gray = rgbaToGray(rgba, { maxSide: 4096 }).image;
    expect(findSheet(gray)).toBeNull();
    const sheet = findSheet(gray, { rgba });
    expect(sheet).not.toBeNull();
    const paper = { x: pad[0], y: pad[1], width: page.width, height: page.height };
    expect(near(sheet!.box, paper, 2 * sheet!.cellSize)).toBe(true);
    // The paper's level is the gray image's (the card's median), what the cut fills the desk's corners with.
    const card = rgbaToGray(inColour(page, paperColour, [35, 35, 60]), { maxSide: 4096 }).image.data;
    expect(Math.abs(sheet!.paper - [...card].sort((a, b) => a - b)[card.length >> 1])).toBeLessThan(0.01);
    const cut = sheetImage(gray, sheet!);
    expect(findTextLines(cut).lines).toHaveLength(2);
  });

  test('the colour search finds the same sheet in a photo shrunk for reading', async () => {
    const page = await renderPage(SPEC);
    const rgba = rgbaOnDeskOf(inColour(page, [230, 178, 195], [35, 35, 60]), [90, 60, 80, 70], [190, 158, 120]);
    const full = findSheet(rgbaToGray(rgba, { maxSide: 4096 }).image, { rgba })!;
    const shrunk = rgbaToGray(rgba, { maxSide: 500 }).image;
    const half = findSheet(shrunk, { rgba })!;
    expect(half).not.toBeNull();
    const s = shrunk.width / rgba.width;
    const scaled = { x: full.box.x * s, y: full.box.y * s, width: full.box.width * s, height: full.box.height * s };
    expect(near(half.box, scaled, 2 * half.cellSize)).toBe(true);
  });

  test('in colour, nothing is cut on coloured paper filling the image, under a bluish shadow with writing in it (at the border or in the middle), under a vignette, on a green chalkboard, or where bold writing fills the middle', async () => {
    const page = await renderPage(SPEC);
    const look = (rgba: RgbaImage) => findSheet(rgbaToGray(rgba, { maxSide: 4096 }).image, { rgba });
    const pink: Rgb = [230, 178, 195];
    const ink: Rgb = [35, 35, 60];
    expect(look(inColour(page, pink, ink))).toBeNull();
    // Shade is lit by the sky: darker, and bluer than the paper in the sun.
    const blueShade: Rgb = [0.42, 0.5, 0.7];
    expect(look(inColour(page, pink, ink, (x, y) => (x + 0.4 * y > 330 ? blueShade : [1, 1, 1])))).toBeNull();
    expect(look(inColour(page, [235, 222, 120], ink, (x, y) => (x - 0.3 * y < 200 ? blueShade : [1, 1, 1])))).toBeNull();
    // Most of the border in the shade, so that the colour search runs, and writing in the shade;
    // in a deep shade blue ink shows in gray but sinks under the colour view's floor.
    const frame = (shade: Rgb) => (x: number, y: number): Rgb => (x < 160 || y > 200 ? shade : [1, 1, 1]);
    expect(look(inColour(page, pink, ink, frame(blueShade)))).toBeNull();
    expect(look(inColour(page, pink, [60, 60, 200], frame([0.4, 0.4, 0.4])))).toBeNull();
    // The middle in the shade (a hand's or a phone's), the border lit and written on: a view that
    // turned the shade bright would see the dark writing as bright, no stroke around the "sheet".
    expect(look(inColour(page, pink, ink, (x, y) => (x > 200 && x < 560 && y > 60 && y < 240 ? blueShade : [1, 1, 1])))).toBeNull();
    const vignette = (x: number, y: number): Rgb => {
      const v = 1 - 0.75 * Math.min(1, Math.hypot(x - 350, y - 150) / 380) ** 2;
      return [v, v, v];
    };
    expect(look(inColour(page, pink, ink, vignette))).toBeNull();
    expect(look(inColour(page, [40, 68, 54], [225, 228, 220]))).toBeNull();
    // A small photo of a bold word: its ink, not its paper, is the middle's colour.
    const bold: FloatImage = { width: 60, height: 40, data: new Float32Array(2400).fill(1) };
    for (let y = 8; y < 32; y++) for (let x = 10; x < 50; x++) if (x % 9 !== 0 && !(y > 18 && y < 22 && x > 30)) bold.data[y * 60 + x] = 0;
    expect(look(inColour(bold, [250, 250, 250], [20, 20, 20]))).toBeNull();
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

  /** The photo read alone and on a desk `pad` pixels wide all round: both 'HELLO', the boxes `pad` apart. */
  async function expectSheetReadAlone(photo: RgbaImage, onDesk: (pad: number) => RgbaImage): Promise<void> {
    const { model, metadata, lm } = await loadLineModel(path.join(__dirname, '..', 'saved_models', 'lines'));
    try {
      const alone = readPage(model, metadata, photo, { decoder: 'beam', lm });
      expect(alone.text).toBe('HELLO');
      const pad = Math.round(0.3 * Math.max(photo.width, photo.height));
      const desk = readPage(model, metadata, onDesk(pad), { decoder: 'beam', lm });
      expect(desk.text).toBe('HELLO');
      const [a, b] = [alone.lines[0].box, desk.lines[0].box];
      expect(near(b, { ...a, x: a.x + pad, y: a.y + pad }, 6)).toBe(true);
    } finally {
      model.dispose();
    }
  }

  test('reads the sheet alone: the same text as the photo without the desk, the box in the photo\'s pixels', async () => {
    const { rgba } = await decodeRgba(await readImageBytes(WORD), WORD);
    await expectSheetReadAlone(rgba, (pad) => rgbaOnDesk(rgba, pad));
  }, 60_000);

  test('faint writing on a pink card on a brown desk nearly as light as it: the card read alone, as without the desk', async () => {
    const { rgba } = await decodeRgba(await readImageBytes(WORD), WORD);
    // The ink faded to 0.3 of its difference from the paper (as bench:read's --contrast 0.3), the
    // paper tinted pink: the desk's step is then as strong as the writing (fonts-desk-0030).
    const median = [0, 1, 2].map((c) => [...rgba.data.filter((_, i) => i % 4 === c)].sort((a, b) => a - b)[(rgba.width * rgba.height) >> 1]);
    const tint = [1, 0.8, 0.9];
    const pink: RgbaImage = { ...rgba, data: rgba.data.map((v, i) => (i % 4 === 3 ? v : tint[i % 4] * (median[i % 4] + 0.3 * (v - median[i % 4])))) };
    // Brown, 0.09 darker in gray than the card's median (0.63), 0.26 from it in colour.
    const paper = [...rgbaToGray(pink, { maxSide: 4096 }).image.data].sort((x, y) => x - y)[(pink.width * pink.height) >> 1];
    const k = (paper - 0.09) / grayOf([1, 0.8, 0.6]);
    await expectSheetReadAlone(pink, (pad) => rgbaOnDeskOf(pink, [pad, pad, pad, pad], [k, 0.8 * k, 0.6 * k]));
  }, 60_000);
});
