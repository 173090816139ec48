/**
 * bench:read's scoring and reporting (bench/read_report.ts), its reading loop with a fake reader,
 * its arguments, and the PNG chunk surgery its images go through. No Tesseract and no model here:
 * the figures are checked against counts done by hand from the definitions.
 */
import sharp from 'sharp';
import { ArgumentError, BenchSet, changedLook, parseBenchReadArgs, readSet } from '../bench/read';
import { dropPngChunks } from '../bench/png_chunks';
import { Reader } from '../bench/read_readers';
import {
  Reading, ReaderScore, SetReport, formatTable, formatVerdicts, normaliseReading, oursAhead, scoreReader, verdictLine,
} from '../bench/read_report';

const read = (texts: string[], ms = 10): Reading[] => texts.map((text) => ({ text, ms }));

/** A score with only what the verdict looks at set. */
function score(reader: string, kind: 'ours' | 'tesseract', edits: number, targetChars = 100): ReaderScore {
  return { reader, kind, n: 10, cer: edits / targetChars, edits, targetChars, looseCer: 0, wer: 0, exact: 0, rightLines: 1, msPerLine: 1, errors: 0 };
}

describe('normaliseReading', () => {
  test('collapses spaces, trims lines, drops empty ones, turns CR LF and form feeds into line breaks', () => {
    expect(normaliseReading('  a  b\t c \n\n')).toBe('a b c');
    expect(normaliseReading('one\r\n\r\n two \ftail\f')).toBe('one\ntwo\ntail');
    expect(normaliseReading('\n \f ')).toBe('');
  });
});

describe('scoreReader', () => {
  test('CER, loose CER, WER, exact share, ms and errors counted from the definitions', () => {
    const targets = ['The cat.', 'a b c', 'xy'];
    // 'the cat' vs 'The cat.': T->t and a dropped '.', 2 edits; 'a b c' exact; '' vs 'xy': 2 deletions.
    const readings: Reading[] = [{ text: 'the cat', ms: 30 }, { text: 'a b c', ms: 10 }, { text: '', ms: 20, error: 'boom' }];
    const s = scoreReader('fake', 'ours', targets, readings);
    expect(s.edits).toBe(4);
    expect(s.targetChars).toBe(8 + 5 + 2);
    expect(s.cer).toBeCloseTo(4 / 15, 12);
    // Loose: 'the cat' vs 'the cat' 0, 'a b c' 0, '' vs 'xy' 2, over 7 + 5 + 2 characters.
    expect(s.looseCer).toBeCloseTo(2 / 14, 12);
    // Words: [the, cat] vs [The, cat.] 2, exact 0, [] vs [xy] 1, over 2 + 3 + 1 words.
    expect(s.wer).toBeCloseTo(3 / 6, 12);
    expect(s.exact).toBeCloseTo(1 / 3, 12);
    expect(s.rightLines).toBeCloseTo(2 / 3, 12); // '' has no line where 'xy' has one
    expect(s.msPerLine).toBeCloseTo(20, 12);
    expect(s.errors).toBe(1);
    expect(s.n).toBe(3);
  });

  test('lines ok: a page read as its number of lines, whatever their text', () => {
    const s = scoreReader('fake', 'ours', ['a b\nc d\ne', 'a b\nc', 'x'], read(['a\nb\nc', 'a b c', 'y\nz']));
    expect(s.rightLines).toBeCloseTo(1 / 3, 12);
  });

  test('a reading per target, or an error naming the reader', () => {
    expect(() => scoreReader('fake', 'ours', ['a', 'b'], read(['a']))).toThrow(/fake has 1 readings for 2 targets/);
  });
});

