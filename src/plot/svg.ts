/** Small helpers for writing SVG by hand: escaping, elements, axis ticks and number formats. */

/** The font stack every chart uses; 'DejaVu Sans' is bundled for PNG rendering (see figure.ts). */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif";

/** Colours shared by the charts (train vs validation, neutral greys). */
export const COLORS = {
  train: '#1f77b4',
  validation: '#ff7f0e',
  bar: '#4c72b0',
  axis: '#333333',
  grid: '#e5e5e5',
  text: '#222222',
  muted: '#666666',
  highlight: '#e6194b',
};

/** Escapes text for use inside SVG element content or attribute values. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

type Attrs = Record<string, string | number | undefined>;

function attrString(attrs: Attrs): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

/** One self-closing element, e.g. el('rect', { x: 0, y: 0, width: 10, height: 10 }). */
export function el(name: string, attrs: Attrs): string {
  return `<${name}${attrString(attrs)}/>`;
}

/** A text element; the content is escaped. */
export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return `<text${attrString({ x: round(x), y: round(y), ...attrs })}>${escapeXml(content)}</text>`;
}

/** Wraps chart content into a standalone SVG document with a white background. */
export function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
      ` font-family="${escapeXml(FONT_FAMILY)}" font-size="12" fill="${COLORS.text}">`,
    el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    ...body,
    '</svg>',
  ].join('\n');
}

/** Rounds to 2 decimals so the SVG stays short and diff-able. */
export function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Evenly spaced 'nice' tick values (1, 2, 5 x 10^k steps) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    // A flat series still needs an axis: widen around the value.
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toFixed(10)));
  return ticks;
}

/** Formats a tick value without floating-point noise (0.30000000000000004 -> '0.3'). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 10000) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** Formats a count compactly for bar labels (12345 -> '12.3k'). */
export function formatCount(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}
