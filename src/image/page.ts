/**
 * Page layout: a photo or scan of a page of writing (or of one word or line) -> its lines, top to
 * bottom, each as a gray crop the line recipe (line.ts) then reads. Pure TypeScript (the web app
 * bundles it).
 *
 * The ink and mask are the line recipe's (`findLineInk`: lighting, polarity, threshold), with the
 * background followed pixel by pixel where a sharp-edged shadow crosses the page (`findPageInk`).
 * A component filling a corner of the photo solidly (a vignette, a fingertip) is no writing and is
 * dropped first. The page is deskewed as a whole (projection-profile sharpness, skew.ts), ruled
 * lines are taken out (rules.ts; the bars left of broken ones are no writing either), and so are
 * the upright lines of squared paper (the same search on the mask turned on its side), and the rows
 * are split into bands at the deep valleys of the row profile of the letters smeared along their
 * rows (`smearRows`: a line's body turns solid along each word, while the ascenders, descenders and
 * loops that cross the gap between two close lines stay strokes); a valley is measured on the
 * columns of the weaker peak's line only (`valleyShare`: a short line under a long one), and peaks
 * closer than two lines can be (`MIN_PITCH` of the writing's body height, `writingBody`, each
 * word's own body: close lines join words into components two lines tall) are one line's. A band
 * is a line only if it holds a letter-sized component (at least `LETTER_SIZE` of the
 * lines' body height, `lineBody`: a letter, a digit, a word; or smaller letters a word wide, a
 * short lower-case word on a page of capitals) with its middle and a third of its ink in it, so a
 * band of apostrophes, quotes, i-dots, a broken-off descender or the loops between two lines is
 * none. Bands that the rows of the letters' middle halves (`middleRows`, page layout's rule before
 * the smeared rows) see as one no taller than a line are one line, and where they see a single
 * line the page is that line: the tall loops of a cursive line or a '?' can make a peak of their
 * own. Then whole connected components, not rows, are given to lines: a
 * mark (under half the body height: a dot, a comma, an apostrophe, a dash) to the nearest line
 * whose body is within one body height, above or below; one that joins two lines' bodies (a
 * descender touching an ascender) is cut at the valley between them; any other to the band holding
 * most of its ink. Marks far from every line join none: a line of only marks ("...", "-") cannot
 * be told from dirt. Where a line drifts across the page (its own skew, measured on its letters'
 * middle halves, moves it a body height or more from end to end), the page is warped column by
 * column so that each line runs along a row (warp.ts; a line split where it neared the next line's
 * rows laid along one row) and laid out again (`straightened`). Each line's crop is deskewed,
 * lighting-flattened gray (dark ink on white) with the other lines' ink erased.
 */
import { FloatImage, GrayImage, PixelBox, createImage, toFloat } from './gray';
import { resizeImage, shrunkSize } from './geometry';
import { InkMapOptions, unevenLight } from './lighting';
import { LineInk, MIN_DESKEW_ASPECT, bodyFromProfile, filledProfile, findLineInk, medianCharHeight } from './line';
import { eraseRuledInk, removeRuledLines } from './rules';
import { estimateSkew, rotateImage, rotation } from './skew';
import { Mask, connectedComponents, dilate, maskBoundingBox, thresholdMask } from './threshold';
import { ColumnWarp, Track, straighteningWarp, warpImage, warpMask } from './warp';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { abs, ceil, floor, max, min, PI, round, tan } = Math;

/**
 * Smallest letter, as a share of the page's body height: a band without a component this tall is
 * no line. Letters and digits are 0.85 body heights or more (a lone "1" is thin, but tall); marks
 * are mostly 0.2-0.6 (measured on the test fonts; the tallest, schoolbell's apostrophe, 0.73, but
 * it starts at the body's top and never makes a band of its own). A line written smaller than the
 * page's others still has a letter this tall.
 */
const LETTER_SIZE = 0.7;
/**
 * `lineBody`: bands holding at least this share of the page's ink (writing, not a row of marks)
 * each count once.
 */
const LINE_INK_SHARE = 0.05;
/**
 * `textBands`: a band whose letters are smaller than LETTER_SIZE, down to this share of `lineBody`,
 * is a line when it holds SMALL_LINE_INK_SHARE of the ink and is SMALL_LINE_WIDTH wide. On a page
 * of capitals the body is the cap height, and a short lower-case word without ascenders ("rice"
 * under "OLIVE OIL") has letters 0.55-0.65 of it.
 */
const SMALL_LETTER_SIZE = 0.45;
/** `textBands`: the least share of the page's ink a band of small letters holds (a 4-letter word on a page of three lines: ~4%). */
const SMALL_LINE_INK_SHARE = 0.02;
/**
 * `textBands`: the least width of a band's small letters together, in body heights: a short word
 * in lower case is ~1.5 cap heights wide (schoolbell's "rice"), the two quotes around a short
 * word ~0.6.
 */
const SMALL_LINE_WIDTH = 1;
/**
 * Components shorter than this share of the page's body height are placed as marks (`assign`);
 * taller ones, letter-sized or not (a big apostrophe, a letter's broken-off piece, a small letter
 * in a loose script), go with the line holding most of their ink, which never leaves them out.
 */
const MARK_SIZE = 0.5;
/**
 * A mark joins the nearest line whose body is at most this many page body heights above or below
 * it, and whose letters end at most this far to its left or right: an apostrophe, a quote or an
 * accent sits up to ~0.9 body heights above the body (more where the line is tilted), a comma's
 * tail hangs below it, a full stop or a closing quote follows the last letter. In page body
 * heights, since a line's own body is taller where capitals fill it. Dirt that near a line joins
 * it too (it mostly lies in the line's crop anyway).
 */
const MARK_REACH = 1;
/**
 * `splitRun`: two peaks of the row profile closer than this many body heights (`writingBody`) are
 * one line's (the top and bottom of one x-height, a line's capitals and its small letters). People
 * write lines 2 or more body heights apart, baseline to baseline (a notebook's tight lines 2-2.6),
 * and the body estimate is 0.85-1.15 of the true body. Peaks 1.1 to 1.3 apart split as many tight
 * pages (bench:read --pitch 2-2.6, seeds 11 and 13): 1.1 keeps the most at 1.8-2.2.
 */
