/**
 * The handwriting fonts synthetic lines are drawn with: which families there are (the @fontsource
 * packages in package.json) and which of them are held out for testing, loading one (its latin
 * .woff, parsed by opentype.js, cached), and what each one really draws.
 *
 * Fonts are judged by their outlines, not their tables (OS/2 heights are missing or wrong in many
 * handwriting fonts): which line characters have a real glyph, the body (x-height) and cap heights,
 * ascenders, descenders, stroke width, whether letters join (cursive), and whether the "lower case"
 * is really capitals or small capitals. A font that writes caps only, or lacks more than a few letters
 * or digits, or was judged illegible by eye on the font sheet (scripts/font-sheet.js), is not
 * usable: `fontProblems` says why, `usableFonts` lists the rest.
 *
 * The held-out split is by family: a test font is never drawn for training, so test lines measure
 * generalisation to an unseen hand, as real photos do.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as opentype from 'opentype.js';
import { LINE_CHARSET } from './charset';
import { Coverage, PathCommand, Polygons, fillPolygons, flattenPath, perimeter, polygonBounds, signedArea } from './outline';

export type FontSplit = 'train' | 'test';

/** A registered handwriting family: the @fontsource package name without its scope. */
export interface HandwritingFont {
  family: string;
  split: FontSplit;
}

/** Families held out for testing (the proxy set): never used to draw training lines. */
export const TEST_FONT_FAMILIES: readonly string[] = ['allura', 'dancing-script', 'homemade-apple', 'patrick-hand', 'schoolbell'];

// Every @fontsource dependency of package.json (test/synth_fonts.test.ts checks the two agree). A
// literal list rather than a read of package.json at run time: dist/ has no package.json beside it.
const FAMILIES: readonly string[] = [
  'alex-brush', 'allura', 'annie-use-your-telescope', 'architects-daughter', 'bad-script',
  'beth-ellen', 'bilbo', 'borel', 'caveat', 'caveat-brush', 'cedarville-cursive', 'charm',
  'chilanka', 'clicker-script', 'comic-neue', 'coming-soon', 'cookie', 'courgette',
  'covered-by-your-grace', 'crafty-girls', 'dancing-script', 'dawning-of-a-new-day', 'dekko',
  'delius', 'edu-nsw-act-foundation', 'edu-qld-beginner', 'edu-sa-beginner', 'edu-tas-beginner',
  'edu-vic-wa-nt-beginner', 'engagement', 'gaegu', 'give-you-glory', 'gloria-hallelujah',
  'gochi-hand', 'grand-hotel', 'grape-nuts', 'great-vibes', 'handlee', 'homemade-apple',
  'indie-flower', 'itim', 'jim-nightshade', 'just-another-hand', 'just-me-again-down-here', 'kalam',
  'kaushan-script', 'kristi', 'la-belle-aurore', 'league-script', 'loved-by-the-king', 'mali',
  'mansalva', 'marck-script', 'meddon', 'merienda', 'montez', 'mr-dafoe', 'nanum-brush-script',
  'nanum-pen-script', 'neucha', 'niconne', 'norican', 'nothing-you-could-do', 'over-the-rainbow',
  'pacifico', 'pangolin', 'parisienne', 'patrick-hand', 'permanent-marker', 'pinyon-script',
  'playwrite-ca', 'playwrite-de-grund', 'playwrite-fr-moderne', 'playwrite-ie',
  'playwrite-it-moderna', 'playwrite-mx', 'playwrite-nz', 'playwrite-us-modern', 'playwrite-us-trad',
  'playwrite-za', 'rancho', 'redressed', 'reenie-beanie', 'rochester', 'rock-salt', 'rouge-script',
  'sacramento', 'satisfy', 'schoolbell', 'sedgwick-ave', 'shadows-into-light',
  'shadows-into-light-two', 'short-stack', 'sofadi-one', 'solitreo', 'sriracha', 'stalemate',
  'sue-ellen-francisco', 'sunshiney', 'swanky-and-moo-moo', 'tangerine', 'the-girl-next-door',
  'vibur', 'waiting-for-the-sunrise', 'walter-turncoat', 'yellowtail', 'yesteryear', 'zeyada',
];

/** Every installed handwriting family with its split. */
export const HANDWRITING_FONTS: readonly HandwritingFont[] = FAMILIES.map((family) => ({
  family,
  split: TEST_FONT_FAMILIES.includes(family) ? 'test' : 'train',
}));

