/**
 * `npm run bench:read` (issue 16, part 6): the committed line reader side by side with Tesseract on
 * the same image files.
 *   npm run build && npm run bench:read -- [--lines 100] [--pages 25] [--seed 7] [--model saved_models/lines]
 *     [--emnist-dir ../shared/data/emnist62 --split emnist62] [--out outputs/bench-read.json]
 *
 * Image sets, N lines (or pages) each (test split of everything: held-out fonts, EMNIST test letters, test
 * words; deterministic by --seed):
 * - fonts-clean / fonts-degraded: held-out handwriting fonts on clean white paper / under the
 *   training mix of paper and camera (15% of those clean too, as in training and `hwr evaluate`);
 *   fonts-desk: the degraded photos with the desk around the paper (src/synth/desk.ts);
 * - prose-degraded: held-out fonts under the same mix writing English prose from addresses the
 *   generator never reads (src/synth/prose.ts): real words in their order, where Tesseract's own
 *   English model helps it too;
 * - emnist-clean / emnist-degraded: EMNIST ByClass test letters, likewise (skipped, with a note,
 *   when EMNIST ByClass is not found);
 * - pages-fonts / pages-emnist: --pages pages of 2-6 such lines each (src/synth/page.ts), other
 *   lines than the line sets', photographed as one page; read whole, as `hwr predict` reads a page
 *   (Tesseract as a block, psm 6); "lines ok" counts the pages read as their number of lines;
 * - samples: the word and line images in data/samples/words, texts from their file names.
 * A set's clean and degraded lines share their texts and writers: only paper and camera differ.
 * --shrink F writes the synthetic lines and pages at F of their size: a camera of lower resolution;
 * --slant D leans their writing a further D degrees (tops to the right for positive): a writer who
 * slants more than the training lines; --contrast F fades their ink to F of its difference from
 * the paper: faint pencil, a dim photo; --margin A-B photographs each synthetic line with A to B
 * body heights of paper around it (the generator's own 0.4-1.5 by default): a word in the middle
 * of a card or a page (each line kept as first drawn, see buildSets); --pitch A-B sets the pages'
 * lines A to B body heights apart (2.8-4 by default): a notebook's tighter lines; --line-tilt D
 * lets each page line drift up to D degrees up or down (a hand on unruled paper); --ruled writes
 * them on ruled paper, each line on a rule, --squared on squared paper.
 * --body-scales reads with other body-height factors than hwr predict's default (1: one body height),
 * --slants with other shears (0: none; with --body-scales 1, each line read once),
 * --no-tesseract leaves Tesseract out (the line model's rows only, for quick comparisons).
 * The sets' seeds are `lineTestSources`'s, so `--seed 42` gives `hwr evaluate`'s first lines.
 *
 * Every image is written as a PNG into outputs/bench-read/images/ (kept for people to look at) and
 * that file goes to every reader: the line model as `hwr predict` reads it, tesseract.js (psm 7, one
 * line) and Debian's tesseract when installed. Prints CER (case-sensitive), loose CER, WER, exact
 * lines and ms per line (wall, the reader alone from the file, after one warm-up read), the CPU and
 * load average, a verdict per set; writes everything, each line's target and readings, to --out.
 *
 * Exit 0 whatever the figures (a benchmark), 2 on bad arguments, 1 when the model cannot be used.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import sharp from 'sharp';
import { Dataset } from '../src/data/dataset';
import { decodeRgba, readImageBytes } from '../src/image/decode';
import { quantile } from '../src/image/gray';
import { RgbaImage } from '../src/image/rgba';
import { shearImage } from '../src/image/slant';
import { textFromFilename } from '../src/image/samples';
import { LineModelMetadata, loadLineModel } from '../src/lines/read';
import { describeBackend, initBackend } from '../src/runtime/backend';
import { HandwritingGenerator, LINE_GEOMETRY, createHandwritingGenerator } from '../src/synth/handwriting';
import { MAX_LINE_TILT, SyntheticPageOptions, syntheticPage } from '../src/synth/page';
import { createRng, deriveSeed } from '../src/util/rng';
import { photoOnDesk } from '../src/synth/desk';
import { lineTestSetOptions } from '../src/lines/test_sets';
import { recipeFor } from '../src/train/recipes';
import { gitCommit } from '../src/cli/common';
import { lineEmnist } from '../src/cli/train_lines';
import { BODY_SCALES, SLANTS, parseBodyScales, parseSlants } from '../src/read/body_scales';
import { cpuModel } from './cpu';
import { dropPngChunks } from './png_chunks';
import { Psm, Reader, lineModelReader, tesseractCliReader, tesseractJsReader } from './read_readers';
import { Reading, SetReport, formatTable, formatVerdicts, normaliseReading, scoreReader } from './read_report';

const USAGE = `usage: npm run bench:read -- [--lines N] [--pages N] [--seed S] [--shrink F] [--slant D] [--contrast F] [--margin A-B] [--pitch A-B] [--line-tilt D] [--ruled | --squared] [--model DIR] [--emnist-dir DIR --split NAME] [--samples DIR]
                          [--body-scales LIST] [--slants LIST] [--no-tesseract] [--out FILE]
  --lines N        lines per synthetic line set (default 100)
  --pages N        pages per synthetic page set (default 25; 0 for none)
  --seed S         seed of the synthetic sets (default 7)
  --shrink F       synthetic lines and pages written at F of their size, 0 < F <= 1 (default 1):
                   photos of lower resolution, the writing's body 5-10 px at 0.25-0.5
  --slant D        synthetic lines and pages leaning a further D degrees, -45 <= D <= 45 (default 0;
                   backwards: --slant=-20)
  --contrast F     their ink faded to F of its difference from the paper, 0 < F <= 1 (default 1)
  --margin A-B     paper around each synthetic line, A to B body heights, e.g. 6-8 (default the generator's 0.4-1.5)
  --pitch A-B      the pages' lines A to B body heights apart, baseline to baseline, e.g. 2-2.6 (default 2.8-4)
  --line-tilt D    each page line drifting up to D degrees up or down from the page's rows, 0-15
                   (default 0: a hand on unruled paper drifts 1-3)
  --ruled          the pages on ruled paper, each line written on a rule (default plain paper)
  --squared        the pages on squared paper (a grid 1-2 body heights a square)
  --model DIR      line model folder (default saved_models/lines)
  --emnist-dir DIR EMNIST ByClass folder (or EMNIST_DIR), e.g. ../shared/data/emnist62
  --split NAME     its split name (or EMNIST_SPLIT), e.g. emnist62
  --samples DIR    word and line images named word-TEXT-... / line-TEXT-... (default data/samples/words)
  --body-scales L  body-height factors the line model reads each line at, as hwr predict --body-scales
                   (default 0.85,1,1.15; 1: one body height)
  --slants L       shears in degrees the line model also reads each line at, as hwr predict --slants
                   (default -12,12; --slants=-8,8 for others, 0 for none; --body-scales 1 --slants 0
                   reads each line once)
  --no-tesseract   the line model's rows only
  --out FILE       JSON report (default outputs/bench-read.json; images go to outputs/bench-read/images/)`;

/** Bad command-line arguments: exit code 2. */
export class ArgumentError extends Error {}

