/**
 * The readers `npm run bench:read` compares, each taking an image file path and returning its text:
 * the project's line model as `hwr predict` runs it (decode the file, `readPage`), Tesseract through
 * tesseract.js (one worker, its English model from the installed @tesseract.js-data/eng package,
 * nothing downloaded or cached), and Debian's `tesseract` command when it is installed. Each reader
 * gets the very file the others get, so they see the same bytes.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import type * as tfl from '@tensorflow/tfjs-layers';
import { decodeRgba, readImageBytes } from '../src/image/decode';
import { LineModelMetadata } from '../src/lines/read';
import type { BeamSearchLm } from '../src/ctc/decode';
import { readPage } from '../src/read/page';
import { ReaderKind } from './read_report';

const execFileAsync = promisify(execFile);

/** Tesseract page segmentation: 7 = the image is one text line, 6 = one block of several lines. */
export type Psm = 6 | 7;

/** A reader of image files. */
export interface Reader {
  /** Its name in the table. */
  name: string;
  kind: ReaderKind;
  /** What it is (version, model files, threads), for the report. */
  describe: string;
  /** Reads the text in an image file; `psm` says whether it holds one line or several. */
  read(file: string, psm: Psm): Promise<string>;
  close(): Promise<void>;
}

/** How the line model decodes: `hwr predict`'s default is beam search with the model's LM. */
export interface LineReaderOptions {
  decoder: 'greedy' | 'beam';
  lm?: BeamSearchLm | null;
  /** Dispose of the model on close (the last reader sharing it). */
  owner: boolean;
  /** readPage's `bodyScales` (its default when undefined). */
  bodyScales?: readonly number[];
  /** readPage's `slants` (its default when undefined). */
  slants?: readonly number[];
}

/** The line model as `hwr predict` reads a file: bytes -> RGBA (EXIF applied) -> `readPage`. */
export function lineModelReader(model: tfl.LayersModel, meta: LineModelMetadata, name: string, describe: string, opts: LineReaderOptions): Reader {
  return {
    name,
    kind: 'ours',
    describe,
    async read(file) {
      const { rgba } = await decodeRgba(await readImageBytes(file), file);
      return readPage(model, meta, rgba, { name: file, decoder: opts.decoder, lm: opts.lm ?? undefined, bodyScales: opts.bodyScales, slants: opts.slants }).text;
    },
    async close() {
      if (opts.owner) model.dispose();
    },
  };
}

/** The folder of @tesseract.js-data/eng's LSTM model (`best_int`, what tesseract.js fetches for its default LSTM engine), or why not. */
export function tesseractJsLangPath(): { dir: string } | { error: string } {
  let pkg: string;
  try {
    pkg = path.dirname(require.resolve('@tesseract.js-data/eng/package.json'));
  } catch {
    return { error: '@tesseract.js-data/eng is not installed (it is a dev dependency: npm install in the checkout)' };
  }
  const dir = path.join(pkg, '4.0.0_best_int');
  if (!fs.existsSync(path.join(dir, 'eng.traineddata.gz'))) return { error: `${dir}/eng.traineddata.gz is missing; reinstall @tesseract.js-data/eng` };
  return { dir };
}

/**
 * tesseract.js with one worker, English, LSTM engine. Its model is read from the installed
 * @tesseract.js-data/eng package (`langPath` a local folder) and never cached to disk (`cacheMethod:
 * 'none'`), so nothing is fetched or written at run time. Or why it cannot start.
 */
export async function tesseractJsReader(): Promise<Reader | { error: string }> {
  const lang = tesseractJsLangPath();
  if ('error' in lang) return lang;
  let tesseract: typeof import('tesseract.js');
  let version = '?';
  try {
    tesseract = await import('tesseract.js');
    version = (JSON.parse(fs.readFileSync(require.resolve('tesseract.js/package.json'), 'utf8')) as { version: string }).version;
  } catch (e) {
    return { error: `tesseract.js is not installed (${e instanceof Error ? e.message : String(e)}); it is a dev dependency: npm install in the checkout` };
  }
  const failures: string[] = [];
  let worker: Awaited<ReturnType<typeof tesseract.createWorker>>;
  try {
    worker = await tesseract.createWorker('eng', tesseract.OEM.LSTM_ONLY, {
      langPath: lang.dir, gzip: true, cacheMethod: 'none',
      errorHandler: (err: unknown) => { failures.push(String(err)); },
    });
  } catch (e) {
    return { error: `tesseract.js could not start: ${e instanceof Error ? e.message : String(e)}` };
  }
  let psmSet: Psm | undefined;
  return {
    name: 'tesseract.js',
    kind: 'tesseract',
    describe: `tesseract.js ${version}, 1 worker, OEM LSTM_ONLY, eng from ${lang.dir}`,
    async read(file, psm) {
      if (psm !== psmSet) {
        await worker.setParameters({ tessedit_pageseg_mode: String(psm) as never });
        psmSet = psm;
      }
      const result = await worker.recognize(file);
      if (failures.length > 0) throw new Error(failures.splice(0).join('; '));
      return result.data.text;
    },
    async close() {
      await worker.terminate();
    },
  };
}

/**
 * Debian's `tesseract` command (`tesseract FILE stdout --psm 7`), one process per image as a user
 * runs it, so its time includes starting and loading its model. OMP_THREAD_LIMIT=1: one thread, as
 * tesseract.js has, on a machine others share. Or why the command cannot run.
 */
export async function tesseractCliReader(command = 'tesseract'): Promise<Reader | { error: string }> {
  let version: string;
  try {
    const { stdout, stderr } = await execFileAsync(command, ['--version'], { timeout: 30_000 });
    version = `${stdout}${stderr}`.split('\n')[0].trim();
  } catch (e) {
    return { error: `'${command}' not found or not runnable (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); on Debian: apt-get install tesseract-ocr` };
  }
  const env = { ...process.env, OMP_THREAD_LIMIT: '1' };
  return {
    name: 'tesseract (Debian)',
    kind: 'tesseract',
    describe: `${version} (${command}), one process per image, OMP_THREAD_LIMIT=1`,
    async read(file, psm) {
      const { stdout } = await execFileAsync(command, [file, 'stdout', '--psm', String(psm)], { env, timeout: 120_000, maxBuffer: 16 << 20 });
      return stdout;
    },
    async close() {
      // nothing held between images
    },
  };
}
