/**
 * Evaluation of a line model on synthetic test lines: CER (both definitions) and WER for greedy and
 * beam decoding, and beam decoding with a character LM when one is given; the worst lines, and
 * optionally another reader (e.g. the segmentation baseline) scored on the very same lines.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { BeamSearchLm } from '../ctc/decode';
import { LineImage, LineSource } from '../synth/line_source';
import { CharacterErrorRate, WordErrorRate, characterErrorRate, editDistance, looseCharacterErrorRate, wordErrorRate } from '../eval/text_metrics';
import { LineModelMetadata, LineReading, ReadLineOptions, decodeLineScores, lineScores } from './read';

/** Reads lines [n, height, width] (uint8 white on black) some other way, for comparison. */
export type LineReader = (images: Uint8Array, n: number, height: number, width: number) => LineReading[];

/** Options of `evaluateLines`. */
export interface LineEvalOptions {
  /** Test lines: line numbers 0..n-1 of the generator (default 1000). */
  n?: number;
  /** Lines per forward pass (default 64). */
  batchSize?: number;
  /** Also decode with prefix beam search (default true). */
  beam?: boolean;
  /** Beam width (default 10). */
  beamWidth?: number;
  /** A character LM and its weights: the lines are also read by beam search with it (the 'beam+lm' row). */
  lm?: BeamSearchLm | null;
  /** Worst lines kept in the report (default 20). */
  worst?: number;
  /** Other readers scored on the same lines, by name (e.g. { segmentation: ... }). */
  others?: Record<string, LineReader>;
}

/** Scores of one way of reading the lines. */
export interface ReaderScores extends Omit<CharacterErrorRate, 'n'> {
  /** CER with case and punctuation not counted (letters, digits and spaces; `looseText`). */
  cerLoose: number;
  wer: number;
  wordEdits: number;
  targetWords: number;
  /** Wall-clock seconds of reading (and, for the model, its decoding) all lines. */
  seconds: number;
}

/** One test line with what each reader made of it. */
export interface LineResult {
  /** Line number in the generator. */
  line: number;
  target: string;
  greedy: string;
  beam?: string;
  /** Beam search with the LM. */
  beamLm?: string;
  /** Greedy edits and their share of the target's characters. */
  edits: number;
  cer: number;
  /** Greedy best-path probability. */
  confidence: number;
  others?: Record<string, string>;
}

/** What `evaluateLines` returns (and `hwr evaluate` writes). */
export interface LineEvaluation {
  n: number;
  mode: string;
  split: string;
  greedy: ReaderScores;
  beam?: ReaderScores;
  /** Beam search with the character LM (`LineEvalOptions.lm`). */
  beamLm?: ReaderScores;
  others: Record<string, ReaderScores>;
  /** The lines with the most greedy edits relative to their length. */
  worst: LineResult[];
  lines: LineResult[];
}

function scores(preds: string[], targets: string[], seconds: number): ReaderScores {
  const c: CharacterErrorRate = characterErrorRate(preds, targets);
  const w: WordErrorRate = wordErrorRate(preds, targets);
  return {
    cer: c.cer, cerPerLineMean: c.cerPerLineMean, edits: c.edits, targetChars: c.targetChars,
    cerLoose: looseCharacterErrorRate(preds, targets).cer, wer: w.wer, wordEdits: w.edits, targetWords: w.targetWords, seconds,
  };
}

/** Lines in width order, cut into batches padded to their widest line (rounded up to `multiple`). */
export function batchesByWidth(lines: readonly LineImage[], batchSize: number, multiple: number): Array<{ order: number[]; images: Uint8Array; width: number; widths: Int32Array }> {
  const order = lines.map((_, i) => i).sort((a, b) => lines[a].paddedWidth - lines[b].paddedWidth);
  const out = [];
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const H = lines[idx[0]].height;
    const W = Math.ceil(Math.max(...idx.map((i) => lines[i].paddedWidth)) / multiple) * multiple;
    const images = new Uint8Array(idx.length * H * W); // [m, H, W]
    idx.forEach((li, j) => {
      const l = lines[li];
      for (let y = 0; y < H; y++) images.set(l.pixels.subarray(y * l.paddedWidth, (y + 1) * l.paddedWidth), (j * H + y) * W);
    });
    out.push({ order: idx, images, width: W, widths: Int32Array.from(idx, (i) => lines[i].width) });
  }
  return out;
}