const MIN_PITCH = 1.1;
/**
 * `smearRows`: gaps along a row between letters' ink up to this many body heights are filled: the
 * strokes of a letter and the letters of a word in the body rows, seldom two ascenders or two
 * loops in the gap between lines (0.3 and 0.8 split fewer tight pages).
 */
const SMEAR_GAP = 0.5;
/**
 * `writingBody`: the share of the letters' widths with a smaller body. A third, so a line of
 * capitals (its body the cap height, 1.3-1.5 times the others') holding most of the ink does not
 * set the writing's body.
 */
const BODY_QUANTILE = 1 / 3;
/**
 * `joinedInLines`: a band of the middle-half rows at most this many body heights tall
 * (`writingBody`) holds one line (its body and the middle halves of its ascenders and descenders;
 * two lines written close together make one 3.5 or more). 2.5 kept the most pages right (bench:read
 * pages, seeds 11 and 13, at the default spacing and at --pitch 2-2.6; 3 lost a tight page).
 */
const ONE_LINE_HEIGHT = 2.5;
/**
 * `assign` measures marks against the bands' body (`pageBody`), but at most this many times the
 * writing's (`writingBody`): two lines left in one band have a body twice as tall, and would make
 * the other lines' letters marks, left out. A line of capitals (1.3-1.5) still sets it.
 */
const MAX_BODY = 1.5;
/**
 * `splitRun`: peaks with a valley at most this share of the lower one between them
 * (`valleyShare`) stay two lines however close: the body estimate of a page of swash capitals is
 * their whole height, and two such lines are closer than `MIN_PITCH` of it. Inside one line the
 * valley keeps more (letters' stems cross it).
 */
const EMPTY_VALLEY = 0.3;
/**
 * `textBands`: the least share of a letter's ink in the band holding its middle for it to make
 * that band a line. Words joined across two close lines have their middle in the gap between them,
 * where a band of loops and descenders may be split off; most of their ink is in the two bodies.
 */
const OWN_INK = 1 / 3;
/**
 * Components shorter than this many pixels are no letters, whatever the writing's size. On blank
 * paper the "writing" is the grain's specks, 1-3 px: every speck passed for a letter against their
 * own size, and a band of them for a line (no line is read at such a size).
 */
const MIN_LETTER_PX = 4;
/** `isSolidCorner`: a corner's component filling this share of its box is solid, not strokes. */
const BLOB_FILL = 0.65;
/** `isRuleLeftover`: a solid bar this many times as long as it is tall is no writing. */
const RULE_ELONGATION = 10;

/** A line whose ends lie this many body heights apart in rows, after the page's deskew, drifts (`straightened`). */
const LINE_DRIFT = 1;
/** Pieces of a line split where it drifted: courses passing within this many body heights of each other's centroid. */
const COLLINEAR = 0.5;
/** Largest skew of one line against the page's rows searched, degrees either way. */
const MAX_LINE_SKEW = 8;

/** Options of `findTextLines`; every field has a default. */
export interface PageOptions extends InkMapOptions {
  /** Larger images are shrunk to this longest side first (never refused). Default 2048. */
  maxSide?: number;
  /** Largest page skew corrected, degrees either way. Default 15. */
  maxSkewDegrees?: number;
  /** Weakest ink-to-background difference (0..1) that counts as ink; below it the page is blank. Default `MIN_INK_CONTRAST` (line.ts). */
  minContrast?: number;
  /**
   * Two lines are split at a valley of the (smeared) row profile no higher than this share of the
   * lower of the peaks either side, both counted on the lower peak's columns (`valleyShare`).
   * Default 0.65: a line's body is solid along its words; between lines 2-2.6 body heights apart
   * the ascenders, descenders and loops crossing the gap keep up to ~0.6 of it (docs/LINES.md).
   */
  valleyRatio?: number;
  /** Crop padding around a line's ink, as a share of its body height. Default 0.5. */
  padding?: number;
  /** Lines that drift from the page's rows (`LINE_DRIFT`) are laid along rows and the page laid out again (`straightened`). Default true. */
  straighten?: boolean;
}

/** One line of writing found on a page. */
export interface TextLine {
  /** The line's ink in the input image's pixels (axis-aligned, so a skewed line's box is taller than the line). */
  box: PixelBox;
  /** The line, deskewed, as gray 0..1 (dark ink on white paper, lighting flattened, other lines erased), with padding. */
  image: FloatImage;
}

/** The lines of a page, top to bottom. */
export interface TextLines {
  lines: TextLine[];
  /** The page's skew (degrees, rows rising to the right positive): the crops are turned by -skewDegrees. */
  skewDegrees: number;
  /** Things the caller should tell the user (a blank page). */
  notes: string[];
}

/** A band of rows between two valleys, and its body (core) rows. */
interface Band {
  start: number;
  /** One past the last row. */
  end: number;
  peak: number;
  coreTop: number;
  coreBottom: number;
  /** Pixels of letters and words in the band's rows (what its body is measured on). */
  ink: number;
}

/** Facts about one connected component of the deskewed mask. */
interface Component {
  area: number;
  top: number;
  bottom: number;
  /** Neither a speck nor far taller than writing (a margin line, a page edge, a shadow). */
  writing: boolean;
  /** Too tall to be writing: erased from every line's crop. */
  tall: boolean;
  /** Writing at least 0.3 of the writing's size: a letter or a word, not a dot, a comma or a speck. */
  letter: boolean;
  left: number;
  right: number;
}

/** The page's 'local' lighting window, as a share of its letters' median height (`findPageInk`). */
const WINDOW_PER_LETTER = 1;

/**
 * The page's ink and mask (`findLineInk`). Where a smooth surface cannot describe the light
 * (`unevenLight`: a sharp-edged shadow or lit patch), 'local' lighting, its window sized by the
 * writing: a first pass with the default window (a quarter of the shorter side) catches every
 * stroke, and any shadow narrower than that; the letters' median height there (`medianCharHeight`)
 * sets the second pass's window, WINDOW_PER_LETTER of it: wider than a bold stroke, narrower than
 * most shadows. When a shadow is the tallest thing in the first pass, that pass stands. A lighting
 * model or window given in `opts` is used as it is.
 */