/**
 * Families dropped after looking at them on the font sheet (outputs/font-sheet.png), with why:
 * problems the outline checks cannot see.
 */
export const REJECTED_BY_EYE: Readonly<Record<string, string>> = {
  kristi: "condensed letters that join into one scribble below a body of ~25 px ('brown' reads as a blot)",
};

/** Heights and widths measured from outlines, in font units (y up, baseline 0). */
export interface FontMetrics {
  unitsPerEm: number;
  /** Median top of the body letters a c e m n o r s u v w x z. */
  xHeight: number;
  /** Median bottom of the same letters (near 0; below it by their overshoot, above it in fonts that float). */
  bodyBottom: number;
  /** Median top of the flat-topped capitals E F H I K L M N T U V W X Z. */
  capHeight: number;
  /** Median top of b d h k l. */
  ascender: number;
  /** Median bottom of g p q y (negative). */
  descender: number;
  /** Median stroke width of the body letters, 2 area / perimeter (exact for a long thin stroke). */
  strokeWidth: number;
  /**
   * Narrow white inside letters: the lower quartile of white runs between ink along rows at 35, 50
   * and 65% of the body of the body letters (the eye of an e, between the legs of an n). A thicker
   * pen closes these first, so it bounds how much a stroke may grow.
   */
  counterWidth: number;
  /**
   * Thin strokes: the 10th percentile, over the body letters' ink, of the shorter of the horizontal
   * and vertical ink runs through a point. A thinner pen loses these first.
   */
  hairline: number;
  /** Median gap the body letters leave to their neighbours (both side bearings) over the x-height: <= ~0.05 when letters join. */
  sideGap: number;
  /** Letters join (script fonts): spacing between letters must stay small or the joins break. */
  cursive: boolean;
}

/** One character's outline, cached per font: font units, y up. */
export interface GlyphOutline {
  char: string;
  /** Glyph index in the font (0 is .notdef). */
  index: number;
  advance: number;
  commands: readonly PathCommand[];
  /** Ink bounds from the flattened outline; x0 > x1 when the glyph draws nothing. */
  bounds: { x0: number; y0: number; x1: number; y1: number };
  /** Absolute filled area, font units squared. */
  area: number;
}

/** A parsed font with what the line renderer needs, caches included. */
export interface LoadedFont {
  family: string;
  split: FontSplit;
  /** The .woff file parsed. */
  file: string;
  font: opentype.Font;
  metrics: FontMetrics;
  /** Line characters the font really draws (space always). */
  drawable: ReadonlySet<string>;
  /** Characters of LINE_CHARSET it does not draw: no glyph, .notdef, or an empty outline. */
  missing: readonly string[];
  /** The outline of `char` (cached); throws for a character the font does not draw. */
  glyph(char: string): GlyphOutline;
  /** Kerning between two characters, font units (cached). */
  kerning(left: string, right: string): number;
}

const loaded = new Map<string, LoadedFont>();

/** The registry entry of `family`; throws naming the known families otherwise. */
export function handwritingFont(family: string): HandwritingFont {
  const entry = HANDWRITING_FONTS.find((f) => f.family === family);
  if (!entry) {
    throw new Error(`handwriting font '${family}' is not registered; known: ${FAMILIES.join(', ')} (src/synth/fonts.ts)`);
  }
  return entry;
}

/** Path of the latin normal .woff of `family`: weight 400, or the lowest weight present. */
export function fontFile(family: string): string {
  let packageJson: string;
  try {
    packageJson = require.resolve(`@fontsource/${family}/package.json`);
  } catch {
    throw new Error(`font '${family}': package @fontsource/${family} is not installed; run npm install @fontsource/${family}`);
  }
  const dir = path.join(path.dirname(packageJson), 'files');
  const pattern = new RegExp(`^${family.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-latin-(\\d+)-normal\\.woff$`);
  const weights = (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    .map((name) => pattern.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], weight: Number(m[1]) }))
    .sort((a, b) => a.weight - b.weight);
  const chosen = weights.find((w) => w.weight === 400) ?? weights[0];
  if (!chosen) {
    throw new Error(
      `font '${family}': no ${family}-latin-<weight>-normal.woff in ${dir} (opentype.js reads .woff, not .woff2); reinstall @fontsource/${family}`,
    );
  }
  return path.join(dir, chosen.name);
}

