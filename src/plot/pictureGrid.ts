/** A grid of photos/scans as they are (colour, any size), e.g. real input next to what the model saw. */
import { createFigure, Figure } from './figure';
import { COLORS, el, round, svgDocument, text } from './svg';

/** An encoded PNG or JPEG picture with its pixel size (sharp's `toBuffer({ resolveWithObject: true })` gives both). */
export interface Picture {
  data: Uint8Array;
  width: number;
  height: number;
  /** Caption under the picture. */
  label?: string;
}

export interface PictureGridOptions {
  title?: string;
  /** Pictures per row (default: up to 6). */
  cols?: number;
  /** Side of the square box each picture is fitted into, in pixels (default 140). */
  cellSize?: number;
}

function mimeOf(data: Uint8Array, i: number): string {
  if (data[0] === 0x89 && data[1] === 0x50) return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8) return 'image/jpeg';
  throw new Error(`pictureGrid: picture ${i} is neither PNG nor JPEG; convert it first (e.g. sharp(file).png())`);
}

/**
 * Draws pictures fitted into equal boxes, keeping their aspect ratio, over a light checkerboard so
 * transparent areas show as transparent.
 */
export function pictureGrid(pictures: Picture[], opts: PictureGridOptions = {}): Figure {
  if (pictures.length === 0) throw new Error('pictureGrid: no pictures given');
  const box = opts.cellSize ?? 140;
  const cols = Math.max(1, Math.min(opts.cols ?? 6, pictures.length));
  const rows = Math.ceil(pictures.length / cols);
  const gap = 10;
  const margin = 10;
  const header = opts.title ? 26 : 0;
  const labelH = pictures.some((p) => p.label) ? 18 : 0;
  const width = margin * 2 + cols * (box + gap) - gap;
  const height = margin * 2 + header + rows * (box + labelH + gap) - gap;
  const body: string[] = [
    '<defs><pattern id="checker" width="16" height="16" patternUnits="userSpaceOnUse">' +
      '<rect width="16" height="16" fill="#ffffff"/><rect width="8" height="8" fill="#e6e6e6"/>' +
      '<rect x="8" y="8" width="8" height="8" fill="#e6e6e6"/></pattern></defs>',
  ];
  if (opts.title) body.push(text(width / 2, margin + 14, opts.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  pictures.forEach((p, i) => {
    const x0 = margin + (i % cols) * (box + gap);
    const y0 = margin + header + Math.floor(i / cols) * (box + labelH + gap);
    const k = Math.min(box / p.width, box / p.height);
    const w = p.width * k;
    const h = p.height * k;
    const x = x0 + (box - w) / 2;
    const y = y0 + (box - h) / 2;
    const href = `data:${mimeOf(p.data, i)};base64,${Buffer.from(p.data).toString('base64')}`;
    body.push(el('rect', { x: round(x), y: round(y), width: round(w), height: round(h), fill: 'url(#checker)' }));
    body.push(el('image', { x: round(x), y: round(y), width: round(w), height: round(h), href, class: 'picture' }));
    body.push(el('rect', { x: round(x), y: round(y), width: round(w), height: round(h), fill: 'none', stroke: COLORS.grid }));
    if (p.label) body.push(text(x0 + box / 2, y0 + box + 14, p.label, { 'text-anchor': 'middle', 'font-size': 11 }));
  });
  return createFigure(svgDocument(width, height, body), width, height);
}