/** Parsed options of the bench. */
export interface BenchReadOptions {
  lines: number;
  pages: number;
  seed: number;
  /** Synthetic images are shrunk to this share of their size before they are written (1: not). */
  shrink: number;
  /** Synthetic images are sheared so that their writing leans this many degrees further (0: not). */
  slant: number;
  /** Synthetic images' ink is faded to this share of its difference from the paper (1: not). */
  contrast: number;
  /** Paper around each synthetic line, body heights (the generator's own when undefined). */
  margin?: [number, number];
  /** Baseline to baseline on the synthetic pages, body heights (page.ts's own when undefined). */
  pitch?: [number, number];
  /** Each page line turned by up to this many degrees (0: not). */
  lineTilt: number;
  /** The synthetic pages on ruled paper. */
  ruled: boolean;
  /** The synthetic pages on squared paper. */
  squared: boolean;
  model: string;
  emnistDir?: string;
  split?: string;
  samples: string;
  /** The line model's `bodyScales` (readPage's default when undefined). */
  bodyScales?: readonly number[];
  /** The line model's `slants` (readPage's default when undefined). */
  slants?: readonly number[];
  /** Leave Tesseract out. */
  tesseract: boolean;
  out: string;
}

/** Parses the command line; throws `ArgumentError` on anything it does not understand. */
export function parseBenchReadArgs(argv: string[]): BenchReadOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        lines: { type: 'string' }, pages: { type: 'string' }, seed: { type: 'string' }, shrink: { type: 'string' }, slant: { type: 'string' }, contrast: { type: 'string' }, margin: { type: 'string' }, pitch: { type: 'string' }, 'line-tilt': { type: 'string' }, model: { type: 'string' }, 'emnist-dir': { type: 'string' },
        split: { type: 'string' }, samples: { type: 'string' }, out: { type: 'string' }, 'body-scales': { type: 'string' }, slants: { type: 'string' },
        'no-tesseract': { type: 'boolean' }, ruled: { type: 'boolean' }, squared: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new ArgumentError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) throw new ArgumentError('');
  const int = (name: string, def: number, min: number): number => {
    const v = values[name];
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new ArgumentError(`--${name} must be an integer >= ${min}, got '${String(v)}'`);
    return n;
  };
  const fraction = (name: string, def: number): number => {
    const v = values[name];
    if (v === undefined) return def;
    const f = Number(v);
    if (!(f > 0 && f <= 1)) throw new ArgumentError(`--${name} must be a number > 0 and <= 1, got '${String(v)}'`);
    return f;
  };
  const degrees = (name: string, limit: number): number => {
    const v = values[name];
    if (v === undefined) return 0;
    const d = Number(v);
    if (!(Math.abs(d) <= limit)) throw new ArgumentError(`--${name} must be a number of degrees from -${limit} to ${limit}, got '${String(v)}'`);
    return d;
  };
  const range = (name: string, min: number, max: number, example: string): [number, number] | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(String(v));
    const [a, b] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!(a >= min && b >= a && b <= max)) throw new ArgumentError(`--${name} must be A-B body heights with ${min} <= A <= B <= ${max}, e.g. ${example}, got '${String(v)}'`);
    return [a, b];
  };
  const margin = range('margin', 0, 20, '6-8');
  // Below 1.5 body heights an ascender meets the line above's descender on every page.
  const pitch = range('pitch', 1.5, 8, '2-2.6');
  if (values.ruled && values.squared) throw new ArgumentError('--ruled and --squared: a page is one or the other; pass one');
  const lineTilt = degrees('line-tilt', MAX_LINE_TILT);
  if (lineTilt < 0) throw new ArgumentError(`--line-tilt D turns each line up to D degrees either way: give 0 <= D <= ${MAX_LINE_TILT}, got '${String(values['line-tilt'])}'`);
  const list = (flag: string, parse: (text: string, flag: string) => readonly number[]): readonly number[] | undefined => {
    const value = values[flag];
    if (value === undefined) return undefined;
    try {
      return parse(String(value), `--${flag}`);
    } catch (e) {
      throw new ArgumentError((e as Error).message);
    }
  };
  const bodyScales = list('body-scales', parseBodyScales);
  const slants = list('slants', parseSlants);
  return {
    lines: int('lines', 100, 1),
    pages: int('pages', 25, 0),
    seed: int('seed', 7, 0),
    shrink: fraction('shrink', 1),
    slant: degrees('slant', 45),
    contrast: fraction('contrast', 1),
    ...(margin ? { margin } : {}),
    ...(pitch ? { pitch } : {}),
    lineTilt,
    ruled: Boolean(values.ruled),
    squared: Boolean(values.squared),
    model: String(values.model ?? 'saved_models/lines'),
    emnistDir: values['emnist-dir'] as string | undefined,
    split: values.split as string | undefined,
    samples: String(values.samples ?? path.join('data', 'samples', 'words')),
    ...(bodyScales ? { bodyScales } : {}),
    ...(slants ? { slants } : {}),
    tesseract: !values['no-tesseract'],
    out: String(values.out ?? path.join('outputs', 'bench-read.json')),
  };
}

