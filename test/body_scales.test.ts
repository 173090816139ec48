/**
 * Reading a line in several versions (src/read/body_scales.ts): which reading is kept, and the
 * checks of the body factors and the shears. readPage's use of it is in predict_lines.test.ts and line_lm.test.ts.
 */
import { BODY_SCALES, SLANTS, checkBodyScales, checkSlants, chooseScaledReading, parseBodyScales, parseSlants } from '../src/read/body_scales';

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

test('shears are checked: degrees within [-30, 30], none allowed, 0s dropped (the unsheared line is read anyway)', () => {
  expect(checkSlants(SLANTS)).toEqual([-12, 12]);
  expect(checkSlants([])).toEqual([]);
  expect(checkSlants([0, 5])).toEqual([5]);
  expect(() => checkSlants([45])).toThrow(/slants must be shears in degrees between -30 and 30.*got \[45\]/);
  expect(() => checkSlants([NaN], '--slants')).toThrow(/^--slants must be .*got \[null\]/);
  expect(parseSlants('-12,12', '--slants')).toEqual([-12, 12]);
  expect(parseSlants('0', '--slants')).toEqual([]);
  for (const bad of ['', '12,', 'x', '31']) {
    expect(() => parseSlants(bad, '--slants')).toThrow(new RegExp(`^--slants must be comma-separated shears in degrees between -30 and 30 .*got '${bad}'\\.$`));
  }
});
