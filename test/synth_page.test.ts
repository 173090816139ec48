/**
 * Synthetic pages (src/synth/page.ts): deterministic, their text the lines joined top to bottom,
 * no line shared between pages, clear errors for bad options, lines drifting off the rows by the
 * angle asked (`tiltInk` against the definition), and page layout finds every line of a clean page.
 */
import { rgbaToGray } from '../src/image/rgba';
import { findTextLines } from '../src/image/page';
import { createHandwritingGenerator } from '../src/synth/handwriting';
import { createInkLine } from '../src/synth/ink';
import { MAX_PAGE_LINES, syntheticPage, tiltInk } from '../src/synth/page';

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

  test('a ruled page: the same lines, each on a rule, the rules one pitch apart; a squared page: a grid 1-2 body heights a square', () => {
    const opts = { lines: [4, 4] as [number, number], strength: [0.4, 0.4] as [number, number] };
    // Rows darker than the rows 3 above and below, in the paper left of the writing (the first 0.4
    // body heights of columns: a rule crosses them, the ragged left edge of the writing never does).
    const ruleRows = (page: ReturnType<typeof syntheticPage>) => {
      const img = rgbaToGray(page.photo.image, { maxSide: 4096 }).image;
      const cols = Math.floor(0.4 * page.photo.bodyHeight);
      const m = Array.from({ length: img.height }, (_, y) => img.data.subarray(y * img.width, y * img.width + cols).reduce((a, v) => a + v, 0) / cols);
      const rows = m.flatMap((v, y) => (y >= 3 && y + 3 < m.length && v < Math.min(m[y - 3], m[y + 3]) - 3 / 255 ? [y] : []));
      return rows.filter((y, i) => i === 0 || y > rows[i - 1] + 2); // the first row of each rule
    };
    for (const n of [5, 6, 7]) {
      const plain = syntheticPage(gen, n, opts);
      const ruled = syntheticPage(gen, n, { ...opts, ruled: true });
      expect(ruled.lines).toEqual(plain.lines);
      expect(ruleRows(plain)).toEqual([]);
      const rules = ruleRows(ruled);
      expect(rules.length).toBeGreaterThanOrEqual(4);
      const gaps = rules.slice(1).map((y, i) => y - rules[i]);
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(2);
      // The first baseline sits on a rule (0-0.2 body heights above it; the page turns a little).
      expect(Math.min(...rules.map((y) => Math.abs(y - ruled.photo.baseline)))).toBeLessThan(0.4 * ruled.photo.bodyHeight);
      // Squared paper: the same lines on a grid, its rows 1-2 body heights apart.
      const squared = syntheticPage(gen, n, { ...opts, squared: true });
      expect(squared.lines).toEqual(plain.lines);
      const grid = ruleRows(squared);
      expect(grid.length).toBeGreaterThanOrEqual(4);
      const steps = grid.slice(1).map((y, i) => y - grid[i]);
      expect(Math.max(...steps) - Math.min(...steps)).toBeLessThanOrEqual(2);
      expect(Math.min(...steps)).toBeGreaterThanOrEqual(squared.photo.bodyHeight * 0.9);
      expect(Math.max(...steps)).toBeLessThanOrEqual(squared.photo.bodyHeight * 2.2);
    }
  }, 30000);

  test('tiltInk: a stroke along the baseline rises tan(angle) a column from its left end, its ink kept', () => {
    const line = createInkLine(200, 30, 20, 10, 'x');
    for (let x = 0; x < 200; x++) line.ink[20 * 200 + x] = 1;
    for (const degrees of [4, -4, 0.2]) {
      const t = tiltInk(line, degrees);
      const rise = Math.tan((degrees * Math.PI) / 180);
      expect(t.height).toBe(30 + Math.ceil(Math.abs(200 * rise)));
      for (const x of [0, 57, 123, 199]) {
        let [mass, moment] = [0, 0];
        for (let y = 0; y < t.height; y++) [mass, moment] = [mass + t.ink[y * 200 + x], moment + y * t.ink[y * 200 + x]];
        expect(mass).toBeCloseTo(1, 5);
        expect(moment / mass).toBeCloseTo(t.baseline - x * rise, 5);
      }
    }
    expect(tiltInk(line, 0)).toBe(line);
  });

  test('lineTilt: the same lines drift off the rows; 0 leaves the page as it was; out of range is an error', () => {
    const plain = syntheticPage(gen, 4);
    expect(Buffer.from(syntheticPage(gen, 4, { lineTilt: 0 }).photo.image.data).equals(Buffer.from(plain.photo.image.data))).toBe(true);
    const tilted = syntheticPage(gen, 4, { lineTilt: 3 });
    expect(tilted.lines).toEqual(plain.lines);
    expect(tilted.strength).toBe(plain.strength);
    expect(tilted.photo.image.height).toBeGreaterThan(plain.photo.image.height);
    expect(() => syntheticPage(gen, 0, { lineTilt: 16 })).toThrow(/lineTilt must be 0 to 15 degrees, got 16/);
    expect(() => syntheticPage(gen, 0, { ruled: true, squared: true })).toThrow(/ruled or squared, not both/);
  }, 30000);

  test('page layout finds every line of clean pages', () => {
    for (const n of [0, 1, 2, 3, 4]) {
      const page = syntheticPage(gen, n, { strength: [0, 0] });
      const found = findTextLines(rgbaToGray(page.photo.image).image, {}, `page ${n}`);
      expect({ page: n, lines: found.lines.length }).toEqual({ page: n, lines: page.lines.length });
    }
  }, 60000);
});
