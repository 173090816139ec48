import { FontLineStyle, drawFontLineStyle, fontCanWrite, renderFontLine } from '../src/synth/font_line';
import { loadFont, usableFonts } from '../src/synth/fonts';
import { InkLine } from '../src/synth/ink';
import { createRng } from '../src/util/rng';
import { FIXTURE, fixtureFont } from './synth_font_fixtures';

/** Nothing that varies: straight, upright, no jitter, warp or pen change. */
const STILL: Partial<FontLineStyle> = {
  slant: 0,
  rotation: 0,
  glyphJitter: 0,
  elasticAmplitude: 0,
  penOffset: 0,
  driftAmplitude: 0,
  tracking: 0,
};

/** Vertical extent of the ink, with fractional edges from the coverage of the first and last inked rows. */
function inkRows(line: InkLine, x0 = 0, x1 = line.width): { top: number; bottom: number } {
  const rowMax: number[] = [];
  for (let y = 0; y < line.height; y++) {
    let m = 0;
    for (let x = x0; x < x1; x++) m = Math.max(m, line.ink[y * line.width + x]);
    rowMax.push(m);
  }
  const first = rowMax.findIndex((v) => v > 0.01);
  let last = rowMax.length - 1;
  while (last >= 0 && rowMax[last] <= 0.01) last--;
  if (first < 0) throw new Error('no ink');
  return { top: first + 1 - rowMax[first], bottom: last + rowMax[last] };
}

/** Mean x of the ink in rows [y0, y1). */
function centroidX(line: InkLine, y0: number, y1: number): number {
  let sum = 0;
  let mass = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(line.height, Math.ceil(y1)); y++) {
    for (let x = 0; x < line.width; x++) {
      const v = line.ink[y * line.width + x];
      sum += v * x;
      mass += v;
    }
  }
  return sum / mass;
}

const fixture = fixtureFont();

describe('geometry on the made-up font', () => {
  test("an x alone: reported body height and baseline are the ink's, also with a thicker or thinner pen", () => {
    for (const penOffset of [0, 0.1, -0.05]) {
      const line = renderFontLine('x', fixture, createRng(1), { bodyHeight: [20, 20], style: { ...STILL, penOffset } });
      const { top, bottom } = inkRows(line);
      expect(line.bodyHeight).toBeCloseTo(20 * (1 + 2 * penOffset), 6);
      expect(Math.abs(bottom - top - line.bodyHeight)).toBeLessThan(0.3);
      expect(Math.abs(bottom - line.baseline)).toBeLessThan(0.2);
    }
  });

  test('a g hangs below the baseline by its descender', () => {
    const line = renderFontLine('g', fixture, createRng(1), { bodyHeight: [20, 20], style: STILL });
    const { bottom } = inkRows(line);
    expect(bottom - line.baseline).toBeCloseTo((-FIXTURE.descender / FIXTURE.xHeight) * 20, 0);
  });

  test('word space and tracking add exactly what they say', () => {
    const width = (text: string, style: Partial<FontLineStyle>): number => {
      const line = renderFontLine(text, fixture, createRng(3), { bodyHeight: [20, 20], style: { ...STILL, ...style } });
      return line.width;
    };
    expect(width('x x', { wordSpace: 1 }) - width('x x', { wordSpace: 0.5 })).toBeCloseTo(10, -0.5);
    expect(width('xxxx', { tracking: 0.1 }) - width('xxxx', { tracking: 0 })).toBeCloseTo(3 * 0.1 * 20, -0.5);
  });

  test('positive slant leans tops to the right by tan(slant) per pixel of height', () => {
    // The capital is a cross: above and below its bar only the vertical stroke has ink.
    const line = renderFontLine('I', fixture, createRng(1), { bodyHeight: [40, 40], style: { ...STILL, slant: 12 } });
    const { top, bottom } = inkRows(line);
    const band = (bottom - top) / 5;
    const upper = centroidX(line, top, top + band);
    const lower = centroidX(line, bottom - band, bottom);
    const rise = bottom - top - band;
    expect((upper - lower) / rise).toBeCloseTo(Math.tan((12 * Math.PI) / 180), 1);
  });

  test('positive rotation turns the line clockwise: its right end sits lower', () => {
    const line = renderFontLine('xxxxxxxxxxxx', fixture, createRng(1), { bodyHeight: [20, 20], style: { ...STILL, rotation: 2 } });
    const half = Math.floor(line.width / 2);
    const left = inkRows(line, 0, half);
    const right = inkRows(line, half, line.width);
    expect(right.bottom - left.bottom).toBeGreaterThan(0.5 * half * Math.tan((2 * Math.PI) / 180));
  });
});

