import { PixelBox, FloatImage } from './gray';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { floor, max, min } = Math;


/** A binary mask: 1 = ink, 0 = background, same layout as the image it came from. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Otsu's threshold: the level that best splits the values into two classes (maximal between-class
 * variance), computed on a 256-bin histogram over 0..max.
 */
export function otsuThreshold(img: FloatImage): number {
  let top = 0;
  for (let i = 0; i < img.data.length; i++) if (img.data[i] > top) top = img.data[i];
  if (top <= 0) return 0;
  const bins = 256;
  const hist = new Float64Array(bins);
  for (let i = 0; i < img.data.length; i++) hist[min(bins - 1, floor((max(0, img.data[i]) / top) * bins))]++;
  const total = img.data.length;
  let sumAll = 0;
  for (let i = 0; i < bins; i++) sumAll += i * hist[i];
  let countLow = 0;
  let sumLow = 0;
  let best = 0;
  let bestVar = -1;
  for (let i = 0; i < bins - 1; i++) {
    countLow += hist[i];
    sumLow += i * hist[i];
    const countHigh = total - countLow;
    if (countLow === 0 || countHigh === 0) continue;
    const meanLow = sumLow / countLow;
    const meanHigh = (sumAll - sumLow) / countHigh;
    const between = countLow * countHigh * (meanLow - meanHigh) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = i;
    }
  }
  return ((best + 1) / bins) * top; // values above the upper edge of bin `best` are ink
}

/** The pixels strictly above `level` as a mask. */
export function thresholdMask(img: FloatImage, level: number): Mask {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i] > level ? 1 : 0;
  return { width: img.width, height: img.height, data };
}

/** Labels 8-connected ink regions: returns a label per pixel (0 = background, 1..n) and each region's area. */
export function connectedComponents(mask: Mask): { labels: Int32Array; areas: number[] } {
  const { width, height } = mask;
  const labels = new Int32Array(width * height);
  const areas = [0];
  const stack: number[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (!mask.data[start] || labels[start]) continue;
    const id = areas.length;
    let area = 0;
    labels[start] = id;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop() as number;
      area++;
      const px = p % width;
      const py = (p - px) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const y = py + dy;
        if (y < 0 || y >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const x = px + dx;
          if (x < 0 || x >= width) continue;
          const q = y * width + x;
          if (mask.data[q] && !labels[q]) {
            labels[q] = id;
            stack.push(q);
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, areas };
}

/**
 * Drops specks: regions smaller than `minFraction` of the largest region. Relative, so it scales with
 * the image; 0.03 keeps the dot of an 'i' or 'j' but drops paper grain and JPEG noise.
 */
export function removeSpecks(mask: Mask, minFraction = 0.03): Mask {
  const { labels, areas } = connectedComponents(mask);
  const largest = max(0, ...areas);
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = labels[i] && areas[labels[i]] >= minFraction * largest ? 1 : 0;
  return { width: mask.width, height: mask.height, data };
}

/** The smallest box holding every ink pixel of the mask; null if the mask is empty. */
export function maskBoundingBox(mask: Mask): PixelBox | null {
  let x0 = mask.width;
  let y0 = mask.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Grows the mask by `radius` pixels (square neighbourhood), e.g. to keep the antialiased rim of a stroke. */
export function dilate(mask: Mask, radius = 1): Mask {
  const { width, height } = mask;
  const data = new Uint8Array(mask.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask.data[y * width + x]) continue;
      for (let yy = max(0, y - radius); yy <= min(height - 1, y + radius); yy++) {
        data.fill(1, yy * width + max(0, x - radius), yy * width + min(width - 1, x + radius) + 1);
      }
    }
  }
  return { width, height, data };
}
