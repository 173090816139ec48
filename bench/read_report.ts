/**
 * Scoring and reporting for `npm run bench:read` (bench/read.ts): the figures of one reader on one
 * image set (CER, loose CER, WER, exact readings, readings with the right number of lines, ms per
 * image), the table of every set and reader, and
 * the verdict line per set saying who is ahead on CER. Pure (no files, no readers), so the test can
 * check it on tiny made-up readings.
 *
 * Every reader is scored on the same targets, so "ahead" compares edit counts (integers): no float
 * ties, and a 0.04-point lead on 20 lines is still a lead (the table shows how small it is).
 */
import { characterErrorRate, looseCharacterErrorRate, wordErrorRate } from '../src/eval/text_metrics';

/** Whose reader it is: the project's line model, or a Tesseract (the baseline to beat). */
export type ReaderKind = 'ours' | 'tesseract';

/** What one reader made of one image. */
export interface Reading {
  /** The text read, normalised by `normaliseReading`; '' on error. */
  text: string;
  /** Wall time of the reader alone on this image, milliseconds. */
  ms: number;
  /** Why nothing was read (the reader threw), if so. */
  error?: string;
}

/** One reader's figures on one image set. */
export interface ReaderScore {
  reader: string;
  kind: ReaderKind;
  /** Images (lines) read. */
  n: number;
  /** Case-sensitive CER: character edits / target characters. */
  cer: number;
  edits: number;
  targetChars: number;
  /** CER on lower-cased letters, digits and spaces (`looseCharacterErrorRate`). */
  looseCer: number;
  wer: number;
  /** Share of images read exactly (case-sensitive, after `normaliseReading`). */
  exact: number;
  /** Share of images read as many lines as they hold (a page's lines all found, a line not split). */
  rightLines: number;
  /** Mean wall milliseconds per image. */
  msPerLine: number;
  /** Images the reader failed on (counted as read ''). */
  errors: number;
}

/**
 * A reading as the bench compares it: line breaks (and the form feed Tesseract may end a page with)
 * made '\n', each line's runs of spaces and tabs made one space and trimmed, empty lines dropped.
 * Every reader gets the same treatment, so Tesseract's trailing newline or a doubled space costs
 * neither side anything.
 */