function findPageInk(work: FloatImage, opts: PageOptions): LineInk {
  const given = { ...opts, lighting: opts.lighting ?? (unevenLight(work) ? 'local' : 'quadratic'), keepSpecks: true };
  const first = findLineInk(work, given);
  if (given.lighting !== 'local' || opts.localWindow !== undefined || first.blank) return first;
  const window = max(3, round(WINDOW_PER_LETTER * medianCharHeight(first.mask)));
  if (window >= min(work.width, work.height) / 4) return first;
  return findLineInk(work, { ...given, localWindow: window });
}

/**
 * Finds the lines of writing in a gray image (see the module comment). A page without ink gives no
 * lines and a note; an image of one word or line gives exactly one line. `name` is used in notes.
 */
export function findTextLines(gray: GrayImage, opts: PageOptions = {}, name = 'image'): TextLines {
  let work = toFloat(gray);
  const shrunk = shrunkSize(work.width, work.height, opts.maxSide ?? 2048);
  if (shrunk.width !== work.width || shrunk.height !== work.height) work = resizeImage(work, shrunk.width, shrunk.height);
  const found = findPageInk(work, opts);
  if (found.blank) return { lines: [], skewDegrees: 0, notes: [`${name}: no ink found (the image looks blank or too faint); nothing to read`] };
  // Before the turn: a deskewed canvas is larger than the image, so nothing in it touches its edge.
  const kept = withoutSolidCorners(found.ink.image, found.mask);
  let skew = estimateSkew(kept.mask, { maxDegrees: opts.maxSkewDegrees ?? 15 });
  let layout = layOut(kept.ink, found.level, skew, opts);
  if (skew !== 0 && layout.bands.length <= 2) {
    // One short word has no rows to line up (see line.ts): keep it as it is. Its box is the
    // line's own ink, not the whole mask's: on a ruled page that would be the page. Turned by a
    // guess, a short word can even fall into two bands ("on!", "all!"), unturned one; and where
    // unturned it falls into more bands than turned, the turned layout stands (an image of one
    // line is read from the image itself, which line.ts leaves unturned).
    const owned = new Uint8Array(layout.owner.length);
    for (let p = 0; p < owned.length; p++) owned[p] = layout.owner[p] > 0 ? 1 : 0;
    const box = maskBoundingBox({ width: layout.width, height: layout.height, data: owned });
    if (box && box.width < MIN_DESKEW_ASPECT * box.height) {
      const level = layOut(kept.ink, found.level, 0, opts);
      if (level.bands.length <= layout.bands.length) [skew, layout] = [0, level];
    }
  }
  const { ink, owner, bands } = layout;
  const W = layout.width;
  const B = bands.length;
  // Each line's pixels, in one pass: their box in the deskewed canvas, and in the work image (each
  // pixel centre mapped back: the turn is affine, so its extremes are some pixel's).
  const x0 = new Float64Array(B).fill(Infinity);
  const y0 = new Float64Array(B).fill(Infinity);
  const x1 = new Float64Array(B).fill(-Infinity);
  const y1 = new Float64Array(B).fill(-Infinity);
  const sx0 = new Float64Array(B).fill(Infinity);
  const sy0 = new Float64Array(B).fill(Infinity);
  const sx1 = new Float64Array(B).fill(-Infinity);
  const sy1 = new Float64Array(B).fill(-Infinity);
  for (let p = 0; p < owner.length; p++) {
    const i = owner[p] - 1;
    if (i < 0) continue;
    const x = p % W;
    const y = (p - x) / W;
    if (x < x0[i]) x0[i] = x;
    if (x > x1[i]) x1[i] = x;
    if (y < y0[i]) y0[i] = y;
    if (y > y1[i]) y1[i] = y;
    const [sx, sy] = layout.toSource(x + 0.5, y + 0.5);
    if (sx < sx0[i]) sx0[i] = sx;
    if (sx > sx1[i]) sx1[i] = sx;
    if (sy < sy0[i]) sy0[i] = sy;
    if (sy > sy1[i]) sy1[i] = sy;
  }
  const kx = gray.width / work.width;
  const ky = gray.height / work.height;
  const lines: TextLine[] = [];
  for (let i = 0; i < B; i++) {
    if (x1[i] < 0) continue;
    const own = i + 1;
    const band = bands[i];
    const pad = max(2, ceil((opts.padding ?? 0.5) * (band.coreBottom - band.coreTop)));
    const crop: PixelBox = { x: max(0, x0[i] - pad), y: max(0, y0[i] - pad), width: 0, height: 0 };
    crop.width = min(W, x1[i] + pad + 1) - crop.x;
    crop.height = min(layout.height, y1[i] + pad + 1) - crop.y;
    // Pixel centres +- 0.5 are the pixels' edges; scaled back to the input's pixels.
    const bx = max(0, floor((sx0[i] - 0.5) * kx));
    const by = max(0, floor((sy0[i] - 0.5) * ky));
    const box: PixelBox = {
      x: bx,
      y: by,
      width: min(gray.width, ceil((sx1[i] + 0.5) * kx)) - bx,
      height: min(gray.height, ceil((sy1[i] + 0.5) * ky)) - by,
    };
    lines.push({ box, image: lineCrop(ink, owner, own, crop) });
  }
  const notes = lines.length ? [] : [`${name}: no writing found (only ruled lines or specks); nothing to read`];
  return { lines, skewDegrees: skew, notes };
}

/** The deskewed (and straightened) ink, who owns each ink pixel (line index + 1, 0 for nobody), and the bands. */
interface Layout {
  ink: FloatImage;
  owner: Int32Array;
  bands: Band[];
  width: number;
  height: number;
  /** A point of the layout's canvas -> the work image's coordinates (continuous; pixel centres at i + 0.5). */
  toSource(x: number, y: number): [number, number];
}