/** One image of a set: the file every reader gets and the text it holds. */
export interface BenchImage {
  file: string;
  target: string;
  /** Where it came from: 'font:<family>', 'emnist' or the sample's file. */
  source: string;
  /** Paper-and-camera strength of a synthetic line (0 clean). */
  strength?: number;
  psm: Psm;
}

export interface BenchSet {
  name: string;
  description: string;
  images: BenchImage[];
  skipped?: string;
}

/** Tesseract's page segmentation for a target: one line, or a block of several. */
const psmFor = (target: string): Psm => (target.includes('\n') ? 6 : 7);

/** How the synthetic images are changed before they are written (the options' --shrink, --slant, --contrast). */
export type Look = Pick<BenchReadOptions, 'shrink' | 'slant' | 'contrast'>;

/**
 * The RGBA image with its ink faded to `contrast` of its difference from the paper (each channel
 * towards its median, which the paper holds) and its writing leaning `slant` degrees further
 * (sheared about the middle row; the uncovered corners repeat the rows' ends, i.e. paper).
 */
export function changedLook(rgba: RgbaImage, look: Look): RgbaImage {
  if (look.contrast === 1 && look.slant === 0) return rgba;
  const n = rgba.width * rgba.height;
  const channels = [0, 1, 2, 3].map((c) => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rgba.data[4 * i + c];
    if (look.contrast !== 1 && c < 3) {
      const paper = quantile(data, 0.5);
      for (let i = 0; i < n; i++) data[i] = paper + (data[i] - paper) * look.contrast;
    }
    // shearImage stands strokes leaning by its angle upright: the opposite angle leans them.
    return look.slant === 0 ? { width: rgba.width, height: rgba.height, data } : shearImage({ width: rgba.width, height: rgba.height, data }, -look.slant, 'edge').image;
  });
  const { width, height } = channels[0];
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 4; c++) data[4 * i + c] = Math.round(channels[c].data[i]);
  return { width, height, data };
}

