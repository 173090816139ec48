/**
 * Gray-level morphology over square windows: erosion (local minimum), dilation (local maximum),
 * their opening and closing. Each is separable (rows, then columns) and runs in O(pixels) whatever
 * the window, by van Herk and Gil-Werman's block prefix/suffix extremes; windows are clipped at the
 * image edges, except the closing's (see `closing`).
 * Pure TypeScript (the browser app uses it through the character recipe).
 */

/**
 * One row or column: out[i] = extreme of src[i - r .. i + r] (clipped), for n values at stride s.
 * `line` holds the padded line; `prefix` and `suffix` the running extremes within blocks of 2r + 1
 * from each block's start and end. Min and max are written out separately: this is the hot loop.
 */
function extremeLine(
  src: Float32Array, out: Float32Array, start: number, n: number, stride: number, r: number,
  isMin: boolean, line: Float32Array, prefix: Float32Array, suffix: Float32Array,
): void {
  const k = 2 * r + 1;
  const m = n + 2 * r;
  const pad = isMin ? Infinity : -Infinity;
  for (let j = 0; j < r; j++) line[j] = line[n + r + j] = pad;
  for (let i = 0, at = start; i < n; i++, at += stride) line[r + i] = src[at];
  if (isMin) {
    for (let j = 0, b = 0; j < m; j++, b = b + 1 === k ? 0 : b + 1) {
      const v = line[j];
      prefix[j] = b === 0 || v < prefix[j - 1] ? v : prefix[j - 1];
    }
    for (let j = m - 1, b = (m - 1) % k; j >= 0; j--, b = b === 0 ? k - 1 : b - 1) {
      const v = line[j];
      suffix[j] = j === m - 1 || b === k - 1 || v < suffix[j + 1] ? v : suffix[j + 1];
    }
    // The window of i is padded j = i .. i + k - 1: the suffix of its first block, the prefix of its last.
    for (let i = 0, at = start; i < n; i++, at += stride) {
      const a = suffix[i];
      const b = prefix[i + k - 1];
      out[at] = a < b ? a : b;
    }
  } else {
    for (let j = 0, b = 0; j < m; j++, b = b + 1 === k ? 0 : b + 1) {
      const v = line[j];
      prefix[j] = b === 0 || v > prefix[j - 1] ? v : prefix[j - 1];
    }
    for (let j = m - 1, b = (m - 1) % k; j >= 0; j--, b = b === 0 ? k - 1 : b - 1) {
      const v = line[j];
      suffix[j] = j === m - 1 || b === k - 1 || v > suffix[j + 1] ? v : suffix[j + 1];
    }
    for (let i = 0, at = start; i < n; i++, at += stride) {
      const a = suffix[i];
      const b = prefix[i + k - 1];
      out[at] = a > b ? a : b;
    }
  }
}

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { max, min } = Math;

/** Erosion (`'min'`) or dilation (`'max'`) of a [height, width] image over a (2r+1)-pixel square. */
export function squareFilter(src: Float32Array, width: number, height: number, r: number, op: 'min' | 'max'): Float32Array {
  if (!(Number.isInteger(r) && r >= 0)) throw new Error(`squareFilter: radius must be an integer >= 0, got ${r}`);
  if (src.length !== width * height) throw new Error(`squareFilter: ${src.length} values are not ${width}x${height}`);
  const isMin = op === 'min';
  const longest = width + 2 * r;
  const line = new Float32Array(longest);
  const prefix = new Float32Array(longest);
  const suffix = new Float32Array(longest);
  const rows = new Float32Array(src.length);
  for (let y = 0; y < height; y++) extremeLine(src, rows, y * width, width, 1, r, isMin, line, prefix, suffix);
  const out = new Float32Array(src.length);
  for (let x0 = 0; x0 < width; x0 += STRIP) extremeColumns(rows, out, width, height, x0, min(width, x0 + STRIP), r, isMin);
  return out;
}

/** Columns a strip of `extremeColumns` holds: its block extremes stay in cache. */
const STRIP = 256;