/** Deskew by `skew`, ruled lines out, bands, components given to bands; lines that drift straightened (`straightened`). */
function layOut(inkImage: FloatImage, level: number, skew: number, opts: PageOptions): Layout {
  const turned = skew === 0 ? { image: inkImage, rotation: rotation(inkImage.width, inkImage.height, 0, false) } : rotateImage(inkImage, -skew, { fill: 0 });
  let ink = turned.image;
  const rot = turned.rotation;
  let mask = thresholdMask(ink, level);
  const typical = typicalHeight(mask);
  // The typical component is a letter or a joined word (1-2 bodies): scale the line limits to it.
  const rules = removeRuledLines(mask, { size: typicalHeight, maxThickness: 0.2, minLength: 3 });
  if (rules.count > 0) {
    ink = eraseRuledInk(ink, mask, rules);
    mask = rules.mask;
  }
  // Squared paper: the grid's upright lines too (the same search on the mask turned on its side),
  // else each letter one crosses joins a component as tall as the page, which is no writing.
  const sideways = transposed(mask);
  const upright = removeRuledLines(sideways, { size: (m) => typicalHeight(transposed(m)), maxThickness: 0.2, minLength: 3 });
  if (upright.count > 0) {
    ink = transposed(eraseRuledInk(transposed(ink), sideways, upright));
    mask = transposed(upright.mask);
  }
  const scale = rules.count + upright.count > 0 ? typicalHeight(mask) : typical;
  const found = bandsOf(mask, scale, opts);
  const flat: Layout = { ink, owner: found.owner, bands: found.bands, width: mask.width, height: mask.height, toSource: rot.inverse };
  const warp = opts.straighten === false ? undefined : straightened(found, mask.width, mask.height);
  if (!warp) return flat;
  const again = bandsOf(warpMask(mask, warp), scale, opts);
  const toSource = (x: number, y: number): [number, number] => {
    const [cx, cy] = [min(warp.width - 1, max(0, floor(x))), min(warp.height - 1, max(0, floor(y)))];
    return rot.inverse(x, warp.srcRow[cy * warp.width + cx] + (y - cy));
  };
  return { ink: warpImage(ink, warp), owner: again.owner, bands: again.bands, width: warp.width, height: warp.height, toSource };
}

/** What `bandsOf` finds on a mask: who owns each pixel, the lines' bands, and their body height. */
interface Bands {
  owner: Int32Array;
  bands: Band[];
  /** The page's body height (`pageBody`), pixels. */
  body: number;
  /** The mask's components (`componentFacts`), for measuring each line's course. */
  labels: Int32Array;
  comps: Component[];
}

/** The lines of a deskewed mask without ruled lines: bands, then components given to them. */
function bandsOf(mask: Mask, scale: number, opts: PageOptions): Bands {
  const { labels, comps } = componentFacts(mask);
  // Specks: smaller than a dot of a thin pen at this writing size. Far taller than the writing: a
  // margin line, a page edge, a shadow (joined letters of two touching lines are ~3x as tall).
  const speck = max(3, (0.06 * scale) ** 2);
  for (const c of comps) {
    c.tall = c.bottom - c.top + 1 > 4 * scale || isBlob(c, mask) || isRuleLeftover(c);
    c.writing = c.area >= speck && !c.tall;
    c.letter = c.writing && c.bottom - c.top + 1 >= max(0.3 * scale, MIN_LETTER_PX);
  }
  const W = mask.width;
  // Rows of writing from letters and words only: dots, commas and specks make none. The body
  // height, not `scale`, sets how close lines can be: close lines join words into components two
  // lines tall, which `scale` takes for the writing's size (0.9 of it merged such lines).
  const bodyHeight = writingBody(labels, comps, W);
  const smeared = smearRows(labels, comps, W, SMEAR_GAP * bodyHeight);
  const minPitch = bodyHeight > 0 ? MIN_PITCH * bodyHeight : 0.9 * scale;
  let bands = splitBands(smeared, scale, minPitch, opts.valleyRatio ?? 0.65, EMPTY_VALLEY);
  // One line stays one line: the loops and ascenders of a cursive line, or a '?', can make a peak
  // of their own above its body (or its descenders one below), which the smeared rows split off.
  // The rows of the letters' middle halves (`middleRows`, page layout's rule before; ascenders and
  // descenders hardly reach them), with the least pitch of 0.9 of the typical component's height,
  // do not: bands they see as one no taller than a line's are one (`ONE_LINE_HEIGHT`).
  const middles = bands.length > 1 ? splitBands(middleRows(labels, comps, W), scale, 0.9 * scale, 0.5, -1) : [];
  if (bodyHeight > 0) bands = joinedInLines(bands, middles, ONE_LINE_HEIGHT * bodyHeight);
  for (const b of bands) setCore(b, mask, labels, comps);
  // Two lines left in one band have a body twice as tall, which would make the other lines' letters marks.
  let body = bodyHeight > 0 ? min(pageBody(bands), MAX_BODY * bodyHeight) : pageBody(bands);
  bands = textBands(bands, comps, lineBody(bands), labels, W, OWN_INK);
  if (bands.length > 1) {
    // And where the middle halves see a single line, of any height, the image is that line.
    for (const b of middles) setCore(b, mask, labels, comps);
    const one = textBands(middles, comps, lineBody(middles), labels, W, 0);
    if (one.length === 1) [bands, body] = [one, pageBody(middles)];
  }
  return { owner: assign(labels, comps, bands, W, body), bands, body, labels, comps };
}

/**
 * The warp that lays the lines found (`found`) along rows, when one of them drifts: its ends lie
 * `LINE_DRIFT` body heights or more apart in rows after the page's deskew (each line's course,
 * `lineTracks`). A line split in pieces where it drifted into the next line's rows is laid along
 * one row: pieces whose courses carried on pass within `COLLINEAR` body heights of each other's
 * centroid are one line (`joinedCollinear`). Undefined when no line drifts, or when two courses
 * cross (the warp could not lay both along rows).
 */
function straightened(found: Bands, W: number, H: number): ColumnWarp | undefined {
  const { bands, body } = found;
  if (bands.length < 2) return undefined;
  const pieces = lineTracks(found, W, H);
  const tracks = joinedCollinear(pieces, COLLINEAR * body);
  // A line that does not drift keeps its rows: its skew, measured on a short or odd line (swash
  // capitals), is no better than the page's.
  const drifts = (t: Track) => abs(t.slope) * (t.right - t.left) >= LINE_DRIFT * body;
  if (!tracks.some(drifts)) return undefined;
  return straighteningWarp(tracks.map((t) => (drifts(t) ? t : { ...t, slope: 0 })), W, H);
}

/** A line's course (`Track`) and its ink in pixels. */
interface InkTrack extends Track {
  ink: number;
}

/**
 * Each line's course: its skew measured on its letters' and words' middle halves (`estimateSkew`; a
 * letter's middle is its body, so tall capitals, brackets and loops at one end of a line do not
 * tilt it), through their centroid.
 */
