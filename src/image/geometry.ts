import { FloatImage, centreOfMass, createImage } from './gray';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { ceil, floor, max, min, round } = Math;


/**
 * Resamples to width x height. Shrinking averages the exact source area under each target pixel
 * (antialiased, like MNIST's normalisation); enlarging interpolates linearly.
 */
export function resizeImage(img: FloatImage, width: number, height: number): FloatImage {
  const xs = resampleWeights(img.width, width);
  const ys = resampleWeights(img.height, height);
  const rows = createImage(width, img.height); // horizontal pass first
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (const [i, w] of xs[x]) s += img.data[row + i] * w;
      rows.data[y * width + x] = s;
    }
  }
  const out = createImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (const [i, w] of ys[y]) s += rows.data[i * width + x] * w;
      out.data[y * width + x] = s;
    }
  }
  return out;
}

/** Per target index, the (source index, weight) pairs that make it; weights sum to 1. */
export function resampleWeights(src: number, dst: number): Array<Array<[number, number]>> {
  const scale = src / dst;
  const out: Array<Array<[number, number]>> = [];
  for (let i = 0; i < dst; i++) {
    const taps: Array<[number, number]> = [];
    if (scale >= 1) {
      const a = i * scale;
      const b = (i + 1) * scale;
      for (let j = floor(a); j < min(src, ceil(b)); j++) {
        const overlap = min(b, j + 1) - max(a, j);
        if (overlap > 0) taps.push([j, overlap / scale]);
      }
    } else {
      const pos = min(src - 1, max(0, (i + 0.5) * scale - 0.5));
      const j = floor(pos);
      const f = pos - j;
      taps.push([j, 1 - f]);
      if (f > 0) taps.push([j + 1, f]);
    }
    out.push(taps);
  }
  return out;
}

/**
 * The size of a width x height image shrunk so its longest side is at most `maxSide` (aspect kept,
 * each side at least 1); the size itself if it already fits.
 */
export function shrunkSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const longest = max(width, height);
  if (longest <= maxSide) return { width, height };
  const s = maxSide / longest;
  return { width: max(1, round(width * s)), height: max(1, round(height * s)) };
}

/** Scales the image so its longest side is `box` pixels, keeping the aspect ratio (MNIST: 20). */
export function fitInBox(img: FloatImage, box = 20): FloatImage {
  const scale = box / max(img.width, img.height);
  const width = max(1, min(box, round(img.width * scale)));
  const height = max(1, min(box, round(img.height * scale)));
  return resizeImage(img, width, height);
}

/**
 * Pastes the image into a size x size black canvas so that its centre of mass lands on pixel
 * (size/2, size/2), as MNIST did (measured on MNIST: mean centre of mass 14.0, 14.0 in index
 * coordinates). Whole-pixel shifts, so the strokes are not blurred; the shift is clamped so no ink
 * falls off the canvas.
 */
export function centreByMass(img: FloatImage, size = 28): FloatImage {
  if (img.width > size || img.height > size) {
    throw new Error(`centreByMass: a ${img.width}x${img.height} image does not fit a ${size}x${size} canvas; fitInBox first`);
  }
  const com = centreOfMass(img) ?? { x: (img.width - 1) / 2, y: (img.height - 1) / 2 };
  const clamp = (v: number, hi: number) => min(hi, max(0, v));
  const ox = clamp(round(size / 2 - com.x), size - img.width);
  const oy = clamp(round(size / 2 - com.y), size - img.height);
  const out = createImage(size, size);
  for (let y = 0; y < img.height; y++) {
    out.data.set(img.data.subarray(y * img.width, (y + 1) * img.width), (y + oy) * size + ox);
  }
  return out;
}

/**
 * Pastes the image in the middle of a size x size black canvas (bounding-box centring, as EMNIST
 * did: measured on emnist-dev47, mean box centre 13.5, 13.5).
 */
export function centreByBox(img: FloatImage, size = 28): FloatImage {
  if (img.width > size || img.height > size) {
    throw new Error(`centreByBox: a ${img.width}x${img.height} image does not fit a ${size}x${size} canvas; fitInBox first`);
  }
  const ox = floor((size - img.width) / 2);
  const oy = floor((size - img.height) / 2);
  const out = createImage(size, size);
  for (let y = 0; y < img.height; y++) {
    out.data.set(img.data.subarray(y * img.width, (y + 1) * img.width), (y + oy) * size + ox);
  }
  return out;
}