describe('verdictLine and oursAhead', () => {
  test('our reader ahead of every Tesseract: named first, with both CERs', () => {
    const scores = [score('line model', 'ours', 5), score('tesseract.js', 'tesseract', 20), score('tesseract (Debian)', 'tesseract', 9)];
    expect(verdictLine('fonts-clean', scores)).toBe('fonts-clean: line model ahead on CER, 5.0% vs tesseract (Debian) 9.0%; tesseract.js 20.0%');
    expect(oursAhead(scores)).toBe(true);
  });

  test('the best Tesseract is ahead when it has fewer edits, even if another Tesseract is behind us', () => {
    const scores = [score('line model', 'ours', 12), score('tesseract.js', 'tesseract', 20), score('tesseract (Debian)', 'tesseract', 11)];
    expect(verdictLine('samples', scores)).toBe('samples: tesseract (Debian) ahead on CER, 11.0% vs line model 12.0%; tesseract.js 20.0%');
    expect(oursAhead(scores)).toBe(false);
  });

  test('equal edits are level, not ahead', () => {
    const scores = [score('line model', 'ours', 7), score('tesseract.js', 'tesseract', 7)];
    expect(verdictLine('emnist-clean', scores)).toBe('emnist-clean: level on CER, line model and tesseract.js both 7.0%');
    expect(oursAhead(scores)).toBe(false);
  });

  test('nothing to compare says so', () => {
    expect(verdictLine('s', [score('line model', 'ours', 1)])).toBe('s: no verdict (no Tesseract ran)');
    expect(verdictLine('s', [score('tesseract.js', 'tesseract', 1)])).toBe('s: no verdict (the line model read nothing)');
    expect(oursAhead([score('line model', 'ours', 0)])).toBe(false);
  });

  test('from readings of a fake reader to the verdict: fewer character edits win, not fewer wrong lines', () => {
    const targets = ['hello world', 'abc'];
    // Ours: 2 lines wrong by 1 character each (2 edits). Theirs: 1 line exact, the other all wrong (3 edits).
    const ours = scoreReader('line model', 'ours', targets, read(['hello worlds', 'abd']));
    const theirs = scoreReader('tesseract.js', 'tesseract', targets, read(['hello world', 'xyz']));
    expect([ours.edits, theirs.edits]).toEqual([2, 3]);
    expect(ours.exact).toBe(0);
    expect(theirs.exact).toBe(0.5);
    expect(verdictLine('tiny', [ours, theirs])).toMatch(/^tiny: line model ahead on CER, 14\.3% vs tesseract\.js 21\.4%$/);
  });
});

describe('formatTable and formatVerdicts', () => {
  const sets: SetReport[] = [
    { set: 'fonts-clean', scores: [score('line model', 'ours', 5), score('tesseract.js', 'tesseract', 20)] },
    { set: 'samples', scores: [score('line model', 'ours', 30), score('tesseract.js', 'tesseract', 20)] },
    { set: 'emnist-clean', scores: [], skipped: 'EMNIST ByClass not found' },
  ];

  test('a row per set and reader, aligned columns, a skipped set says why', () => {
    const lines = formatTable(sets).split('\n');
    expect(lines[0]).toMatch(/^set\s+reader\s+images\s+CER\s+loose CER\s+WER\s+exact\s+lines ok\s+ms\/image\s+errors$/);
    expect(lines).toHaveLength(1 + 2 + 2 + 1);
    expect(lines[1]).toMatch(/^fonts-clean\s+line model\s+10\s+5\.0%/);
    expect(lines[2]).toMatch(/^\s+tesseract\.js\s+10\s+20\.0%/);
    // Right-aligned figures end where the header's column ends.
    const cerEnd = lines[0].indexOf('CER') + 3;
    expect(lines[1].slice(0, cerEnd).endsWith('5.0%')).toBe(true);
    expect(lines[5]).toMatch(/^emnist-clean\s+skipped: EMNIST ByClass not found$/);
  });

  test('a verdict per set, skipped sets included, then the count of sets our reader leads', () => {
    expect(formatVerdicts(sets)).toEqual([
      'fonts-clean: line model ahead on CER, 5.0% vs tesseract.js 20.0%',
      'samples: tesseract.js ahead on CER, 20.0% vs line model 30.0%',
      'emnist-clean: no verdict (skipped: EMNIST ByClass not found)',
      'line model ahead of every Tesseract on 1 of 2 set(s)',
    ]);
  });
});

