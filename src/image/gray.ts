
// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { ceil, exp, floor, log, max, min, round, sqrt } = Math;

/** A single-channel image: row-major pixels, `data[y * width + x]`. */
export interface GrayImage {
  width: number;
  height: number;
  /** Float32Array values are 0..1; Uint8Array values are 0..255. */
  data: Float32Array | Uint8Array;
}

/** A float gray image, the form every processing step works on (values 0..1). */
export interface FloatImage extends GrayImage {
  data: Float32Array;
}

/** An axis-aligned pixel rectangle. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A new all-`fill` float image of the given size. */
export function createImage(width: number, height: number, fill = 0): FloatImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size must be positive integers, got ${width}x${height}`);
  }
  const data = new Float32Array(width * height);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

/** The image as floats in 0..1 (a Uint8Array image is divided by 255; a float image is copied). */
export function toFloat(img: GrayImage): FloatImage {
  checkSize(img);
  const data = new Float32Array(img.data.length);
  const scale = img.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let i = 0; i < data.length; i++) data[i] = img.data[i] * scale;
  return { width: img.width, height: img.height, data };
}

/** The image as floats to read from: a float image itself (not copied), a Uint8Array one through `toFloat`. */
export function asFloat(img: GrayImage): FloatImage {
  return img.data instanceof Float32Array ? (img as FloatImage) : toFloat(img);
}

/** The image as uint8 0..255 (floats are clamped to 0..1 and rounded), e.g. for display or PNG export. */
export function toUint8(img: GrayImage): Uint8Array {
  if (img.data instanceof Uint8Array) return img.data.slice();
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = round(min(1, max(0, img.data[i])) * 255);
  return out;
}

/** Throws if `data` does not hold exactly width*height pixels. */
export function checkSize(img: GrayImage): void {
  if (img.data.length !== img.width * img.height) {
    throw new Error(`image data has ${img.data.length} values, expected ${img.width}x${img.height}=${img.width * img.height}`);
  }
}

/** The q-quantile (0..1) of the values, interpolated between the order statistics around q * (n - 1) (as float32). */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantiles(values, [q])[0];
}

/**
 * Several quantiles of the same values (see `quantile`): each order statistic needed is selected
 * in place (quickselect, linear time) in one float32 copy, as a full sort would place it.
 */
export function quantiles(values: ArrayLike<number>, qs: number[]): number[] {
  if (values.length === 0) return qs.map(() => NaN);
  const a = Float32Array.from(values);
  return quantilesInPlace(a, a.length, qs);
}

/**
 * `quantiles` of the first n entries of `a`, reordering them (no copy): for callers that gathered
 * the values into a scratch buffer already.
 */
export function quantilesInPlace(a: Float32Array, n: number, qs: number[]): number[] {
  if (n === 0) return qs.map(() => NaN);
  return qs.map((q) => {
    const pos = min(n - 1, max(0, q * (n - 1)));
    const lo = floor(pos);
    const hi = ceil(pos);
    const vlo = select(a, n, lo);
    // After selecting lo, everything right of it is >= a[lo]: the next order statistic is their minimum.
    let vhi = vlo;
    if (hi !== lo) {
      vhi = Infinity;
      for (let i = lo + 1; i < n; i++) if (a[i] < vhi) vhi = a[i];
    }
    return vlo + (vhi - vlo) * (pos - lo);
  });
}

/**
 * The k-th smallest of a[0..n-1] (0-based), moved to a[k] with smaller values left of it and
 * larger right (Floyd and Rivest's SELECT: the partition's pivots come from a small sample around
 * k, so it touches each value about once, where a plain quickselect does about three times).
 */
function select(a: Float32Array, n: number, k: number): number {
  selectRange(a, 0, n - 1, k);
  return a[k];
}

function selectRange(a: Float32Array, left: number, right: number, k: number): void {
  while (right > left) {
    if (right - left > 600) {
      // Narrow to a range that holds the k-th smallest with high probability, from a sample.
      const n = right - left + 1;
      const i = k - left + 1;
      const z = log(n);
      const s = 0.5 * exp((2 * z) / 3);
      const sd = 0.5 * sqrt((z * s * (n - s)) / n) * (i - n / 2 < 0 ? -1 : 1);
      const newLeft = max(left, floor(k - (i * s) / n + sd));
      const newRight = min(right, floor(k + ((n - i) * s) / n + sd));
      selectRange(a, newLeft, newRight, k);
    }
    const t = a[k];
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right] > t) swap(a, right, left);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i] < t) i++;
      while (a[j] > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** The rectangle `box` cut out of the image (the box must lie inside it). */
export function cropImage(img: FloatImage, box: PixelBox): FloatImage {
  if (box.x < 0 || box.y < 0 || box.x + box.width > img.width || box.y + box.height > img.height) {
    throw new Error(`crop box ${JSON.stringify(box)} is outside the ${img.width}x${img.height} image`);
  }
  const out = createImage(box.width, box.height);
  for (let y = 0; y < box.height; y++) {
    const row = (box.y + y) * img.width + box.x;
    out.data.set(img.data.subarray(row, row + box.width), y * box.width);
  }
  return out;
}

/** Centre of mass of the pixel values in index coordinates (pixel (x, y) sits at x, y); null if all zero. */
export function centreOfMass(img: GrayImage): { x: number; y: number } | null {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x];
      total += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return total > 0 ? { x: sx / total, y: sy / total } : null;
}