/** Parses `family`'s latin .woff (once; later calls return the cached font). */
export function loadFont(family: string): LoadedFont {
  const cached = loaded.get(family);
  if (cached) return cached;
  const { split } = handwritingFont(family);
  const file = fontFile(family);
  const bytes = fs.readFileSync(file);
  let font: opentype.Font;
  try {
    font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } catch (err) {
    throw new Error(`font '${family}': opentype.js cannot parse ${file} (${err instanceof Error ? err.message : err}); reinstall @fontsource/${family}`);
  }
  const result = fontFromOpentype(font, { family, split, file });
  loaded.set(family, result);
  return result;
}

/**
 * Wraps a parsed opentype.js font: its drawable characters, metrics and caches. `loadFont` uses it
 * for the registered families; it also takes fonts made in memory (tests build small ones).
 */
export function fontFromOpentype(font: opentype.Font, info: { family: string; split: FontSplit; file?: string }): LoadedFont {
  const { family, split } = info;
  const glyphs = new Map<string, GlyphOutline>();
  const outline = (char: string): GlyphOutline => {
    let g = glyphs.get(char);
    if (!g) {
      g = readGlyph(font, char);
      glyphs.set(char, g);
    }
    return g;
  };
  const drawable = new Set<string>([' ']);
  const missing: string[] = [];
  for (const c of LINE_CHARSET) {
    if (c === ' ') continue;
    if (drawsSomething(outline(c), font.unitsPerEm)) drawable.add(c);
    else missing.push(c);
  }
  const kerns = new Map<string, number>();
  return {
    family,
    split,
    file: info.file ?? '',
    font,
    metrics: measureFont(font, outline),
    drawable,
    missing,
    glyph(char: string): GlyphOutline {
      if (!drawable.has(char)) {
        throw new Error(`font '${family}' does not draw ${JSON.stringify(char)}; check the text with fontCanWrite first`);
      }
      return outline(char);
    },
    kerning(left: string, right: string): number {
      const key = left + right;
      let k = kerns.get(key);
      if (k === undefined) {
        k = font.getKerningValue(outline(left).index, outline(right).index) || 0;
        kerns.set(key, k);
      }
      return k;
    },
  };
}

function readGlyph(font: opentype.Font, char: string): GlyphOutline {
  const g = font.charToGlyph(char);
  const commands = (g.path?.commands ?? []) as PathCommand[];
  const polys = flattenPath(commands, undefined, { tolerance: font.unitsPerEm / 2000 });
  return {
    char,
    index: g.index,
    advance: g.advanceWidth ?? 0,
    commands: g.index === 0 ? [] : commands,
    bounds: polygonBounds(polys),
    area: Math.abs(signedArea(polys)),
  };
}

