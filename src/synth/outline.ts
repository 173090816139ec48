/**
 * Glyph outlines to anti-aliased ink. Path commands (M, L, Q, C, Z, as opentype.js gives them) are
 * mapped by a 2x3 affine transform (exact on Bezier control points), flattened into closed polygons
 * by subdividing each curve just enough for a given tolerance in output pixels, optionally bent by a
 * smooth displacement field (elastic distortion, applied to the flattened points, which is why long
 * straight segments can be split too), and filled with the non-zero winding rule into a coverage
 * image, Float32Array [height, width] in 0..1.
 *
 * Coverage is sampled on `subRows` scanlines per pixel row; on each scanline the spans where the
 * winding number is non-zero are accumulated with exact fractional coverage at their ends. A span
 * at a scanline's middle height is the exact area of its trapezoid slice (the midpoint rule is
 * exact for straight edges), so the only error comes from edges that begin or end inside a slice:
 * at most 1 / (2 subRows) of a pixel, 0.03 with the default 16 sub-rows.
 *
 * Pixel (x, y) covers [x, x + 1) x [y, y + 1), y pointing down.
 */

/** One outline command, the shape opentype.js's `Path.commands` uses. */
export type PathCommand =
  | { type: 'M'; x: number; y: number }
  | { type: 'L'; x: number; y: number }
  | { type: 'Q'; x1: number; y1: number; x: number; y: number }
  | { type: 'C'; x1: number; y1: number; x2: number; y2: number; x: number; y: number }
  | { type: 'Z' };

/** A 2x3 affine map [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f. */
export type Affine = readonly [number, number, number, number, number, number];

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** `outer` after `inner`: the map p -> outer(inner(p)). */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a, b, c, d, e, f] = outer;
  const [A, B, C, D, E, F] = inner;
  return [a * A + b * D, a * B + b * E, a * C + b * F + c, d * A + e * D, d * B + e * E, d * C + e * F + f];
}

/** Composes maps listed in the order they act: `chainAffine(first, second, ...)`. */
export function chainAffine(...maps: Affine[]): Affine {
  let m = IDENTITY;
  for (const next of maps) m = composeAffine(next, m);
  return m;
}

export function translation(tx: number, ty: number): Affine {
  return [1, 0, tx, 0, 1, ty];
}

export function scaling(sx: number, sy: number = sx): Affine {
  return [sx, 0, 0, 0, sy, 0];
}

/** Rotation by `radians` about (cx, cy); positive turns x towards y (clockwise on a y-down image). */
export function rotation(radians: number, cx = 0, cy = 0): Affine {
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy];
}

/** Horizontal shear x' = x + k (y - y0): with y down, k < 0 leans the tops of letters to the right. */
export function shearX(k: number, y0 = 0): Affine {
  return [1, k, -k * y0, 0, 1, 0];
}

/**
 * A smooth displacement, written into `out` ([dx, dy]) for the point (x, y) in output pixels.
 * Applied to flattened points, so it may be any smooth function.
 */
export type DisplacementField = (x: number, y: number, out: Float64Array) => void;

/**
 * Closed polygons: contour i is the points starts[i] .. starts[i + 1] - 1 (the last runs to the end),
 * each closed implicitly from its last point back to its first.
 */
export interface Polygons {
  xs: number[];
  ys: number[];
  starts: number[];
}

export function emptyPolygons(): Polygons {
  return { xs: [], ys: [], starts: [] };
}

export interface FlattenOptions {
  /**
   * Largest distance between a curve and its chords, output pixels; default 0.02. Chords always cut
   * inside a convex arc, so the error is a bias, not noise: a stroke loses about 2/3 of it on each
   * curved side, and 0.2 px would thin a 2 px stroke by 10%.
   */
  tolerance?: number;
  /** Longest segment, output pixels: lines and curves are split further so a displacement can bend them; default none. */
  maxSegment?: number;
}

/**
 * Flattens `commands` mapped by `transform` into polygons, appended to `out` (a new set by default).
 * Each curve is cut into n equal parameter steps, n from its second differences: a quadratic's chord
 * error is |p0 - 2 p1 + p2| / (4 n^2), a cubic's at most 3 max|second difference| / (4 n^2).
 */
