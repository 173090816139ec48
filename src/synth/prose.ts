/**
 * English prose the line generator never writes: the State of the Union addresses text.ts skips (it
 * reads those at index % SOTU_EVERY === 0 in year order). The rest are parted by address, so no
 * sentence is in two parts:
 * - 'lm' (index % 3 === 1): text for the character language model (char_lm_corpus.ts), so that it
 *   knows English words and phrases beyond the training lines' vocabulary, as any LM of English would;
 * - 'val' (index % 3 === 2, every other one of those): lines for tuning the LM's weights;
 * - 'test' (index % 3 === 2, the others): lines of English prose to measure the reader on, written in
 *   held-out hands (src/lines/test_sets.ts): the synthetic set nearest to what people write.
 * Why: the generator's validation and test lines hold only their own split's words (text.ts), so a
 * test sentence is mostly the shape of a sentence filled with unseen words. That keeps the optical
 * model honest, but it is not English, and an LM tuned on it is held back on real text.
 *
 * Sentences are cleaned as the generator's are (`normalizeTypography`, `isUsableSentence`), cut into
 * lines of at most `maxChars` characters at word boundaries, as a handwritten page wraps them, and
 * returned in a fixed shuffled order, so that the first N lines sample every address of the part.
 * Addresses repeat their formulas ("Members of the Congress, honored guests, and"): a validation
 * line that is also an 'lm' line is left out, and a test line that is an 'lm' or validation line.
 * So is a validation or test line the generator could write: one that occurs word for word as a run
 * of words in a sentence of its corpus ("Supreme Court.", "This, however, would depend upon the law
 * of"; about 3% of lines, most of them a sentence's short last piece).
 */
import { createRng } from '../util/rng';
import { SOTU_EVERY, isUsableSentence, loadSentenceCorpus, normalizeTypography, sotuAddresses, sotuParagraphs, splitSentences } from './text';

/** A part of the prose (see the module comment). */
export type ProsePart = 'lm' | 'val' | 'test';

/** Characters per line at most, as the generator's lines (text.ts `maxChars`). */
export const PROSE_MAX_CHARS = 48;

/** Whether the address at `index` (of `sotuAddresses()`) is in `part`. */
export function isProseAddress(index: number, part: ProsePart): boolean {
  const r = index % SOTU_EVERY;
  if (part === 'lm') return r === 1;
  const other = Math.floor(index / SOTU_EVERY) % 2;
  return r === 2 && other === (part === 'val' ? 0 : 1);
}

/** A sentence cut into lines of at most `maxChars` at spaces (a word longer than that is a line alone). */
export function wrapSentence(sentence: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of sentence.split(' ')) {
    if (!word) continue;
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * For each line, whether its words occur, in order and adjacent, in one of `sentences` (words are
 * what a space separates, compared exactly). Each line is looked up by its rarest word, so this
 * stays fast for tens of thousands of lines against tens of thousands of sentences.
 */
export function occursInSentences(lines: readonly string[], sentences: readonly string[]): boolean[] {
  const words = sentences.map((s) => s.split(' '));
  // word -> where it occurs: [sentence, position, sentence, position, ...]
  const at = new Map<string, number[]>();
  words.forEach((ws, i) =>
    ws.forEach((w, j) => {
      const list = at.get(w);
      if (list) list.push(i, j);
      else at.set(w, [i, j]);
    }),
  );
  return lines.map((line) => {
    const ws = line.split(' ');
    let k = 0;
    for (let q = 1; q < ws.length; q++) if ((at.get(ws[q])?.length ?? 0) < (at.get(ws[k])?.length ?? 0)) k = q;
    const list = at.get(ws[k]);
    if (!list) return false;
    for (let p = 0; p < list.length; p += 2) {
      const sentence = words[list[p]];
      const start = list[p + 1] - k;
      if (start < 0 || start + ws.length > sentence.length) continue;
      let same = true;
      for (let q = 0; q < ws.length && same; q++) same = sentence[start + q] === ws[q];
      if (same) return true;
    }
    return false;
  });
}

const cache = new Map<string, readonly string[]>();

/** The lines of one part of the prose (see the module comment), cached per (part, maxChars). */
export function proseLines(part: ProsePart, maxChars = PROSE_MAX_CHARS): readonly string[] {
  if (!['lm', 'val', 'test'].includes(part)) throw new Error(`proseLines: part must be 'lm', 'val' or 'test', got '${String(part)}'`);
  if (!(Number.isInteger(maxChars) && maxChars >= 8)) throw new Error(`proseLines: maxChars must be an integer >= 8, got ${maxChars}`);
  const key = `${part}:${maxChars}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const lines: string[] = [];
  sotuAddresses().forEach((file, i) => {
    if (!isProseAddress(i, part)) return;
    for (const paragraph of sotuParagraphs(file)) {
      for (const sentence of splitSentences(normalizeTypography(paragraph))) {
        if (isUsableSentence(sentence)) lines.push(...wrapSentence(sentence, maxChars));
      }
    }
  });
  // A line the LM (or the weights' tuning) has read word for word ("Members of the Congress, honored
  // guests, and") is no measure of reading unseen text: validation leaves out 'lm' lines, test both;
  // and both leave out what the generator's corpus holds, which training lines may have written.
  if (part !== 'lm') {
    const seen = new Set([...proseLines('lm', maxChars), ...(part === 'test' ? proseLines('val', maxChars) : [])]);
    const written = occursInSentences(lines, loadSentenceCorpus().sentences);
    const kept = lines.filter((l, i) => !seen.has(l) && !written[i]);
    lines.length = 0;
    lines.push(...kept);
  }
  // Fisher-Yates with a fixed seed per part: the same order on every machine.
  const rng = createRng(part === 'lm' ? 1 : part === 'val' ? 2 : 3);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  cache.set(key, lines);
  return lines;
}
