/**
 * JPEG compression artefacts without an encoder: what a baseline JPEG does to pixels (RGB -> YCbCr,
 * chroma averaged over 2x2 pixels, 8x8 DCT, quantisation by the IJG tables scaled to a quality, and
 * back), so synthetic photos carry the blocking, ringing and colour bleeding of real phone photos and
 * messaging apps. No entropy coding: it is lossless and changes no pixel.
 */
import { RgbaImage } from '../image/rgba';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { cos, floor, max, min, round, sqrt, PI } = Math;

/** The JPEG standard's example luminance table (Annex K.1), row-major: [v * 8 + u], v the vertical frequency. */
export const LUMA_QUANT: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** The JPEG standard's example chrominance table (Annex K.1), row-major. */
export const CHROMA_QUANT: readonly number[] = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** A base table scaled to `quality` (1..100) the way libjpeg does (`jpeg_quality_scaling`): 50 is the table itself, 100 all ones. */
export function quantTable(base: readonly number[], quality: number): Float32Array {
  if (!(quality >= 1 && quality <= 100)) throw new Error(`JPEG quality must be in 1..100, got ${quality}`);
  const q = round(quality);
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  const out = new Float32Array(64);
  for (let i = 0; i < 64; i++) out[i] = min(255, max(1, floor((base[i] * scale + 50) / 100)));
  return out;
}

/**
 * AAN scale factors (Arai, Agui, Nakajima 1988, as in libjpeg's float DCT): the fast transforms
 * below compute coefficients multiplied by 8 AAN[u] AAN[v]; the factors are folded into the
 * quantisation step, so the transforms themselves need 5 multiplications per 8 points.
 */
const AAN = (() => {
  const a = new Float64Array(8);
  for (let k = 0; k < 8; k++) a[k] = k === 0 ? 1 : cos((k * PI) / 16) * sqrt(2);
  return a;
})();

/** Per coefficient [v * 8 + u]: 8 AAN[u] AAN[v], the scale of `fastForward`'s output. */
const AAN_2D = (() => {
  const s = new Float64Array(64);
  for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) s[v * 8 + u] = 8 * AAN[u] * AAN[v];
  return s;
})();

/**
 * Scaled forward DCT in place on [y * 8 + x] (libjpeg's jfdctflt): rows, then columns.
 * Coefficient (v, u) comes out multiplied by AAN_2D[v * 8 + u].
 */
function fastForward(d: Float64Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8; // along a row, then down a column
    const next = pass === 0 ? 8 : 1;
    for (let line = 0, o = 0; line < 8; line++, o += next) {
      const d0 = d[o], d1 = d[o + step], d2 = d[o + 2 * step], d3 = d[o + 3 * step];
      const d4 = d[o + 4 * step], d5 = d[o + 5 * step], d6 = d[o + 6 * step], d7 = d[o + 7 * step];
      const t0 = d0 + d7, t7 = d0 - d7, t1 = d1 + d6, t6 = d1 - d6;
      const t2 = d2 + d5, t5 = d2 - d5, t3 = d3 + d4, t4 = d3 - d4;
      // Even part.
      const t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
      d[o] = t10 + t11;
      d[o + 4 * step] = t10 - t11;
      const z1 = (t12 + t13) * 0.7071067811865476;
      d[o + 2 * step] = t13 + z1;
      d[o + 6 * step] = t13 - z1;
      // Odd part.
      const s10 = t4 + t5, s11 = t5 + t6, s12 = t6 + t7;
      const z5 = (s10 - s12) * 0.38268343236508984;
      const z2 = 0.5411961001461971 * s10 + z5;
      const z4 = 1.3065629648763766 * s12 + z5;
      const z3 = s11 * 0.7071067811865476;
      const z11 = t7 + z3, z13 = t7 - z3;
      d[o + 5 * step] = z13 + z2;
      d[o + 3 * step] = z13 - z2;
      d[o + step] = z11 + z4;
      d[o + 7 * step] = z11 - z4;
    }
  }
}

/**
 * Scaled inverse DCT in place (libjpeg's jidctflt): takes coefficient (v, u) multiplied by
 * AAN[u] AAN[v] and returns the samples multiplied by 8. Columns, then rows.
 */
