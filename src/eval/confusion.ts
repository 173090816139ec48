/** Confusion matrix: rows are true classes, columns predicted classes. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  if (labels.length !== predicted.length) {
    throw new Error(`confusionMatrix: ${labels.length} labels but ${predicted.length} predictions.`);
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}

/** Precision, recall, F1 and support of one class. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Per-class precision/recall/F1 from a confusion matrix (0 where a ratio has no denominator). */
export function classMetrics(matrix: number[][], classes: string[]): ClassMetrics[] {
  return matrix.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predictedAs = matrix.reduce((s, r) => s + r[c], 0);
    const precision = predictedAs ? tp / predictedAs : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label: classes[c], precision, recall, f1, support };
  });
}

/** A (true, predicted) pair and how often the model mixed them up. */
export interface ConfusedPair {
  true: string;
  predicted: string;
  count: number;
  /** Share of the true class's images that went to this wrong class. */
  rate: number;
}

/** The off-diagonal cells with the largest counts, most confused first. */
export function mostConfused(matrix: number[][], classes: string[], k = 10): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  matrix.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p !== t && count > 0) pairs.push({ true: classes[t], predicted: classes[p], count, rate: count / support });
    });
  });
  pairs.sort((a, b) => b.count - a.count || b.rate - a.rate);
  return pairs.slice(0, k);
}
