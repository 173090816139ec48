/**
 * Ink masks: Otsu's threshold of an ink map, the mask above a level, connected components (with
 * their perimeters, for the speck rule of specks.ts), the older relative speck rule
 * (`removeSpecks`), bounding boxes of a mask or of the pixels above a level, and dilation. Pure
 * TypeScript, shared by the character and line recipes, page layout and the segmentation baseline.
 */
import { PixelBox, FloatImage } from './gray';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { max, min } = Math;

/** A binary mask: 1 = ink, 0 = background, same layout as the image it came from. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Otsu's threshold: the level that best splits the values into two classes (maximal between-class
 * variance), computed on a 256-bin histogram over 0..max. `peak`, when the caller knows it, is the
 * image's largest value (saves a pass).
 */
export function otsuThreshold(img: FloatImage, peak?: number): number {
  const data = img.data;
  const n = data.length;
  let top = 0;
  if (peak !== undefined) top = max(0, peak);
  else for (let i = 0; i < n; i++) if (data[i] > top) top = data[i];
  if (top <= 0) return 0;
  const bins = 256;
  // Neighbouring ink pixels mostly fall in the same bin: counting odd and even pixels in two
  // histograms lets one count go on before the other is stored.
  const counts = new Int32Array(2 * bins);
  let zeros = 0;
  // bins / top once, not a division per pixel (a value on a bin's edge may land in the next bin).
  const perValue = bins / top;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    // Background is mostly exactly 0 after the ink map's clamp.
    if (v <= 0) zeros++;
    else {
      const b = (v * perValue) | 0;
      counts[(i & 1) * bins + (b < bins ? b : bins - 1)]++;
    }
  }
  const hist = new Float64Array(bins);
  for (let b = 0; b < bins; b++) hist[b] = counts[b] + counts[bins + b];
  hist[0] += zeros;
  const total = n;
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
  const src = img.data;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < data.length; i++) if (src[i] > level) data[i] = 1;
  return { width: img.width, height: img.height, data };
}

/** 8-connected ink regions: a label per pixel (0 = background, 1..n in the raster order of each region's first pixel) and each region's area. */
export interface Components {
  labels: Int32Array;
  /** areas[id] for id 1..n; areas[0] is 0. */
  areas: number[];
  /**
   * With `{ edges: true }`: edges[id] counts the pixel sides between region id and the background
   * (or the image's border), its 4-connected perimeter.
   */
  edges?: number[];
}

/**
 * Labels 8-connected ink regions in two raster passes (union-find over provisional labels), with
 * the same numbering a flood fill in raster order gives: a region's smallest provisional label is
 * its first pixel's, so roots taken in label order are regions in first-pixel order.
 */
export function connectedComponents(mask: Mask, opts: { edges?: boolean } = {}): Components {
  const { width: W, height: H, data } = mask;
  const labels = new Int32Array(W * H);
  // A new provisional label needs an empty pixel on its left, so there are at most ceil(W / 2) a row.
  const parent = new Int32Array(((W + 1) >> 1) * H + 1);
  let next = 1;
  const find = (a: number): number => {
    let r = a;
    while (parent[r] !== r) r = parent[r];
    while (parent[a] !== r) {
      const up = parent[a];
      parent[a] = r;
      a = up;
    }
    return r;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    // The smaller label is the root, so a root is its region's first label in raster order.
    if (ra < rb) {
      parent[rb] = ra;
      return ra;
    }
    parent[ra] = rb;
    return rb;
  };
  for (let y = 0; y < H; y++) {
    const row = y * W;
    const up = row - W;
    for (let x = 0; x < W; x++) {
      const p = row + x;
      if (!data[p]) continue;
      // Neighbours already seen: W, NW, N, NE. N touches the other three, so when it is ink they
      // are already joined to it; otherwise W and NW touch each other, and NE may be another region.
      let l = 0;
      if (y > 0 && labels[up + x]) l = labels[up + x];
      else {
        if (x > 0) l = labels[p - 1] || (y > 0 ? labels[up + x - 1] : 0);
        const ne = y > 0 && x + 1 < W ? labels[up + x + 1] : 0;
        if (ne) l = l ? union(l, ne) : ne;
      }
      if (l === 0) {
        l = next++;
        parent[l] = l;
      }
      labels[p] = l;
    }
  }
  const final = new Int32Array(next);
  const areas = [0];
  for (let l = 1; l < next; l++) {
    if (parent[l] === l) {
      final[l] = areas.length;
      areas.push(0);
    }
  }
  for (let l = 1; l < next; l++) if (parent[l] !== l) final[l] = final[find(l)];
  if (!opts.edges) {
    for (let p = 0; p < labels.length; p++) {
      const l = labels[p];
      if (l === 0) continue;
      const id = final[l];
      labels[p] = id;
      areas[id]++;
    }
    return { labels, areas };
  }
  const edges = areas.map(() => 0);
  for (let y = 0; y < H; y++) {
    for (let x = 0, p = y * W; x < W; x++, p++) {
      const l = labels[p];
      if (l === 0) continue;
      const id = final[l];
      labels[p] = id;
      areas[id]++;
      edges[id] += (x === 0 || !data[p - 1] ? 1 : 0) + (x === W - 1 || !data[p + 1] ? 1 : 0) +
        (y === 0 || !data[p - W] ? 1 : 0) + (y === H - 1 || !data[p + W] ? 1 : 0);
    }
  }
  return { labels, areas, edges };
}

