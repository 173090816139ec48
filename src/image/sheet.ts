/**
 * The sheet of paper in a photo that shows what lies around it (a desk, a table): a word on a card
 * or a note photographed from a little way off. The line recipe and page layout expect the paper to
 * fill the image; around a sheet, their threshold and the writing's size take the desk for ink
 * (docs/LINES.md, "the desk around the paper"). `findSheet` finds such a sheet, `sheetImage` cuts it
 * out. Training photos never show a desk, so reading only the sheet is reading what the model knows.
 *
 * How: the image shrunk to cells (each cell its brightest pixel, so strokes vanish), closed to fill
 * what strokes are left, split in two by Otsu's threshold. The surroundings are the dark cells
 * connected to the image's border; the sheet is the largest bright region, with the dark cells it
 * encloses (writing the closing did not fill). A sheet is reported only when all of these hold:
 * - the surroundings and the sheet are each a real share of the image;
 * - the paper's pixels are clearly brighter than the surroundings', and mostly paper (on a
 *   chalkboard the "bright" region is the writing's, its pixels mostly dark board);
 * - the light steps down at the sheet's edge (a vignette darkens the paper gradually);
 * - the surroundings hold no writing: a shadow across the page is darker too, but the writing under
 *   it still shows as strokes, and then nothing is cut (page layout handles shadows).
 *
 * Colour: a card or a sticky note may be nearly as light as the desk and differ from it in colour
 * (bench:read's fonts-desk-0030, a pink card 0.09 above a brown desk in gray). When the gray image
 * shows no sheet and `findSheet` has the photo's colours, the same search runs on a colour view
 * (`colourView`: the colours projected on the line from the border's colour to the middle's, split
 * halfway between them); every check above holds in the view, the gray image must show no writing
 * around the sheet either, and the sheet is cut out of the gray image as before. A sheet darker than
 * what lies around it (a dark board on a light wall) is not looked for (see `colourView`).
 *
 * On bench:read's test photos and pages (seeds 7, 11 and 13: 1,500 lines, 600 pages) neither search
 * finds a sheet; on the same lines pasted on a desk (300) gray finds 285, gray then colour 291, each
 * box right (docs/LINES.md).
 */
import { FloatImage, GrayImage, PixelBox, toFloat } from './gray';
import { closing } from './morphology';
import { RgbaImage, rgbaMix } from './rgba';
import { otsuThreshold } from './threshold';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { ceil, floor, hypot, max, min, round } = Math;

/** Cells along the image's longer side: fine enough for a sheet's edge, coarse enough that strokes vanish in a cell's brightest pixel. */
const CELLS = 160;
/** The closing's radius in cells: strokes wider than a cell (a marker on a small card) are filled too. */
const CLOSE_CELLS = 2;
/** Least share of the image the surroundings cover: less is a dark border line or a corner's vignette. */
const MIN_SURROUNDINGS = 0.05;
/** Least share of the image the sheet covers. */
const MIN_SHEET = 0.15;
/** Least difference of median gray level (0..1) between the paper and its surroundings. */
const MIN_CONTRAST = 0.2;
/** A pixel is a stroke when it is this much darker (0..1) than the stroke-filling closing at it. */
const STROKE_STEP = 0.12;
/**
 * The most stroke pixels the surroundings may hold, as a share of the sheet's stroke density: above
 * it they are paper in shadow, with writing (test/sheet.test.ts's shadow across the writing: 0.045;
 * plain desks: 0).
 */
const MAX_STROKE_SHARE = 0.01;

/**
 * The colour view's split of the cells: halfway between the border's colour and the middle's,
 * which the view puts at 0.5 -/+ D / 2. Otsu's split, the gray image's, follows the spread of
 * each side; on a card lit unevenly it put the card's dim end with the desk (bench:read's
 * fonts-desk-0030), and the writing there then counted as writing around the sheet.
 */
