/**
 * Ruled lines: the printed lines of ruled paper, long thin horizontal runs of ink across most of
 * the image, found and taken out of an ink mask before the writing is measured (a ruled line
 * under a word would otherwise be its "body", and on a page it joins every line into one). Strokes
 * that cross a ruled line keep their pixels: a column is cleared only where the ink there is no
 * taller than the ruled line itself. Pure TypeScript, shared by the line recipe and page layout.
 */
import { FloatImage } from './gray';
import { Mask } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { ceil, max, min, PI, round, tan } = Math;

/** Options of `removeRuledLines`; every field has a default. */
export interface RuledLineOptions {
  /** Skew of the ruled lines, degrees (rising to the right positive): they are followed along it. Default 0. */
  skewDegrees?: number;
  /** A ruled line is made of runs at least this share of the width long (the opening's kernel). Default 1/3. */
  minRun?: number;
  /** ... and covers at least this share of the width in all. Default 0.5. */
  minSpan?: number;
  /**
   * The writing's size, pixels (its body height): a number, or a function of the mask without the
   * candidate rows (the writing alone, so a ruled line cannot pass for the writing's size).
   */
  size: number | ((writing: Mask) => number);
  /** Thickest ruled line, as a share of `size` (at least 2 px). Default 0.25. */
  maxThickness?: number;
  /**
   * Shortest ruled line, as a multiple of `size`. Default 5: a T's bar or a word's underline is
   * shorter, a ruled line runs on past the writing.
   */
  minLength?: number;
  /** Gaps up to this many pixels inside a run are bridged (a faint line breaks up). Default max(2, 0.5% of the width). */
  maxGap?: number;
  /** Rows holding all of the mask's ink, when the caller knows them: the others are not scanned. Default all rows. */
  inkRows?: [number, number];
}

/** A mask without its ruled lines, and what was taken out. */
export interface RuledLineRemoval {
  mask: Mask;
  /** 1 where ink was removed (same layout as the mask). */
  removed: Uint8Array;
  /** How many ruled lines were found. */
  count: number;
}

/**
 * Finds the ruled lines of a mask and removes them. The mask is sheared column by column by the
 * skew (a whole-pixel shift per column, exactly invertible), so a ruled line lies along one or two
 * rows; there, runs of ink at least `minRun` of the width long (gaps up to `maxGap` bridged; two
 * neighbouring rows together, for a line that drifts by a pixel) mark candidate rows. A band of
 * such rows is a ruled line when it spans `minSpan` of the width and `minLength` times the
 * writing's size, and is at most `maxThickness` of that size thick (its median column); it is
 * cleared column by column, except where the ink reaches more than 2 px beyond the band (a stroke
 * crossing or touching the line).
 */