export function flattenPath(
  commands: readonly PathCommand[],
  transform: Affine = IDENTITY,
  opts: FlattenOptions = {},
  out: Polygons = emptyPolygons(),
): Polygons {
  const { sqrt, ceil, max, hypot } = Math;
  const tol = opts.tolerance ?? 0.02;
  if (!(tol > 0)) throw new Error(`flattenPath: tolerance must be > 0 pixels, got ${tol}`);
  const maxSeg = opts.maxSegment ?? Infinity;
  if (!(maxSeg > 0)) throw new Error(`flattenPath: maxSegment must be > 0 pixels, got ${maxSeg}`);
  const [a, b, c, d, e, f] = transform;
  const { xs, ys, starts } = out;
  let open = false; // a contour has been started and not closed
  let sx = 0; // start of the current contour (to skip a closing point equal to it)
  let sy = 0;
  let px = 0; // current point, transformed
  let py = 0;
  const begin = (x: number, y: number): void => {
    close();
    starts.push(xs.length);
    xs.push(x);
    ys.push(y);
    sx = px = x;
    sy = py = y;
    open = true;
  };
  const close = (): void => {
    if (!open) return;
    const first = starts[starts.length - 1];
    let n = xs.length - first;
    // A closing point equal to the start adds a zero-length edge; drop it.
    if (n > 1 && xs[xs.length - 1] === sx && ys[ys.length - 1] === sy) {
      xs.pop();
      ys.pop();
      n--;
    }
    if (n < 3) {
      // Fewer than 3 points encloses nothing.
      xs.length = ys.length = first;
      starts.pop();
    }
    open = false;
  };
  const lineTo = (x: number, y: number): void => {
    if (!open) begin(px, py);
    if (x === px && y === py) return;
    const n = maxSeg === Infinity ? 1 : max(1, ceil(hypot(x - px, y - py) / maxSeg));
    for (let i = 1; i < n; i++) {
      xs.push(px + ((x - px) * i) / n);
      ys.push(py + ((y - py) * i) / n);
    }
    xs.push(x);
    ys.push(y);
    px = x;
    py = y;
  };
  for (const cmd of commands) {
    switch (cmd.type) {
      case 'M':
        begin(a * cmd.x + b * cmd.y + c, d * cmd.x + e * cmd.y + f);
        break;
      case 'L':
        lineTo(a * cmd.x + b * cmd.y + c, d * cmd.x + e * cmd.y + f);
        break;
      case 'Q': {
        if (!open) begin(px, py);
        const x1 = a * cmd.x1 + b * cmd.y1 + c;
        const y1 = d * cmd.x1 + e * cmd.y1 + f;
        const x2 = a * cmd.x + b * cmd.y + c;
        const y2 = d * cmd.x + e * cmd.y + f;
        const x0 = px;
        const y0 = py;
        let n = ceil(sqrt(hypot(x0 - 2 * x1 + x2, y0 - 2 * y1 + y2) / (4 * tol)));
        if (maxSeg !== Infinity) n = max(n, ceil((hypot(x1 - x0, y1 - y0) + hypot(x2 - x1, y2 - y1)) / maxSeg));
        n = max(1, n);
        for (let i = 1; i < n; i++) {
          const t = i / n;
          const u = 1 - t;
          xs.push(u * u * x0 + 2 * u * t * x1 + t * t * x2);
          ys.push(u * u * y0 + 2 * u * t * y1 + t * t * y2);
        }
        xs.push(x2);
        ys.push(y2);
        px = x2;
        py = y2;
        break;
      }
      case 'C': {
        if (!open) begin(px, py);
        const x1 = a * cmd.x1 + b * cmd.y1 + c;
        const y1 = d * cmd.x1 + e * cmd.y1 + f;
        const x2 = a * cmd.x2 + b * cmd.y2 + c;
        const y2 = d * cmd.x2 + e * cmd.y2 + f;
        const x3 = a * cmd.x + b * cmd.y + c;
        const y3 = d * cmd.x + e * cmd.y + f;
        const x0 = px;
        const y0 = py;
        const dd = max(hypot(x0 - 2 * x1 + x2, y0 - 2 * y1 + y2), hypot(x1 - 2 * x2 + x3, y1 - 2 * y2 + y3));
        let n = ceil(sqrt((3 * dd) / (4 * tol)));
        if (maxSeg !== Infinity) {
          n = max(n, ceil((hypot(x1 - x0, y1 - y0) + hypot(x2 - x1, y2 - y1) + hypot(x3 - x2, y3 - y2)) / maxSeg));
        }
        n = max(1, n);
        for (let i = 1; i < n; i++) {
          const t = i / n;
          const u = 1 - t;
          const w0 = u * u * u;
          const w1 = 3 * u * u * t;
          const w2 = 3 * u * t * t;
          const w3 = t * t * t;
          xs.push(w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3);
          ys.push(w0 * y0 + w1 * y1 + w2 * y2 + w3 * y3);
        }
        xs.push(x3);
        ys.push(y3);
        px = x3;
        py = y3;
        break;
      }
      case 'Z':
        if (open) {
          // Close with a straight edge subdivided like any line, then drop the duplicated start.
          lineTo(sx, sy);
          close();
        }
        px = sx;
        py = sy;
        break;
      default:
        throw new Error(`flattenPath: unknown path command ${JSON.stringify(cmd)}; expected M, L, Q, C or Z`);
    }
  }
  close();
  return out;
}

