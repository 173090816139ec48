/**
 * The drawing pad's size and pen for each kind of model. A line model's pen is chosen so that what
 * is drawn, once the line recipe has scaled it to the model's height, has strokes as thick as the
 * model's training lines: a model trained on body-height-normalised lines (metadata `body`; lower
 * case, fonts and EMNIST ByClass) gets a pen like a pen on paper, thin next to the x-height, so an
 * `e` keeps its eye and an `a` its bowl; an older capitals-only model (no `body`, EMNIST's thick
 * strokes) keeps its thick pen. Pure (no DOM): the tests check these numbers through the recipe.
 */
import type { LineModelMetadata } from '../../src/lines/line_model';

/** A pad's canvas resolution and pen width, canvas pixels. */
export interface PadGeometry {
  width: number;
  height: number;
  penWidth: number;
}

/** The pad for one character: 280 px, 10 pad pixels per MNIST pixel, a 2-pixel pen. */
export const CHAR_PAD: PadGeometry = { width: 280, height: 280, penWidth: 20 };

/**
 * The pad for words and lines: 2:1, tall enough for two lines of writing (a 358 px wide phone
 * shows it 179 px high, about 90 px a line).
 */
export const LINE_PAD_SIZE = { width: 1000, height: 500 };

/**
 * Pen width / pad height for a model that scales lines by their body (x-height). A 0.5 mm pen on
 * paper ruled every 8 mm is 0.06 of a line; with two lines on the pad, a line is half its height:
 * 0.03. Lower case written between 0.12 and 0.3 pad heights of x-height (two lines to one big
 * word) then has strokes of about 0.08 to 0.2 body heights after the recipe, inside the 0.07..0.3
 * the synthetic fonts are drawn with (src/synth/font_line.ts); test/web_lines.test.ts measures it.
 */
export const BODY_PEN = 0.03;

/**
 * Pen width / pad height for an older line model (median-character scaling, capitals and digits
 * as EMNIST draws them): about 1/7 of a letter half the pad's height, as thick as EMNIST's strokes.
 * It is too thick for lower case: an x-height of 0.14 pad heights gets strokes over a third of it.
 */
export const EMNIST_PEN = 0.07;

/** The wide pad and its pen for a line model (see BODY_PEN and EMNIST_PEN). */
export function linePadFor(meta: LineModelMetadata): PadGeometry {
  const share = meta.body ? BODY_PEN : EMNIST_PEN;
  return { ...LINE_PAD_SIZE, penWidth: Math.round(share * LINE_PAD_SIZE.height) };
}

/** The pad for a loaded model: the square one for a character model, the wide one for a line model. */
export function padGeometryFor(line: LineModelMetadata | null): PadGeometry {
  return line ? linePadFor(line) : CHAR_PAD;
}
