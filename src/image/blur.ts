/**
 * Blur of a float plane: a separable Gaussian. The paper-and-camera generator blurs its ink with
 * it (synth/paper.ts), and the line recipe looks for faint writing in a noisy photo through it
 * (`findLineInk` in line.ts). Pure, no tfjs.
 */

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { ceil, exp, max, min } = Math;

/**
 * Gaussian blur of a [height * width] plane (separable, kernel cut at 3 sigma), edges extended
 * (the paper goes on past the crop). Returns a new plane.
 */
export function gaussianBlur(plane: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return plane.slice();
  const r = max(1, ceil(3 * sigma));
  const taps = 2 * r + 1;
  const kernel = new Float32Array(taps);
  let sum = 0;
  for (let k = -r; k <= r; k++) sum += kernel[k + r] = exp((-k * k) / (2 * sigma * sigma));
  for (let k = 0; k < taps; k++) kernel[k] /= sum;
  // A plane of ink coverage is mostly blank paper: rows of zeros stay zero and are skipped.
  const [top, bottom] = nonZeroRows(plane, width, height);
  const rows = new Float32Array(width * height);
  const padded = new Float32Array(width + 2 * r);
  for (let y = top; y < bottom; y++) {
    const o = y * width;
    padded.fill(plane[o], 0, r);
    padded.fill(plane[o + width - 1], r + width);
    padded.set(plane.subarray(o, o + width), r);
    // Windows without ink stay zero: `last` is the last non-zero value the window reaches.
    let last = -1;
    for (let k = 0; k < taps - 1; k++) if (padded[k] !== 0) last = k;
    for (let x = 0; x < width; x++) {
      if (padded[x + taps - 1] !== 0) last = x + taps - 1;
      if (last < x) continue;
      let acc = 0;
      for (let k = 0; k < taps; k++) acc += kernel[k] * padded[x + k];
      rows[o + x] = acc;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = max(0, top - r); y < min(height, bottom + r); y++) {
    const o = y * width;
    for (let k = -r; k <= r; k++) {
      const j = min(height - 1, max(0, y + k));
      if (j < top || j >= bottom) continue;
      const from = j * width;
      const w = kernel[k + r];
      for (let x = 0; x < width; x++) out[o + x] += w * rows[from + x];
    }
  }
  return out;
}

/** [first, end) of the rows holding a non-zero value; [0, 0) for an all-zero plane. */
export function nonZeroRows(plane: Float32Array, width: number, height: number): [number, number] {
  let top = 0;
  while (top < height && rowIsZero(plane, top * width, width)) top++;
  let bottom = height;
  while (bottom > top && rowIsZero(plane, (bottom - 1) * width, width)) bottom--;
  return [top, bottom];
}

function rowIsZero(plane: Float32Array, o: number, width: number): boolean {
  for (let x = 0; x < width; x++) if (plane[o + x] !== 0) return false;
  return true;
}