describe('readSet with a fake reader', () => {
  test('each image read in order with its psm, readings normalised, a failure read as empty with its error', async () => {
    const calls: string[] = [];
    const fake: Reader = {
      name: 'fake', kind: 'tesseract', describe: 'a fake',
      async read(file, psm) {
        calls.push(`${file}:${psm}`);
        if (file === 'b.png') throw new Error('b.png: cannot read');
        return ` ${file.toUpperCase()}  text \n\f`;
      },
      async close() {},
    };
    const set: BenchSet = {
      name: 't', description: 'tiny',
      images: [{ file: 'a.png', target: 'A', source: 'x', psm: 7 }, { file: 'b.png', target: 'B', source: 'x', psm: 7 }, { file: 'c.png', target: 'C\nD', source: 'x', psm: 6 }],
    };
    const out = await readSet(fake, set);
    expect(calls).toEqual(['a.png:7', 'b.png:7', 'c.png:6']);
    expect(out.map((r) => r.text)).toEqual(['A.PNG text', '', 'C.PNG text']);
    expect(out[1].error).toBe('b.png: cannot read');
    expect(out[0].error).toBeUndefined();
    expect(out.every((r) => r.ms >= 0)).toBe(true);
  });
});

describe('parseBenchReadArgs', () => {
  test('defaults', () => {
    expect(parseBenchReadArgs([])).toEqual({
      lines: 100, pages: 25, seed: 7, shrink: 1, slant: 0, contrast: 1, model: 'saved_models/lines', emnistDir: undefined, split: undefined,
      samples: 'data/samples/words', out: 'outputs/bench-read.json', tesseract: true, ruled: false, squared: false, lineTilt: 0,
    });
    expect(parseBenchReadArgs(['--body-scales', '1', '--no-tesseract'])).toMatchObject({ bodyScales: [1], tesseract: false });
    expect(parseBenchReadArgs(['--body-scales', '0.85,1,1.15']).bodyScales).toEqual([0.85, 1, 1.15]);
    expect(parseBenchReadArgs(['--slants', '0'])).toMatchObject({ slants: [] });
    expect(parseBenchReadArgs(['--slants=-8,8']).slants).toEqual([-8, 8]);
    expect(parseBenchReadArgs(['--lines', '20', '--emnist-dir', 'd', '--split', 'emnist62'])).toMatchObject({ lines: 20, emnistDir: 'd', split: 'emnist62' });
    expect(parseBenchReadArgs(['--pages', '0'])).toMatchObject({ pages: 0 });
    expect(parseBenchReadArgs(['--shrink', '0.5'])).toMatchObject({ shrink: 0.5 });
    expect(parseBenchReadArgs(['--slant=-20', '--contrast', '0.3'])).toMatchObject({ slant: -20, contrast: 0.3 });
    expect(parseBenchReadArgs(['--margin', '6-8']).margin).toEqual([6, 8]);
    expect(parseBenchReadArgs(['--pitch', '2-2.6']).pitch).toEqual([2, 2.6]);
    expect(parseBenchReadArgs([]).pitch).toBeUndefined();
    expect(parseBenchReadArgs(['--ruled']).ruled).toBe(true);
    expect(parseBenchReadArgs([]).ruled).toBe(false);
    expect(parseBenchReadArgs(['--squared']).squared).toBe(true);
    expect(parseBenchReadArgs(['--line-tilt', '3']).lineTilt).toBe(3);
  });

  test('bad arguments are ArgumentErrors (exit 2) that name the option', () => {
    for (const argv of [['--lines', '0'], ['--lines', 'ten'], ['--pages', '-1'], ['--seed', '-1'], ['--shrink', '0'], ['--shrink', '1.5'], ['--slant', '50'], ['--slant', 'left'], ['--contrast', '0'], ['--margin', '8-6'], ['--margin', '6'], ['--margin', '30-40'], ['--pitch', '1-2'], ['--pitch', '3-2'], ['--body-scales', '3'], ['--body-scales', '1,'], ['--slants', '40'], ['--slants', 'x'], ['--bogus'], ['extra']]) {
      expect(() => parseBenchReadArgs(argv)).toThrow(ArgumentError);
    }
    expect(() => parseBenchReadArgs(['--lines', '2.5'])).toThrow(/--lines must be an integer >= 1, got '2.5'/);
    expect(() => parseBenchReadArgs(['--ruled', '--squared'])).toThrow(/--ruled and --squared: a page is one or the other/);
    expect(() => parseBenchReadArgs(['--line-tilt=-3'])).toThrow(/give 0 <= D <= 15, got '-3'/);
    expect(() => parseBenchReadArgs(['--line-tilt', '20'])).toThrow(/--line-tilt must be a number of degrees from -15 to 15, got '20'/);
    expect(() => parseBenchReadArgs(['--shrink', 'half'])).toThrow(/--shrink must be a number > 0 and <= 1, got 'half'/);
    expect(() => parseBenchReadArgs(['--body-scales', '0.9,x'])).toThrow(/--body-scales must be comma-separated factors between 0.5 and 2 .*got '0.9,x'/);
  });
});

