/**
 * Pictures of a line model at work: what CTC sees (the line image above the model's per-frame class
 * probabilities, with the best path and its collapse to text), and training curves with the
 * validation CER.
 */
import { Figure, createFigure } from '../plot/figure';
import { encodeGrayPng } from '../plot/png';
import { COLORS, el, formatTick, niceTicks, round, svgDocument, text } from '../plot/svg';

/** Input of `ctcAlignmentFigure`. */
export interface CtcAlignmentInput {
  /** The line as the model saw it: uint8 [height, width], white ink on black. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Per-frame class probabilities [T * C] (softmax of the logits), blank = C - 1. */
  probs: ArrayLike<number>;
  T: number;
  C: number;
  /** Class index -> character (C - 1 entries; the blank is drawn as '·'). */
  charset: readonly string[];
  /** Width pixels per frame. */
  downsample: number;
  /** What the line says, and what the model read (shown in the title). */
  target?: string;
  decoded?: string;
  title?: string;
  /** Screen pixels per image pixel (default 3). */
  scale?: number;
  /** Rows of the heat map: the blank plus the characters that reach at least this probability somewhere (default 0.05). */
  minProb?: number;
}

/**
 * The line image with, under it, one row per class that matters (the blank first) and one column
 * per frame, shaded by probability, aligned with the pixels the frame covers; under that, the
 * arg-max class of each frame (the best path) — repeats merge and blanks drop to give the text.
 */