function lineTracks(found: Bands, W: number, H: number): InkTrack[] {
  const { owner, bands, labels, comps } = found;
  const middle = new Uint8Array(owner.length);
  const sums = bands.map(() => ({ x0: W, y0: H, x1: -1, y1: -1, n: 0, sx: 0, sy: 0 }));
  for (let p = 0; p < owner.length; p++) {
    const c = comps[labels[p]];
    if (owner[p] <= 0 || !c.letter) continue;
    const x = p % W;
    const y = (p - x) / W;
    if (!inMiddleHalf(c, y)) continue;
    middle[p] = 1;
    const b = sums[owner[p] - 1];
    b.x0 = min(b.x0, x);
    b.x1 = max(b.x1, x);
    b.y0 = min(b.y0, y);
    b.y1 = max(b.y1, y);
    b.n++;
    b.sx += x;
    b.sy += y;
  }
  const tracks: InkTrack[] = [];
  sums.forEach((b, i) => {
    if (b.n === 0) return;
    const w = b.x1 - b.x0 + 1;
    const mask: Mask = { width: w, height: b.y1 - b.y0 + 1, data: new Uint8Array(w * (b.y1 - b.y0 + 1)) };
    for (let y = b.y0; y <= b.y1; y++) for (let x = b.x0; x <= b.x1; x++) if (middle[y * W + x] && owner[y * W + x] === i + 1) mask.data[(y - b.y0) * w + x - b.x0] = 1;
    const skew = estimateSkew(mask, { maxDegrees: MAX_LINE_SKEW });
    tracks.push({ x0: b.sx / b.n, y0: b.sy / b.n, slope: -tan((skew * PI) / 180), left: b.x0, right: b.x1, ink: b.n });
  });
  return tracks;
}

/** Tracks whose courses, carried on, pass within `tolerance` rows of each other's centroid, joined (ink-weighted). */
function joinedCollinear(tracks: InkTrack[], tolerance: number): InkTrack[] {
  const out = [...tracks];
  const along = (t: InkTrack, x: number) => t.y0 + t.slope * (x - t.x0);
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const [a, b] = [out[i], out[j]];
      if (abs(along(a, b.x0) - b.y0) > tolerance || abs(along(b, a.x0) - a.y0) > tolerance) continue;
      const n = a.ink + b.ink;
      out[i] = {
        x0: (a.x0 * a.ink + b.x0 * b.ink) / n,
        y0: (a.y0 * a.ink + b.y0 * b.ink) / n,
        slope: (a.slope * a.ink + b.slope * b.ink) / n,
        left: min(a.left, b.left),
        right: max(a.right, b.right),
        ink: n,
      };
      out.splice(j, 1);
      j = i;
    }
  }
  return out;
}

/**
 * Neighbouring bands whose peaks lie in one band of `lines` (the middle-half rows' bands) no taller
 * than `maxHeight` rows, joined into one.
 */
function joinedInLines(bands: Band[], lines: Band[], maxHeight: number): Band[] {
  const home = (b: Band) => lines.find((l) => b.peak >= l.start && b.peak < l.end);
  const out: Band[] = [];
  for (const b of bands) {
    const last = out[out.length - 1];
    const h = home(b);
    if (last && h && h === home(last) && h.end - h.start <= maxHeight) out[out.length - 1] = { ...last, end: b.end };
    else out.push({ ...b });
  }
  return out;
}

/** Per row, the letters' and words' ink in their middle half (a letter's middle is its body). */
function middleRows(labels: Int32Array, comps: Component[], W: number): Float64Array {
  const profile = new Float64Array(labels.length / W);
  for (let p = 0; p < labels.length; p++) {
    const c = comps[labels[p]];
    if (!labels[p] || !c.letter) continue;
    const y = (p - (p % W)) / W;
    if (inMiddleHalf(c, y)) profile[y]++;
  }
  return profile;
}

/** Row y lies in the component's middle half (a letter's middle is its body). */
function inMiddleHalf(c: Component, y: number): boolean {
  const quarter = (c.bottom - c.top + 1) / 4;
  return y >= c.top + quarter - 0.5 && y <= c.bottom - quarter + 0.5;
}

/**
 * The writing's body height: each letter's or word's own body (`bodyFromProfile` on its row
 * profile of ink), the `BODY_QUANTILE` of them weighted by width. Words joined across two lines by
 * a loop do not set it, as they set the components' heights; a word's loops add two strokes a row
 * above and below its body, where column-filled profiles took tall loops for body. On the bench's
 * pages (2-2.6 and 2.8-4 body heights apart) 0.85-1.15 of the true body, 5th to 95th percentile.
 * 0 without letters.
 */
function writingBody(labels: Int32Array, comps: Component[], W: number): number {
  // Each letter's row profile, the letters' profiles one after another in one array, a zero row
  // either side of each (as `bodyFromProfile` takes them).
  const offset = new Int32Array(comps.length).fill(-1);
  let size = 0;
  comps.forEach((c, id) => {
    if (id === 0 || !c.letter) return;
    offset[id] = size;
    size += c.bottom - c.top + 3;
  });
  const rows = new Float64Array(size);
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p];
    if (offset[id] >= 0) rows[offset[id] + (p - (p % W)) / W - comps[id].top + 1]++;
  }
  const items: Array<{ h: number; w: number }> = [];
  comps.forEach((c, id) => {
    if (offset[id] < 0) return;
    const body = bodyFromProfile(rows.subarray(offset[id], offset[id] + c.bottom - c.top + 3));
    if (body) items.push({ h: body.baseline - body.top, w: c.right - c.left + 1 });
  });
  return weightedQuantile(items, BODY_QUANTILE) ?? 0;
}

/** The letters' and words' ink with each row's gaps between them up to `gap` pixels filled. */
function smearRows(labels: Int32Array, comps: Component[], W: number, gap: number): Mask {
  const H = labels.length / W;
  const out: Mask = { width: W, height: H, data: new Uint8Array(labels.length) };
  for (let y = 0; y < H; y++) {
    let last = -Infinity;
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      if (!labels[p] || !comps[labels[p]].letter) continue;
      if (x - last - 1 <= gap) out.data.fill(1, y * W + last + 1, p);
      out.data[p] = 1;
      last = x;
    }
  }
  return out;
}

