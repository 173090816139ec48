/**
 * Builds the web app's models index (`models.json`, format in model_index_format.ts) from
 * `saved_models/<id>/metadata.json`, for `hwr serve` and `npm run build:web`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ModelIndex, ModelIndexEntry, ModelKind } from './model_index_format';

export type { ModelIndex, ModelIndexEntry, ModelKind };


/** Models the page lists first, in this order; the first present one is the default. */
export const FEATURED_MODELS = ['mnist', 'emnist', 'lines'];

/** A model folder that could not be listed, and why (shown by `hwr serve` and the build). */
export interface SkippedModel {
  id: string;
  reason: string;
}

/**
 * Reads every `<modelsDir>/<id>/` (dot folders aside: never served) that holds a TensorFlow.js layers model and its metadata into an
 * index entry; folders that are not such models are returned as `skipped` with the reason.
 * `only` restricts the ids (missing ones are ignored).
 */
export function buildModelIndex(modelsDir: string, opts: { only?: string[]; urlPrefix?: string } = {}): { index: ModelIndex; skipped: SkippedModel[] } {
  if (!fs.existsSync(modelsDir) || !fs.statSync(modelsDir).isDirectory()) {
    throw new Error(`models folder ${modelsDir} does not exist; pass --models <folder of saved models> (e.g. saved_models)`);
  }
  const prefix = opts.urlPrefix ?? 'models/';
  const ids = fs.readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && (!opts.only || opts.only.includes(d.name)))
    .map((d) => d.name);
  const models: ModelIndexEntry[] = [];
  const skipped: SkippedModel[] = [];
  for (const id of ids) {
    try {
      models.push(readEntry(path.join(modelsDir, id), id, prefix));
    } catch (e) {
      skipped.push({ id, reason: (e as Error).message });
    }
  }
  models.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  return { index: { version: 1, models }, skipped };
}

function rank(id: string): number {
  const i = FEATURED_MODELS.indexOf(id);
  return i < 0 ? FEATURED_MODELS.length : i;
}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${path.basename(file)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`);
  }
}

function readEntry(dir: string, id: string, prefix: string): ModelIndexEntry {
  const modelJson = readJson(path.join(dir, 'model.json'));
  const meta = readJson(path.join(dir, 'metadata.json'));
  const weightFiles: string[] = (modelJson.weightsManifest ?? []).flatMap((g: { paths: string[] }) => g.paths);
  // A line model's character LM (lm.json) goes with it: served, cached offline, built into the app.
  const lmFile = meta.task === 'lines' && meta.lm && typeof meta.lm.file === 'string' ? [meta.lm.file as string] : [];
  const files = ['model.json', ...weightFiles, 'metadata.json', ...lmFile];
  for (const f of files) {
    // A weights path could point anywhere; the page may only fetch files inside the model's folder.
    if (f.includes('/') || f.includes('\\') || f.startsWith('.')) throw new Error(`weights path '${f}' is not a file name in the model folder`);
    if (!fs.existsSync(path.join(dir, f))) throw new Error(`${f}: missing`);
  }
  const kind: ModelKind = meta.task === 'lines' || meta.family === 'crnn' ? 'line' : 'character';
  const classes: unknown = kind === 'line' ? meta.charset ?? meta.classes : meta.classes;
  const charList = typeof classes === 'string' ? Array.from(classes) : classes;
  if (!Array.isArray(charList) || charList.length === 0) throw new Error(`metadata.json has no ${kind === 'line' ? 'charset' : 'classes'}`);
  const dataset = String(meta.dataset ?? 'unknown');
  return {
    id,
    title: titleOf(id, kind, dataset),
    kind,
    path: `${prefix}${id}/`,
    files,
    family: String(meta.family ?? 'unknown'),
    dataset,
    classes: charList.map(String),
    imageSize: Number(kind === 'line' ? meta.height ?? meta.imageSize : meta.imageSize ?? 28),
    ...(kind === 'line' ? { blankIndex: Number(meta.blank ?? meta.blankIndex ?? charList.length), downsample: Number(meta.downsample ?? 4) } : {}),
    ...(typeof meta.testAccuracy === 'number' ? { testAccuracy: meta.testAccuracy } : {}),
    ...(typeof meta.testCount === 'number' ? { testCount: meta.testCount } : {}),
    ...(typeof meta.params === 'number' ? { params: meta.params } : {}),
    bytes: files.reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0),
  };
}

function titleOf(id: string, kind: ModelKind, dataset: string): string {
  const what = kind === 'line' ? 'Lines' : dataset.startsWith('emnist') ? 'Characters' : dataset === 'mnist' ? 'Digits' : dataset;
  if (!FEATURED_MODELS.includes(id)) return `${what} (${id})`;
  return kind === 'line' ? 'Lines of text' : dataset.startsWith('emnist') ? 'Characters (EMNIST)' : dataset === 'mnist' ? 'Digits (MNIST)' : what;
}