function fastInverse(d: Float64Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 8 : 1; // down a column, then along a row
    const next = pass === 0 ? 1 : 8;
    for (let line = 0, o = 0; line < 8; line++, o += next) {
      // Even part.
      const e0 = d[o], e2 = d[o + 2 * step], e4 = d[o + 4 * step], e6 = d[o + 6 * step];
      const t10 = e0 + e4, t11 = e0 - e4;
      const t13 = e2 + e6;
      const t12 = (e2 - e6) * 1.4142135623730951 - t13;
      const t0 = t10 + t13, t3 = t10 - t13, t1 = t11 + t12, t2 = t11 - t12;
      // Odd part.
      const o1 = d[o + step], o3 = d[o + 3 * step], o5 = d[o + 5 * step], o7 = d[o + 7 * step];
      const z13 = o5 + o3, z10 = o5 - o3, z11 = o1 + o7, z12 = o1 - o7;
      const t7 = z11 + z13;
      const s11 = (z11 - z13) * 1.4142135623730951;
      const z5 = (z10 + z12) * 1.8477590650225735;
      const s10 = 1.0823922002923938 * z12 - z5;
      const s12 = -2.613125929752753 * z10 + z5;
      const t6 = s12 - t7;
      const t5 = s11 - t6;
      const t4 = s10 + t5;
      d[o] = t0 + t7;
      d[o + 7 * step] = t0 - t7;
      d[o + step] = t1 + t6;
      d[o + 6 * step] = t1 - t6;
      d[o + 2 * step] = t2 + t5;
      d[o + 5 * step] = t2 - t5;
      d[o + 4 * step] = t3 + t4;
      d[o + 3 * step] = t3 - t4;
    }
  }
}

const SCRATCH = new Float64Array(64);

/**
 * The 2-D DCT of an 8x8 block, [y * 8 + x] -> [v * 8 + u], as JPEG defines it:
 * F(v, u) = C(v) C(u) / 4 sum_y sum_x f(y, x) cos((2y + 1) v pi / 16) cos((2x + 1) u pi / 16),
 * C(0) = 1/sqrt(2), else 1.
 */
export function forwardDct8x8(block: ArrayLike<number>, out: Float32Array | Float64Array): void {
  for (let k = 0; k < 64; k++) SCRATCH[k] = block[k];
  fastForward(SCRATCH);
  for (let k = 0; k < 64; k++) out[k] = SCRATCH[k] / AAN_2D[k];
}

/** The inverse of `forwardDct8x8`. */
export function inverseDct8x8(coef: ArrayLike<number>, out: Float32Array | Float64Array): void {
  for (let k = 0; k < 64; k++) SCRATCH[k] = (coef[k] * AAN_2D[k]) / 8;
  fastInverse(SCRATCH);
  for (let k = 0; k < 64; k++) out[k] = SCRATCH[k] / 8;
}

/** Options of `jpegRoundTrip`. */
export interface JpegOptions {
  /** Average the chroma over 2x2 pixels (4:2:0, what phones and most encoders write). Default true. */
  subsampleChroma?: boolean;
}

/**
 * `image` as a baseline JPEG encoder at `quality` (1..100) and a decoder would return it: a new
 * image, alpha copied. Chroma is upsampled bilinearly (libjpeg's "fancy upsampling").
 */
export function jpegRoundTrip(image: RgbaImage, quality: number, opts: JpegOptions = {}): RgbaImage {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) {
    throw new Error(`jpegRoundTrip: RGBA data has ${data.length} bytes, expected ${width}x${height}x4`);
  }
  const n = width * height;
  const y = new Float32Array(n);
  const cb = new Float32Array(n);
  const cr = new Float32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    const r = data[p];
    const g = data[p + 1];
    const b = data[p + 2];
    // JFIF YCbCr, level-shifted by -128 as the DCT takes it.
    y[i] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
    cb[i] = -0.168736 * r - 0.331264 * g + 0.5 * b;
    cr[i] = 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  quantisePlane(y, width, height, quantTable(LUMA_QUANT, quality));
  const chroma = quantTable(CHROMA_QUANT, quality);
  const out = new Uint8Array(n * 4);
  if (!(opts.subsampleChroma ?? true)) {
    quantisePlane(cb, width, height, chroma);
    quantisePlane(cr, width, height, chroma);
    toRgb(y, cb, cr, data, out, n);
    return { width, height, data: out };
  }
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const cbSmall = halve(cb, width, height);
  const crSmall = halve(cr, width, height);
  quantisePlane(cbSmall, cw, ch, chroma);
  quantisePlane(crSmall, cw, ch, chroma);
  // Upsample the chroma a row at a time (bilinear: full-resolution pixel x sits at (x + 0.5) / 2 - 0.5).
  const xi = new Int32Array(width);
  const xj = new Int32Array(width);
  const xf = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const pos = max(0, min(cw - 1, (x + 0.5) / 2 - 0.5));
    xi[x] = floor(pos);
    xj[x] = min(cw - 1, xi[x] + 1);
    xf[x] = pos - xi[x];
  }
  const cbRow = new Float32Array(cw);
  const crRow = new Float32Array(cw);
  const pixels = new Uint32Array(out.buffer); // one store a pixel: RGBA bytes are a little-endian word
  for (let row = 0; row < height; row++) {
    const pos = max(0, min(ch - 1, (row + 0.5) / 2 - 0.5));
    const j0 = floor(pos);
    const j1 = min(ch - 1, j0 + 1);
    const fy = pos - j0;
    for (let i = 0, a = j0 * cw, b = j1 * cw; i < cw; i++) {
      cbRow[i] = cbSmall[a + i] + fy * (cbSmall[b + i] - cbSmall[a + i]);
      crRow[i] = crSmall[a + i] + fy * (crSmall[b + i] - crSmall[a + i]);
    }
    for (let x = 0, i = row * width, p = 4 * i; x < width; x++, i++, p += 4) {
      const i0 = xi[x];
      const i1 = xj[x];
      const f = xf[x];
      const b = cbRow[i0] + f * (cbRow[i1] - cbRow[i0]);
      const r = crRow[i0] + f * (crRow[i1] - crRow[i0]);
      const l = y[i] + 128;
      pixels[i] = ((data[p + 3] << 24) | (clampByte(l + 1.772 * b) << 16) | (clampByte(l - 0.344136 * b - 0.714136 * r) << 8) | clampByte(l + 1.402 * r)) >>> 0;
    }
  }
  return { width, height, data: out };
}