/**
 * Douglas-Peucker simplification of every contour: keeps the fewest points such that no dropped
 * point is farther than `tolerance` from the chord that replaces it. Font outlines carry far more
 * points than a 20-pixel letter needs; simplifying once per size and caching saves most of the work.
 */
export function simplifyPolygons(polys: Polygons, tolerance: number): Polygons {
  if (!(tolerance >= 0)) throw new Error(`simplifyPolygons: tolerance must be >= 0, got ${tolerance}`);
  const { xs, ys, starts } = polys;
  const out = emptyPolygons();
  const tol2 = tolerance * tolerance;
  for (let ci = 0; ci < starts.length; ci++) {
    const s = starts[ci];
    const n = contourEnd(polys, ci) - s;
    const keep = new Uint8Array(n + 1); // index n is the start again, closing the contour
    // Split the closed contour at its start and the point farthest from it.
    let far = 0;
    let farD = -1;
    for (let i = 1; i < n; i++) {
      const d = (xs[s + i] - xs[s]) ** 2 + (ys[s + i] - ys[s]) ** 2;
      if (d > farD) {
        farD = d;
        far = i;
      }
    }
    keep[0] = keep[far] = keep[n] = 1;
    const stack = [0, far, far, n];
    while (stack.length) {
      const b = stack.pop()!;
      const a = stack.pop()!;
      if (b - a < 2) continue;
      const ax = xs[s + a];
      const ay = ys[s + a];
      const bx = xs[s + (b % n)];
      const by = ys[s + (b % n)];
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      let worst = -1;
      let worstD = tol2;
      for (let i = a + 1; i < b; i++) {
        const px = xs[s + i] - ax;
        const py = ys[s + i] - ay;
        // Distance to the segment (to the point when the chord is degenerate).
        const t = len2 > 0 ? Math.max(0, Math.min(1, (px * dx + py * dy) / len2)) : 0;
        const d = (px - t * dx) ** 2 + (py - t * dy) ** 2;
        if (d > worstD) {
          worstD = d;
          worst = i;
        }
      }
      if (worst >= 0) {
        keep[worst] = 1;
        stack.push(a, worst, worst, b);
      }
    }
    const first = out.xs.length;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      out.xs.push(xs[s + i]);
      out.ys.push(ys[s + i]);
    }
    if (out.xs.length - first >= 3) out.starts.push(first);
    else out.xs.length = out.ys.length = first;
  }
  return out;
}

/**
 * Appends `polys` mapped by `transform` to `out`, splitting edges longer than `maxSegment` (output
 * pixels) so a displacement applied next can bend them.
 */
