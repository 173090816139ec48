/** Predicting characters on image files: preprocessing, batching through a model, and a picture of what the model saw. */
import { promises as fs } from 'fs';
import * as nodePath from 'path';
import * as tfl from '@tensorflow/tfjs-layers';
import { ClassProbability, predictProbabilities, topClasses } from './classify';
import { PreprocessOptions, PreprocessedImage } from '../image/preprocess';
import { preprocessFile } from '../image/preprocess_file';
import { labelFromFilename } from '../image/samples';
import { imageGrid } from '../plot/imageGrid';

/** Image file extensions taken from a directory. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];

export type { ClassProbability };
export { predictProbabilities, topClasses };

/** A file the model classified. */
export interface PredictionOk {
  ok: true;
  file: string;
  /** The most probable class and its probability. */
  label: string;
  confidence: number;
  /** The best classes, most probable first (3 unless `topK` says otherwise). */
  top3: ClassProbability[];
  /** [28 * 28] floats 0..1, white on black: the input exactly as the model saw it. */
  input: Float32Array;
  /** True label if the file name carries one (`digit-7-photo.jpg`), else null. */
  expected: string | null;
  error?: undefined;
}

/** A file that could not be read or preprocessed; the others are still predicted. */
export interface PredictionFailed {
  ok: false;
  file: string;
  /** What went wrong, naming the file. */
  error: string;
  expected: string | null;
}

/** The outcome for one file. */
export type Prediction = PredictionOk | PredictionFailed;

/** Options for `predictFiles`. */
export interface PredictOptions {
  /** Preprocessing options (see `preprocessGray`); use EMNIST_GEOMETRY for models trained on EMNIST. */
  preprocess?: PreprocessOptions;
  /** How many best classes to report. Default 3. */
  topK?: number;
  /** Images per model call. Default 64. */
  batchSize?: number;
}

/** Expands the paths: a directory becomes its image files (sorted by name); files are kept as given, readable or not. */
export async function expandImagePaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const stat = await fs.stat(p).catch(() => null);
    if (stat?.isDirectory()) {
      const names = (await fs.readdir(p)).filter((n) => IMAGE_EXTENSIONS.includes(nodePath.extname(n).toLowerCase())).sort();
      out.push(...names.map((n) => nodePath.join(p, n)));
    } else {
      out.push(p); // a missing file becomes a per-file error later, not an abort
    }
  }
  return out;
}

/**
 * Predicts the character in each image file (directories are expanded to their image files). A file
 * that cannot be read gives a `PredictionFailed` entry instead of aborting the others.
 */
export async function predictFiles(model: tfl.LayersModel, classes: string[], paths: string[], opts: PredictOptions = {}): Promise<Prediction[]> {
  const files = await expandImagePaths(paths);
  const prepared: Array<PreprocessedImage | Error> = [];
  for (const file of files) {
    prepared.push(await preprocessFile(file, opts.preprocess).catch((e: unknown) => (e instanceof Error ? e : new Error(`${file}: ${String(e)}`))));
  }
  const good = prepared.filter((p): p is PreprocessedImage => !(p instanceof Error));
  const probs = predictProbabilities(model, classes, good, opts.batchSize ?? 64);
  const topK = opts.topK ?? 3;
  let k = 0;
  return prepared.map((p, i): Prediction => {
    const file = files[i];
    const expected = labelFromFilename(file);
    if (p instanceof Error) return { ok: false, file, error: p.message, expected };
    const top = topClasses(probs[k++], classes, topK);
    return { ok: true, file, label: top[0].label, confidence: top[0].p, top3: top, input: p.pixels, expected };
  });
}

/**
 * Saves a PNG grid of the inputs as the model saw them, captioned with the predicted label and
 * confidence; a wrong guess (when the file name carries the true label) is framed in red, an
 * unreadable file is a black cell captioned 'error'. Returns the file written.
 */
export function savePredictionGrid(preds: Prediction[], outPath: string, opts: { title?: string; cols?: number; scale?: number } = {}): string {
  if (preds.length === 0) throw new Error(`savePredictionGrid: no predictions to draw into ${outPath}`);
  const size = 28;
  const images = preds.map((p) => (p.ok ? p.input : new Float32Array(size * size)));
  const labels = preds.map((p) => (p.ok ? `${p.label} ${(p.confidence * 100).toFixed(0)}%` : 'error'));
  const titles = preds.map((p) => shorten(nodePath.basename(p.file), 15));
  const highlight = preds.map((p) => !p.ok || (p.expected !== null && p.expected !== p.label));
  const figure = imageGrid(images, { labels, titles, highlight, title: opts.title, cols: opts.cols ?? 6, scale: opts.scale ?? 4 });
  const target = nodePath.extname(outPath).toLowerCase() === '.png' ? outPath : `${outPath}.png`;
  figure.save(target);
  return target;
}

function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
