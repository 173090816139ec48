/**
 * Reading a page of handwriting with a line model: its lines found (image/page.ts), each through the
 * line recipe with the model's own options (`linePreprocessOptionsFor`: its height, and body-height
 * scaling when its metadata has `body`), each line at three body heights of which one reading is
 * kept (body_scales.ts), all read in one batch. Pure (tfjs and the line model's contract, no file
 * access), so a browser could bundle it as well.
 *
 * An image of a single word or line is read whole, exactly as the web app and the line recipe alone
 * read it, unless it shows far more paper around the line than a training photo (then the line and
 * a line's height around it); a page of several lines is read crop by crop. Where a smooth surface
 * cannot describe the light on a line (a shadow's sharp edge), its recipe takes 'local' lighting. A
 * photo showing the desk around the sheet of paper is read as the sheet alone (image/sheet.ts).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BeamSearchLm } from '../ctc/decode';
import { FloatImage, GrayImage, PixelBox, asFloat, cropImage } from '../image/gray';
import { shearImage } from '../image/slant';
import { LinePreprocessOptions, LineTooWideError, PreprocessedLine, preprocessLineGray, withLineLighting } from '../image/line';
import { PageOptions, findTextLines } from '../image/page';
import { RgbaImage, rgbaToGray } from '../image/rgba';
import { findSheet, sheetImage } from '../image/sheet';
import { LineModelMetadata, decodeLineScores, linePreprocessOptionsFor, lineScores, padRight } from '../lines/line_model';
import { BODY_SCALES, SLANTS, checkBodyScales, checkSlants, chooseScaledReading } from './body_scales';

/** Options of `readPage`. */
export interface ReadPageOptions {
  /** Page layout options (maxSide, skew range, ...). */
  page?: PageOptions;
  /** Line recipe options on top of the model's (`linePreprocessOptionsFor`); `height` is always the model's. */
  preprocess?: LinePreprocessOptions;
  /** 'greedy' (default) or 'beam'. */
  decoder?: 'greedy' | 'beam';
  /** Beam width for 'beam' (default 10). */
  beamWidth?: number;
  /** A character LM and its weights for 'beam' (`loadLineModel` gives the model's); greedy ignores it. */
  lm?: BeamSearchLm | null;
  /** The image's name in notes and errors (a file path). Default 'image'. */
  name?: string;
  /**
   * Each line is read with the model's body target scaled by each of these factors, and one
   * reading kept (body_scales.ts); default `BODY_SCALES` (three readings), [1] one body height
   * (with `slants: []`, each line read once). Models without body metadata always read once.
   */
  bodyScales?: readonly number[];
  /**
   * Each line is also read sheared by each of these angles (degrees, at the body the recipe
   * estimates), and the reading kept chosen among all versions; default `SLANTS` (two more
   * readings), [] none.
   */
  slants?: readonly number[];
}

/** One line of a page as the model read it. */
export interface PageLineReading {
  text: string;
  /** Greedy: probability of the best path; beam: p(text | image) summed over the alignments kept. */
  confidence: number;
  /** Where the line's ink is in the input image, pixels. */
  box: PixelBox;
  /** The line as the model saw it: the line recipe's output padded on the right (`padRight`). */
  line: PreprocessedLine;
}

/** A page read with a line model. */
export interface PageReading {
  /** The lines' texts joined with '\n', top to bottom; '' when nothing was found. */
  text: string;
  /** The product of the lines' confidences: how likely every line is right (0 when nothing was read). */
  confidence: number;
  lines: PageLineReading[];
  /** Things worth telling the user (a blank image). */
  notes: string[];
  /** The page's skew, degrees (rows rising to the right positive). */
  skewDegrees: number;
}

/** True for RGBA pixels (4 bytes a pixel), false for a gray image (one value a pixel). */
function isRgba(img: GrayImage | RgbaImage): img is RgbaImage {
  return img.data.length === img.width * img.height * 4 && img.width * img.height > 0 && !(img.data instanceof Float32Array);
}

/**
 * Paper around the one line of an image, as a share of the line's height, each side: what the
 * line recipe is given when the image shows much more (`lineSurroundings`).
 */