const COLOUR_THRESHOLD = 0.5;

/** Most the sheet's pixel median may lie under its cells' closed level (0..1). */
const MAX_PAPER_GAP = 0.1;
/** Least drop of the closed level across the sheet's edge (from an edge cell to the cell two further out), as a share of the contrast. */
const MIN_EDGE_STEP = 0.6;

/**
 * The stroke-filling closing's radius is the image's shorter side over this: it fills dark strokes
 * (far narrower than a 30th of the image) but not a desk beyond the sheet's edge (a half-plane).
 */
const STROKE_FRACTION = 60;

/**
 * The cells 4-connected to `start` through cells `take` accepts, `start` first ([] when it refuses
 * `start`). `take` accepts a cell once: it marks what it accepts.
 */
function region4(start: number, cols: number, rows: number, take: (k: number) => boolean): number[] {
  if (!take(start)) return [];
  const region: number[] = [];
  const stack = [start];
  while (stack.length) {
    const k = stack.pop()!;
    region.push(k);
    const x = k % cols;
    if (x > 0 && take(k - 1)) stack.push(k - 1);
    if (x < cols - 1 && take(k + 1)) stack.push(k + 1);
    if (k >= cols && take(k - cols)) stack.push(k - cols);
    if (k < (rows - 1) * cols && take(k + cols)) stack.push(k + cols);
  }
  return region;
}

/** Medians of the pixels (0..1) in the sheet's cells and in the surroundings' cells. */
function pixelMedians(img: FloatImage, cells: Uint8Array, around: Uint8Array, cellSize: number, cols: number): { sheetMedian: number; aroundMedian: number } {
  const { width: W, height: H, data } = img;
  const inSheet = new Uint32Array(256);
  const inAround = new Uint32Array(256);
  for (let y = 0; y < H; y++) {
    const r = floor(y / cellSize) * cols;
    for (let x = 0; x < W; x++) {
      const k = r + floor(x / cellSize);
      const bin = min(255, floor(data[y * W + x] * 255));
      if (cells[k]) inSheet[bin]++;
      else if (around[k]) inAround[bin]++;
    }
  }
  const median = (h: Uint32Array) => {
    let total = 0;
    for (const c of h) total += c;
    let acc = 0;
    for (let b = 0; b < 256; b++) if ((acc += h[b]) * 2 >= total) return (b + 0.5) / 255;
    return 0;
  };
  return { sheetMedian: median(inSheet), aroundMedian: median(inAround) };
}

/** Median drop of `level` from each sheet cell beside the surroundings to the surroundings' cell two further out. */
function edgeStep(level: Float32Array, cells: Uint8Array, around: Uint8Array, cols: number, rows: number): number {
  const steps: number[] = [];
  for (let k = 0; k < cells.length; k++) {
    if (!cells[k]) continue;
    const x = k % cols;
    const y = (k - x) / cols;
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
      const [x1, y1, x2, y2] = [x + dx, y + dy, x + 2 * dx, y + 2 * dy];
      if (x2 < 0 || y2 < 0 || x2 >= cols || y2 >= rows || !around[y1 * cols + x1] || !around[y2 * cols + x2]) continue;
      steps.push(level[k] - level[y2 * cols + x2]);
    }
  }
  steps.sort((a, b) => a - b);
  return steps.length ? steps[steps.length >> 1] : 0;
}

/**
 * True when the surroundings hold far less writing than the sheet. Writing shows as pixels well
 * below a closing of the image that fills strokes but not a desk's edge (a half-plane).
 */
