import * as fs from 'fs';
import * as path from 'path';
import {
  HANDWRITING_FONTS,
  REJECTED_BY_EYE,
  TEST_FONT_FAMILIES,
  checkFont,
  fontFile,
  fontProblems,
  loadFont,
  usableFonts,
} from '../src/synth/fonts';
import { LINE_CHARSET } from '../src/synth/charset';
import { fillPolygons, flattenPath } from '../src/synth/outline';
import { FIXTURE, fixtureFont } from './synth_font_fixtures';

describe('registry', () => {
  test('lists exactly the @fontsource dependencies of package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    const installed = Object.keys(pkg.dependencies)
      .filter((name) => name.startsWith('@fontsource/'))
      .map((name) => name.slice('@fontsource/'.length))
      .sort();
    expect(HANDWRITING_FONTS.map((f) => f.family).sort()).toEqual(installed);
  });

  test('holds out exactly the five proxy families for test', () => {
    const test = HANDWRITING_FONTS.filter((f) => f.split === 'test').map((f) => f.family).sort();
    expect(test).toEqual(['allura', 'dancing-script', 'homemade-apple', 'patrick-hand', 'schoolbell']);
    expect([...TEST_FONT_FAMILIES].sort()).toEqual(test);
    expect(HANDWRITING_FONTS.filter((f) => f.split === 'train').length).toBe(HANDWRITING_FONTS.length - 5);
  });

  test('fontFile picks the latin 400 normal .woff, also when other weights exist', () => {
    for (const family of ['caveat', 'mali', 'patrick-hand']) {
      expect(path.basename(fontFile(family))).toBe(`${family}-latin-400-normal.woff`);
    }
  });

  test('errors name the family and what to do', () => {
    expect(() => loadFont('no-such-hand')).toThrow(/'no-such-hand' is not registered/);
    expect(() => fontFile('no-such-hand')).toThrow(/npm install @fontsource\/no-such-hand/);
  });

  test('loadFont parses once and caches', () => {
    const a = loadFont('caveat');
    expect(loadFont('caveat')).toBe(a);
    expect(a.font.unitsPerEm).toBeGreaterThan(0);
    expect(a.glyph('a')).toBe(a.glyph('a'));
  });
});

describe('checks on a made-up font of known geometry', () => {
  test('metrics come out of the outlines exactly', () => {
    const f = fixtureFont();
    const m = f.metrics;
    expect(m.xHeight).toBeCloseTo(FIXTURE.xHeight, 6);
    expect(m.bodyBottom).toBeCloseTo(0, 6);
    expect(m.capHeight).toBeCloseTo(FIXTURE.capHeight, 6);
    expect(m.ascender).toBeCloseTo(FIXTURE.ascender, 6);
    expect(m.descender).toBeCloseTo(FIXTURE.descender, 6);
    expect(m.strokeWidth).toBeCloseTo(FIXTURE.stroke, 3); // ring: area = stroke x mean perimeter
    // The white inside a ring, 400 - 2 x 80 wide, measured on a 100 px raster.
    expect(Math.abs(m.counterWidth - 240) / 240).toBeLessThan(0.02);
    expect(Math.abs(m.hairline - FIXTURE.stroke) / FIXTURE.stroke).toBeLessThan(0.05);
    expect(m.sideGap).toBeCloseTo(100 / 500, 6);
    expect(m.cursive).toBe(false);
    expect(f.missing).toEqual([]);
    expect(fontProblems(f)).toEqual([]);
  });

  test('lower case drawn with the capitals is caps-only', () => {
    const c = checkFont(fixtureFont({ family: 'fixture-caps', capsOnly: true }));
    expect(c.capsOnly).toBe(true);
    expect(c.capsEvidence.sameAsCapital).toBe(13);
    expect(c.problems.join()).toMatch(/caps-only/);
  });

  test('a font without 4 letters/digits is out; without 2 punctuation marks it is in but cannot write them', () => {
    const lacking = checkFont(fixtureFont({ family: 'fixture-lacking', leaveOut: 'qxz7' }));
    expect([...lacking.missing].sort()).toEqual(['7', 'q', 'x', 'z']);
    expect(lacking.problems.join()).toMatch(/does not draw 4 letters\/digits \(7qxz\)/);
    const f = fixtureFont({ family: 'fixture-punct', leaveOut: ';/' });
    expect(checkFont(f).problems).toEqual([]);
    expect(f.drawable.has(';')).toBe(false);
    expect(() => f.glyph(';')).toThrow(/font 'fixture-punct' does not draw ";"/);
  });
});