export function removeRuledLines(mask: Mask, opts: RuledLineOptions): RuledLineRemoval {
  const { width: W, height: H } = mask;
  const removed = new Uint8Array(W * H);
  const minRun = max(2, round((opts.minRun ?? 1 / 3) * W));
  const minSpan = (opts.minSpan ?? 0.5) * W;
  const maxGap = opts.maxGap ?? max(2, round(0.005 * W));
  const slope = tan(((opts.skewDegrees ?? 0) * PI) / 180);
  // Column x of the original is shifted by shift[x] rows: a line rising at the skew becomes level.
  const shift = new Int32Array(W);
  let lo = 0;
  let hi = 0;
  for (let x = 0; x < W; x++) {
    shift[x] = round(x * slope);
    lo = min(lo, shift[x]);
    hi = max(hi, shift[x]);
  }
  const SH = H + hi - lo; // sheared height
  // The mask sheared: row r of column x is the mask's row r - shift[x] + lo (0 outside). Level
  // ruled lines (no skew) need no copy.
  // With it, each sheared row's ink: a run of minRun with gaps of at most maxGap holds at least
  // minInk, so rows with less (the two rows together) cannot hold one.
  const rowInk = new Int32Array(SH + 1);
  let sheared = mask.data;
  if (hi !== lo) sheared = new Uint8Array(W * SH);
  const [inkTop, inkEnd] = opts.inkRows ?? [0, H];
  for (let y = max(0, inkTop); y < min(H, inkEnd); y++) {
    for (let x = 0, p = y * W; x < W; x++, p++) {
      if (!mask.data[p]) continue;
      const r = y + shift[x] - lo;
      rowInk[r]++;
      if (hi !== lo) sheared[r * W + x] = 1;
    }
  }
  const at = (x: number, r: number): number => (r >= 0 && r < SH ? sheared[r * W + x] : 0);
  const minInk = ceil(minRun / (maxGap + 1));
  // Candidate pixels in sheared coordinates: ink on a long run of rows r and r + 1 together.
  const cand = new Uint8Array(W * SH);
  const rowCount = new Int32Array(SH);
  for (let r = 0; r < SH; r++) {
    if (rowInk[r] + rowInk[r + 1] < minInk) continue;
    const a = r * W;
    const b = r + 1 < SH ? a + W : -1;
    let start = -1;
    let last = -1;
    for (let x = 0; x <= W; x++) {
      const ink = x < W && (sheared[a + x] || (b >= 0 && sheared[b + x]));
      if (ink) {
        if (start < 0 || x - last - 1 > maxGap) {
          if (start >= 0) markRun(start, last, r);
          start = x;
        }
        last = x;
      }
    }
    if (start >= 0) markRun(start, last, r);
  }
  function markRun(x0: number, x1: number, r: number): void {
    if (x1 - x0 + 1 < minRun) return;
    for (let x = x0; x <= x1; x++) {
      for (let rr = r; rr <= min(SH - 1, r + 1); rr++) {
        if (at(x, rr) && !cand[rr * W + x]) {
          cand[rr * W + x] = 1;
          rowCount[rr]++;
        }
      }
    }
  }
  const bands: Array<[number, number]> = [];
  for (let r0 = 0; r0 < SH; ) {
    if (rowCount[r0] === 0) {
      r0++;
      continue;
    }
    let r1 = r0;
    while (r1 + 1 < SH && rowCount[r1 + 1] > 0) r1++;
    bands.push([r0, r1]);
    r0 = r1 + 1;
  }
  if (bands.length === 0) return { mask, removed, count: 0 };
  let size: number;
  if (typeof opts.size === 'number') size = opts.size;
  else {
    const writing = new Uint8Array(W * H);
    for (let x = 0; x < W; x++) {
      for (let y = 0; y < H; y++) writing[y * W + x] = mask.data[y * W + x] && !cand[(y + shift[x] - lo) * W + x] ? 1 : 0;
    }
    size = opts.size({ width: W, height: H, data: writing });
  }
  const maxThickness = max(2, (opts.maxThickness ?? 0.25) * size);
  const minLength = max(minSpan, (opts.minLength ?? 5) * size);
  let count = 0;
  for (const [r0, r1] of bands) if (clearBand(r0, r1)) count++;
  /** Clears the band of candidate rows r0..r1 if it is a ruled line; true if it was. */
  function clearBand(r0: number, r1: number): boolean {
    const thickness: number[] = [];
    for (let x = 0; x < W; x++) {
      let n = 0;
      for (let r = r0; r <= r1; r++) n += cand[r * W + x];
      if (n > 0) thickness.push(n);
    }
    if (thickness.length < minLength) return false;
    thickness.sort((a, b) => a - b);
    if (thickness[thickness.length >> 1] > maxThickness) return false;
    for (let x = 0; x < W; x++) {
      let a = -1;
      let b = -1;
      for (let r = r0; r <= r1; r++) {
        if (!cand[r * W + x]) continue;
        if (a < 0) a = r;
        b = r;
      }
      if (a < 0) continue;
      // The column's ink run through the band: a stroke crossing the line reaches well beyond it.
      let top = a;
      while (top > 0 && at(x, top - 1)) top--;
      let bottom = b;
      while (bottom + 1 < SH && at(x, bottom + 1)) bottom++;
      if (a - top > 2 || bottom - b > 2) continue;
      for (let r = top; r <= bottom; r++) {
        const y = r - shift[x] + lo;
        if (y >= 0 && y < H) removed[y * W + x] = 1;
      }
    }
    return true;
  }

  const data = new Uint8Array(W * H);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i] && !removed[i] ? 1 : 0;
  return { mask: { width: W, height: H, data }, removed, count };
}

/**
 * Clears a ruled line's ink from an ink image (white on black) as `removeRuledLines` cleared it
 * from `mask`: the removed pixels and, above and below them, the faint rim the threshold left out.
 */
export function eraseRuledInk(ink: FloatImage, mask: Mask, removal: RuledLineRemoval): FloatImage {
  const { width: W, height: H } = ink;
  const out: FloatImage = { width: W, height: H, data: ink.data.slice() };
  const { removed } = removal;
  for (let i = 0; i < removed.length; i++) {
    if (!removed[i]) continue;
    out.data[i] = 0;
    if (i >= W && !mask.data[i - W]) out.data[i - W] = 0;
    if (i + W < W * H && !mask.data[i + W]) out.data[i + W] = 0;
  }
  return out;
}