function cleanSurroundings(img: FloatImage, cells: Uint8Array, around: Uint8Array, cellSize: number, cols: number): boolean {
  const { width: W, height: H, data } = img;
  const filled = closing(data, W, H, max(2, round(min(W, H) / STROKE_FRACTION)));
  let sheetStrokes = 0;
  let aroundStrokes = 0;
  let sheetPixels = 0;
  let aroundPixels = 0;
  for (let y = 0; y < H; y++) {
    const r = floor(y / cellSize) * cols;
    for (let x = 0; x < W; x++) {
      const k = r + floor(x / cellSize);
      const p = y * W + x;
      const stroke = data[p] < filled[p] - STROKE_STEP ? 1 : 0;
      if (cells[k]) { sheetPixels++; sheetStrokes += stroke; } else if (around[k]) { aroundPixels++; aroundStrokes += stroke; }
    }
  }
  return aroundStrokes / max(1, aroundPixels) <= MAX_STROKE_SHARE * (sheetStrokes / max(1, sheetPixels));
}

/** Median of each channel (0..1) of the histograms' pixels. */
function medianColour(hist: Uint32Array[]): [number, number, number] {
  const median = (h: Uint32Array): number => {
    let total = 0;
    for (const c of h) total += c;
    let acc = 0;
    for (let b = 0; b < 256; b++) if ((acc += h[b]) * 2 >= total) return b / 255;
    return 0;
  };
  return [median(hist[0]), median(hist[1]), median(hist[2])];
}

/**
 * The colour view of `rgba` at `width` x `height`: each pixel's colour projected on the line from
 * the colour of the image's border (the desk, when there is one) to the colour of its middle (the
 * sheet), in RGB distance (each channel 0..1), the border's colour at 0.5 - D / 2 and the middle's
 * at 0.5 + D / 2 (D their distance), clipped to 0..1. It is the one gray mix in which the two
 * colours differ most, so a pink card on a brown desk that gray shows 0.09 apart shows 0.25 apart.
 * Null when the border and the middle differ by less than MIN_CONTRAST (the paper fills the
 * image), or when the middle is the darker: a dark board on a light wall would show as a sheet,
 * but so would a shade over the middle of a written page (its writing, darker than the shade, turns
 * bright in the view and joins the "sheet", so none shows around it) and bold writing filling the
 * middle of a small photo (1 of bench:read's 2,100 test photos of three seeds).
 */
function colourView(rgba: RgbaImage, width: number, height: number): FloatImage | null {
  const { width: W, height: H, data } = rgba;
  // The border: a cell's width all round; the middle: the middle half of each side.
  const ring = max(1, ceil(max(W, H) / CELLS));
  const [x0, x1, y0, y1] = [floor(W / 4), ceil((3 * W) / 4), floor(H / 4), ceil((3 * H) / 4)];
  const border = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  const middle = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  const add = (hist: Uint32Array[], p: number): void => {
    // Composited on white, as the gray image is.
    const a = data[p + 3];
    for (let c = 0; c < 3; c++) hist[c][round((data[p + c] * a + 255 * (255 - a)) / 255)]++;
  };
  for (let y = 0; y < H; y++) {
    if (y < ring || y >= H - ring) {
      for (let x = 0; x < W; x++) add(border, 4 * (y * W + x));
      continue;
    }
    for (let x = 0; x < ring; x++) add(border, 4 * (y * W + x));
    for (let x = W - ring; x < W; x++) add(border, 4 * (y * W + x));
    if (y >= y0 && y < y1) for (let x = max(x0, ring); x < min(x1, W - ring); x++) add(middle, 4 * (y * W + x));
  }
  const b = medianColour(border);
  const s = medianColour(middle);
  const d = [s[0] - b[0], s[1] - b[1], s[2] - b[2]];
  const distance = hypot(d[0], d[1], d[2]);
  if (distance < MIN_CONTRAST || 0.299 * d[0] + 0.587 * d[1] + 0.114 * d[2] <= 0) return null;
  const u: [number, number, number] = [d[0] / distance, d[1] / distance, d[2] / distance];
  const offset = 0.5 - (u[0] * (s[0] + b[0]) + u[1] * (s[1] + b[1]) + u[2] * (s[2] + b[2])) / 2;
  const view = rgbaMix(rgba, u, width, height);
  for (let i = 0; i < view.data.length; i++) view.data[i] = min(1, max(0, view.data[i] + offset));
  return view;
}