function drawsSomething(g: GlyphOutline, unitsPerEm: number): boolean {
  // A dot is about (0.05 em)^2; anything below a hundredth of that is an empty or degenerate outline.
  return g.index !== 0 && g.commands.length > 0 && g.area > (unitsPerEm * 0.005) ** 2;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const BODY_LETTERS = [...'acemnorsuvwxz'];
const FLAT_CAPITALS = [...'EFHIKLMNTUVWXZ'];

function measureFont(font: opentype.Font, outline: (c: string) => GlyphOutline): FontMetrics {
  const present = (chars: string[]): GlyphOutline[] =>
    chars.map(outline).filter((g) => drawsSomething(g, font.unitsPerEm));
  const body = present(BODY_LETTERS);
  const xHeight = median(body.map((g) => g.bounds.y1));
  const bodyBottom = median(body.map((g) => g.bounds.y0));
  const strokeWidth = median(
    body.map((g) => {
      const polys = flattenPath(g.commands, undefined, { tolerance: font.unitsPerEm / 2000 });
      return (2 * g.area) / perimeter(polys);
    }),
  );
  const { counterWidth, hairline } = measureWhiteAndInk(body, xHeight, bodyBottom);
  const sideGap = median(body.map((g) => (g.bounds.x0 + (g.advance - g.bounds.x1)) / (xHeight - bodyBottom)));
  return {
    unitsPerEm: font.unitsPerEm,
    xHeight,
    bodyBottom,
    capHeight: median(present(FLAT_CAPITALS).map((g) => g.bounds.y1)),
    ascender: median(present([...'bdhkl']).map((g) => g.bounds.y1)),
    descender: median(present([...'gpqy']).map((g) => g.bounds.y0)),
    strokeWidth,
    counterWidth,
    hairline,
    sideGap,
    cursive: sideGap <= 0.05,
  };
}

/**
 * Narrow white and thin ink of the body letters, from a rendering with the body 100 pixels high:
 * `counterWidth`, the lower quartile of white runs between ink along rows at 35, 50 and 65% of the
 * body; `hairline`, the 10th percentile over inked pixels of the shorter of the horizontal and
 * vertical ink runs through them (a local stroke thickness). Font units.
 */
function measureWhiteAndInk(body: GlyphOutline[], xHeight: number, bodyBottom: number): { counterWidth: number; hairline: number } {
  const BODY_PX = 100;
  const u = BODY_PX / (xHeight - bodyBottom);
  const whites: number[] = [];
  const thickness: number[] = [];
  for (const g of body) {
    const width = Math.ceil((g.bounds.x1 - g.bounds.x0) * u) + 4;
    const height = Math.ceil((g.bounds.y1 - g.bounds.y0) * u) + 4;
    const top = g.bounds.y1 * u + 2; // image row of font y = 0 is `top`
    const image: Coverage = { width, height, data: new Float32Array(width * height) };
    fillPolygons(image, flattenPath(g.commands, [u, 0, 2 - g.bounds.x0 * u, 0, -u, top], { tolerance: 0.2 }), { subRows: 2 });
    const ink = (x: number, y: number): boolean => image.data[y * width + x] >= 0.5;
    for (const f of [0.35, 0.5, 0.65]) {
      const y = Math.round(top - (bodyBottom + f * (xHeight - bodyBottom)) * u);
      if (y < 0 || y >= height) continue;
      let seenInk = false;
      let whiteStart = -1;
      for (let x = 0; x < width; x++) {
        if (ink(x, y)) {
          if (seenInk && whiteStart >= 0) whites.push(x - whiteStart);
          seenInk = true;
          whiteStart = -1;
        } else if (whiteStart < 0) {
          whiteStart = x;
        }
      }
    }
    // Horizontal run lengths, then vertical ones, per inked pixel.
    const runH = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; ) {
        if (!ink(x, y)) {
          x++;
          continue;
        }
        let e = x;
        while (e < width && ink(e, y)) e++;
        for (let i = x; i < e; i++) runH[y * width + i] = e - x;
        x = e;
      }
    }
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; ) {
        if (!ink(x, y)) {
          y++;
          continue;
        }
        let e = y;
        while (e < height && ink(x, e)) e++;
        for (let i = y; i < e; i++) thickness.push(Math.min(e - y, runH[i * width + x]));
        y = e;
      }
    }
  }
  const quantile = (v: number[], q: number): number => {
    const s = [...v].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  };
  return {
    // No letter with a counter: nothing to close.
    counterWidth: whites.length ? quantile(whites, 0.25) / u : xHeight - bodyBottom,
    hairline: thickness.length ? quantile(thickness, 0.1) / u : 0,
  };
}

/** What `checkFont` found about a family. */
export interface FontCheck {
  family: string;
  split: FontSplit;
  missing: readonly string[];
  metrics: FontMetrics;
  /** Lower case written as capitals or small capitals. */
  capsOnly: boolean;
  /** The numbers behind `capsOnly`. */
  capsEvidence: {
    /** Body letters whose glyph is the capital's (same index or the same outline). */
    sameAsCapital: number;
    /** x-height / cap height: > 0.9 means the body letters are as tall as capitals. */
    bodyToCap: number;
    /** Ascender height / x-height: ~1 means b d h k l do not rise above the body. */
    ascenderToBody: number;
    /** Median shape overlap (intersection over union, each glyph scaled to its box) of a b d e g h n q r with their capitals. */
    shapeOverlap: number;
  };
  /** Why the font is not used; empty when it is usable. */
  problems: string[];
}

const checks = new WeakMap<LoadedFont, FontCheck>();

/** Letters whose lower case differs from the capital in shape, not only size. */
const SHAPE_LETTERS = [...'abdeghnqr'];