describe('renderFontLine on installed fonts', () => {
  // Fonts whose x is a plain body letter (in many script fonts it has a tail below the baseline).
  const plainX = usableFonts().filter((family) => {
    const f = loadFont(family);
    const m = f.metrics;
    const b = f.glyph('x').bounds;
    const body = m.xHeight - m.bodyBottom;
    return Math.abs((b.y1 - b.y0) / body - 1) < 0.04 && Math.abs(b.y0 - m.bodyBottom) / body < 0.03;
  });

  test('an x alone, random style without the warp: body height within 10%, baseline within 1 px of its bottom', () => {
    expect(plainX.length).toBeGreaterThanOrEqual(10);
    for (const family of plainX.slice(0, 12)) {
      for (const seed of [1, 2, 3]) {
        const line = renderFontLine('x', family, createRng(seed), { bodyHeight: [15, 25], style: { elasticAmplitude: 0 } });
        const { top, bottom } = inkRows(line);
        const msg = `${family} seed ${seed}: ink ${top.toFixed(2)}..${bottom.toFixed(2)}, baseline ${line.baseline.toFixed(2)}, body ${line.bodyHeight.toFixed(2)}`;
        expect([msg, Math.abs(bottom - top - line.bodyHeight) / line.bodyHeight < 0.1]).toEqual([msg, true]);
        expect([msg, Math.abs(bottom - line.baseline) <= 1]).toEqual([msg, true]);
      }
    }
  });

  test('with the full style (warp included) the x still measures its reported body height within 25%', () => {
    for (const family of plainX.slice(0, 6)) {
      const line = renderFontLine('x', family, createRng(7), { bodyHeight: [15, 25] });
      const { top, bottom } = inkRows(line);
      expect(Math.abs(bottom - top - line.bodyHeight) / line.bodyHeight).toBeLessThan(0.25);
      expect(Math.abs(bottom - line.baseline) / line.bodyHeight).toBeLessThan(0.25);
    }
  });

  test('the descender of g hangs below the baseline', () => {
    for (const family of ['caveat', 'patrick-hand', 'dancing-script', 'indie-flower', 'great-vibes']) {
      const line = renderFontLine('g', family, createRng(5), { bodyHeight: [20, 20] });
      expect(inkRows(line).bottom - line.baseline).toBeGreaterThan(0.3 * line.bodyHeight);
    }
  });

  test('same seed, same line; another seed, another line', () => {
    const text = 'Quick brown fox, 1984: jumps!';
    const a = renderFontLine(text, 'caveat', createRng(11));
    const b = renderFontLine(text, 'caveat', createRng(11));
    const same = (p: InkLine, q: InkLine): boolean =>
      p.width === q.width &&
      p.height === q.height &&
      p.baseline === q.baseline &&
      p.bodyHeight === q.bodyHeight &&
      Buffer.from(p.ink.buffer).equals(Buffer.from(q.ink.buffer));
    expect(same(a, b)).toBe(true);
    expect(same(a, renderFontLine(text, 'caveat', createRng(12)))).toBe(false);
  });

  test('InkLine fields: sizes, coverage range, text, baseline inside, blank margins, room for ascenders', () => {
    for (const [i, family] of ['kalam', 'allura', 'schoolbell', 'sacramento'].entries()) {
      const text = 'ace noun';
      const line = renderFontLine(text, family, createRng(20 + i));
      expect(line.text).toBe(text);
      expect(line.ink.length).toBe(line.width * line.height);
      expect(Math.min(...line.ink)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...line.ink)).toBeLessThanOrEqual(1);
      expect(Math.max(...line.ink)).toBeGreaterThan(0.99);
      expect(line.bodyHeight).toBeGreaterThan(5);
      expect(line.baseline).toBeGreaterThan(line.bodyHeight);
      expect(line.baseline).toBeLessThan(line.height);
      const margin = Math.floor(0.3 * line.bodyHeight) - 1;
      for (let y = 0; y < line.height; y++) {
        for (let x = 0; x < margin; x++) {
          expect(line.ink[y * line.width + x]).toBe(0);
          expect(line.ink[y * line.width + line.width - 1 - x]).toBe(0);
        }
      }
      // No ascender in the text, yet the canvas has room above the body for one (and below for a descender).
      const m = loadFont(family).metrics;
      const ascender = ((m.ascender - m.bodyBottom) / (m.xHeight - m.bodyBottom)) * line.bodyHeight;
      expect(line.baseline).toBeGreaterThan(0.8 * ascender);
      expect(line.height - line.baseline).toBeGreaterThan(0.3 * line.bodyHeight);
    }
  });
});

