/** A grid of small grayscale images (dataset samples, misclassified examples) with captions. */
import { createFigure, Figure } from './figure';
import { encodeGrayPng } from './png';
import { COLORS, el, svgDocument, text } from './svg';

/**
 * Images accepted by `imageGrid`:
 * - a flat `Uint8Array` [n, height, width] (a Dataset's `images`, or a slice of it), 0..255;
 * - an array of images, each a flat array of height*width values or an array of rows.
 * Values are 0..255, except `Float32Array`/`Float64Array` images, which are taken as 0..1
 * (what a model sees).
 */
export type GridImages = Uint8Array | ArrayLike<number>[] | number[][][];

export interface ImageGridOptions {
  /** Caption under each image, e.g. the class character; '\n' starts a second line ('true 4\npred 9'). */
  labels?: string[];
  /** Line above each image, e.g. the dataset index. */
  titles?: string[];
  /** Title of the whole figure. */
  title?: string;
  /** Images per row (default: up to 10). */
  cols?: number;
  /** Screen pixels per image pixel (default 2, so a 28x28 image is 56x56). */
  scale?: number;
  /** Images to frame in red, e.g. the misclassified ones. */
  highlight?: boolean[];
  /** Image size when `images` is a flat Uint8Array (default 28x28). */
  height?: number;
  width?: number;
}

interface Gray {
  pixels: Uint8Array; // [height, width], 0..255
  height: number;
  width: number;
}

function toByte(v: number, unit: boolean): number {
  const scaled = unit ? v * 255 : v;
  return Math.max(0, Math.min(255, Math.round(scaled)));
}

/** Normalises the accepted image layouts into flat 8-bit images. */
function toGrayImages(images: GridImages, height: number, width: number): Gray[] {
  if (images instanceof Uint8Array) {
    const size = height * width;
    if (images.length % size !== 0) {
      throw new Error(
        `imageGrid: ${images.length} pixels is not a whole number of ${height}x${width} images; pass height/width options`,
      );
    }
    const out: Gray[] = [];
    for (let i = 0; i < images.length / size; i++) {
      out.push({ pixels: images.subarray(i * size, (i + 1) * size), height, width });
    }
    return out;
  }
  return Array.from(images as ArrayLike<unknown>, (img, i) => {
    if (Array.isArray(img) && Array.isArray(img[0])) {
      const rows = img as number[][];
      const w = rows[0].length;
      const pixels = new Uint8Array(rows.length * w);
      rows.forEach((row, y) => row.forEach((v, x) => (pixels[y * w + x] = toByte(v, false))));
      return { pixels, height: rows.length, width: w };
    }
    const flat = img as ArrayLike<number>;
    const side = Math.round(Math.sqrt(flat.length));
    const [h, w] = flat.length === height * width ? [height, width] : [side, side];
    if (h * w !== flat.length) {
      throw new Error(`imageGrid: image ${i} has ${flat.length} values, not ${height}x${width}; pass height/width options`);
    }
    const unit = flat instanceof Float32Array || flat instanceof Float64Array;
    const pixels = flat instanceof Uint8Array ? flat : Uint8Array.from(flat, (v) => toByte(v, unit));
    return { pixels, height: h, width: w };
  });
}

/** Draws images in a grid (white ink on black, as the datasets store them), with optional captions and red frames. */
export function imageGrid(images: GridImages, opts: ImageGridOptions = {}): Figure {
  const grays = toGrayImages(images, opts.height ?? 28, opts.width ?? 28);
  if (grays.length === 0) throw new Error('imageGrid: no images given; pass at least one image');
  const scale = opts.scale ?? 2;
  const cols = Math.max(1, Math.min(opts.cols ?? 10, grays.length));
  const rows = Math.ceil(grays.length / cols);
  const cellW = Math.max(...grays.map((g) => g.width)) * scale;
  const cellH = Math.max(...grays.map((g) => g.height)) * scale;
  const fontSize = Math.max(9, Math.min(13, Math.round(cellW / 4.5)));
  const lineH = fontSize + 3;
  const titleLine = opts.titles ? lineH + 1 : 0;
  const labelLines = opts.labels ? Math.max(1, ...opts.labels.map((l) => l.split('\n').length)) : 0;
  const labelLine = labelLines * lineH + (labelLines ? 2 : 0);
  const gap = 8;
  const margin = 10;
  const header = opts.title ? 26 : 0;
  const slotW = cellW + gap;
  const slotH = titleLine + cellH + labelLine + gap;
  const width = Math.ceil(margin * 2 + cols * slotW - gap);
  const height = Math.ceil(margin * 2 + header + rows * slotH - gap);

  const body: string[] = [];
  if (opts.title) {
    body.push(text(width / 2, margin + 14, opts.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  }
  grays.forEach((g, i) => {
    const x = margin + (i % cols) * slotW;
    const top = margin + header + Math.floor(i / cols) * slotH;
    const y = top + titleLine;
    const cx = x + cellW / 2;
    const w = g.width * scale;
    const h = g.height * scale;
    if (opts.titles?.[i] !== undefined) {
      body.push(text(cx, top + fontSize, opts.titles[i], { 'text-anchor': 'middle', 'font-size': fontSize, fill: COLORS.muted }));
    }
    const href = `data:image/png;base64,${encodeGrayPng(g.pixels, g.width, g.height).toString('base64')}`;
    body.push(
      el('image', {
        x,
        y,
        width: w,
        height: h,
        href,
        preserveAspectRatio: 'none',
        // Nearest-neighbour scaling in browsers; resvg gets the same through its render options.
        style: 'image-rendering:pixelated',
        class: 'grid-image',
      }),
    );
    if (opts.highlight?.[i]) {
      body.push(el('rect', { x: x - 1.5, y: y - 1.5, width: w + 3, height: h + 3, fill: 'none', stroke: COLORS.highlight, 'stroke-width': 3, class: 'highlight' }));
    }
    if (opts.labels?.[i] !== undefined) {
      opts.labels[i].split('\n').forEach((line, k) => {
        body.push(
          text(cx, y + cellH + 2 + fontSize + k * lineH, line, {
            'text-anchor': 'middle',
            'font-size': fontSize,
            fill: opts.highlight?.[i] ? COLORS.highlight : COLORS.text,
            class: 'label',
          }),
        );
      });
    }
  });
  return createFigure(svgDocument(width, height, body), width, height);
}