/** Checks a font (cached): missing characters, caps-only lower case, rejection by eye. */
export function checkFont(font: string | LoadedFont): FontCheck {
  const f = typeof font === 'string' ? loadFont(font) : font;
  const cached = checks.get(f);
  if (cached) return cached;
  const { family } = f;
  const m = f.metrics;
  const problems: string[] = [];
  const lettersAndDigits = f.missing.filter((c) => /[0-9A-Za-z]/.test(c));
  if (lettersAndDigits.length > 3) {
    problems.push(`does not draw ${lettersAndDigits.length} letters/digits (${lettersAndDigits.join('')})`);
  }
  const pairs = BODY_LETTERS.filter((c) => f.drawable.has(c) && f.drawable.has(c.toUpperCase()));
  const sameAsCapital = pairs.filter((c) => sameOutline(f.glyph(c), f.glyph(c.toUpperCase()))).length;
  const bodyToCap = (m.xHeight - m.bodyBottom) / (m.capHeight - m.bodyBottom);
  const ascenderToBody = (m.ascender - m.bodyBottom) / (m.xHeight - m.bodyBottom);
  // Any one sign makes a font caps-only. Body height alone is a weak one (gochi-hand writes a real
  // lower case at 0.86 of its capitals' height), so its bar is higher than ~0.85.
  const shapeOverlap = median(
    SHAPE_LETTERS.filter((c) => f.drawable.has(c) && f.drawable.has(c.toUpperCase())).map((c) =>
      boxedOverlap(f.glyph(c), f.glyph(c.toUpperCase())),
    ),
  );
  const signs = [
    sameAsCapital >= pairs.length / 2 ? `${sameAsCapital}/${pairs.length} body letters are the capital's glyph` : '',
    bodyToCap > 0.9 ? `body letters are ${bodyToCap.toFixed(2)} of the capitals' height` : '',
    ascenderToBody < 1.15 ? `b d h k l rise only to ${ascenderToBody.toFixed(2)} of the body` : '',
    shapeOverlap > 0.75 ? `lower case has the capitals' shapes (overlap ${shapeOverlap.toFixed(2)})` : '',
  ].filter((x) => x !== '');
  const capsOnly = signs.length > 0;
  if (capsOnly) problems.push(`caps-only: lower case drawn as capitals or small capitals (${signs.join('; ')})`);
  if (Object.prototype.hasOwnProperty.call(REJECTED_BY_EYE, family)) problems.push(`rejected by eye: ${REJECTED_BY_EYE[family]}`);
  const check: FontCheck = {
    family,
    split: f.split,
    missing: f.missing,
    metrics: m,
    capsOnly,
    capsEvidence: { sameAsCapital, bodyToCap, ascenderToBody, shapeOverlap },
    problems,
  };
  checks.set(f, check);
  return check;
}

function sameOutline(a: GlyphOutline, b: GlyphOutline): boolean {
  if (a.index === b.index) return true;
  if (a.commands.length !== b.commands.length) return false;
  return JSON.stringify(a.commands) === JSON.stringify(b.commands);
}

/** Intersection over union of two glyphs, each stretched to fill a 24x24 box: same shape at any size -> ~1. */
function boxedOverlap(a: GlyphOutline, b: GlyphOutline): number {
  const N = 24;
  const raster = (g: GlyphOutline): Float32Array => {
    const { x0, y0, x1, y1 } = g.bounds;
    const sx = N / Math.max(x1 - x0, 1e-9);
    const sy = N / Math.max(y1 - y0, 1e-9);
    // Font y up -> image y down.
    const polys: Polygons = flattenPath(g.commands, [sx, 0, -x0 * sx, 0, -sy, y1 * sy], { tolerance: 0.05 });
    const image: Coverage = { width: N, height: N, data: new Float32Array(N * N) };
    fillPolygons(image, polys, { subRows: 4 });
    return image.data;
  };
  const ra = raster(a);
  const rb = raster(b);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < ra.length; i++) {
    inter += Math.min(ra[i], rb[i]);
    union += Math.max(ra[i], rb[i]);
  }
  return union > 0 ? inter / union : 0;
}

/** Why a font is not used for synthetic lines; empty when it is usable. */
export function fontProblems(font: string | LoadedFont): string[] {
  return [...checkFont(font).problems];
}

/** Families (of `split`, or all) with no problems, in registry order. Loads and checks every one the first time. */
export function usableFonts(split?: FontSplit): string[] {
  return HANDWRITING_FONTS.filter((f) => (split === undefined || f.split === split) && checkFont(f.family).problems.length === 0).map(
    (f) => f.family,
  );
}
