/** A vertical bar chart, e.g. samples per class. */
import { createFigure, Figure } from './figure';
import { COLORS, el, formatCount, formatTick, niceTicks, round, svgDocument, text } from './svg';

export interface BarChartOptions {
  title?: string;
  /** Label of the value axis (default 'count'). */
  yLabel?: string;
  /** Label of the category axis (default none). */
  xLabel?: string;
  /** Figure width in pixels (default: wide enough for the bars, at least 480). */
  width?: number;
  /** Figure height in pixels (default 320). */
  height?: number;
  /** Print each value above its bar (default: when there are at most 20 bars). */
  showValues?: boolean;
  /** Bar colour (default a muted blue). */
  color?: string;
}

/** Draws one bar per label; values must be finite and non-negative. */
export function barChart(values: number[], labels: string[], opts: BarChartOptions = {}): Figure {
  if (values.length === 0) throw new Error('barChart: no values given');
  if (values.length !== labels.length) {
    throw new Error(`barChart: ${values.length} values but ${labels.length} labels; pass one label per value`);
  }
  const bad = values.findIndex((v) => !Number.isFinite(v) || v < 0);
  if (bad >= 0) throw new Error(`barChart: value ${values[bad]} for '${labels[bad]}' is not a finite number >= 0`);
  const n = values.length;
  const margin = { left: 62, right: 14, top: opts.title ? 40 : 16, bottom: opts.xLabel ? 50 : 34 };
  const width = opts.width ?? Math.max(480, margin.left + margin.right + n * 18);
  const height = opts.height ?? 320;
  const showValues = opts.showValues ?? n <= 20;
  const pw = width - margin.left - margin.right;
  const ph = height - margin.top - margin.bottom;
  const ticks = niceTicks(0, Math.max(...values), 5);
  const yMax = ticks[ticks.length - 1] || 1;
  const slot = pw / n;
  const barW = Math.max(1, slot * 0.75);
  const labelFont = Math.max(8, Math.min(12, Math.round(slot * 0.8)));
  const sy = (v: number) => margin.top + ph - (v / yMax) * ph;

  const body: string[] = [];
  if (opts.title) body.push(text(width / 2, 22, opts.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  for (const t of ticks) {
    body.push(el('line', { x1: margin.left, x2: margin.left + pw, y1: round(sy(t)), y2: round(sy(t)), stroke: COLORS.grid }));
    body.push(text(margin.left - 6, sy(t) + 4, formatTick(t), { 'text-anchor': 'end', 'font-size': 11, fill: COLORS.muted }));
  }
  values.forEach((v, i) => {
    const x = margin.left + i * slot + (slot - barW) / 2;
    body.push(el('rect', { x: round(x), y: round(sy(v)), width: round(barW), height: round(margin.top + ph - sy(v)), fill: opts.color ?? COLORS.bar, class: 'bar' }));
    body.push(text(x + barW / 2, margin.top + ph + 8 + labelFont, labels[i], { 'text-anchor': 'middle', 'font-size': labelFont, class: 'bar-label' }));
    if (showValues) {
      body.push(text(x + barW / 2, sy(v) - 4, formatCount(v), { 'text-anchor': 'middle', 'font-size': 10, fill: COLORS.muted }));
    }
  });
  body.push(el('line', { x1: margin.left, x2: margin.left + pw, y1: margin.top + ph, y2: margin.top + ph, stroke: COLORS.axis }));
  const yLabel = opts.yLabel ?? 'count';
  const cy = round(margin.top + ph / 2);
  body.push(text(16, cy, yLabel, { 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 16 ${cy})` }));
  if (opts.xLabel) body.push(text(margin.left + pw / 2, height - 8, opts.xLabel, { 'text-anchor': 'middle', 'font-size': 12 }));
  return createFigure(svgDocument(width, height, body), width, height);
}