/** Per component: area, top and bottom row; plus the label image. Entry 0 is the background. */
function componentFacts(mask: Mask): { labels: Int32Array; comps: Component[] } {
  const { labels, areas } = connectedComponents(mask);
  const W = mask.width;
  const comps: Component[] = areas.map((area) => ({ area, top: mask.height, bottom: -1, left: W, right: -1, writing: true, tall: false, letter: true }));
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p];
    if (id === 0) continue;
    const x = p % W;
    const y = (p - x) / W;
    const c = comps[id];
    if (y < c.top) c.top = y;
    if (y > c.bottom) c.bottom = y;
    if (x < c.left) c.left = x;
    if (x > c.right) c.right = x;
  }
  return { labels, comps };
}

/** A component touching the image's edge and spanning half of it: the dark surroundings of a photographed page, not writing. */
function isBlob(c: Component, mask: Mask): boolean {
  const edge = c.left === 0 || c.top === 0 || c.right === mask.width - 1 || c.bottom === mask.height - 1;
  return edge && (c.right - c.left + 1 > mask.width / 2 || c.bottom - c.top + 1 > mask.height / 2);
}

/**
 * What removeRuledLines leaves of a ruled line that bows or breaks (a page curving under the
 * camera): a thin solid bar many times longer than it is tall, away from the edges. Such bars
 * held most of the ink of a ruled page with one line of writing on it, set the writing's size to
 * their own 2-3 px and made the letters "too tall" to be writing. A hand's dash is 3-7 times
 * longer than thick; a bar joined to letters is not solid across its box (its ink per column is far
 * less than its height), so a line of writing sitting on a ruled line stays writing.
 */
function isRuleLeftover(c: Component): boolean {
  const [w, h] = [c.right - c.left + 1, c.bottom - c.top + 1];
  return w >= RULE_ELONGATION * h && c.area >= 0.5 * w * h;
}

/**
 * Not writing either: a component filling a corner of the image solidly (a vignette's dark corner,
 * a fingertip, the desk beyond the paper's corner). Writing is strokes: letters fill 0.2-0.55 of
 * their box, a bold joined pair ~0.6; a thin solid bar (a clipped "l") is no blob, and one edge is
 * not enough, since a tight crop's first or last letter touches it.
 */
function isSolidCorner(c: Component, mask: Mask): boolean {
  const [w, h] = [c.right - c.left + 1, c.bottom - c.top + 1];
  const corner = (c.left === 0 || c.right === mask.width - 1) && (c.top === 0 || c.bottom === mask.height - 1);
  return corner && c.area >= BLOB_FILL * w * h && min(w, h) >= 0.25 * max(w, h);
}

/**
 * The ink and its mask without solid corners (`isSolidCorner`); the same objects when there are
 * none. Before ruled lines are taken out, so not `isBlob`: a ruled page's lines and margin are one
 * component spanning the page.
 */
function withoutSolidCorners(ink: FloatImage, mask: Mask): { ink: FloatImage; mask: Mask } {
  const { labels, comps } = componentFacts(mask);
  const blob = comps.map((c, id) => id > 0 && isSolidCorner(c, mask));
  if (!blob.includes(true)) return { ink, mask };
  const out = { ink: { ...ink, data: ink.data.slice() }, mask: { ...mask, data: mask.data.slice() } };
  for (let p = 0; p < labels.length; p++) {
    if (!blob[labels[p]]) continue;
    out.ink.data[p] = 0;
    out.mask.data[p] = 0;
  }
  return out;
}

/**
 * The writing's size: the median height of its components weighted by their ink (so a letter or
 * a joined word sets it, and neither the dots and commas nor a photo's many specks of grain do;
 * blobs at the image's edge and what is left of ruled lines are left out). 1 when empty.
 */
function typicalHeight(mask: Mask): number {
  const { comps } = componentFacts(mask);
  const h = weightedQuantile(comps.slice(1).filter((c) => !isBlob(c, mask) && !isRuleLeftover(c)).map((c) => ({ h: c.bottom - c.top + 1, w: c.area })), 0.5);
  return h === undefined ? 1 : max(1, h);
}

/**
 * The height below which `share` of the items' weight lies (items sorted by height, the first whose
 * running weight reaches it); undefined without weight.
 */
function weightedQuantile(items: Array<{ h: number; w: number }>, share: number): number | undefined {
  const sorted = [...items].sort((a, b) => a.h - b.h);
  let total = 0;
  for (const it of sorted) total += it.w;
  let acc = 0;
  for (const it of sorted) {
    acc += it.w;
    if (acc >= total * share && total > 0) return it.h;
  }
  return undefined;
}