describe('what the caller is told', () => {
  test('fontCanWrite and the errors name the character and the font', () => {
    const noSemicolon = fixtureFont({ family: 'fixture-no-semicolon', leaveOut: ';' });
    expect(fontCanWrite('caveat', "Hello, world! (it's 9:30)")).toBe(true);
    expect(fontCanWrite('caveat', 'a@b')).toBe(false);
    expect(fontCanWrite(noSemicolon, 'a;b')).toBe(false);
    expect(() => renderFontLine('a;b', noSemicolon, createRng(1))).toThrow(/font 'fixture-no-semicolon' does not draw ";"/);
    expect(() => renderFontLine('a@b', 'caveat', createRng(1))).toThrow(/"@" in "a@b" is not a line character/);
    expect(() => renderFontLine('   ', 'caveat', createRng(1))).toThrow(/nothing to draw/);
  });

  test('too wide throws before drawing', () => {
    expect(() => renderFontLine('hello world', 'caveat', createRng(1), { maxWidth: 50 })).toThrow(/more than maxWidth 50/);
    expect(() => renderFontLine('x'.repeat(3000), 'caveat', createRng(1))).toThrow(/more than maxWidth 6000/);
  });

  test('styles stay in their ranges, slant mostly forward, joined scripts keep tight spacing, pens both thin and thick', () => {
    const styles = (family: string): FontLineStyle[] => Array.from({ length: 400 }, (_, i) => drawFontLineStyle(family, createRng(i)));
    const print = styles('caveat');
    for (const s of print) {
      expect(s.bodyHeight).toBeGreaterThanOrEqual(10);
      expect(s.bodyHeight).toBeLessThanOrEqual(30);
      expect(Math.abs(s.slant)).toBeLessThanOrEqual(15);
      expect(s.tracking).toBeGreaterThanOrEqual(-0.05);
      expect(s.tracking).toBeLessThanOrEqual(0.15);
      expect(s.wordSpace).toBeGreaterThanOrEqual(0.5);
      expect(s.wordSpace).toBeLessThanOrEqual(1.3);
      expect(Math.abs(s.rotation)).toBeLessThanOrEqual(2);
      expect(s.driftAmplitude).toBeLessThanOrEqual(0.15);
      expect(s.elasticAmplitude).toBeGreaterThanOrEqual(0.05);
      expect(s.elasticAmplitude).toBeLessThanOrEqual(0.12);
      expect(Math.abs(s.penOffset)).toBeLessThanOrEqual(0.12);
    }
    const forward = print.filter((s) => s.slant >= 0 && s.slant <= 8).length / print.length;
    expect(forward).toBeGreaterThan(0.5);
    expect(print.filter((s) => s.penOffset > 0.02).length).toBeGreaterThan(40);
    expect(print.filter((s) => s.penOffset < -0.01).length).toBeGreaterThan(40);
    expect(loadFont('dancing-script').metrics.cursive).toBe(true);
    for (const s of styles('dancing-script')) {
      expect(s.tracking).toBeGreaterThanOrEqual(-0.02);
      expect(s.tracking).toBeLessThanOrEqual(0.03);
    }
    // A fixed part of the style is taken as given.
    expect(drawFontLineStyle('caveat', createRng(1), { bodyHeight: [12, 12], style: { slant: -3 } })).toMatchObject({ bodyHeight: 12, slant: -3 });
  });
});