export function ctcAlignmentFigure(input: CtcAlignmentInput): Figure {
  const { pixels, width, height, probs, T, C, charset, downsample, minProb = 0.05 } = input;
  const scale = input.scale ?? 3;
  const blank = C - 1;
  const peak = new Float64Array(C);
  for (let t = 0; t < T; t++) for (let k = 0; k < C; k++) peak[k] = Math.max(peak[k], probs[t * C + k]);
  const rows = [blank, ...Array.from({ length: C - 1 }, (_, k) => k).filter((k) => peak[k] >= minProb).sort((a, b) => charset[a].localeCompare(charset[b]))];
  const label = (k: number) => (k === blank ? 'blank' : charset[k] === ' ' ? 'space' : charset[k]);
  const margin = 10;
  const left = 68;
  const header = 40;
  const imgW = width * scale;
  const imgH = height * scale;
  const cellW = downsample * scale;
  const cellH = 14;
  const mapTop = margin + header + imgH + 8;
  const pathTop = mapTop + rows.length * cellH + 6;
  const figW = Math.ceil(left + Math.max(imgW, T * cellW) + margin);
  const figH = Math.ceil(pathTop + 40 + margin);
  const body: string[] = [];
  body.push(text(figW / 2, margin + 14, input.title ?? 'What CTC sees: per-frame class probabilities', { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  if (input.target !== undefined || input.decoded !== undefined) {
    const caption = [input.target !== undefined ? `text "${input.target}"` : '', input.decoded !== undefined ? `read "${input.decoded}"` : ''].filter(Boolean).join('   ');
    body.push(text(figW / 2, margin + 32, caption, { 'text-anchor': 'middle', 'font-size': 12, fill: COLORS.muted }));
  }
  const href = `data:image/png;base64,${encodeGrayPng(pixels, width, height).toString('base64')}`;
  body.push(el('image', { x: left, y: margin + header, width: imgW, height: imgH, href, preserveAspectRatio: 'none', style: 'image-rendering:pixelated' }));
  rows.forEach((k, r) => {
    const y = mapTop + r * cellH;
    body.push(text(left - 6, y + cellH - 3, label(k), { 'text-anchor': 'end', 'font-size': 11, fill: k === blank ? COLORS.muted : COLORS.text }));
    for (let t = 0; t < T; t++) {
      const p = probs[t * C + k];
      if (p < 0.01) continue;
      body.push(el('rect', { x: round(left + t * cellW), y, width: round(cellW), height: cellH - 1, fill: k === blank ? '#7f7f7f' : COLORS.train, 'fill-opacity': round(p) }));
    }
  });
  body.push(el('rect', { x: left, y: mapTop, width: round(T * cellW), height: rows.length * cellH, fill: 'none', stroke: COLORS.grid }));
  // The best path: one character per frame, the blank as a dot.
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let k = 1; k < C; k++) if (probs[t * C + k] > probs[t * C + best]) best = k;
    const ch = best === blank ? '·' : charset[best] === ' ' ? '␣' : charset[best];
    body.push(text(left + (t + 0.5) * cellW, pathTop + 12, ch, { 'text-anchor': 'middle', 'font-size': 11, fill: best === blank ? COLORS.muted : COLORS.highlight }));
  }
  body.push(text(left - 6, pathTop + 12, 'best path', { 'text-anchor': 'end', 'font-size': 11, fill: COLORS.muted }));
  body.push(text(left, pathTop + 32, 'merge repeats, drop blanks: the text. Each column is one frame = ' + `${downsample} pixels of the line.`, { 'font-size': 11, fill: COLORS.muted }));
  return createFigure(svgDocument(figW, figH, body), figW, figH);
}

/** One epoch of a line model's training history (the loop's EpochLogs fit). */
export interface LineEpochRecord {
  epoch: number;
  loss: number;
  valLoss?: number | null;
  valCer?: number | null;
}

/** A line chart panel of several series against epochs. */
function panel(x0: number, y0: number, w: number, h: number, title: string, yLabel: string, series: Array<{ color: string; dashed: boolean; points: [number, number][] }>, percent: boolean): string[] {
  const out: string[] = [];
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return out;
  const xs = pts.map((p) => p[0]);
  let xMin = Math.min(...xs) - 0.2;
  let xMax = Math.max(...xs) + 0.2;
  if (xMax - xMin < 1) [xMin, xMax] = [xMin - 0.5, xMax + 0.5];
  const yTicks = niceTicks(0, Math.max(...pts.map((p) => p[1])), 5);
  const yMax = yTicks[yTicks.length - 1];
  const m = { left: 58, right: 14, top: 30, bottom: 36 };
  const left = x0 + m.left;
  const top = y0 + m.top;
  const pw = w - m.left - m.right;
  const ph = h - m.top - m.bottom;
  const sx = (v: number) => left + ((v - xMin) / (xMax - xMin)) * pw;
  const sy = (v: number) => top + ph - (v / (yMax || 1)) * ph;
  out.push(text(left + pw / 2, y0 + 18, title, { 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold' }));
  for (const t of yTicks) {
    out.push(el('line', { x1: left, x2: left + pw, y1: round(sy(t)), y2: round(sy(t)), stroke: COLORS.grid }));
    out.push(text(left - 6, sy(t) + 4, percent ? `${formatTick(100 * t)}%` : formatTick(t), { 'text-anchor': 'end', 'font-size': 11, fill: COLORS.muted }));
  }
  for (const e of Array.from(new Set(xs))) out.push(text(sx(e), top + ph + 16, String(e), { 'text-anchor': 'middle', 'font-size': 11, fill: COLORS.muted }));
  out.push(el('rect', { x: left, y: top, width: pw, height: ph, fill: 'none', stroke: COLORS.axis }));
  out.push(text(left + pw / 2, y0 + h - 4, 'epoch', { 'text-anchor': 'middle', 'font-size': 12 }));
  out.push(text(x0 + 14, top + ph / 2, yLabel, { 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 ${x0 + 14} ${round(top + ph / 2)})` }));
  for (const s of series) {
    if (s.points.length === 0) continue;
    out.push(el('polyline', { points: s.points.map(([x, y]) => `${round(sx(x))},${round(sy(y))}`).join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dashed ? '6 4' : undefined }));
    for (const [x, y] of s.points) out.push(el('circle', { cx: round(sx(x)), cy: round(sy(y)), r: 3, fill: s.color }));
  }
  return out;
}

/** CTC loss (train, validation) and validation CER per epoch, side by side. */
export function lineTrainingCurves(history: readonly LineEpochRecord[], opts: { title?: string; width?: number; height?: number } = {}): Figure {
  if (history.length === 0) throw new Error('lineTrainingCurves: history is empty; train for at least one epoch first');
  const width = opts.width ?? 820;
  const height = opts.height ?? 320;
  const header = opts.title ? 28 : 0;
  const points = (key: keyof LineEpochRecord): [number, number][] => history
    .filter((r) => typeof r[key] === 'number' && Number.isFinite(r[key] as number))
    .map((r) => [r.epoch, r[key] as number]);
  const body: string[] = [];
  if (opts.title) body.push(text(width / 2, 20, opts.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  const panelH = height - header - 20;
  body.push(...panel(0, header, width / 2, panelH, 'CTC loss per line', 'loss', [
    { color: COLORS.train, dashed: false, points: points('loss') },
    { color: COLORS.validation, dashed: true, points: points('valLoss') },
  ], false));
  body.push(...panel(width / 2, header, width / 2, panelH, 'Validation CER (greedy)', 'CER', [
    { color: COLORS.validation, dashed: true, points: points('valCer') },
  ], true));
  const y = height - 8;
  body.push(el('line', { x1: width / 2 - 110, x2: width / 2 - 86, y1: y - 4, y2: y - 4, stroke: COLORS.train, 'stroke-width': 2 }));
  body.push(text(width / 2 - 80, y, 'train', { 'font-size': 12 }));
  body.push(el('line', { x1: width / 2 + 10, x2: width / 2 + 34, y1: y - 4, y2: y - 4, stroke: COLORS.validation, 'stroke-width': 2, 'stroke-dasharray': '6 4' }));
  body.push(text(width / 2 + 40, y, 'validation', { 'font-size': 12 }));
  return createFigure(svgDocument(width, height, body), width, height);
}

/**
 * The edits that turn `target` into `read`, as two aligned strings and a marker line: '^' under a
 * substituted character, '+' for an inserted one, '-' for a dropped one (Levenshtein alignment).
 */
export function markErrors(target: string, read: string): { target: string; read: string; marks: string } {
  const a = Array.from(target);
  const b = Array.from(read);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  let i = a.length;
  let j = b.length;
  const top: string[] = [];
  const bottom: string[] = [];
  const marks: string[] = [];
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i][j] === d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)) {
      top.push(a[i - 1]); bottom.push(b[j - 1]); marks.push(a[i - 1] === b[j - 1] ? ' ' : '^'); i--; j--;
    } else if (i > 0 && d[i][j] === d[i - 1][j] + 1) {
      top.push(a[i - 1]); bottom.push(' '); marks.push('-'); i--;
    } else {
      top.push(' '); bottom.push(b[j - 1]); marks.push('+'); j--;
    }
  }
  return { target: top.reverse().join(''), read: bottom.reverse().join(''), marks: marks.reverse().join('') };
}
