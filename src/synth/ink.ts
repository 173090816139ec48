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

/**
 * Lines of ink on one canvas: line i's baseline at row `baselines[i]`, its left edge at column
 * `lefts[i]` (default 0), overlapping ink kept at its strongest. The first line's baseline and body
 * height are the canvas's; the texts are joined with '\n'.
 */
export function stackInkLines(lines: readonly InkLine[], baselines: readonly number[], lefts: readonly number[] = lines.map(() => 0)): InkLine {
  if (lines.length === 0 || baselines.length !== lines.length || lefts.length !== lines.length) {
    throw new Error(`stackInkLines: give a baseline and a left edge for each of at least one line (${lines.length} lines, ${baselines.length} baselines, ${lefts.length} left edges)`);
  }
  const top = lines.map((l, i) => Math.round(baselines[i] - l.baseline));
  const left = lefts.map((x) => Math.round(x));
  if (Math.min(...top, ...left) < 0) throw new Error(`stackInkLines: a line would start above or left of the canvas (tops ${top.join(', ')}, left edges ${left.join(', ')}); move it down or right`);
  const width = Math.max(...lines.map((l, i) => left[i] + l.width));
  const height = Math.max(...lines.map((l, i) => top[i] + l.height));
  const out = createInkLine(width, height, baselines[0], lines[0].bodyHeight, lines.map((l) => l.text).join('\n'));
  lines.forEach((l, i) => {
    for (let y = 0; y < l.height; y++) {
      const row = (top[i] + y) * width + left[i];
      for (let x = 0; x < l.width; x++) {
        const v = l.ink[y * l.width + x];
        if (v > out.ink[row + x]) out.ink[row + x] = v;
      }
    }
  });
  return out;
}