/** Writes RGBA pixels as a PNG that claims no resolution (see png_chunks.ts), changed by `look`, then shrunk to `look.shrink` of their size (lanczos, as a camera of lower resolution). */
async function writePng(rgba: RgbaImage, file: string, look: Look = { shrink: 1, slant: 0, contrast: 1 }): Promise<void> {
  const changed = changedLook(rgba, look);
  const data = Buffer.from(changed.data.buffer, changed.data.byteOffset, changed.data.byteLength);
  let img = sharp(data, { raw: { width: changed.width, height: changed.height, channels: 4 } });
  if (look.shrink < 1) img = img.resize(Math.max(1, Math.round(changed.width * look.shrink)), Math.max(1, Math.round(changed.height * look.shrink)), { kernel: 'lanczos3' });
  const png = await img.png().toBuffer();
  fs.writeFileSync(file, dropPngChunks(png, ['pHYs'], file));
}

/** Writes n made images as PNGs (`name-0000.png`, ...): make(i) gives image i's RGBA and what it holds. */
async function writtenSet(
  name: string, description: string, n: number, dir: string, look: Look, make: (i: number) => { rgba: RgbaImage; image: Omit<BenchImage, 'file'> },
): Promise<BenchSet> {
  const images: BenchImage[] = [];
  for (let i = 0; i < n; i++) {
    const { rgba, image } = make(i);
    const file = path.join(dir, `${name}-${String(i).padStart(4, '0')}.png`);
    await writePng(rgba, file, look);
    images.push({ file, ...image });
  }
  return { name, description, images };
}

/** The first n photos of a generator (the RGBA before the line recipe). */
function syntheticSet(name: string, description: string, gen: HandwritingGenerator, n: number, dir: string, look: Look): Promise<BenchSet> {
  return writtenSet(name, description, n, dir, look, (i) => {
    const { photo, line } = gen.stages(i);
    return { rgba: photo.image, image: { target: line.text, source: line.source, strength: line.strength, psm: psmFor(line.text) } };
  });
}

/** The first n pages of a generator's lines (`syntheticPage`); Tesseract reads them as a block (psm 6). */
function pageSet(name: string, description: string, gen: HandwritingGenerator, n: number, seed: number, dir: string, look: Look, layout: Pick<SyntheticPageOptions, 'pitch' | 'lineTilt' | 'ruled' | 'squared'>): Promise<BenchSet> {
  return writtenSet(name, description, n, dir, look, (i) => {
    const page = syntheticPage(gen, i, { seed, ...layout });
    return { rgba: page.photo.image, image: { target: page.text, source: `${page.lines.length} lines`, strength: page.strength, psm: 6 } };
  });
}

