/**
 * A tiny made-up font with known geometry, for the font registry and line renderer tests (font units,
 * 1000 per em, y up): body letters are rectangular rings 400 x 500 with strokes 80 thick, ascenders
 * add a stem up to 750, descenders a stem down to -250, capitals and digits are crosses 700 high,
 * punctuation a 100-unit square. Variants: lower case drawn with the capitals' outlines (caps-only),
 * and characters left out.
 */
import * as opentype from 'opentype.js';
import { LINE_CHARSET, charZone } from '../src/synth/charset';
import { LoadedFont, fontFromOpentype } from '../src/synth/fonts';

export const FIXTURE = { xHeight: 500, capHeight: 700, ascender: 750, descender: -250, stroke: 80, advance: 500 };

/** A clockwise-in-font-units rectangle (reversed: counter-clockwise), as a closed path. */
function rect(p: opentype.Path, x0: number, y0: number, x1: number, y1: number, reverse = false): void {
  const pts: Array<[number, number]> = [
    [x0, y0],
    [x0, y1],
    [x1, y1],
    [x1, y0],
  ];
  if (reverse) pts.reverse();
  p.moveTo(pts[0][0], pts[0][1]);
  for (const [x, y] of pts.slice(1)) p.lineTo(x, y);
  p.close();
}

function ring(p: opentype.Path, x0: number, y0: number, x1: number, y1: number): void {
  const s = FIXTURE.stroke;
  rect(p, x0, y0, x1, y1);
  rect(p, x0 + s, y0 + s, x1 - s, y1 - s, true);
}

function capitalPath(): opentype.Path {
  const p = new opentype.Path();
  rect(p, 50, 310, 550, 390);
  rect(p, 260, 0, 340, FIXTURE.capHeight);
  return p;
}

function glyphPath(c: string, capsOnly: boolean): opentype.Path {
  const zone = charZone(c);
  if (zone === 'cap' || (capsOnly && /[a-z]/.test(c))) return capitalPath();
  const p = new opentype.Path();
  if (zone === 'punct') {
    rect(p, 50, 0, 150, 100);
    return p;
  }
  ring(p, 50, 0, 450, FIXTURE.xHeight);
  if (zone === 'ascender' || zone === 'both') rect(p, 50, 0, 130, FIXTURE.ascender);
  if (zone === 'descender' || zone === 'both') rect(p, 370, FIXTURE.descender, 450, FIXTURE.xHeight);
  return p;
}

/** The fixture font through opentype.js (written to bytes and parsed back, as a real font file is). */
export function fixtureFont(opts: { family?: string; capsOnly?: boolean; leaveOut?: string } = {}): LoadedFont {
  const glyphs = [new opentype.Glyph({ name: '.notdef', advanceWidth: 500, path: new opentype.Path() })];
  glyphs.push(new opentype.Glyph({ name: 'space', unicode: 32, advanceWidth: 250, path: new opentype.Path() }));
  for (const c of LINE_CHARSET) {
    if (c === ' ' || opts.leaveOut?.includes(c)) continue;
    const zone = charZone(c);
    const advance = zone === 'punct' ? 200 : zone === 'cap' || (opts.capsOnly && /[a-z]/.test(c)) ? 600 : FIXTURE.advance;
    glyphs.push(new opentype.Glyph({ name: `u${c.charCodeAt(0)}`, unicode: c.charCodeAt(0), advanceWidth: advance, path: glyphPath(c, !!opts.capsOnly) }));
  }
  const font = new opentype.Font({ familyName: 'Fixture', styleName: 'Regular', unitsPerEm: 1000, ascender: 800, descender: -250, glyphs });
  // opentype.js 1.3 cannot look glyphs up in a font built in memory; a round trip through bytes can.
  return fontFromOpentype(opentype.parse(font.toArrayBuffer()), { family: opts.family ?? 'fixture', split: 'train' });
}