/** A sheet of paper found in an image: its box in pixels, and which pixels of the box are paper. */
export interface Sheet {
  box: PixelBox;
  /** The paper's gray level (0..1), its pixels' median: what the surroundings inside the box are filled with. */
  paper: number;
  /** Per cell of the grid (`cellSize` pixels square, `cols` x `rows`), 1 where the sheet is. */
  cells: Uint8Array;
  cellSize: number;
  cols: number;
  rows: number;
}

/** Options of `findSheet`. */
export interface SheetOptions {
  /**
   * The same photo in colour (any size; it is resampled to the gray image's): when the gray image
   * shows no sheet, one that differs from its surroundings more in colour than in light is looked
   * for in its colours (see the module comment).
   */
  rgba?: RgbaImage;
}

/**
 * The sheet of paper in `gray` when darker surroundings without writing show around it (see the
 * module comment); null when the paper fills the image, or when what is darker may be paper.
 */
export function findSheet(gray: GrayImage, opts: SheetOptions = {}): Sheet | null {
  const img = toFloat(gray);
  const found = sheetIn(img, img);
  if (found || !opts.rgba) return found;
  const view = colourView(opts.rgba, img.width, img.height);
  return view ? sheetIn(view, img, COLOUR_THRESHOLD) : null;
}

/**
 * The sheet in `view` (the gray image itself, or a colour view of it), under every check of the
 * module comment; `gray` gives the paper's level, and its strokes count as well as the view's.
 * `threshold` splits the cells instead of Otsu's.
 */