/** The sample images whose names carry their text, decoded (EXIF applied) and written as PNGs. */
async function samplesSet(samplesDir: string, dir: string): Promise<BenchSet> {
  const name = 'samples';
  if (!fs.existsSync(samplesDir)) return { name, description: samplesDir, images: [], skipped: `${samplesDir} not found (pass --samples DIR)` };
  const files = fs.readdirSync(samplesDir).filter((f) => /\.(png|jpe?g|webp)$/i.test(f) && textFromFilename(f) !== null).sort();
  if (files.length === 0) return { name, description: samplesDir, images: [], skipped: `no word-TEXT-... or line-TEXT-... images in ${samplesDir}` };
  const images: BenchImage[] = [];
  for (const f of files) {
    const src = path.join(samplesDir, f);
    const { rgba } = await decodeRgba(await readImageBytes(src), src);
    const file = path.join(dir, `samples-${f.replace(/\.[^.]+$/, '')}.png`);
    await writePng(rgba, file);
    const target = textFromFilename(f)!;
    images.push({ file, target, source: src, psm: psmFor(target) });
  }
  return { name, description: `${samplesDir}: ${files.length} word and line images, texts from their file names`, images };
}

/** EMNIST ByClass test letters, or why not (the sets are then skipped). */
function loadEmnistTest(opts: BenchReadOptions): Dataset | { error: string } {
  try {
    const d = lineEmnist({ 'emnist-dir': opts.emnistDir, split: opts.split }, 'test');
    return d ?? { error: 'no EMNIST' };
  } catch (e) {
    return { error: `${e instanceof Error ? e.message.split('\n')[0] : String(e)} (pass --emnist-dir and --split, or EMNIST_DIR and EMNIST_SPLIT)` };
  }
}

/** Builds every image set (writing their PNGs into `dir`). */
async function buildSets(opts: BenchReadOptions, meta: LineModelMetadata, dir: string): Promise<{ sets: BenchSet[]; sharedWords: number }> {
  const info = (meta.lines ?? {}) as { sharedWords?: number };
  const sharedWords = info.sharedWords ?? recipeFor('lines').lines!.sharedWords;
  const n = opts.lines;
  const clean = { cleanShare: 1, strength: [0, 0] as [number, number] };
  const emnist = loadEmnistTest(opts);
  // lineTestSources's seeds and texts, with the photo wanted; the geometry only shapes the model input, not the photo.
  const test = lineTestSetOptions({ emnist: 'error' in emnist ? undefined : emnist, seed: opts.seed, geometry: LINE_GEOMETRY, sharedWords });
  const sets: BenchSet[] = [];
  console.error(`writing ${n} lines per synthetic set into ${dir} ...`);
  // With --margin every line is kept as first drawn: the generator draws again a line its recipe
  // reads as blank or too narrow, which would keep only the photos the whole-image recipe reads.
  const paper = opts.margin ? { paper: { margin: opts.margin }, attempts: 1 } : {};
  const fonts = { ...test.fonts!, ...paper };
  sets.push(await syntheticSet('fonts-clean', `held-out fonts (${fonts.fonts!.join(', ')}), clean white paper, test words`, createHandwritingGenerator({ ...fonts, ...clean }), n, dir, opts));
  sets.push(await syntheticSet('fonts-degraded', 'held-out fonts, the training mix of paper and camera (15% clean), test words', createHandwritingGenerator(fonts), n, dir, opts));
  const onDesk = createHandwritingGenerator(fonts);
  sets.push(await writtenSet('fonts-desk', 'the fonts-degraded photos with the desk around the paper (src/synth/desk.ts)', n, dir, opts, (i) => {
    const { photo, line } = onDesk.stages(i);
    const rgba = photoOnDesk(photo.image, createRng(deriveSeed(opts.seed, 'desk', i))).image;
    return { rgba, image: { target: line.text, source: line.source, strength: line.strength, psm: psmFor(line.text) } };
  }));
  sets.push(await syntheticSet('prose-degraded', 'held-out fonts, the training mix of paper and camera, English prose of addresses the generator never reads (src/synth/prose.ts)',
    createHandwritingGenerator({ ...test.prose!, ...paper }), n, dir, opts));
  if ('error' in emnist) {
    for (const name of ['emnist-clean', 'emnist-degraded']) sets.push({ name, description: 'EMNIST ByClass test letters', images: [], skipped: emnist.error });
  } else {
    const letters = { ...test.emnist!, ...paper };
    sets.push(await syntheticSet('emnist-clean', `${emnist.name} test letters, clean white paper, test words`, createHandwritingGenerator({ ...letters, ...clean }), n, dir, opts));
    sets.push(await syntheticSet('emnist-degraded', `${emnist.name} test letters, the training mix of paper and camera (15% clean), test words`, createHandwritingGenerator(letters), n, dir, opts));
  }
  if (opts.pages > 0) {
    // Their own lines (another seed than the line sets'), so a page repeats no line of those sets.
    const pageSeed = deriveSeed(opts.seed, 'pages');
    const spacing = (opts.pitch ? `, ${opts.pitch.join('-')} body heights apart` : '') + (opts.lineTilt ? `, each line drifting up to ${opts.lineTilt} degrees` : '');
    const about = `2-6 lines a page at one body height${spacing}, the paper-and-camera mix at strength 0.2-1 (${opts.ruled ? 'ruled paper, each line on a rule' : opts.squared ? 'squared paper' : 'no ruled paper'}), test words`;
    const layout = { pitch: opts.pitch, lineTilt: opts.lineTilt, ruled: opts.ruled, squared: opts.squared };
    sets.push(await pageSet('pages-fonts', `pages of held-out-font lines, ${about}`, createHandwritingGenerator({ ...fonts, seed: pageSeed }), opts.pages, pageSeed, dir, opts, layout));
    if (!('error' in emnist)) {
      sets.push(await pageSet('pages-emnist', `pages of ${emnist.name} test-letter lines, ${about}`, createHandwritingGenerator({ ...test.emnist!, seed: pageSeed }), opts.pages, pageSeed, dir, opts, layout));
    }
  }
  sets.push(await samplesSet(opts.samples, dir));
  return { sets, sharedWords };
}

