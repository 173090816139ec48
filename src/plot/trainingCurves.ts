/** Loss and accuracy per epoch, train vs validation, as two side-by-side panels. */
import { createFigure, Figure } from './figure';
import { COLORS, el, formatTick, niceTicks, round, svgDocument, text } from './svg';

/** One epoch of training history, as the training loop reports it (its EpochLogs fit); null = no validation. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  acc: number;
  valLoss?: number | null;
  valAcc?: number | null;
}

export interface TrainingCurvesOptions {
  /** Title above both panels. */
  title?: string;
  /** Size of the whole figure in pixels (default 820x340). */
  width?: number;
  height?: number;
}

interface Series {
  name: string;
  color: string;
  dashed: boolean;
  points: [number, number][];
}

const PANEL_MARGIN = { left: 58, right: 14, top: 30, bottom: 42 };

function panel(
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  yLabel: string,
  series: Series[],
  clamp?: [number, number],
): string[] {
  const out: string[] = [];
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  let xTicks = niceTicks(xMin, xMax, 6);
  if (xs.every(Number.isInteger)) xTicks = xTicks.filter(Number.isInteger);
  xTicks = xTicks.filter((t) => t >= xMin && t <= xMax);
  // A little room on both sides so the first and last markers are not cut by the frame.
  const xPad = (xMax - xMin) * 0.03;
  xMin -= xPad;
  xMax += xPad;
  let yTicks = niceTicks(Math.min(...ys), Math.max(...ys), 5);
  if (clamp) {
    const kept = yTicks.filter((t) => t >= clamp[0] && t <= clamp[1]);
    if (kept.length >= 2) yTicks = kept;
  }
  const yMin = Math.min(yTicks[0], ...ys);
  const yMax = Math.max(yTicks[yTicks.length - 1], ...ys);

  const left = x0 + PANEL_MARGIN.left;
  const top = y0 + PANEL_MARGIN.top;
  const pw = w - PANEL_MARGIN.left - PANEL_MARGIN.right;
  const ph = h - PANEL_MARGIN.top - PANEL_MARGIN.bottom;
  const sx = (v: number) => left + ((v - xMin) / (xMax - xMin)) * pw;
  const sy = (v: number) => top + ph - ((v - yMin) / (yMax - yMin || 1)) * ph;

  out.push(text(left + pw / 2, y0 + 18, title, { 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold' }));
  for (const t of yTicks) {
    out.push(el('line', { x1: left, x2: left + pw, y1: round(sy(t)), y2: round(sy(t)), stroke: COLORS.grid }));
    out.push(text(left - 6, sy(t) + 4, formatTick(t), { 'text-anchor': 'end', 'font-size': 11, fill: COLORS.muted }));
  }
  for (const t of xTicks) {
    out.push(el('line', { x1: round(sx(t)), x2: round(sx(t)), y1: top + ph, y2: top + ph + 4, stroke: COLORS.axis }));
    out.push(text(sx(t), top + ph + 17, formatTick(t), { 'text-anchor': 'middle', 'font-size': 11, fill: COLORS.muted }));
  }
  out.push(el('rect', { x: left, y: top, width: pw, height: ph, fill: 'none', stroke: COLORS.axis }));
  out.push(text(left + pw / 2, y0 + h - 6, 'epoch', { 'text-anchor': 'middle', 'font-size': 12 }));
  out.push(
    text(x0 + 14, top + ph / 2, yLabel, { 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 ${x0 + 14} ${round(top + ph / 2)})` }),
  );

  for (const s of series) {
    if (s.points.length === 0) continue;
    const pts = s.points.map(([x, y]) => `${round(sx(x))},${round(sy(y))}`).join(' ');
    out.push(
      el('polyline', {
        points: pts,
        fill: 'none',
        stroke: s.color,
        'stroke-width': 2,
        'stroke-dasharray': s.dashed ? '6 4' : undefined,
        class: `series series-${s.name}`,
      }),
    );
    if (s.points.length <= 40) {
      for (const [x, y] of s.points) out.push(el('circle', { cx: round(sx(x)), cy: round(sy(y)), r: 3, fill: s.color }));
    }
  }
  return out;
}

/** One shared legend line centred at (cx, y), below both panels so it never covers data. */
function legend(cx: number, y: number, entries: { name: string; color: string; dashed: boolean }[]): string[] {
  const itemW = 110;
  const x0 = cx - (entries.length * itemW) / 2;
  return entries.flatMap((e, i) => {
    const x = x0 + i * itemW;
    return [
      el('line', { x1: x, x2: x + 24, y1: y - 4, y2: y - 4, stroke: e.color, 'stroke-width': 2, 'stroke-dasharray': e.dashed ? '6 4' : undefined }),
      text(x + 30, y, e.name, { 'font-size': 12, class: 'legend' }),
    ];
  });
}

function seriesOf(history: EpochRecord[], key: keyof EpochRecord, name: string, color: string, dashed: boolean): Series {
  const points = history
    .filter((r) => typeof r[key] === 'number' && Number.isFinite(r[key] as number))
    .map((r) => [r.epoch, r[key] as number] as [number, number]);
  return { name, color, dashed, points };
}

/** Plots loss and accuracy per epoch for training and (when present) validation data. */
export function trainingCurves(history: EpochRecord[], opts: TrainingCurvesOptions = {}): Figure {
  if (history.length === 0) throw new Error('trainingCurves: history is empty; train for at least one epoch first');
  const width = opts.width ?? 820;
  const height = opts.height ?? 340;
  const header = opts.title ? 28 : 0;
  const panelW = width / 2;
  const legendH = 22;
  const panelH = height - header - legendH;
  const body: string[] = [];
  if (opts.title) {
    body.push(text(width / 2, 20, opts.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  }
  body.push(
    ...panel(0, header, panelW, panelH, 'Loss', 'loss', [
      seriesOf(history, 'loss', 'train', COLORS.train, false),
      seriesOf(history, 'valLoss', 'validation', COLORS.validation, true),
    ], [0, Infinity]),
    ...panel(panelW, header, panelW, panelH, 'Accuracy', 'accuracy', [
      seriesOf(history, 'acc', 'train', COLORS.train, false),
      seriesOf(history, 'valAcc', 'validation', COLORS.validation, true),
    ], [0, 1]),
  );
  body.push(...legend(width / 2, height - 8, [
    { name: 'train', color: COLORS.train, dashed: false },
    ...(history.some((r) => typeof r.valLoss === 'number' || typeof r.valAcc === 'number')
      ? [{ name: 'validation', color: COLORS.validation, dashed: true }]
      : []),
  ]));
  return createFigure(svgDocument(width, height, body), width, height);
}
