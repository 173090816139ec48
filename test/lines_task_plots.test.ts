/** The line-model pictures: error marks against the edit distance, the CTC alignment figure, CER curves. */
import { editDistance } from '../src/eval/text_metrics';
import { ctcAlignmentFigure, lineTrainingCurves, markErrors } from '../src/lines/plots';

test('markErrors aligns two strings with as many marks as the edit distance', () => {
  const cases: Array<[string, string]> = [['HELLO', 'HELLO'], ['HELLO', 'HELO'], ['the cat', 'the cot'], ['ab', 'xaby'], ['', 'ab'], ['abc', '']];
  for (const [t, r] of cases) {
    const m = markErrors(t, r);
    expect(m.target.length).toBe(m.read.length);
    expect(m.marks.length).toBe(m.target.length);
    expect(m.marks.replace(/ /g, '').length).toBe(editDistance(t, r));
    // Dropping the padding gives the strings back.
    expect(m.target.split('').filter((_, i) => m.marks[i] !== '+').join('')).toBe(t);
    expect(m.read.split('').filter((_, i) => m.marks[i] !== '-').join('')).toBe(r);
  }
  expect(markErrors('HELLO', 'HELO').marks).toMatch(/^ *-? *$/);
  expect(markErrors('the cat', 'the cot')).toEqual({ target: 'the cat', read: 'the cot', marks: '     ^ ' });
});

test('the alignment figure has a row per likely class plus the blank, and the best path per frame', () => {
  const T = 6;
  const C = 4; // 'A', 'B', ' ' and the blank
  // Frames: A A blank B blank blank, with 0.9 on the chosen class.
  const path = [0, 0, 3, 1, 3, 3];
  const probs = new Float32Array(T * C);
  path.forEach((k, t) => { for (let c = 0; c < C; c++) probs[t * C + c] = c === k ? 0.9 : 0.1 / 3; });
  const fig = ctcAlignmentFigure({ pixels: new Uint8Array(28 * 24), width: 24, height: 28, probs, T, C, charset: ['A', 'B', ' '], downsample: 4, target: 'AB', decoded: 'AB' });
  expect(fig.svg).toMatch(/>blank</);
  expect(fig.svg).toMatch(/>A</);
  // ' ' never reaches the 0.05 cut (1/30 in every frame): no row for it.
  expect(fig.svg).not.toMatch(/>space</);
  expect((fig.svg.match(/>·</g) ?? []).length).toBe(3);
  expect(fig.toPng().subarray(1, 4).toString()).toBe('PNG');
});

test('the CER curves need a history and plot every epoch', () => {
  expect(() => lineTrainingCurves([])).toThrow(/history is empty/);
  const fig = lineTrainingCurves([{ epoch: 1, loss: 80, valLoss: 70, valCer: 0.9 }, { epoch: 2, loss: 20, valLoss: 15, valCer: 0.12 }], { title: 't' });
  expect((fig.svg.match(/<polyline/g) ?? []).length).toBe(3);
});