export function transformPolygons(
  polys: Polygons,
  transform: Affine,
  opts: { maxSegment?: number } = {},
  out: Polygons = emptyPolygons(),
): Polygons {
  const { ceil, sqrt } = Math;
  const [a, b, c, d, e, f] = transform;
  const maxSeg = opts.maxSegment ?? Infinity;
  const { xs, ys, starts } = polys;
  const oxs = out.xs;
  const oys = out.ys;
  for (let ci = 0; ci < starts.length; ci++) {
    const s = starts[ci];
    const end = contourEnd(polys, ci);
    out.starts.push(oxs.length);
    let px = a * xs[s] + b * ys[s] + c;
    let py = d * xs[s] + e * ys[s] + f;
    const x0 = px;
    const y0 = py;
    for (let i = s; i < end; i++) {
      oxs.push(px);
      oys.push(py);
      const last = i + 1 === end;
      const qx = last ? x0 : a * xs[i + 1] + b * ys[i + 1] + c;
      const qy = last ? y0 : d * xs[i + 1] + e * ys[i + 1] + f;
      if (maxSeg !== Infinity) {
        const len = sqrt((qx - px) * (qx - px) + (qy - py) * (qy - py));
        const n = ceil(len / maxSeg);
        for (let k = 1; k < n; k++) {
          oxs.push(px + ((qx - px) * k) / n);
          oys.push(py + ((qy - py) * k) / n);
        }
      }
      px = qx;
      py = qy;
    }
  }
  return out;
}

/** Moves points `from` .. end of `polys` by `field` (in place), e.g. the points a glyph just appended. */
export function displacePolygons(polys: Polygons, field: DisplacementField, from = 0): void {
  const { xs, ys } = polys;
  const delta = new Float64Array(2);
  for (let i = from; i < xs.length; i++) {
    field(xs[i], ys[i], delta);
    xs[i] += delta[0];
    ys[i] += delta[1];
  }
}

/** Bounding box of all points; empty polygons give x0 > x1. */
export function polygonBounds(polys: Polygons): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const { xs, ys } = polys;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}

function contourEnd(polys: Polygons, i: number): number {
  return i + 1 < polys.starts.length ? polys.starts[i + 1] : polys.xs.length;
}

/** Sum of the contours' signed areas (shoelace); with y down, clockwise-on-screen contours count positive. */
export function signedArea(polys: Polygons): number {
  const { xs, ys, starts } = polys;
  let sum = 0;
  for (let ci = 0; ci < starts.length; ci++) {
    const s = starts[ci];
    const end = contourEnd(polys, ci);
    for (let i = s; i < end; i++) {
      const j = i + 1 < end ? i + 1 : s;
      sum += xs[i] * ys[j] - xs[j] * ys[i];
    }
  }
  return sum / 2;
}

/** Total length of all contours. */
export function perimeter(polys: Polygons): number {
  const { xs, ys, starts } = polys;
  let sum = 0;
  for (let ci = 0; ci < starts.length; ci++) {
    const s = starts[ci];
    const end = contourEnd(polys, ci);
    for (let i = s; i < end; i++) {
      const j = i + 1 < end ? i + 1 : s;
      sum += Math.hypot(xs[j] - xs[i], ys[j] - ys[i]);
    }
  }
  return sum;
}

/** A coverage image: [height, width] values 0..1, row-major. */
export interface Coverage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface FillOptions {
  /** Scanlines per pixel row; vertical error at most 1 / (2 subRows) per pixel. Default 16. */
  subRows?: number;
  /**
   * How the shape's coverage c joins what the image holds t: 'over' (default) t + c - t c, so
   * shapes filled one after another unite without their windings interfering; 'max'; 'add' (clamped to 1).
   */
  composite?: 'over' | 'max' | 'add';
}

export const DEFAULT_SUB_ROWS = 16;

/** Scratch buffers reused between calls (the rasteriser runs for every glyph of every line). */
const scratch = {
  cov: new Float64Array(256),
  diff: new Float64Array(257),
  edgeTop: new Float64Array(256),
  edgeBot: new Float64Array(256),
  edgeX: new Float64Array(256),
  edgeSlope: new Float64Array(256),
  edgeDir: new Int8Array(256),
  order: new Int32Array(256),
  active: new Int32Array(256),
  crossX: new Float64Array(256),
  crossDir: new Int8Array(256),
  firstLine: new Int32Array(256),
  bucket: new Int32Array(256),
};

