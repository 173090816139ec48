/**
 * A tiny character set whose glyphs a small crnn can tell apart in a few steps (bars, boxes, a
 * diagonal), for the line-task and crnn tests: no EMNIST needed.
 */
import { Dataset } from '../src/data/dataset';
import { createLineGenerator, LineGenerator, LineGeneratorOptions } from '../src/synth/lines';

/** Class characters of the fixture, in label order. */
export const GLYPH_CLASSES = ['A', 'B', 'C', 'D', 'E', 'F'];

// Each shape fills part of a 12 x 20 box (x, y relative to the box).
const SHAPES: Array<(x: number, y: number) => boolean> = [
  (x) => x < 3, // one bar
  (x) => x < 3 || x >= 9, // two bars
  (_x, y) => y < 3 || y >= 17, // top and bottom
  (x, y) => x < 2 || x >= 10 || y < 2 || y >= 18, // a box
  (x, y) => Math.abs(x - 0.55 * y) < 2, // a diagonal
  (_x, y) => y >= 8 && y < 12, // a middle bar
];

/** `perClass` images of each class, 28 x 28, each variant shifted a little; 'train' or 'test' part. */
export function glyphDataset(split: 'train' | 'test', perClass = 8): Dataset {
  const classes = GLYPH_CLASSES;
  const count = classes.length * perClass;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % classes.length;
    const v = Math.floor(i / classes.length);
    labels[i] = k;
    const x0 = 6 + (v % 4) + (split === 'test' ? 1 : 0);
    const y0 = 3 + (v % 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 12; x++) if (SHAPES[k](x, y)) images[i * 784 + (y0 + y) * 28 + x0 + x] = 180 + 9 * v;
  }
  return { name: 'glyphs', split, images, labels, count, height: 28, width: 28, classes };
}

/** Random-string lines of the fixture glyphs (1-2 words, at most 8 characters). */
export function glyphLines(split: 'train' | 'val' | 'test', over: Partial<LineGeneratorOptions> = {}): LineGenerator {
  return createLineGenerator({
    chars: glyphDataset(split === 'test' ? 'test' : 'train'), split, mode: 'random', seed: 3,
    minWords: 1, maxWords: 2, maxChars: 8, valImageEvery: 5, ...over,
  });
}