/** Reads test lines 0..n-1 of `lines` with the model (greedy, beam, and beam with `lm` when given) and any `others`, and scores them. */
export function evaluateLines(model: tfl.LayersModel, meta: LineModelMetadata, lines: LineSource, opts: LineEvalOptions = {}): LineEvaluation {
  const { n = 1000, batchSize = 64, beam = true, beamWidth = 10, worst = 20, others = {}, lm } = opts;
  if (lines.height !== meta.height) throw new Error(`evaluateLines: the lines are ${lines.height} px high but the model reads ${meta.height} px.`);
  if (lines.charset.join('') !== meta.charset.join('')) {
    throw new Error(`evaluateLines: the lines' charset ${JSON.stringify(lines.charset.join(''))} differs from the model's ${JSON.stringify(meta.charset.join(''))}; generate lines from the dataset the model was trained on.`);
  }
  const rendered: LineImage[] = [];
  for (let i = 0; i < n; i++) rendered.push(lines.line(i));
  const targets = rendered.map((r) => r.text);
  const batches = batchesByWidth(rendered, batchSize, 16);

  const read = (fn: (b: (typeof batches)[number], k: number) => LineReading[], extraSeconds = 0): { texts: string[]; conf: number[]; seconds: number } => {
    const texts = new Array<string>(n);
    const conf = new Array<number>(n);
    const t0 = Date.now();
    batches.forEach((b, k) => fn(b, k).forEach((r, j) => { texts[b.order[j]] = r.text; conf[b.order[j]] = r.confidence; }));
    return { texts, conf, seconds: extraSeconds + (Date.now() - t0) / 1000 };
  };
  const H = meta.height;
  // One forward pass, decoded by each reader; each reader's seconds include the forward pass.
  const t0 = Date.now();
  const logits = batches.map((b) => lineScores(model, meta, b.images, b.order.length, b.width, { batchSize, widths: b.widths }));
  const forwardSeconds = (Date.now() - t0) / 1000;
  const decode = (opts: Pick<ReadLineOptions, 'decoder' | 'beamWidth' | 'lm'>) =>
    read((_, k) => logits[k].map((l) => decodeLineScores(l, meta, opts)), forwardSeconds);
  const greedy = decode({ decoder: 'greedy' });
  const beamRead = beam ? decode({ decoder: 'beam', beamWidth }) : undefined;
  const beamLmRead = lm ? decode({ decoder: 'beam', beamWidth, lm }) : undefined;
  const otherReads = Object.fromEntries(Object.entries(others).map(([name, reader]) => [name, read((b) => reader(b.images, b.order.length, H, b.width))]));

  const results: LineResult[] = targets.map((target, i) => {
    const edits = editDistance(greedy.texts[i], target);
    return {
      line: i, target, greedy: greedy.texts[i], ...(beamRead ? { beam: beamRead.texts[i] } : {}), ...(beamLmRead ? { beamLm: beamLmRead.texts[i] } : {}),
      edits, cer: target.length > 0 ? edits / target.length : edits, confidence: greedy.conf[i],
      ...(Object.keys(otherReads).length ? { others: Object.fromEntries(Object.entries(otherReads).map(([k, r]) => [k, r.texts[i]])) } : {}),
    };
  });
  const worstLines = results.filter((r) => r.edits > 0).sort((a, b) => b.cer - a.cer || b.edits - a.edits || a.line - b.line).slice(0, worst);
  return {
    n, mode: lines.name, split: lines.split,
    greedy: scores(greedy.texts, targets, greedy.seconds),
    ...(beamRead ? { beam: scores(beamRead.texts, targets, beamRead.seconds) } : {}),
    ...(beamLmRead ? { beamLm: scores(beamLmRead.texts, targets, beamLmRead.seconds) } : {}),
    others: Object.fromEntries(Object.entries(otherReads).map(([k, r]) => [k, scores(r.texts, targets, r.seconds)])),
    worst: worstLines,
    lines: results,
  };
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** A score table of one or more evaluations (e.g. word lines and random-string lines), for the terminal. */
export function formatLineEvaluations(reports: Record<string, LineEvaluation>): string {
  const rows: string[][] = [['lines', 'reader', 'CER', 'CER (no case, no punct.)', 'WER', 'seconds']];
  for (const [name, r] of Object.entries(reports)) {
    const readers: Array<[string, ReaderScores]> = [
      ['greedy', r.greedy], ...(r.beam ? [['beam', r.beam] as [string, ReaderScores]] : []), ...(r.beamLm ? [['beam+lm', r.beamLm] as [string, ReaderScores]] : []),
      ...Object.entries(r.others),
    ];
    for (const [reader, s] of readers) rows.push([`${name} (${r.n})`, reader, pct(s.cer), pct(s.cerLoose), pct(s.wer), s.seconds.toFixed(1)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const table = rows.map((row) => row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '));
  const worst = Object.entries(reports).flatMap(([name, r]) => r.worst.slice(0, 5).map((w) => `  ${name} #${w.line}: "${w.target}" -> "${w.greedy}" (${w.edits} edits)`));
  return [...table, '', 'CER = edits / target characters, case-sensitive; no case, no punct. = the same on lower-cased letters, digits and spaces.',
    ...(worst.length ? ['', 'worst lines (greedy):', ...worst] : [])].join('\n');
}
