/** A confusion-matrix heatmap that stays readable from 10 up to ~60 classes. */
import { createFigure, Figure } from './figure';
import { COLORS, el, round, svgDocument, text } from './svg';

export interface ConfusionHeatmapOptions {
  /** Title above the matrix (default 'Confusion matrix'). */
  title?: string;
  /** Pixels per cell (default: 40 for 10 classes, shrinking to 14 for 47). */
  cellSize?: number;
  /** Print counts inside cells (default: when cells are at least 26 px). */
  showValues?: boolean;
  /** Add a column with each true class's accuracy (recall); default true. */
  showRecall?: boolean;
}

type Rgb = [number, number, number];
const WHITE: Rgb = [255, 255, 255];
const BLUE: Rgb = [8, 81, 156];
const RED: Rgb = [203, 24, 29];

function mix(a: Rgb, b: Rgb, t: number): string {
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.max(0, Math.min(1, t))));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Draws `matrix[trueClass][predictedClass]` counts. Colours are per true-class row shares: the
 * diagonal (correct) in blue, confusions in red on their own scale (relative to the largest
 * confusion), so that rare mistakes are visible next to a ~99% diagonal.
 */
export function confusionHeatmap(matrix: number[][], classes: string[], opts: ConfusionHeatmapOptions = {}): Figure {
  const n = classes.length;
  if (n === 0) throw new Error('confusionHeatmap: no classes given');
  if (matrix.length !== n || matrix.some((row) => row.length !== n)) {
    throw new Error(`confusionHeatmap: matrix must be ${n}x${n} to match ${n} classes`);
  }
  const cell = opts.cellSize ?? Math.max(12, Math.min(40, Math.floor(660 / n)));
  const showValues = opts.showValues ?? cell >= 26;
  const showRecall = opts.showRecall ?? true;
  const labelFont = Math.max(8, Math.min(13, Math.round(cell * 0.7)));
  const rowTotals = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const share = (r: number, c: number) => (rowTotals[r] > 0 ? matrix[r][c] / rowTotals[r] : 0);
  let maxOff = 0;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (r !== c) maxOff = Math.max(maxOff, share(r, c));

  const left = 58;
  const top = 84;
  const gridSize = n * cell;
  const recallW = showRecall ? 52 : 0;
  const width = left + gridSize + recallW + 16;
  const height = top + gridSize + 16;
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const correct = matrix.reduce((a, row, i) => a + row[i], 0);

  const body: string[] = [];
  body.push(text(width / 2, 20, opts.title ?? 'Confusion matrix', { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  body.push(
    text(width / 2, 38, `${total} samples, accuracy ${total ? ((100 * correct) / total).toFixed(2) : '0'}%; blue: correct share, red: confusions`, {
      'text-anchor': 'middle',
      'font-size': 11,
      fill: COLORS.muted,
    }),
  );
  body.push(text(left + gridSize / 2, top - 28, 'predicted', { 'text-anchor': 'middle', 'font-size': 12 }));
  body.push(text(16, top + gridSize / 2, 'true', { 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 16 ${round(top + gridSize / 2)})` }));

  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const s = share(r, c);
      const t = r === c ? s : maxOff > 0 ? Math.sqrt(s / maxOff) : 0;
      const fill = matrix[r][c] === 0 ? '#ffffff' : mix(WHITE, r === c ? BLUE : RED, t);
      const x = left + c * cell;
      const y = top + r * cell;
      body.push(el('rect', { x, y, width: cell, height: cell, fill, stroke: '#eeeeee', 'stroke-width': 0.5, class: 'cell' }));
      if (showValues && matrix[r][c] > 0) {
        body.push(
          text(x + cell / 2, y + cell / 2 + 4, String(matrix[r][c]), {
            'text-anchor': 'middle',
            'font-size': Math.min(11, cell * 0.35),
            fill: t > 0.55 ? '#ffffff' : COLORS.text,
          }),
        );
      }
    }
  }
  body.push(el('rect', { x: left, y: top, width: gridSize, height: gridSize, fill: 'none', stroke: COLORS.axis }));
  classes.forEach((name, i) => {
    body.push(text(left + i * cell + cell / 2, top - 6, name, { 'text-anchor': 'middle', 'font-size': labelFont, class: 'col-label' }));
    body.push(text(left - 6, top + i * cell + cell / 2 + labelFont * 0.35, name, { 'text-anchor': 'end', 'font-size': labelFont, class: 'row-label' }));
    if (showRecall) {
      const recall = rowTotals[i] ? (100 * matrix[i][i]) / rowTotals[i] : NaN;
      body.push(
        text(left + gridSize + 6, top + i * cell + cell / 2 + labelFont * 0.35, Number.isNaN(recall) ? '-' : `${recall.toFixed(1)}%`, {
          'font-size': Math.min(labelFont, 11),
          fill: COLORS.muted,
        }),
      );
    }
  });
  if (showRecall) body.push(text(left + gridSize + 6, top - 6, 'recall', { 'font-size': 10, fill: COLORS.muted }));
  return createFigure(svgDocument(width, height, body), width, height);
}
