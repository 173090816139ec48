/**
 * Text recognition metrics: Levenshtein edit distance, character error rate (two definitions)
 * and word error rate. Strings are compared by Unicode code point.
 */

/** A sequence to compare: a string (by code point) or an array of labels/tokens. */
export type EditSequence = string | ArrayLike<number> | readonly string[];

function itemsOf(s: EditSequence): ArrayLike<number | string> {
  return typeof s === 'string' ? Array.from(s) : s;
}

/** Levenshtein distance: fewest insertions, deletions and substitutions turning `a` into `b`. */
export function editDistance(a: EditSequence, b: EditSequence): number {
  const x = itemsOf(a);
  const y = itemsOf(b);
  // One row of the dynamic-programming table: row[j] = distance(x[0..i), y[0..j)).
  const row = new Int32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) row[j] = j;
  for (let i = 1; i <= x.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const above = row[j];
      row[j] = Math.min(above + 1, row[j - 1] + 1, diagonal + (x[i - 1] === y[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[y.length];
}

/** Character error rates over a set of lines. */
export interface CharacterErrorRate {
  /** Total edits / total target characters (the usual CER; 0 when both are 0, Infinity for edits on empty targets). */
  cer: number;
  /** Mean over lines of edits / max(len(pred), len(target)), 0 for two empty strings (FSDL's CER). */
  cerPerLineMean: number;
  /** Total character edits. */
  edits: number;
  /** Total target characters. */
  targetChars: number;
  /** Lines compared. */
  n: number;
}

/** Word error rate over a set of lines. */
export interface WordErrorRate {
  /** Total word edits / total target words (0 when both are 0, Infinity for edits on empty targets). */
  wer: number;
  edits: number;
  targetWords: number;
  n: number;
}

function checkPairs(preds: readonly string[], targets: readonly string[], fn: string): void {
  if (preds.length !== targets.length) {
    throw new Error(`${fn}: ${preds.length} predictions but ${targets.length} targets; pass one prediction per target line.`);
  }
}

function rate(edits: number, total: number): number {
  return total > 0 ? edits / total : edits === 0 ? 0 : Infinity;
}

/** CER of predicted lines against target lines, as total edits / target characters and as FSDL's per-line mean. */
export function characterErrorRate(preds: readonly string[], targets: readonly string[]): CharacterErrorRate {
  checkPairs(preds, targets, 'characterErrorRate');
  let edits = 0;
  let targetChars = 0;
  let perLineSum = 0;
  for (let i = 0; i < preds.length; i++) {
    const p = Array.from(preds[i]);
    const t = Array.from(targets[i]);
    const d = editDistance(p, t);
    edits += d;
    targetChars += t.length;
    const longer = Math.max(p.length, t.length);
    perLineSum += longer > 0 ? d / longer : 0;
  }
  return {
    cer: rate(edits, targetChars),
    cerPerLineMean: preds.length > 0 ? perLineSum / preds.length : 0,
    edits,
    targetChars,
    n: preds.length,
  };
}

/** Words of a line: split on runs of whitespace, ignoring leading/trailing space. */
export function splitWords(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

/** WER: word-level edit distance summed over lines / total target words. */
export function wordErrorRate(preds: readonly string[], targets: readonly string[]): WordErrorRate {
  checkPairs(preds, targets, 'wordErrorRate');
  let edits = 0;
  let targetWords = 0;
  for (let i = 0; i < preds.length; i++) {
    const t = splitWords(targets[i]);
    edits += editDistance(splitWords(preds[i]), t);
    targetWords += t.length;
  }
  return { wer: rate(edits, targetWords), edits, targetWords, n: preds.length };
}

/**
 * A line reduced to what a loose comparison scores: lower case, letters and digits only, words
 * separated by single spaces (punctuation removed, and a word split by it becomes two). The measure of
 * real handwriting in issue 16 ("letters, digits and spaces, case-insensitive") scores this way.
 */
export function looseText(line: string): string {
  return line.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** CER of `looseText(prediction)` against `looseText(target)`: case and punctuation not counted. */
export function looseCharacterErrorRate(preds: readonly string[], targets: readonly string[]): CharacterErrorRate {
  checkPairs(preds, targets, 'looseCharacterErrorRate');
  return characterErrorRate(preds.map(looseText), targets.map(looseText));
}