/** The image mirrored about its main diagonal: columns become rows. */
function transposed<T extends { width: number; height: number; data: Float32Array | Uint8Array }>(img: T): T {
  const { width: W, height: H, data } = img;
  const out = new (data.constructor as { new (n: number): Float32Array | Uint8Array })(data.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[x * H + y] = data[y * W + x];
  return { ...img, width: H, height: W, data: out };
}

/**
 * Splits rows into bands at their profile's valleys: the row profile (of `rows`: the smeared rows
 * of `smearRows`, or a profile) is smoothed over 1/4 of the writing's size; peaks either side of a
 * valley are merged while the valley is higher than `ratio` of the lower peak (on a mask both
 * counted on that peak's columns, `valleyShare`), then while two peaks are closer than `minPitch`
 * (the top and bottom of one x-height are, two lines never) unless the valley keeps at most
 * `emptyValley` of the lower peak. Empty rows always split.
 */
function splitBands(rows: Mask | Float64Array, scale: number, minPitch: number, ratio: number, emptyValley: number): Band[] {
  let profile: Float64Array;
  if (rows instanceof Float64Array) profile = rows;
  else {
    profile = new Float64Array(rows.height);
    for (let p = 0; p < rows.data.length; p++) if (rows.data[p]) profile[(p - (p % rows.width)) / rows.width]++;
  }
  const H = profile.length;
  const r = max(1, round(scale / 8));
  const s = new Float64Array(H);
  for (let y = 0; y < H; y++) {
    let sum = 0;
    for (let k = max(0, y - r); k <= min(H - 1, y + r); k++) sum += profile[k];
    s[y] = sum / (2 * r + 1);
  }
  const share = rows instanceof Float64Array ? (valley: number, peak: number) => s[valley] / s[peak] : valleyShare(rows, r);
  const bands: Band[] = [];
  for (let y = 0; y < H; ) {
    if (s[y] <= 0) {
      y++;
      continue;
    }
    let e = y;
    while (e < H && s[e] > 0) e++;
    for (const [a, b, peak] of splitRun(s, y, e, minPitch, ratio, emptyValley, share)) bands.push({ start: a, end: b, peak, coreTop: a, coreBottom: b, ink: 0 });
    y = e;
  }
  return bands;
}

/**
 * The smeared ink in rows `valley` +- r over the ink in rows `peak` +- r, both counted on the
 * columns inked in the peak's rows: a short line under a long one is split from it where the long
 * line's descenders fill the valley only beyond the short line's end. Memoised: `splitRun` asks
 * again for the same pairs while it merges.
 */
function valleyShare(smeared: Mask, r: number): (valley: number, peak: number) => number {
  const { width: W, height: H, data } = smeared;
  const known = new Map<number, number>();
  const inkIn = (y0: number, cols: Uint8Array): number => {
    let n = 0;
    for (let y = max(0, y0 - r); y <= min(H - 1, y0 + r); y++) for (let x = 0, p = y * W; x < W; x++, p++) n += data[p] & cols[x];
    return n;
  };
  return (valley, peak) => {
    const key = valley * H + peak;
    const got = known.get(key);
    if (got !== undefined) return got;
    const cols = new Uint8Array(W);
    for (let y = max(0, peak - r); y <= min(H - 1, peak + r); y++) for (let x = 0, p = y * W; x < W; x++, p++) cols[x] |= data[p];
    const atPeak = inkIn(peak, cols);
    const q = atPeak > 0 ? inkIn(valley, cols) / atPeak : 1;
    known.set(key, q);
    return q;
  };
}

/** Splits the run of inked rows start..end-1 at its deep valleys: [start, end, peak row] per band. */
function splitRun(
  s: Float64Array, start: number, end: number, minPitch: number, ratio: number, emptyValley: number, share: (valley: number, peak: number) => number,
): Array<[number, number, number]> {
  // Peaks (plateaus count once) and the lowest row between neighbours.
  const peaks: number[] = [];
  for (let y = start; y < end; y++) {
    const left = y > start ? s[y - 1] : -1;
    let e = y;
    while (e + 1 < end && s[e + 1] === s[y]) e++;
    const right = e + 1 < end ? s[e + 1] : -1;
    if (s[y] > left && s[y] > right) peaks.push((y + e) >> 1);
    y = e;
  }
  const valleyBetween = (a: number, b: number): number => {
    let v = a;
    for (let y = a; y <= b; y++) if (s[y] < s[v]) v = y;
    return v;
  };
  const mergeWhile = (should: (i: number) => number): void => {
    // Repeatedly merge the neighbouring pair that `should` scores highest (> 0); the higher peak stays.
    for (;;) {
      let best = -1;
      let bestScore = 0;
      for (let i = 0; i + 1 < peaks.length; i++) {
        const score = should(i);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      if (best < 0) return;
      peaks.splice(s[peaks[best]] >= s[peaks[best + 1]] ? best + 1 : best, 1);
    }
  };
  // The valley between neighbours i and i + 1 against the lower of the two (`valleyShare`).
  const valley = (i: number): number => {
    const [a, b] = [peaks[i], peaks[i + 1]];
    return share(valleyBetween(a, b), s[a] <= s[b] ? a : b);
  };
  mergeWhile((i) => {
    const q = valley(i);
    return q > ratio ? q : 0;
  });
  // Too close for two lines, unless all but empty rows part them (`emptyValley`).
  mergeWhile((i) => (peaks[i + 1] - peaks[i] < minPitch && valley(i) > emptyValley ? minPitch - (peaks[i + 1] - peaks[i]) : 0));
  const out: Array<[number, number, number]> = [];
  let a = start;
  for (let i = 0; i < peaks.length; i++) {
    const b = i + 1 < peaks.length ? valleyBetween(peaks[i], peaks[i + 1]) + 1 : end;
    out.push([a, b, peaks[i]]);
    a = b;
  }
  return out;
}

/**
 * The page's body height: the bands' bodies' median (or another quantile, `share`) weighted by
 * their ink, so a band of a few marks (whose "body" is a mark's height) does not set it. 1 when
 * there are no bands.
 */
function pageBody(bands: Band[], share = 0.5): number {
  const items = bands.map((b) => ({ h: b.coreBottom - b.coreTop, w: b.ink }));
  const h = weightedQuantile(items, share);
  if (h !== undefined) return max(1, h);
  const sorted = items.map((it) => it.h).sort((a, b) => a - b);
  return max(1, sorted.length ? sorted[(sorted.length - 1) >> 1] : 1);
}

/**
 * The body height `textBands` measures letters against, lower than the page's (`pageBody`, the
 * ink-weighted median): a line of capitals (its "body" the cap height) can hold most of a page's
 * ink, and short lines of small letters near it would then hold no letter tall enough to be lines.
 * The lower of the ink-weighted lower quartile and the median of the bodies of the bands holding at
 * least LINE_INK_SHARE of the ink, each counted once (a row of marks holds less).
 */
function lineBody(bands: Band[]): number {
  let total = 0;
  for (const b of bands) total += b.ink;
  const bodies = bands.filter((b) => b.ink >= LINE_INK_SHARE * total).map((b) => b.coreBottom - b.coreTop).sort((a, b) => a - b);
  const quartile = pageBody(bands, 0.25);
  return bodies.length > 0 ? max(1, min(quartile, bodies[bodies.length >> 1])) : quartile;
}

/**
 * Keeps the bands holding a letter-sized component (`LETTER_SIZE` of the page's body height) with
 * its middle and a third of its ink (`OWN_INK`) in them: a band of apostrophes, quotes, i-dots, an
 * underline, specks or the loops between two close lines is no line (its
 * marks still go to the nearest line's body when they are near it, see `assign`). Also a band of
 * smaller letters (`SMALL_LETTER_SIZE`) that holds a share of the ink (`SMALL_LINE_INK_SHARE`) and
 * whose small letters are together `SMALL_LINE_WIDTH` body heights wide: a short lower-case word
 * on a page of capitals; not the two quotes of a short quoted word, which are narrow.
 */
function textBands(bands: Band[], comps: Component[], body: number, labels: Int32Array, W: number, ownInk: number): Band[] {
  let total = 0;
  for (const b of bands) total += b.ink;
  // Each component's ink in the band holding its middle.
  const H = labels.length / W;
  const bandOf = new Int32Array(H).fill(-1);
  bands.forEach((b, i) => bandOf.fill(i, b.start, b.end));
  const midBand = comps.map((c) => bandOf[min(H - 1, max(0, floor((c.top + c.bottom) / 2)))]);
  const own = new Float64Array(comps.length);
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p];
    if (id && midBand[id] >= 0 && bandOf[(p - (p % W)) / W] === midBand[id]) own[id]++;
  }
  return bands.filter((b, i) => {
    let tallest = 0;
    let width = 0;
    comps.forEach((c, id) => {
      if (id === 0 || !c.writing || midBand[id] !== i || own[id] < ownInk * c.area) return;
      const h = c.bottom - c.top + 1;
      tallest = max(tallest, h);
      if (h >= SMALL_LETTER_SIZE * body) width += c.right - c.left + 1;
    });
    if (tallest >= LETTER_SIZE * body) return true;
    return tallest >= SMALL_LETTER_SIZE * body && b.ink >= SMALL_LINE_INK_SHARE * total && width >= SMALL_LINE_WIDTH * body;
  });
}

