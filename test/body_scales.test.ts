/**
 * Reading a line at several body heights (src/read/body_scales.ts): which reading is kept, and the
 * factors' checks. readPage's use of it is in predict_lines.test.ts and line_lm.test.ts.
 */
import { BODY_SCALES, checkBodyScales, chooseScaledReading, parseBodyScales } from '../src/read/body_scales';

const r = (text: string, logProb: number, frames: number) => ({ text, logProb, frames });

test('a text two versions agree on wins over a more confident one read once', () => {
  expect(chooseScaledReading([r('hand', -5, 20), r('band', -0.1, 20), r('hand', -4, 22)])).toBe(2); // -4/22 > -5/20
  expect(chooseScaledReading([r('x', -9, 10), r('x', -9, 10), r('y', -1, 10), r('y', -1, 10), r('z', 0, 10)])).toBe(2); // a tie of votes: confidence decides
});

test('with no agreement, the highest log-probability per frame wins, not the highest probability', () => {
  // The narrow version has the higher probability (fewer frames), the wide one the higher per frame.
  expect(chooseScaledReading([r('cat', -3, 10), r('cab', -4, 20), r('can', -3.5, 12)])).toBe(1);
  expect(chooseScaledReading([r('a', -Infinity, 5), r('b', -50, 5)])).toBe(1); // an underflowed path loses
  expect(chooseScaledReading([r('a', -2, 0)])).toBe(0); // no frames: counted as one
  expect(chooseScaledReading([])).toBe(-1);
});

test('factors are checked: a non-empty list within [0.5, 2], named in the message', () => {
  expect(checkBodyScales(BODY_SCALES)).toEqual([0.85, 1, 1.15]);
  expect(checkBodyScales([1])).toEqual([1]);
  expect(() => checkBodyScales([])).toThrow(/bodyScales must be one or more factors between 0.5 and 2.*got \[\]/);
  expect(() => checkBodyScales([1, 3], '--body-scales')).toThrow(/^--body-scales must be .*got \[1,3\]/);
  expect(() => checkBodyScales([NaN])).toThrow(/got \[null\]/);
});

test('factors as a command line writes them: parsed, checked, the text quoted as given', () => {
  expect(parseBodyScales('0.85,1,1.15', '--body-scales')).toEqual([0.85, 1, 1.15]);
  expect(parseBodyScales(' 1 ', '--body-scales')).toEqual([1]);
  for (const bad of ['', '1,', 'x', '0.4', '1,,1']) {
    expect(() => parseBodyScales(bad, '--body-scales')).toThrow(new RegExp(`^--body-scales must be comma-separated factors between 0.5 and 2 .*got '${bad}'\\.$`));
  }
});
