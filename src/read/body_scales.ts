/**
 * Reading a line in several versions. The line recipe scales writing by an estimate of its body
 * (x-height); when that estimate is off, the model sees letters larger or smaller than it trained
 * on (held-out-font lines read with the body target 20% off: greedy CER 8.8% -> 13.5%). Real
 * writing, whose x-height is less clear-cut than a font's, is where the estimate misses most. So a
 * reader may scale each line's body target by a few factors around 1, and lean the line a few
 * degrees either way (a shear: a hand's slant varies along a line and from writer to writer), read
 * every version, and keep one reading: the text most versions agree on, or, when no two agree, the
 * most confident per CTC frame (a wider version has more frames, and a path's probability falls
 * with every frame). Measured in docs/LINES.md ("Reading at three body heights", "... and two more
 * slants").
 */

/** Body-height factors a line is read at by default: three readings a line. */
export const BODY_SCALES: readonly number[] = [0.85, 1, 1.15];

/** One version's reading: its text, log p(text | image) and the CTC frames it was read over. */
export interface ScaledReading {
  text: string;
  logProb: number;
  frames: number;
}

/**
 * Checks body-scale factors (`name` in the message: an option or flag): a non-empty list of
 * finite numbers in [0.5, 2]. Returns them.
 */
export function checkBodyScales(scales: readonly number[], name = 'bodyScales'): readonly number[] {
  if (scales.length === 0 || scales.some((f) => !(Number.isFinite(f) && f >= 0.5 && f <= 2))) {
    throw new Error(`${name} must be one or more factors between 0.5 and 2 (e.g. 0.85,1,1.15; 1 for one body height), got ${JSON.stringify(scales)}.`);
  }
  return scales;
}

/**
 * Factors written as a command line takes them, `0.85,1,1.15`, parsed and checked
 * (`checkBodyScales`); `name` (the flag) in the message, which quotes the text as given.
 */
export function parseBodyScales(text: string, name: string): readonly number[] {
  try {
    return checkBodyScales(text.split(',').map((v) => (v.trim() === '' ? NaN : Number(v))), name);
  } catch {
    throw new Error(`${name} must be comma-separated factors between 0.5 and 2 (e.g. 0.85,1,1.15; 1 for one body height), got '${text}'.`);
  }
}

/**
 * Shears (degrees; positive leans the tops to the right) a line is read at too, beside the body
 * heights, each at the body the recipe estimates: two more readings a line. 12 read better than 6
 * or 18 on held-out-font and EMNIST lines of seed 11 (docs/LINES.md).
 */
export const SLANTS: readonly number[] = [-12, 12];

/** Checks shears (`name` in the message): finite degrees in [-30, 30]; none is fine (0s are dropped: the unsheared line is read anyway). */
export function checkSlants(slants: readonly number[], name = 'slants'): readonly number[] {
  if (slants.some((d) => !(Number.isFinite(d) && Math.abs(d) <= 30))) {
    throw new Error(`${name} must be shears in degrees between -30 and 30 (e.g. -12,12; 0 for none), got ${JSON.stringify(slants)}.`);
  }
  return slants.filter((d) => d !== 0);
}

/** Shears written as a command line takes them, `-12,12` (`0`: none), parsed and checked (`checkSlants`). */
export function parseSlants(text: string, name: string): readonly number[] {
  try {
    return checkSlants(text.split(',').map((v) => (v.trim() === '' ? NaN : Number(v))), name);
  } catch {
    throw new Error(`${name} must be comma-separated shears in degrees between -30 and 30 (e.g. -12,12; 0 for none), got '${text}'.`);
  }
}

/**
 * Index of the reading to keep: among the texts read most often, if some text was read by two
 * versions or more, else among all, the one with the highest log-probability per frame (ties: the
 * first). -1 for no readings.
 */
export function chooseScaledReading(readings: readonly ScaledReading[]): number {
  const votes = new Map<string, number>();
  for (const r of readings) votes.set(r.text, (votes.get(r.text) ?? 0) + 1);
  const most = Math.max(0, ...votes.values());
  let best = -1;
  let bestScore = -Infinity;
  readings.forEach((r, i) => {
    if (most >= 2 && votes.get(r.text) !== most) return;
    const score = r.logProb / Math.max(1, r.frames);
    if (best < 0 || score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}