/** Reads every image of a set with one reader, timing each read alone. */
export async function readSet(reader: Reader, set: BenchSet): Promise<Reading[]> {
  const out: Reading[] = [];
  for (const img of set.images) {
    const t0 = process.hrtime.bigint();
    try {
      const text = await reader.read(img.file, img.psm);
      out.push({ text: normaliseReading(text), ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    } catch (e) {
      out.push({ text: '', ms: Number(process.hrtime.bigint() - t0) / 1e6, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/** Loads the model with errors that say what to do; exits 1 when it cannot be used. */
async function loadModelOrExit(dir: string): Promise<Awaited<ReturnType<typeof loadLineModel>>> {
  if (!fs.existsSync(path.join(dir, 'metadata.json'))) {
    console.error(`bench:read: ${dir} is not a model folder (no metadata.json there); pass --model DIR with a line model, or train one with 'hwr train --dataset lines'.`);
    process.exit(1);
  }
  try {
    return await loadLineModel(dir);
  } catch (e) {
    // The loader's errors name the folder and say what to pass instead.
    console.error(`bench:read: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  let opts: BenchReadOptions;
  try {
    opts = parseBenchReadArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ArgumentError)) throw e;
    if (e.message) console.error(`bench:read: ${e.message}`);
    console.error(USAGE);
    process.exit(e.message ? 2 : 0);
  }
  const loadStart = os.loadavg();
  const backend = await initBackend();
  const { model, metadata, lm } = await loadModelOrExit(opts.model);
  const notes: string[] = [];
  if (!metadata.body) {
    notes.push(`${opts.model} is a line model of the older kind (no 'body' in its metadata: ${metadata.charset.length} characters at height ${metadata.height}, ` +
      `trained on EMNIST-glyph lines): readPage still reads it, but it was not made for images like these`);
  }
  const imagesDir = path.join(path.dirname(opts.out), 'bench-read', 'images');
  fs.rmSync(imagesDir, { recursive: true, force: true });
  fs.mkdirSync(imagesDir, { recursive: true });
  const { sets, sharedWords } = await buildSets(opts, metadata, imagesDir);

  // First the reading `hwr predict` gives by default (beam search with the model's LM, when it has
  // one): the verdicts are about it. Then best path, the fastest reading, for comparison.
  const slants = opts.slants ?? SLANTS;
  const scales = `body heights x ${(opts.bodyScales ?? BODY_SCALES).join(', ')}${slants.length > 0 ? ` and shears of ${slants.join(', ')} degrees` : ''}`;
  const about = `${opts.model}: ${metadata.family} ${metadata.dataset}, height ${metadata.height}, ${metadata.charset.length} characters, readPage on the decoded file at ${scales}`;
  const readers: Reader[] = [
    lineModelReader(model, metadata, lm ? 'line model (beam+lm)' : 'line model (beam)',
      `${about}, beam search width 10${lm ? ` with lm.json (order ${metadata.lm?.order}, alpha ${metadata.lm?.alpha}, beta ${metadata.lm?.beta})` : ''}, ${describeBackend(backend)}`,
      { decoder: 'beam', lm, owner: false, bodyScales: opts.bodyScales, slants: opts.slants }),
    lineModelReader(model, metadata, 'line model (greedy)', `${about}, best path, ${describeBackend(backend)}`, { decoder: 'greedy', owner: true, bodyScales: opts.bodyScales, slants: opts.slants }),
  ];
  for (const make of opts.tesseract ? [tesseractJsReader, tesseractCliReader] : []) {
    const r = await make();
    if ('error' in r) notes.push(`no ${make === tesseractJsReader ? 'tesseract.js' : 'Debian tesseract'} row: ${r.error}`);
    else readers.push(r);
  }
  const first = sets.find((s) => s.images.length > 0)?.images[0];
  const readings: Record<string, Record<string, Reading[]>> = {};
  for (const reader of readers) {
    if (first) await reader.read(first.file, first.psm).catch(() => ''); // warm-up, not timed
    for (const set of sets) {
      if (set.skipped) continue;
      process.stderr.write(`${set.name}: ${reader.name} reading ${set.images.length} images ...\n`);
      (readings[set.name] ??= {})[reader.name] = await readSet(reader, set);
    }
    await reader.close();
  }
  const loadEnd = os.loadavg();

  const reports: SetReport[] = sets.map((set) => (set.skipped
    ? { set: set.name, scores: [], skipped: set.skipped }
    : { set: set.name, scores: readers.map((r) => scoreReader(r.name, r.kind, set.images.map((i) => i.target), readings[set.name][r.name])) }));
  const cpu = `${cpuModel()} x ${os.cpus().length}`;
  const load = `load average ${loadStart[0].toFixed(2)} at the start, ${loadEnd[0].toFixed(2)} at the end (1 min)`;
  const verdicts = formatVerdicts(reports);

  const shrunk = (opts.shrink < 1 ? `, shrunk to ${opts.shrink} of their size` : '') +
    (opts.slant !== 0 ? `, leaning a further ${opts.slant} degrees` : '') + (opts.contrast < 1 ? `, ink at ${opts.contrast} of its contrast` : '') +
    (opts.margin ? `, ${opts.margin.join('-')} body heights of paper around each line` : '') +
    (opts.pitch ? `, page lines ${opts.pitch.join('-')} body heights apart` : '') + (opts.lineTilt ? `, page lines drifting up to ${opts.lineTilt} degrees` : '') + (opts.ruled ? ', pages on ruled paper' : '') + (opts.squared ? ', pages on squared paper' : '');
  console.log(`bench:read: ${opts.lines} lines per synthetic line set, ${opts.pages} pages per page set, seed ${opts.seed}${shrunk}; ${cpu}; ${load}`);
  for (const r of readers) console.log(`  ${r.name}: ${r.describe}`);
  for (const note of notes) console.log(`note: ${note}`);
  console.log('lines ok: readings with as many lines as the image holds; ms/image: wall time of the reader alone from the image file to its text, after one warm-up read' +
    (readers.some((r) => r.name === 'tesseract (Debian)') ? '; Debian tesseract starts a process and loads its model for every image' : ''));
  console.log('');
  console.log(formatTable(reports));
  console.log('');
  for (const v of verdicts) console.log(v);

  const json = {
    bench: 'read',
    date: new Date().toISOString(),
    commit: gitCommit(),
    command: process.argv.slice(2),
    options: opts,
    cpu,
    cpus: os.cpus().length,
    loadAverage: { start: loadStart, end: loadEnd },
    backend: backend.name,
    model: { dir: opts.model, family: metadata.family, dataset: metadata.dataset, height: metadata.height, body: metadata.body ?? null, charset: metadata.charset.join('') },
    sharedWords,
    readers: readers.map((r) => ({ name: r.name, kind: r.kind, describe: r.describe })),
    notes,
    sets: sets.map((set, k) => ({
      name: set.name,
      description: set.description,
      skipped: set.skipped,
      scores: reports[k].scores,
      lines: set.images.map((img, i) => ({
        ...img,
        readings: Object.fromEntries(readers.map((r) => [r.name, readings[set.name]?.[r.name]?.[i]])),
      })),
    })),
    verdicts,
  };
  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nreport written to ${opts.out}; images in ${imagesDir}`);
}

if (require.main === module) {
  main().then(() => process.exit(0), (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  });
}