export function normaliseReading(text: string): string {
  return text
    .replace(/\r\n?|[\f\v]/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n');
}

/** Scores one reader's readings against the targets (one reading per target, same order). */
export function scoreReader(reader: string, kind: ReaderKind, targets: readonly string[], readings: readonly Reading[]): ReaderScore {
  if (readings.length !== targets.length) {
    throw new Error(`scoreReader: ${reader} has ${readings.length} readings for ${targets.length} targets; give one reading per image`);
  }
  const texts = readings.map((r) => r.text);
  const cer = characterErrorRate(texts, targets);
  const n = targets.length;
  return {
    reader,
    kind,
    n,
    cer: cer.cer,
    edits: cer.edits,
    targetChars: cer.targetChars,
    looseCer: looseCharacterErrorRate(texts, targets).cer,
    wer: wordErrorRate(texts, targets).wer,
    exact: n > 0 ? texts.filter((t, i) => t === targets[i]).length / n : 0,
    rightLines: n > 0 ? texts.filter((t, i) => lineCount(t) === lineCount(targets[i])).length / n : 0,
    msPerLine: n > 0 ? readings.reduce((s, r) => s + r.ms, 0) / n : 0,
    errors: readings.filter((r) => r.error !== undefined).length,
  };
}

/** Lines of a normalised text: '' has none. */
const lineCount = (text: string): number => (text === '' ? 0 : text.split('\n').length);

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

/**
 * The verdict on one set: who is ahead on CER, our reader or the best Tesseract, with both figures.
 * Starts with the set's name; says so when there is nothing to compare.
 */
export function verdictLine(set: string, scores: readonly ReaderScore[]): string {
  const ours = scores.find((s) => s.kind === 'ours');
  const theirs = scores.filter((s) => s.kind === 'tesseract');
  if (!ours) return `${set}: no verdict (the line model read nothing)`;
  if (theirs.length === 0) return `${set}: no verdict (no Tesseract ran)`;
  if (ours.n === 0) return `${set}: no verdict (no images)`;
  // Fewest edits wins; on a tie the first Tesseract listed stands for them all.
  const best = theirs.reduce((a, b) => (b.edits < a.edits ? b : a));
  const others = theirs.filter((s) => s !== best).map((s) => `${s.reader} ${pct(s.cer)}`);
  const rest = others.length > 0 ? `; ${others.join(', ')}` : '';
  if (ours.edits < best.edits) return `${set}: ${ours.reader} ahead on CER, ${pct(ours.cer)} vs ${best.reader} ${pct(best.cer)}${rest}`;
  if (ours.edits > best.edits) return `${set}: ${best.reader} ahead on CER, ${pct(best.cer)} vs ${ours.reader} ${pct(ours.cer)}${rest}`;
  return `${set}: level on CER, ${ours.reader} and ${best.reader} both ${pct(ours.cer)}${rest}`;
}

/** True when our reader has fewer CER edits than every Tesseract on the set (the "ahead"). */
export function oursAhead(scores: readonly ReaderScore[]): boolean {
  const ours = scores.find((s) => s.kind === 'ours');
  const theirs = scores.filter((s) => s.kind === 'tesseract');
  return ours !== undefined && ours.n > 0 && theirs.length > 0 && theirs.every((t) => ours.edits < t.edits);
}

/** One set's scores for the table, or the reason it was skipped. */
export interface SetReport {
  set: string;
  scores: ReaderScore[];
  skipped?: string;
}

/** The results table: a row per set and reader (a skipped set gets one row saying why). */
export function formatTable(sets: readonly SetReport[]): string {
  const header = ['set', 'reader', 'images', 'CER', 'loose CER', 'WER', 'exact', 'lines ok', 'ms/image', 'errors'];
  const rows: string[][] = [];
  for (const s of sets) {
    if (s.skipped) {
      rows.push([s.set, `skipped: ${s.skipped}`]);
      continue;
    }
    s.scores.forEach((r, i) => rows.push([
      i === 0 ? s.set : '', r.reader, String(r.n), pct(r.cer), pct(r.looseCer), pct(r.wer), pct(r.exact), pct(r.rightLines),
      r.msPerLine.toFixed(0), r.errors > 0 ? String(r.errors) : '',
    ]));
  }
  // Column widths from full rows only: a skipped set's long note spills over instead of widening the column.
  const widths = header.map((h, c) => Math.max(h.length, ...rows.filter((r) => r.length === header.length).map((r) => r[c].length)));
  const left = new Set([0, 1]);
  const fmt = (r: string[]) => (r.length < header.length
    ? `${r[0].padEnd(widths[0])}  ${r[1]}`
    : r.map((v, c) => (left.has(c) ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd());
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

/** The closing lines: a verdict per set (skipped sets say so), then how many sets our reader leads. */
export function formatVerdicts(sets: readonly SetReport[]): string[] {
  const lines = sets.map((s) => (s.skipped ? `${s.set}: no verdict (skipped: ${s.skipped})` : verdictLine(s.set, s.scores)));
  const compared = sets.filter((s) => !s.skipped && s.scores.some((r) => r.kind === 'tesseract') && s.scores.some((r) => r.kind === 'ours'));
  const ahead = compared.filter((s) => oursAhead(s.scores)).length;
  const ours = sets.flatMap((s) => s.scores).find((r) => r.kind === 'ours')?.reader ?? 'the line model';
  lines.push(`${ours} ahead of every Tesseract on ${ahead} of ${compared.length} set(s)`);
  return lines;
}