describe('installed fonts', () => {
  const families = HANDWRITING_FONTS.map((f) => f.family);

  test('caps-only fonts are found and excluded, real lower case is kept', () => {
    // Permanent Marker, Rock Salt and Walter Turncoat write small capitals for lower case.
    for (const family of ['permanent-marker', 'rock-salt', 'walter-turncoat']) {
      expect(checkFont(family).capsOnly).toBe(true);
      expect(fontProblems(family).join()).toMatch(/caps-only/);
    }
    // Tall lower case (0.86 of its capitals) with real ascenders and descenders.
    expect(checkFont('gochi-hand').capsOnly).toBe(false);
    for (const family of ['caveat', 'patrick-hand', 'dancing-script']) expect(checkFont(family).capsOnly).toBe(false);
  });

  test('usable fonts: the held-out five for test, the rest of the clean ones for train', () => {
    expect(usableFonts('test')).toEqual(HANDWRITING_FONTS.filter((f) => f.split === 'test').map((f) => f.family));
    const train = usableFonts('train');
    expect(train.some((f) => TEST_FONT_FAMILIES.includes(f))).toBe(false);
    for (const family of families) {
      const usable = usableFonts().includes(family);
      expect(usable).toBe(fontProblems(family).length === 0);
    }
    for (const family of Object.keys(REJECTED_BY_EYE)) expect(usableFonts()).not.toContain(family);
    expect(train.length).toBeGreaterThanOrEqual(50);
  });

  test('every usable font draws every line character', () => {
    for (const family of usableFonts()) {
      const f = loadFont(family);
      expect({ family, missing: f.missing }).toEqual({ family, missing: [] });
      for (const c of LINE_CHARSET) expect(f.drawable.has(c)).toBe(true);
    }
  });

  test('metrics are plausible, and the x-height is where the body letters\' ink ends', () => {
    for (const family of families) {
      const m = loadFont(family).metrics;
      const body = m.xHeight - m.bodyBottom;
      const msg = `${family}: ${JSON.stringify(m)}`;
      expect([msg, body / (m.capHeight - m.bodyBottom) > 0.3 && body / (m.capHeight - m.bodyBottom) < 0.92]).toEqual([msg, true]);
      expect([msg, m.descender < m.bodyBottom && m.capHeight > m.xHeight]).toEqual([msg, true]);
      // The thinnest, league-script's hairline pen, is 0.033 of its body (the line style thickens it).
      expect([msg, m.strokeWidth / body > 0.03 && m.strokeWidth / body < 0.3]).toEqual([msg, true]);
    }
    // Independently of the outline bounds: the tops of the body letters' ink, rendered at 200 px per em.
    for (const family of families) {
      const f = loadFont(family);
      const u = 200 / f.metrics.unitsPerEm;
      const tops: number[] = [];
      for (const c of 'acemnorsuvwxz') {
        const { x0, x1, y1 } = f.glyph(c).bounds;
        const width = Math.ceil((x1 - x0) * u) + 4;
        const height = Math.ceil(Math.max(y1, 0) * u) + 4; // rows above the baseline only
        const image = { width, height, data: new Float32Array(width * height) };
        fillPolygons(image, flattenPath(f.glyph(c).commands, [u, 0, 2 - x0 * u, 0, -u, height], { tolerance: 0.1 }), { subRows: 4 });
        let top = -1;
        for (let i = 0; i < image.data.length && top < 0; i++) if (image.data[i] > 0) top = Math.floor(i / width);
        tops.push((height - top) / u); // font units; the top pixel row's upper edge
      }
      tops.sort((a, b) => a - b);
      const body = f.metrics.xHeight - f.metrics.bodyBottom;
      expect([family, Math.abs(tops[6] - f.metrics.xHeight) / body < 0.03]).toEqual([family, true]);
    }
  });
});