function sheetIn(view: FloatImage, gray: FloatImage, threshold?: number): Sheet | null {
  const { width: W, height: H, data } = view;
  const cellSize = max(1, ceil(max(W, H) / CELLS));
  const cols = ceil(W / cellSize);
  const rows = ceil(H / cellSize);
  if (cols < 8 || rows < 8) return null;
  // Each cell's brightest pixel, then dark structure up to a few cells wide filled.
  const bright = new Float32Array(cols * rows);
  for (let y = 0; y < H; y++) {
    const r = floor(y / cellSize) * cols;
    for (let x = 0; x < W; x++) {
      const k = r + floor(x / cellSize);
      const v = data[y * W + x];
      if (v > bright[k]) bright[k] = v;
    }
  }
  const level = closing(bright, cols, rows, CLOSE_CELLS);
  const t = threshold ?? otsuThreshold({ width: cols, height: rows, data: level });
  // Surroundings: dark cells 4-connected to the border (2 marks them).
  const mark = new Uint8Array(cols * rows);
  for (let k = 0; k < mark.length; k++) mark[k] = level[k] > t ? 1 : 0;
  const takeDark = (k: number): boolean => {
    if (mark[k] !== 0) return false;
    mark[k] = 2;
    return true;
  };
  let surroundings = 0;
  for (let x = 0; x < cols; x++) surroundings += region4(x, cols, rows, takeDark).length + region4((rows - 1) * cols + x, cols, rows, takeDark).length;
  for (let y = 0; y < rows; y++) surroundings += region4(y * cols, cols, rows, takeDark).length + region4(y * cols + cols - 1, cols, rows, takeDark).length;
  if (surroundings < MIN_SURROUNDINGS * cols * rows) return null;
  // The sheet: the largest 4-connected region of bright cells.
  let best: number[] = [];
  const seen = new Uint8Array(cols * rows);
  const takeBright = (k: number): boolean => {
    if (mark[k] !== 1 || seen[k]) return false;
    seen[k] = 1;
    return true;
  };
  for (let start = 0; start < mark.length; start++) {
    const region = region4(start, cols, rows, takeBright);
    if (region.length > best.length) best = region;
  }
  if (best.length < MIN_SHEET * cols * rows) return null;
  const cells = new Uint8Array(cols * rows);
  for (const k of best) cells[k] = 1;
  const around = mark.map((m) => (m === 2 ? 1 : 0));
  // The pixels' own medians, not the cells' brightest: on a chalkboard the "bright" region is the
  // writing's, and most of its pixels are the dark board.
  const { sheetMedian, aroundMedian } = pixelMedians(view, cells, around, cellSize, cols);
  const contrast = sheetMedian - aroundMedian;
  if (contrast < MIN_CONTRAST) return null;
  // Paper is most of a sheet's pixels, so they sit near the cells' closed level; light writing on
  // a dark board makes a "bright" region whose pixels are mostly board.
  const closedLevels = best.map((k) => level[k]).sort((a, b) => a - b);
  if (sheetMedian < closedLevels[closedLevels.length >> 1] - MAX_PAPER_GAP) return null;
  // A sheet's edge is a step; a vignette or a gradient of light darkens the paper gradually.
  if (edgeStep(level, cells, around, cols, rows) < MIN_EDGE_STEP * contrast) return null;
  // Writing may hardly show in a colour view (ink of the paper's own hue; ink in a deep shade, which
  // the view clips where it is darker than the shade): the gray image must show none around the
  // sheet either.
  for (const image of view === gray ? [view] : [view, gray]) {
    if (!cleanSurroundings(image, cells, around, cellSize, cols)) return null;
  }
  const paper = view === gray ? sheetMedian : pixelMedians(gray, cells, around, cellSize, cols).sheetMedian;
  // Dark cells the sheet encloses are writing the closing did not fill (a thick marker, a blurred
  // word at a card's dim end): the cut keeps them rather than painting them over with paper.
  const takeHole = (k: number): boolean => {
    if (mark[k] !== 0) return false;
    mark[k] = 3;
    return true;
  };
  for (const k of best) {
    const x = k % cols;
    for (const n of [x > 0 ? k - 1 : -1, x < cols - 1 ? k + 1 : -1, k - cols, k + cols]) {
      if (n >= 0 && n < mark.length) for (const h of region4(n, cols, rows, takeHole)) cells[h] = 1;
    }
  }
  // The sheet's box, one cell in from its edge cells (they hold some of the surroundings).
  let [c0, r0, c1, r1] = [cols, rows, -1, -1];
  for (const k of best) {
    const x = k % cols;
    const y = (k - x) / cols;
    c0 = min(c0, x); c1 = max(c1, x); r0 = min(r0, y); r1 = max(r1, y);
  }
  const inset = (edge: number, limit: number) => (edge > 0 && edge < limit ? 1 : 0);
  const x0 = (c0 + inset(c0, cols)) * cellSize;
  const y0 = (r0 + inset(r0, rows)) * cellSize;
  const x1 = min(W, (c1 + 1 - inset(cols - 1 - c1, cols)) * cellSize);
  const y1 = min(H, (r1 + 1 - inset(rows - 1 - r1, rows)) * cellSize);
  if (x1 - x0 < 8 || y1 - y0 < 8) return null;
  return { box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, paper, cells, cellSize, cols, rows };
}

/** The sheet cut out of `gray` (0..1): its box, with what is not paper inside the box (a corner of desk) filled with the paper's level. */
export function sheetImage(gray: GrayImage, sheet: Sheet): FloatImage {
  const img = toFloat(gray);
  const { box, cells, cellSize, cols, paper } = sheet;
  const out = new Float32Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const sy = box.y + y;
    const r = floor(sy / cellSize) * cols;
    for (let x = 0; x < box.width; x++) {
      const sx = box.x + x;
      out[y * box.width + x] = cells[r + floor(sx / cellSize)] ? img.data[sy * img.width + sx] : paper;
    }
  }
  return { width: box.width, height: box.height, data: out };
}