/**
 * `extremeLine` down columns x0 .. x1 - 1 together, a row at a time: the same blocks of 2r + 1
 * rows, but every step runs along a row (contiguous memory) rather than down a column (a cache
 * miss a pixel on a large image).
 */
function extremeColumns(
  src: Float32Array, out: Float32Array, width: number, height: number, x0: number, x1: number, r: number, isMin: boolean,
): void {
  const k = 2 * r + 1;
  const m = height + 2 * r; // padded rows; row j is src row j - r
  const n = x1 - x0;
  const pad = isMin ? Infinity : -Infinity;
  const prefix = new Float32Array(m * n);
  const suffix = new Float32Array(m * n);
  const extreme = (into: Float32Array, at: number, from: number, j: number): void => {
    // into[at + i] = extreme(into[from + i], row j's value); row j outside the image is the pad, which changes nothing.
    const y = j - r;
    if (y < 0 || y >= height) {
      into.copyWithin(at, from, from + n);
      return;
    }
    const row = y * width + x0;
    if (isMin) {
      for (let i = 0; i < n; i++) { const v = src[row + i], q = into[from + i]; into[at + i] = v < q ? v : q; }
    } else {
      for (let i = 0; i < n; i++) { const v = src[row + i], q = into[from + i]; into[at + i] = v > q ? v : q; }
    }
  };
  const start = (into: Float32Array, at: number, j: number): void => {
    const y = j - r;
    if (y < 0 || y >= height) into.fill(pad, at, at + n);
    else into.set(src.subarray(y * width + x0, y * width + x1), at);
  };
  for (let j = 0, b = 0; j < m; j++, b = b + 1 === k ? 0 : b + 1) {
    if (b === 0) start(prefix, j * n, j);
    else extreme(prefix, j * n, (j - 1) * n, j);
  }
  for (let j = m - 1; j >= 0; j--) {
    if (j === m - 1 || (j + 1) % k === 0) start(suffix, j * n, j);
    else extreme(suffix, j * n, (j + 1) * n, j);
  }
  // The window of output row y is padded rows y .. y + k - 1: the suffix of its first block, the prefix of its last.
  for (let y = 0; y < height; y++) {
    const a = y * n;
    const c = (y + k - 1) * n;
    const o = y * width + x0;
    if (isMin) {
      for (let i = 0; i < n; i++) { const u = suffix[a + i], v = prefix[c + i]; out[o + i] = u < v ? u : v; }
    } else {
      for (let i = 0; i < n; i++) { const u = suffix[a + i], v = prefix[c + i]; out[o + i] = u > v ? u : v; }
    }
  }
}

/**
 * Opening (erosion, then dilation): what is left of bright structure at least a (2r+1)-pixel square
 * wide; thinner bright features (strokes) fall to their surroundings.
 */
export function opening(src: Float32Array, width: number, height: number, r: number): Float32Array {
  return squareFilter(squareFilter(src, width, height, r, 'min'), width, height, r, 'max');
}

/**
 * Closing (dilation, then erosion) of the image continued past its border by its edge pixels:
 * what is left once every dark structure narrower than a (2r+1)-pixel square is filled. The
 * continuation keeps an edge that runs into the border where it is, up to the border (a window
 * clipped at the border instead lets the bright side spill over the edge there). Windows reach 2r
 * past the border, so the image is padded by that much.
 */
export function closing(src: Float32Array, width: number, height: number, r: number): Float32Array {
  if (src.length !== width * height) throw new Error(`closing: ${src.length} values are not ${width}x${height}`);
  const p = 2 * r;
  const pw = width + 2 * p;
  const ph = height + 2 * p;
  const padded = new Float32Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const row = (y < p ? 0 : y - p >= height ? height - 1 : y - p) * width;
    for (let x = 0; x < pw; x++) padded[y * pw + x] = src[row + (x < p ? 0 : x - p >= width ? width - 1 : x - p)];
  }
  const closed = squareFilter(squareFilter(padded, pw, ph, r, 'max'), pw, ph, r, 'min');
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) out.set(closed.subarray((y + p) * pw + p, (y + p) * pw + p + width), y * width);
  return out;
}
