/**
 * What every source of synthetic handwriting produces before paper and camera: a line of ink at its
 * natural scale, with where the writing sits (baseline, body height) known. Font renderings
 * (font_line.ts) and EMNIST glyph lines (emnist_line.ts) both return it; paper.ts puts it on paper;
 * the line recipe (src/image/line.ts) then normalises the photo exactly as it does a real one.
 */

/** A line of ink, white (1) on nothing (0), at the scale it was drawn. */
export interface InkLine {
  width: number;
  height: number;
  /** [height * width] ink coverage 0..1, row-major. */
  ink: Float32Array;
  /** Row (pixels from the top, may be fractional) the letters sit on. */
  baseline: number;
  /** Height of the lower-case body (x-height), pixels: what the line recipe normalises by. */
  bodyHeight: number;
  /** The text drawn, in `LINE_CHARSET` characters (src/synth/charset.ts). */
  text: string;
}

/** A blank ink line of the given size. */
export function createInkLine(width: number, height: number, baseline: number, bodyHeight: number, text: string): InkLine {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new Error(`createInkLine: width and height must be positive integers, got ${width} x ${height}`);
  }
  return { width, height, ink: new Float32Array(width * height), baseline, bodyHeight, text };
}
