/**
 * The characters a line model writes: digits, capitals, lower case (EMNIST ByClass's 62 classes, in
 * its order), the common punctuation marks, and the space; the CTC blank comes after them all.
 * And where each character sits relative to the baseline, which is how both synthetic sources
 * size and place a glyph (an `a` is body-high, a `b` rises above it, a `g` hangs below).
 */

/** Punctuation a line model writes. */
export const LINE_PUNCTUATION = '.,\'"-?!:;()/';

/** Label characters of line models, class index -> character; the blank is index LINE_CHARSET.length. */
export const LINE_CHARSET: readonly string[] = [
  ...'0123456789',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'abcdefghijklmnopqrstuvwxyz',
  ...LINE_PUNCTUATION,
  ' ',
];

/**
 * Vertical zone of a character:
 * - 'body': lower case that fills the body (x-height) and nothing else (a c e m n o r s u v w x z);
 * - 'ascender': lower case rising above the body to about cap height or more (b d f h k l t; i and j
 *   whose dot rises above it count here too);
 * - 'descender': lower case hanging below the baseline (g p q y; j is an ascender and a descender,
 *   listed as 'both');
 * - 'cap': capitals and digits, from the baseline to cap height;
 * - 'punct': punctuation, placed by its own rule (a comma at the baseline, an apostrophe at the top...).
 */
export type CharZone = 'body' | 'ascender' | 'descender' | 'both' | 'cap' | 'punct' | 'space';

export function charZone(c: string): CharZone {
  if (c === ' ') return 'space';
  if (/[0-9A-Z]/.test(c)) return 'cap';
  if ('acemnorsuvwxz'.includes(c)) return 'body';
  if ('bdfhklti'.includes(c)) return 'ascender';
  if ('gpqy'.includes(c)) return 'descender';
  if (c === 'j') return 'both';
  if (LINE_PUNCTUATION.includes(c)) return 'punct';
  throw new Error(`charZone: '${c}' is not a line character (${JSON.stringify(LINE_CHARSET.join(''))})`);
}