/**
 * Drops specks: regions smaller than `minFraction` of the largest region. Relative, so it scales with
 * the image; 0.03 keeps the dot of an 'i' or 'j' but drops paper grain and JPEG noise.
 */
export function removeSpecks(mask: Mask, minFraction = 0.03): Mask {
  const { labels, areas } = connectedComponents(mask);
  let largest = 0;
  for (const a of areas) if (a > largest) largest = a;
  const smallest = minFraction * largest;
  return keepRegions(mask, labels, areas.map((a) => a >= smallest));
}

/** A mask of the pixels whose region `keep`s. */
function keepRegions(mask: Mask, labels: Int32Array, keep: boolean[]): Mask {
  const data = new Uint8Array(labels.length);
  for (let i = 0; i < data.length; i++) {
    const id = labels[i];
    if (id !== 0 && keep[id]) data[i] = 1;
  }
  return { width: mask.width, height: mask.height, data };
}

/** The smallest box holding every ink pixel of the mask; null if the mask is empty. */
export function maskBoundingBox(mask: Mask): PixelBox | null {
  const { width: W, height: H, data } = mask;
  let x0 = W;
  let y0 = H;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    // Only the row's first and last ink can move the box's sides.
    let a = 0;
    while (a < W && !data[row + a]) a++;
    if (a === W) continue;
    let b = W - 1;
    while (!data[row + b]) b--;
    if (y0 === H) y0 = y;
    y1 = y;
    if (a < x0) x0 = a;
    if (b > x1) x1 = b;
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The smallest box holding every pixel above `level`; null if there is none (`maskBoundingBox` of `thresholdMask`, without the mask). */
export function boundingBoxAbove(img: FloatImage, level: number): PixelBox | null {
  const { width: W, height: H, data } = img;
  let x0 = W;
  let y0 = H;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    let a = 0;
    while (a < W && !(data[row + a] > level)) a++;
    if (a === W) continue;
    let b = W - 1;
    while (!(data[row + b] > level)) b--;
    if (y0 === H) y0 = y;
    y1 = y;
    if (a < x0) x0 = a;
    if (b > x1) x1 = b;
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Grows the mask by `radius` pixels (square neighbourhood), e.g. to keep the antialiased rim of a stroke. */
export function dilate(mask: Mask, radius = 1): Mask {
  const { width: W, height: H, data: src } = mask;
  // A square is separable: along the rows, then along the columns.
  const rows = new Uint8Array(src.length);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    let last = -Infinity; // the last ink column seen, for the run to its right
    for (let x = 0; x < W; x++) {
      if (src[row + x]) {
        // Fill back to x - radius (what the previous ink has not already covered), and mark x.
        const from = min(x, max(x - radius, last + radius + 1, 0));
        for (let k = from; k <= x; k++) rows[row + k] = 1;
        last = x;
      } else if (x - last <= radius) rows[row + x] = 1;
    }
  }
  const data = new Uint8Array(src.length);
  for (let y = 0; y < H; y++) {
    const lo = max(0, y - radius) * W;
    const hi = min(H - 1, y + radius) * W;
    const out = y * W;
    for (let x = 0; x < W; x++) {
      for (let q = lo + x; q <= hi + x; q += W) {
        if (rows[q]) {
          data[out + x] = 1;
          break;
        }
      }
    }
  }
  return { width: W, height: H, data };
}
