/** A sample sheet of synthetic lines: each line image with its text, grouped by where it came from. */
import { Figure, imageGrid } from '../plot/index';
import { LineBatch } from './lines';

/** Lines to show under one heading, e.g. { title: 'test words', batch: testGen.batch(0, 4) }. */
export interface LineSampleSection {
  title: string;
  batch: LineBatch;
}

/** Options of `lineSampleSheet`. */
export interface LineSampleSheetOptions {
  title?: string;
  /** Screen pixels per image pixel; default 2. */
  scale?: number;
}

/** One figure with every line of every section (white ink on black, as generated) and its text underneath. */
export function lineSampleSheet(sections: LineSampleSection[], opts: LineSampleSheetOptions = {}): Figure {
  const images: number[][][] = [];
  const titles: string[] = [];
  const labels: string[] = [];
  for (const { title, batch } of sections) {
    for (let i = 0; i < batch.size; i++) {
      const rows: number[][] = [];
      for (let y = 0; y < batch.height; y++) {
        const start = (i * batch.height + y) * batch.width;
        rows.push(Array.from(batch.images.subarray(start, start + batch.width)));
      }
      images.push(rows);
      titles.push(`${title} · line ${batch.first + i} · ${batch.width}x${batch.height}, ink ${batch.widths[i]} px`);
      labels.push(`"${batch.texts[i]}"`);
    }
  }
  if (images.length === 0) throw new Error('lineSampleSheet: no lines given; pass sections with at least one line');
  return imageGrid(images, { cols: 1, scale: opts.scale ?? 2, titles, labels, title: opts.title });
}