const SURROUNDINGS = 1;
/** `lineSurroundings` crops when the line and its surroundings are at most this share of the image. */
const SURROUNDINGS_SHARE = 0.6;
/**
 * Fewest rows of ink a line of writing spans in the image read (after shrinking to `maxSide`):
 * fewer is a speck, a scratch or what is left of a ruled line, not writing the model could read
 * (its body would be under 3 px). On blank synthetic papers such "lines" read as "I", "a", "is".
 */
export const MIN_LINE_PIXELS = 5;

/**
 * The image an image's only line is read from: the whole image, as the line recipe alone reads it,
 * unless the line and a line's height of paper around it (`SURROUNDINGS`) are a small part of it
 * (`SURROUNDINGS_SHARE`); then that crop. Training photos show 0.4-1.5 body heights of paper around
 * their line; a word in the middle of a card or a page shows far more, where a shadow's edge, ruled
 * lines and grain far from the writing pass for ink: held-out-font lines with 6-8 body heights of
 * paper around them (seed 11) read at 9.9% CER whole, 6.5% so (docs/LINES.md, leaving the training range).
 */
function lineSurroundings(gray: GrayImage, box: PixelBox): GrayImage | FloatImage {
  const pad = Math.round(SURROUNDINGS * box.height);
  const x = Math.max(0, box.x - pad);
  const y = Math.max(0, box.y - pad);
  const around = { x, y, width: Math.min(gray.width, box.x + box.width + pad) - x, height: Math.min(gray.height, box.y + box.height + pad) - y };
  if (around.width * around.height > SURROUNDINGS_SHARE * gray.width * gray.height) return gray;
  return cropImage(asFloat(gray), around);
}

/**
 * One line through the recipe at each body factor of `scales` (the factor nearest 1 first), then
 * sheared by each angle of `slants`: its notes and errors are the first version's. A blank first
 * version stands alone; other blank versions, and those that fail (too wide at a larger body), are
 * left out.
 */
function lineVersions(image: GrayImage, recipe: LinePreprocessOptions, scales: readonly number[], slants: readonly number[], name: string): PreprocessedLine[] {
  const versions: PreprocessedLine[] = [];
  // Each version made when its turn comes: a blank first version leaves the others unmade.
  const inputs: Array<() => { image: GrayImage; recipe: LinePreprocessOptions }> = [
    ...scales.map((f) => () => ({ image, recipe: f === 1 || recipe.bodyHeight === undefined ? recipe : { ...recipe, bodyHeight: recipe.bodyHeight * f } })),
    ...slants.map((d) => () => ({ image: shearImage(asFloat(image), d, 'edge').image, recipe })),
  ];
  for (const make of inputs) {
    let line: PreprocessedLine;
    try {
      const input = make();
      line = padRight(preprocessLineGray(input.image, input.recipe, name));
    } catch (e) {
      if (versions.length === 0) throw e;
      continue;
    }
    if (versions.length > 0 && line.empty) continue; // a blank version would read '' with high confidence
    versions.push(line);
    if (versions[0].empty) break;
  }
  return versions;
}

/**
 * Reads every line of writing in a gray or RGBA image with a line model (see the module comment).
 * A blank image reads as '' with a note, and so do marks under `MIN_LINE_PIXELS` high; an image of
 * one line far too wide for the model throws `LineTooWideError` naming the image, and such a line
 * of a page is left out with a note.
 */
