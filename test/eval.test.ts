import { classMetrics, confusionMatrix, mostConfused } from '../src/eval/confusion';

describe('confusion matrix and per-class metrics', () => {
  const classes = ['a', 'b', 'c'];
  const labels = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 0, 1, 1, 2, 2, 2, 0, 0];
  const m = confusionMatrix(labels, predicted, 3);

  test('rows are true classes, columns predictions', () => {
    expect(m).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [2, 0, 2],
    ]);
  });

  test('precision, recall and F1 match hand-computed values', () => {
    const [a, b, c] = classMetrics(m, classes);
    expect(a.precision).toBeCloseTo(2 / 4); // column a: 2 right of 4 predicted
    expect(a.recall).toBeCloseTo(2 / 3);
    expect(a.f1).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3));
    expect(b.precision).toBeCloseTo(1 / 2);
    expect(b.recall).toBeCloseTo(1 / 2);
    expect(c.support).toBe(4);
    expect(c.recall).toBeCloseTo(2 / 4);
  });

  test('a class never predicted and never present gets zeros, not NaN', () => {
    const [, , c] = classMetrics(confusionMatrix([0, 1], [0, 1], 3), classes);
    expect(c).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0 });
  });

  test('most confused pairs come largest first and skip the diagonal', () => {
    const pairs = mostConfused(m, classes, 2);
    expect(pairs[0]).toEqual({ true: 'c', predicted: 'a', count: 2, rate: 0.5 });
    expect(pairs).toHaveLength(2);
    expect(pairs.every((p) => p.true !== p.predicted)).toBe(true);
  });

  test('label and prediction counts must agree', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 labels but 1 predictions/);
  });
});