/** The band's body rows (`bodyFromProfile` on its column-filled profile of letters and words only). */
function setCore(band: Band, mask: Mask, labels: Int32Array, comps: Component[]): void {
  const W = mask.width;
  const rows = band.end - band.start;
  const clean: Mask = { width: W, height: rows, data: new Uint8Array(W * rows) };
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < W; x++) {
      const id = labels[(band.start + y) * W + x];
      if (id && comps[id].letter) {
        clean.data[y * W + x] = 1;
        band.ink++;
      }
    }
  }
  const body = bodyFromProfile(filledProfile(clean, 0, rows));
  if (body) {
    band.coreTop = band.start + body.top;
    band.coreBottom = band.start + body.baseline;
  }
}

/**
 * Gives each component's pixels to a band (owner = band index + 1; nobody 0, too tall -1): one
 * with a quarter or more of its ink in each of two band bodies is cut along the band boundaries;
 * any other letter or word to the band holding most of it; marks (under `MARK_SIZE` of the page's
 * body height `pageBody`) to the nearest band body when they are near it (an i-dot, a comma, an
 * apostrophe), else to nobody (dirt).
 */
function assign(labels: Int32Array, comps: Component[], bands: Band[], W: number, pageBody: number): Int32Array {
  const n = comps.length;
  const B = bands.length;
  if (B === 0) return new Int32Array(labels.length);
  // Row -> band: its own band's, else (rows between bands) the band whose body is nearer.
  const bandOf = new Int32Array(labels.length / W);
  let i = 0;
  for (let y = 0; y < bandOf.length; y++) {
    while (i + 1 < B && y >= bands[i + 1].start) i++;
    const inside = y >= bands[i].start && y < bands[i].end;
    const below = i + 1 < B && y >= bands[i].end && bands[i + 1].coreTop - y < y - bands[i].coreBottom;
    bandOf[y] = inside ? i : below ? i + 1 : i;
  }
  const inBand = new Float64Array(n * B);
  const inCore = new Float64Array(n * B);
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p];
    if (id === 0) continue;
    const y = (p - (p % W)) / W;
    const b = bandOf[y];
    inBand[id * B + b]++;
    if (y >= bands[b].coreTop && y < bands[b].coreBottom) inCore[id * B + b]++;
  }
  const target = new Int32Array(n).fill(-1); // band index, or -2: cut along the bands
  const small = (c: Component) => c.bottom - c.top + 1 < MARK_SIZE * pageBody;
  // Letters and words first; they also set how far each line reaches left and right.
  const left = new Float64Array(B).fill(Infinity);
  const right = new Float64Array(B).fill(-Infinity);
  for (let id = 1; id < n; id++) {
    const c = comps[id];
    if (!c.writing || small(c)) continue;
    let cores = 0;
    let most = 0;
    for (let b = 0; b < B; b++) {
      if (inCore[id * B + b] >= 0.25 * c.area) cores++;
      if (inBand[id * B + b] > inBand[id * B + most]) most = b;
    }
    target[id] = cores >= 2 ? -2 : most;
    for (let b = 0; b < B; b++) {
      if (b !== most && !(cores >= 2 && inBand[id * B + b] > 0)) continue;
      left[b] = min(left[b], c.left);
      right[b] = max(right[b], c.right);
    }
  }
  // Dots, commas, apostrophes, dashes: to the nearest body if they are near it (MARK_REACH); dirt
  // elsewhere to no line.
  for (let id = 1; id < n; id++) {
    const c = comps[id];
    if (!c.writing || !small(c)) continue;
    let best = -1;
    let bestDist = Infinity;
    bands.forEach((b, i) => {
      const d = c.bottom < b.coreTop ? b.coreTop - c.bottom - 1 : c.top >= b.coreBottom ? c.top - b.coreBottom : 0;
      if (d < bestDist) {
        bestDist = d;
        best = i;
      }
    });
    if (best < 0) continue;
    const reach = MARK_REACH * pageBody;
    if (bestDist <= reach && c.right >= left[best] - reach && c.left <= right[best] + reach) target[id] = best;
  }
  const owner = new Int32Array(labels.length);
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p];
    if (id === 0) continue;
    if (comps[id].tall) owner[p] = -1;
    if (target[id] === -1) continue;
    owner[p] = (target[id] === -2 ? bandOf[(p - (p % W)) / W] : target[id]) + 1;
  }
  return owner;
}

/**
 * The crop of line `own` as gray: 1 - ink (dark ink on white, the lighting already flattened),
 * with pixels of other lines (and 2 px around them) set to white paper.
 */
function lineCrop(ink: FloatImage, owner: Int32Array, own: number, crop: PixelBox): FloatImage {
  const W = ink.width;
  const other: Mask = { width: crop.width, height: crop.height, data: new Uint8Array(crop.width * crop.height) };
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const o = owner[(crop.y + y) * W + crop.x + x];
      if (o !== 0 && o !== own) other.data[y * crop.width + x] = 1;
    }
  }
  const erase = dilate(other, 2);
  const out = createImage(crop.width, crop.height);
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const p = (crop.y + y) * W + crop.x + x;
      const i = y * crop.width + x;
      out.data[i] = erase.data[i] && owner[p] !== own ? 1 : 1 - min(1, max(0, ink.data[p]));
    }
  }
  return out;
}