describe('changedLook', () => {
  // Paper 200 with a dark stroke (40) in column 5 of a 12 x 9 image.
  const W = 12, H = 9;
  const rgba = { width: W, height: H, data: new Uint8ClampedArray(W * H * 4) };
  for (let i = 0; i < W * H; i++) rgba.data.set(i % W === 5 ? [40, 40, 40, 255] : [200, 200, 200, 255], 4 * i);

  test('unchanged by default; --contrast fades the ink towards the paper, which stays', () => {
    expect(changedLook(rgba, { shrink: 1, slant: 0, contrast: 1 })).toBe(rgba);
    const faded = changedLook(rgba, { shrink: 1, slant: 0, contrast: 0.25 });
    expect(Array.from(faded.data.subarray(0, 4))).toEqual([200, 200, 200, 255]);
    expect(Array.from(faded.data.subarray(20, 24))).toEqual([160, 160, 160, 255]); // 200 + (40 - 200) / 4
  });

  test('--slant leans the stroke: its top moves right, its bottom left, on a wider canvas of paper', () => {
    const leaning = changedLook(rgba, { shrink: 1, slant: 30, contrast: 1 });
    expect(leaning.width).toBeGreaterThan(W);
    const darkest = (y: number) => {
      let best = 0;
      for (let x = 1; x < leaning.width; x++) if (leaning.data[4 * (y * leaning.width + x)] < leaning.data[4 * (y * leaning.width + best)]) best = x;
      return best;
    };
    expect(darkest(0)).toBeGreaterThan(darkest(H - 1) + 2);
    expect(leaning.data[0]).toBe(200);
    expect(leaning.data[4 * (leaning.width * H - 1)]).toBe(200);
  });
});

describe('dropPngChunks', () => {
  test("sharp's pHYs goes, the pixels stay", async () => {
    const px = Buffer.from(Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 37) % 256));
    const png = await sharp(px, { raw: { width: 3, height: 2, channels: 4 } }).png().toBuffer();
    expect(png.includes('pHYs')).toBe(true);
    const out = dropPngChunks(png, ['pHYs']);
    expect(out.includes('pHYs')).toBe(false);
    expect(out.length).toBe(png.length - (12 + 9));
    const back = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect(back.info).toMatchObject({ width: 3, height: 2, channels: 4 });
    expect(Buffer.compare(back.data, px)).toBe(0);
  });

  test('not a PNG, or cut short: an error naming the file', () => {
    expect(() => dropPngChunks(Buffer.from('GIF89a....'), ['pHYs'], 'x.gif')).toThrow(/x\.gif: not a PNG/);
    const cut = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]);
    expect(() => dropPngChunks(cut, ['pHYs'], 'y.png')).toThrow(/y\.png: truncated PNG chunk at byte 8/);
  });
});