function ensureEdges(n: number): void {
  if (scratch.edgeTop.length >= n) return;
  const size = Math.max(n, scratch.edgeTop.length * 2);
  scratch.edgeTop = new Float64Array(size);
  scratch.edgeBot = new Float64Array(size);
  scratch.edgeX = new Float64Array(size);
  scratch.edgeSlope = new Float64Array(size);
  scratch.edgeDir = new Int8Array(size);
  scratch.order = new Int32Array(size);
  scratch.active = new Int32Array(size);
  scratch.crossX = new Float64Array(size);
  scratch.crossDir = new Int8Array(size);
  scratch.firstLine = new Int32Array(size);
}

function ensureBuckets(n: number): void {
  if (scratch.bucket.length < n) scratch.bucket = new Int32Array(Math.max(n, scratch.bucket.length * 2));
}

function ensureRow(n: number): void {
  if (scratch.cov.length >= n) return;
  const size = Math.max(n, scratch.cov.length * 2);
  scratch.cov = new Float64Array(size);
  scratch.diff = new Float64Array(size + 1);
}

/**
 * Fills `polys` (non-zero winding) into `target`, combined with what it holds by `opts.composite`.
 * Only the rows and columns the polygons' bounds touch are visited; parts outside the image are clipped.
 */
export function fillPolygons(target: Coverage, polys: Polygons, opts: FillOptions = {}): void {
  const { floor, ceil, max, min } = Math;
  const S = opts.subRows ?? DEFAULT_SUB_ROWS;
  if (!(Number.isInteger(S) && S >= 1)) throw new Error(`fillPolygons: subRows must be a positive integer, got ${S}`);
  const mode = opts.composite ?? 'over';
  const { width, height, data } = target;
  if (data.length !== width * height) {
    throw new Error(`fillPolygons: target has ${data.length} values for ${width}x${height}; pass a [height, width] image`);
  }
  const bounds = polygonBounds(polys);
  if (!(bounds.x0 <= bounds.x1)) return;
  const col0 = max(0, floor(bounds.x0));
  const col1 = min(width, ceil(bounds.x1));
  const row0 = max(0, floor(bounds.y0));
  const row1 = min(height, ceil(bounds.y1));
  if (col0 >= col1 || row0 >= row1) return;
  const bw = col1 - col0;

  // Edges, with their top (smaller y) first; horizontal edges cross no scanline and are skipped.
  const { xs, ys, starts } = polys;
  ensureEdges(xs.length);
  const { edgeTop, edgeBot, edgeX, edgeSlope, edgeDir, order } = scratch;
  let ne = 0;
  for (let ci = 0; ci < starts.length; ci++) {
    const s = starts[ci];
    const end = contourEnd(polys, ci);
    for (let i = s; i < end; i++) {
      const j = i + 1 < end ? i + 1 : s;
      const ya = ys[i];
      const yb = ys[j];
      if (ya === yb) continue;
      const down = yb > ya;
      const x0 = down ? xs[i] : xs[j];
      const y0 = down ? ya : yb;
      const y1 = down ? yb : ya;
      edgeTop[ne] = y0;
      edgeBot[ne] = y1;
      edgeX[ne] = x0;
      edgeSlope[ne] = ((down ? xs[j] : xs[i]) - x0) / (y1 - y0);
      edgeDir[ne] = down ? 1 : -1;
      order[ne] = ne;
      ne++;
    }
  }
  if (ne === 0) return;
  // Edges bucketed by the first scanline they cross (a counting sort, O(n) whatever the contours'
  // order). Scanline g is at y = row0 + (g + 0.5) / S; an edge is active there when top <= y < bottom.
  const nSub = (row1 - row0) * S;
  ensureBuckets(nSub + 2);
  const { bucket, firstLine } = scratch;
  bucket.fill(0, 0, nSub + 2);
  const lineY = (g: number): number => row0 + (g + 0.5) / S;
  for (let e = 0; e < ne; e++) {
    let g = max(0, ceil((edgeTop[e] - row0) * S - 0.5));
    while (g > 0 && lineY(g - 1) >= edgeTop[e]) g--;
    while (g < nSub && lineY(g) < edgeTop[e]) g++;
    if (g >= nSub || lineY(g) >= edgeBot[e]) {
      firstLine[e] = -1; // crosses no scanline inside the image
      continue;
    }
    firstLine[e] = g;
    bucket[g + 1]++;
  }
  for (let g = 0; g < nSub; g++) bucket[g + 1] += bucket[g];
  // bucket[g] is where line g's edges start in `order`; it serves as the cursor while placing (ending
  // at line g's end = line g + 1's start), so shift it back by one line afterwards.
  for (let e = 0; e < ne; e++) if (firstLine[e] >= 0) order[bucket[firstLine[e]]++] = e;
  for (let g = nSub; g > 0; g--) bucket[g] = bucket[g - 1];
  bucket[0] = 0;

  ensureRow(bw + 1);
  const { cov, diff, active, crossX, crossDir } = scratch;
  const w = 1 / S;
  let nActive = 0;
  for (let row = row0; row < row1; row++) {
    cov.fill(0, 0, bw + 1);
    diff.fill(0, 0, bw + 2);
    for (let k = 0; k < S; k++) {
      const g = (row - row0) * S + k;
      const y = lineY(g);
      for (let i = bucket[g]; i < bucket[g + 1]; i++) active[nActive++] = order[i];
      // Crossings of this scanline, kept sorted by x as they are inserted; expired edges leave.
      let nc = 0;
      let kept = 0;
      for (let i = 0; i < nActive; i++) {
        const ei = active[i];
        if (edgeBot[ei] <= y) continue;
        active[kept++] = ei;
        const x = edgeX[ei] + (y - edgeTop[ei]) * edgeSlope[ei];
        let j = nc - 1;
        while (j >= 0 && crossX[j] > x) {
          crossX[j + 1] = crossX[j];
          crossDir[j + 1] = crossDir[j];
          j--;
        }
        crossX[j + 1] = x;
        crossDir[j + 1] = edgeDir[ei];
        nc++;
      }
      nActive = kept;
      // Spans with non-zero winding, accumulated with exact coverage at their ends.
      let winding = 0;
      let spanStart = 0;
      for (let i = 0; i < nc; i++) {
        const before = winding;
        winding += crossDir[i];
        if (before === 0 && winding !== 0) {
          spanStart = crossX[i];
        } else if (before !== 0 && winding === 0) {
          let xa = spanStart - col0;
          let xb = crossX[i] - col0;
          if (xb <= 0 || xa >= bw) continue;
          if (xa < 0) xa = 0;
          if (xb > bw) xb = bw;
          const ia = floor(xa);
          const ib = floor(xb);
          if (ia === ib) {
            cov[ia] += (xb - xa) * w;
          } else {
            cov[ia] += (ia + 1 - xa) * w;
            diff[ia + 1] += w;
            diff[ib] -= w;
            cov[ib] += (xb - ib) * w; // ib may be bw: cov has a spare slot
          }
        }
      }
    }
    // Row done: full-pixel runs (diff) plus partial ends (cov), joined into the image.
    let run = 0;
    const base = row * width + col0;
    for (let x = 0; x < bw; x++) {
      run += diff[x];
      let c = cov[x] + run;
      if (c <= 1e-9) continue;
      if (c > 1) c = 1;
      const t = data[base + x];
      if (mode === 'over') data[base + x] = t + c - t * c;
      else if (mode === 'max') data[base + x] = c > t ? c : t;
      else data[base + x] = min(1, t + c);
    }
  }
}

/** Rasterises `commands` mapped by `transform` into a new [height, width] coverage image. */
export function rasterizePath(
  commands: readonly PathCommand[],
  width: number,
  height: number,
  transform: Affine = IDENTITY,
  opts: FlattenOptions & FillOptions = {},
): Float32Array {
  const image: Coverage = { width, height, data: new Float32Array(width * height) };
  fillPolygons(image, flattenPath(commands, transform, opts), opts);
  return image.data;
}