/** YCbCr planes (Y level-shifted, Cb and Cr centred on 0) -> RGB bytes, alpha copied from `alpha`'s bytes. */
function toRgb(y: Float32Array, cb: Float32Array, cr: Float32Array, alpha: ArrayLike<number>, out: Uint8Array, n: number): void {
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    const l = y[i] + 128;
    const b = cb[i];
    const r = cr[i];
    out[p] = clampByte(l + 1.402 * r);
    out[p + 1] = clampByte(l - 0.344136 * b - 0.714136 * r);
    out[p + 2] = clampByte(l + 1.772 * b);
    out[p + 3] = alpha[p + 3];
  }
}

/** 0..255, rounded. */
function clampByte(v: number): number {
  const i = (v + 0.5) | 0;
  return i < 0 ? 0 : i > 255 ? 255 : i;
}

/**
 * DCT, quantise, dequantise and inverse DCT every 8x8 block of a plane, in place. Blocks that run
 * past the edge are filled by repeating the last row and column, as encoders pad.
 */
function quantisePlane(plane: Float32Array, width: number, height: number, table: Float32Array): void {
  // Fold the AAN scales into the steps: fastForward's output times `down` is the coefficient over
  // its step; the rounded value times `up` is what fastInverse takes (the coefficient times
  // AAN[u] AAN[v]), with fastInverse's factor of 8 taken out in advance.
  const down = new Float64Array(64);
  const up = new Float64Array(64);
  for (let k = 0; k < 64; k++) {
    down[k] = 1 / (table[k] * AAN_2D[k]);
    up[k] = (table[k] * AAN_2D[k]) / 64;
  }
  const block = new Float64Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      const inside = bx + 8 <= width && by + 8 <= height;
      if (inside) {
        for (let j = 0, o = by * width + bx; j < 8; j++, o += width) for (let i = 0; i < 8; i++) block[j * 8 + i] = plane[o + i];
      } else {
        for (let j = 0; j < 8; j++) {
          const row = min(by + j, height - 1) * width;
          for (let i = 0; i < 8; i++) block[j * 8 + i] = plane[row + min(bx + i, width - 1)];
        }
      }
      fastForward(block);
      let ac = 0;
      for (let k = 0; k < 64; k++) {
        // Rounding by truncation of a positive number (Math.round is a call in the hot loop):
        // coefficients over their steps stay within +-2^11.
        const q = ((block[k] * down[k] + 16384.5) | 0) - 16384;
        block[k] = q * up[k];
        if (k > 0) ac |= q;
      }
      // A block with only its mean left (most paper at low quality) is flat: no inverse needed.
      if (ac !== 0) fastInverse(block);
      else block.fill(block[0]);
      if (inside) {
        for (let j = 0, o = by * width + bx; j < 8; j++, o += width) for (let i = 0; i < 8; i++) plane[o + i] = block[j * 8 + i];
      } else {
        for (let j = 0; j < 8 && by + j < height; j++) {
          const row = (by + j) * width;
          for (let i = 0; i < 8 && bx + i < width; i++) plane[row + bx + i] = block[j * 8 + i];
        }
      }
    }
  }
}

/** The plane averaged over 2x2 pixels ([ceil(h/2) * ceil(w/2)]); an odd last row or column averages with itself. */
function halve(plane: Float32Array, width: number, height: number): Float32Array {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const out = new Float32Array(cw * ch);
  for (let j = 0; j < ch; j++) {
    const r0 = 2 * j * width;
    const r1 = min(2 * j + 1, height - 1) * width;
    for (let i = 0; i < cw; i++) {
      const x0 = 2 * i;
      const x1 = min(2 * i + 1, width - 1);
      out[j * cw + i] = 0.25 * (plane[r0 + x0] + plane[r0 + x1] + plane[r1 + x0] + plane[r1 + x1]);
    }
  }
  return out;
}
