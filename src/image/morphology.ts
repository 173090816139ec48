/**
 * Gray-level morphology over square windows: erosion (local minimum), dilation (local maximum) and
 * their opening. Each is separable (rows, then columns) and runs in O(pixels) whatever the window,
 * by van Herk and Gil-Werman's block prefix/suffix extremes; windows are clipped at the image edges.
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
    for (let j = 0; j < m; j++) {
      const v = line[j];
      prefix[j] = j % k === 0 || v < prefix[j - 1] ? v : prefix[j - 1];
    }
    for (let j = m - 1; j >= 0; j--) {
      const v = line[j];
      suffix[j] = j === m - 1 || (j + 1) % k === 0 || v < suffix[j + 1] ? v : suffix[j + 1];
    }
    // The window of i is padded j = i .. i + k - 1: the suffix of its first block, the prefix of its last.
    for (let i = 0, at = start; i < n; i++, at += stride) {
      const a = suffix[i];
      const b = prefix[i + k - 1];
      out[at] = a < b ? a : b;
    }
  } else {
    for (let j = 0; j < m; j++) {
      const v = line[j];
      prefix[j] = j % k === 0 || v > prefix[j - 1] ? v : prefix[j - 1];
    }
    for (let j = m - 1; j >= 0; j--) {
      const v = line[j];
      suffix[j] = j === m - 1 || (j + 1) % k === 0 || v > suffix[j + 1] ? v : suffix[j + 1];
    }
    for (let i = 0, at = start; i < n; i++, at += stride) {
      const a = suffix[i];
      const b = prefix[i + k - 1];
      out[at] = a > b ? a : b;
    }
  }
}

/** Erosion (`'min'`) or dilation (`'max'`) of a [height, width] image over a (2r+1)-pixel square. */
export function squareFilter(src: Float32Array, width: number, height: number, r: number, op: 'min' | 'max'): Float32Array {
  if (!(Number.isInteger(r) && r >= 0)) throw new Error(`squareFilter: radius must be an integer >= 0, got ${r}`);
  if (src.length !== width * height) throw new Error(`squareFilter: ${src.length} values are not ${width}x${height}`);
  const isMin = op === 'min';
  const longest = Math.max(width, height) + 2 * r;
  const line = new Float32Array(longest);
  const prefix = new Float32Array(longest);
  const suffix = new Float32Array(longest);
  const rows = new Float32Array(src.length);
  for (let y = 0; y < height; y++) extremeLine(src, rows, y * width, width, 1, r, isMin, line, prefix, suffix);
  const out = new Float32Array(src.length);
  for (let x = 0; x < width; x++) extremeLine(rows, out, x, height, width, r, isMin, line, prefix, suffix);
  return out;
}

/**
 * Opening (erosion, then dilation): what is left of bright structure at least a (2r+1)-pixel square
 * wide; thinner bright features (strokes) fall to their surroundings.
 */
export function opening(src: Float32Array, width: number, height: number, r: number): Float32Array {
  return squareFilter(squareFilter(src, width, height, r, 'min'), width, height, r, 'max');
}
