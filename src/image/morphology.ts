/**
 * Gray-level morphology over square windows: erosion (local minimum), dilation (local maximum) and
 * their opening. Each is separable (rows, then columns) and runs in O(pixels) whatever the window,
 * by van Herk and Gil-Werman's block prefix/suffix extremes; windows are clipped at the image edges.
 * Pure TypeScript (the browser app uses it through the character recipe).
 */

/** One row or column: out[i] = extreme of src[i - r .. i + r] (clipped), for n values at stride s. */
function extremeLine(
  src: Float32Array, out: Float32Array, start: number, n: number, stride: number, r: number,
  isMin: boolean, prefix: Float32Array, suffix: Float32Array,
): void {
  const k = 2 * r + 1;
  const pad = isMin ? Infinity : -Infinity;
  const m = n + 2 * r; // padded length: value j of the padded line is src[j - r] or the pad
  const at = (j: number): number => (j >= r && j < n + r ? src[start + (j - r) * stride] : pad);
  // prefix: running extreme from each block's start; suffix: from each block's end.
  for (let j = 0; j < m; j++) {
    const v = at(j);
    prefix[j] = j % k === 0 ? v : isMin ? Math.min(prefix[j - 1], v) : Math.max(prefix[j - 1], v);
  }
  for (let j = m - 1; j >= 0; j--) {
    const v = at(j);
    suffix[j] = j === m - 1 || (j + 1) % k === 0 ? v : isMin ? Math.min(suffix[j + 1], v) : Math.max(suffix[j + 1], v);
  }
  // The window of i is padded j = i .. i + k - 1: suffix of its first block part, prefix of its last.
  for (let i = 0; i < n; i++) {
    const a = suffix[i];
    const b = prefix[i + k - 1];
    out[start + i * stride] = isMin ? (a < b ? a : b) : a > b ? a : b;
  }
}

/** Erosion (`'min'`) or dilation (`'max'`) of a [height, width] image over a (2r+1)-pixel square. */
export function squareFilter(src: Float32Array, width: number, height: number, r: number, op: 'min' | 'max'): Float32Array {
  if (!(Number.isInteger(r) && r >= 0)) throw new Error(`squareFilter: radius must be an integer >= 0, got ${r}`);
  if (src.length !== width * height) throw new Error(`squareFilter: ${src.length} values are not ${width}x${height}`);
  const isMin = op === 'min';
  const longest = Math.max(width, height) + 2 * r;
  const prefix = new Float32Array(longest);
  const suffix = new Float32Array(longest);
  const rows = new Float32Array(src.length);
  for (let y = 0; y < height; y++) extremeLine(src, rows, y * width, width, 1, r, isMin, prefix, suffix);
  const out = new Float32Array(src.length);
  for (let x = 0; x < width; x++) extremeLine(rows, out, x, height, width, r, isMin, prefix, suffix);
  return out;
}

/**
 * Opening (erosion, then dilation): what is left of bright structure at least a (2r+1)-pixel square
 * wide; thinner bright features (strokes) fall to their surroundings.
 */
export function opening(src: Float32Array, width: number, height: number, r: number): Float32Array {
  return squareFilter(squareFilter(src, width, height, r, 'min'), width, height, r, 'max');
}
