/**
 * Synthetic pages (src/synth/page.ts): deterministic, their text the lines joined top to bottom,
 * no line shared between pages, clear errors for bad options, and page layout finds every line of a
 * clean page.
 */
import { rgbaToGray } from '../src/image/rgba';
import { findTextLines } from '../src/image/page';
import { createHandwritingGenerator } from '../src/synth/handwriting';
import { MAX_PAGE_LINES, syntheticPage } from '../src/synth/page';

const gen = createHandwritingGenerator({ split: 'test', seed: 3 });

describe('syntheticPage', () => {
  test('the same page twice is the same photo; its text is its lines, top to bottom', () => {
    const a = syntheticPage(gen, 2);
    const b = syntheticPage(gen, 2);
    expect(Buffer.from(a.photo.image.data).equals(Buffer.from(b.photo.image.data))).toBe(true);
    expect(a.lines.length).toBeGreaterThanOrEqual(2);
    expect(a.lines.length).toBeLessThanOrEqual(6);
    expect(a.text).toBe(a.lines.join('\n'));
    // The generator's lines n * MAX_PAGE_LINES on, in order.
    expect(a.lines).toEqual(a.lines.map((_, i) => gen.line(2 * MAX_PAGE_LINES + i).text));
  }, 30000);

  test('pages share no line; the options set how many lines and how strong the photo', () => {
    const pages = [0, 1, 2, 3].map((n) => syntheticPage(gen, n, { lines: [3, 3], strength: [0.5, 0.5] }));
    for (const p of pages) {
      expect(p.lines).toHaveLength(3);
      expect(p.strength).toBe(0.5);
    }
    const all = pages.flatMap((p) => p.lines);
    expect(new Set(all).size).toBe(all.length);
  }, 30000);

  test('bad page numbers and line ranges are errors that name them', () => {
    expect(() => syntheticPage(gen, -1)).toThrow(/page number must be an integer >= 0, got -1/);
    expect(() => syntheticPage(gen, 0, { lines: [0, 2] })).toThrow(/lines must be whole numbers 1 <= fewest <= most <= 8, got \[0, 2\]/);
    expect(() => syntheticPage(gen, 0, { lines: [4, 3] })).toThrow(/got \[4, 3\]/);
    expect(() => syntheticPage(gen, 0, { lines: [2, MAX_PAGE_LINES + 1] })).toThrow(/<= 8/);
  });

  test('page layout finds every line of clean pages', () => {
    for (const n of [0, 1, 2, 3, 4]) {
      const page = syntheticPage(gen, n, { strength: [0, 0] });
      const found = findTextLines(rgbaToGray(page.photo.image).image, {}, `page ${n}`);
      expect({ page: n, lines: found.lines.length }).toEqual({ page: n, lines: page.lines.length });
    }
  }, 60000);
});