export function readPage(model: tfl.LayersModel, meta: LineModelMetadata, image: GrayImage | RgbaImage, opts: ReadPageOptions = {}): PageReading {
  const name = opts.name ?? 'image';
  const recipe: LinePreprocessOptions = { ...linePreprocessOptionsFor(meta), ...opts.preprocess, height: meta.height, multiLineNote: false };
  // The gray image the line recipe makes from RGBA (`preprocessLineRgba`), so a single line reads exactly as it would alone.
  const photo: GrayImage = isRgba(image) ? rgbaToGray(image, { maxSide: recipe.maxSide ?? 2048 }).image : image;
  // A sheet of paper with the desk around it: only the sheet is read (boxes stay in the image's pixels).
  const sheet = findSheet(photo, isRgba(image) ? { rgba: image } : {});
  const gray = sheet ? sheetImage(photo, sheet) : photo;
  // Boxes in the input's pixels: past the sheet's corner, and back from the gray image's size when
  // a large photo was shrunk for reading.
  const [sx, sy] = [image.width / photo.width, image.height / photo.height];
  const at = (box: PixelBox): PixelBox => {
    const [x, y] = sheet ? [box.x + sheet.box.x, box.y + sheet.box.y] : [box.x, box.y];
    if (sx === 1 && sy === 1) return { x, y, width: box.width, height: box.height };
    const [x0, y0] = [Math.floor(x * sx), Math.floor(y * sy)];
    return { x: x0, y: y0, width: Math.min(image.width, Math.ceil((x + box.width) * sx)) - x0, height: Math.min(image.height, Math.ceil((y + box.height) * sy)) - y0 };
  };
  const layout = findTextLines(gray, opts.page, name);
  const found = layout.lines.filter((l) => l.box.height >= MIN_LINE_PIXELS);
  const n = found.length;
  const crops: Array<{ image: GrayImage | FloatImage; box: PixelBox; name: string }> = n === 1
    ? [{ image: lineSurroundings(gray, found[0].box), box: at(found[0].box), name }]
    : found.map((l, i) => ({ image: l.image, box: at(l.box), name: `${name} (line ${i + 1} of ${n})` }));
  const notes = [...layout.notes];
  if (layout.lines.length > 0 && n === 0) notes.push(`${name}: no writing found, only specks or marks under ${MIN_LINE_PIXELS} px high; nothing to read`);
  // Every version of every line, the one at the factor nearest 1 first: its notes and errors are the line's.
  const scales = recipe.bodyHeight === undefined ? [1] : [...checkBodyScales(opts.bodyScales ?? BODY_SCALES)].sort((a, b) => Math.abs(a - 1) - Math.abs(b - 1));
  const slants = recipe.bodyHeight === undefined ? [] : checkSlants(opts.slants ?? SLANTS);
  const prepared: Array<{ versions: PreprocessedLine[]; box: PixelBox }> = [];
  for (const crop of crops) {
    // Light a smooth surface cannot follow: 'local' lighting, as page layout itself turns to then.
    let versions: PreprocessedLine[];
    try {
      versions = lineVersions(crop.image, withLineLighting(crop.image, recipe), scales, slants, crop.name);
    } catch (e) {
      // One "line" of a page far too wide (what is left of a ruled line, a long scratch) does not
      // stop the page's other lines from being read; an image of one line still throws.
      if (!(n > 1 && e instanceof LineTooWideError)) throw e;
      notes.push(`${e.message}; that line is left out, the others are read`);
      continue;
    }
    notes.push(...versions[0].notes);
    if (!versions[0].empty) prepared.push({ versions, box: crop.box });
  }
  if (prepared.length === 0) {
    if (notes.length === 0) notes.push(`${name}: no ink found (the image looks blank or too faint); nothing to read`);
    return { text: '', confidence: 0, lines: [], notes, skewDegrees: layout.skewDegrees };
  }
  // One batch, every version of every line padded on the right to the widest (as training batches are).
  const inputs = prepared.flatMap((p) => p.versions);
  const H = meta.height;
  const width = Math.max(...inputs.map((l) => l.width));
  const pixels = new Float32Array(inputs.length * H * width);
  inputs.forEach((line, i) => {
    for (let y = 0; y < H; y++) pixels.set(line.pixels.subarray(y * line.width, (y + 1) * line.width), (i * H + y) * width);
  });
  const scores = lineScores(model, meta, pixels, inputs.length, width, { widths: Int32Array.from(inputs, (l) => l.inkEnd) });
  const classes = meta.charset.length + 1;
  let next = 0;
  const lines = prepared.map((p) => {
    const readings = p.versions.map((line) => {
      const s = scores[next++];
      return { line, frames: s.length / classes, ...decodeLineScores(s, meta, { decoder: opts.decoder, beamWidth: opts.beamWidth, lm: opts.lm }) };
    });
    const kept = readings[chooseScaledReading(readings)];
    return { text: kept.text, confidence: kept.confidence, box: p.box, line: kept.line };
  });
  return {
    text: lines.map((l) => l.text).join('\n'),
    confidence: lines.reduce((acc, l) => acc * l.confidence, 1),
    lines,
    notes,
    skewDegrees: layout.skewDegrees,
  };
}
