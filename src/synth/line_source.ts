/**
 * What line models train on and are evaluated with, whatever makes the lines: a numbered,
 * deterministic source of line images of one split. Both generators implement it: the realistic
 * handwriting of handwriting.ts and the older EMNIST-glyph lines of lines.ts.
 */

/** One line image and its text. */
export interface LineImage {
  text: string;
  /** [height, paddedWidth] uint8, white ink (255) on black (0). */
  pixels: Uint8Array;
  height: number;
  /** Ink extent: columns >= width are background (the right margin). */
  width: number;
  paddedWidth: number;
}

/** A deterministic source of line images: line n is the same every time. */
export interface LineSource<L extends LineImage = LineImage> {
  readonly split: 'train' | 'val' | 'test';
  /** Label characters, class index -> character; the CTC blank is charset.length. */
  readonly charset: readonly string[];
  readonly height: number;
  /** A short name for reports ('words', 'random', 'handwriting', ...). */
  readonly name: string;
  /** What identifies these lines (seeds, options), for checkpoints and metadata. */
  readonly describe: Readonly<Record<string, string | number | boolean>>;
  line(n: number): L;
}
