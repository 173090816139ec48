/**
 * Page layout and punctuation (issue 16): apostrophes, quotes, commas, i-dots and a broken-off
 * descender are marks that belong to the nearest line, never a line of their own; a short line
 * ("12", "a.", a lone "1") is a line; a line of only marks ("...", "-") far from the writing cannot
 * be told from dirt and is none. Pages are written with handwriting fonts and photographed at paper
 * strength 0.6 (test/page_fixtures.ts `fontPage`); each found line's box must hold its own line's
 * true box (so its marks are in it) and overlap it (IoU > 0.5).
 */
import { PixelBox } from '../src/image/gray';
import { findTextLines } from '../src/image/page';
import { FontPageSpec, fontPage, iou } from './page_fixtures';

/** Pixels of blur and rounding a found box may fall short of the true one on each side. */
const SLACK = 3;

function holds(found: PixelBox, truth: PixelBox): boolean {
  return found.x <= truth.x + SLACK && found.y <= truth.y + SLACK &&
    found.x + found.width >= truth.x + truth.width - SLACK && found.y + found.height >= truth.y + truth.height - SLACK;
}

/**
 * Finds the lines of `spec`'s page; expects the lines `expected` (indices into spec.texts), in
 * order, and no found line overlapping the others.
 */
function expectLines(spec: FontPageSpec, expected: number[] = spec.texts.map((_, i) => i)): void {
  const { page, truth } = fontPage(spec);
  const found = findTextLines(page, {}, 'page.png');
  const boxes = found.lines.map((l) => JSON.stringify(l.box)).join(' ');
  expect(`${found.lines.length} lines: ${boxes}`).toMatch(new RegExp(`^${expected.length} lines`));
  expected.forEach((t, i) => {
    const box = found.lines[i].box;
    // The boxes go into the message: a failure shows what was found against the truth.
    expect({ line: spec.texts[t], holds: holds(box, truth[t]), box, truth: truth[t] }).toEqual({ line: spec.texts[t], holds: true, box, truth: truth[t] });
    expect(iou(box, truth[t])).toBeGreaterThan(0.5);
  });
  // A line that is not one joins no other line either.
  spec.texts.forEach((text, t) => {
    if (!expected.includes(t)) expect({ text, overlaps: found.lines.filter((l) => iou(l.box, truth[t]) > 0).length }).toEqual({ text, overlaps: 0 });
  });
}

const PRINT = ["for (good) he (a) do: it that's", 'and then the end of it', 'hold the dog now'];
const QUOTES = ["for (good) he (a) do: it that's", '"Yes," she said - it\'s 12.', "i'll jot a quiz, join in; \"ok\""];

describe('findTextLines: marks belong to a line, never make one', () => {
  test.each([
    ['an apostrophe ("i\'ll") split off above its line', { texts: QUOTES, font: 'patrick-hand', seed: 120, pitch: 3.25 }],
    ['a broken-off tail of a "g" below the last line', { texts: PRINT, font: 'patrick-hand', seed: 69, pitch: 2.8 }],
  ] as Array<[string, FontPageSpec]>)('%s: three lines, each holding its marks', (_, spec) => {
    expectLines(spec);
  });

  test.each(['patrick-hand', 'schoolbell', 'dancing-script'])('quotes, apostrophes, commas and i-dots (%s): each line holds its own', (font) => {
    // schoolbell's apostrophe is 0.73 body heights tall; dancing-script's quotes sit 0.66 above the body.
    expectLines({ texts: QUOTES, font, seed: 7, pitch: 3 });
  });

  test.each([1, 2, 3])('a line of capitals holding most of the ink does not hide the short lower-case lines around it (seed %i)', (seed) => {
    expectLines({ texts: ['a new one', 'HOLD THE DOOR FOR GRACE AND ME', 'now'], font: 'patrick-hand', seed, pitch: 2.8 });
  });

  test.each([
    ['schoolbell', 3], ['dancing-script', 2], ['dancing-script', 3], ['patrick-hand', 1],
  ] as Array<[string, number]>)('a list in capitals ending in a short lower-case word without ascenders: the word is a line (%s, seed %i)', (font, seed) => {
    expectLines({ texts: ['MILK AND EGGS', 'BREAD FOR TWO', 'OLIVE OIL', 'rice'], font, seed, pitch: 3 });
  });

  test.each([['dancing-script', 1], ['dancing-script', 2]] as Array<[string, number]>)(
    'a lower-case line between lines of capitals is a line of its own (%s, seed %i)', (font, seed) => {
      expectLines({ texts: ['PLAN FOR MONDAY', 'ZOO WITH ANNA', 'rain or sun', 'CALL MOM'], font, seed, pitch: 3 });
    });

  test('short lines are lines: "12", "a." and a lone "1" (tall and thin: letter-sized)', () => {
    expectLines({ texts: ['and then the end of it', '12', 'a.', '1', 'hold the dog now'], font: 'patrick-hand', seed: 3, pitch: 3 });
  });

  test('a line of only "..." or only "-" far from the writing is no line (it looks like dirt); the lines are unchanged', () => {
    expectLines({ texts: ['and then the end of it', '...', 'hold the dog now', '-'], font: 'patrick-hand', seed: 4, pitch: [3.5, 3.5, 3.5] }, [0, 2]);
  });
});
