/**
 * Export agreement (prints figures and checks the acceptance thresholds; not a timed test):
 *   npm run build && npm run bench:tflite [-- saved_models/mnist saved_models/emnist saved_models/lines]
 * For each character model: web exports (none, float16, uint8) loaded by stock tf.loadLayersModel,
 * and .tflite files (none, float16, int8; RGB input, as hwr export writes them, fed each gray test
 * image as R = G = B) run by a real TFLite interpreter (LiteRT, @litertjs/core, wasm) on the
 * model's whole test split, against the TensorFlow.js model: file size, test accuracy, top-1
 * agreement and max |probability difference|. EMNIST models read EMNIST_DIR (default
 * ../shared/data/emnist47 beside the checkout) and the split recorded in their metadata.
 * For a line model: .tflite files (none, float16, int8; int8 calibrated on 300 synthetic training
 * lines) read LINE_COUNT synthetic test lines with greedy decoding, through the functions of
 * `hwr export` (src/export/tflite/verify_lines.ts): share of lines whose texts equal tfjs's, CER of
 * each reader against the truth, with the line thresholds (texts equal on >= 99% of lines, CER
 * within 0.2 points; enforced for float32 and float16, reported for int8).
 * Thresholds (issue 8, TFLITE_THRESHOLDS in src/export/tflite/verify.ts, which `hwr export` also
 * enforces): tflite float32 agreement >= 99.99% and max |dp| <= 1e-4; float16 agreement >= 99.9%;
 * int8 accuracy within 1 point of the tfjs model. Exit code 1 if one is missed, or if no model
 * could be checked at all (e.g. every model's data missing): zero checks is not a pass.
 * Files go to outputs/export/bench/<model>/, the figures to outputs/tflite_agreement.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend, describeBackend } from '../src/runtime/backend';
import { loadModel, ModelMetadata } from '../src/io/saved_model';
import { loadMnist } from '../src/data/mnist';
import { loadEmnist } from '../src/data/emnist';
import { Dataset } from '../src/data/dataset';
import { predictDataset } from '../src/eval/predict_dataset';
import { exportTflite, exportWeb, loadWebExport, TfliteQuantization, WebQuantization } from '../src/export';
import { calibrationImages } from '../src/export/tflite/calibrate';
import { LiteRtInterpreter } from '../src/export/tflite/litert_client';
import { Agreement, compareOutputs, tfliteOutputs, tfliteVerdict } from '../src/export/tflite/verify';
import {
  compareLineReadings, LineAgreement, lineAgreementVerdict, lineBatch, lineTfliteBuilder, syntheticLines,
} from '../src/export/tflite/verify_lines';
import { isLineModel, LineModelMetadata } from '../src/lines/line_model';
import type * as tfl from '@tensorflow/tfjs-layers';
import { benchEmnistDir } from './emnist_dir';

/** One export of one model, measured against its tfjs model. */
export interface Row extends Agreement {
  model: string;
  dataset: string;
  format: string;
  bytes: number;
  msPerImage?: number;
  check: string;
  pass: boolean;
}

/** One .tflite of a line model, measured against its tfjs model on synthetic test lines. */
export interface LineRow extends Omit<LineAgreement, 'disagreements'> {
  model: string;
  lines: string;
  format: string;
  bytes: number;
  check: string;
  pass: boolean;
  /** False for int8: its figures are reported, a miss does not fail the run. */
  enforced: boolean;
}

/** Synthetic test lines a line model is measured on: as many as `hwr export` reads by default. */
export const LINE_COUNT = 200;

const OUT = path.join('outputs', 'export', 'bench');
const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const pct = (x: number, d = 2) => `${(100 * x).toFixed(d)}%`;

function datasetFor(dataset: string): { train: Dataset; test: Dataset } | string {
  if (dataset === 'mnist') return loadMnist();
  if (dataset.startsWith('emnist-')) {
    const dir = benchEmnistDir();
    const split = dataset.slice(7);
    if (!fs.existsSync(path.join(dir, `emnist-${split}-mapping.txt`))) return `EMNIST ${split} not found in ${dir}: set EMNIST_DIR`;
    return loadEmnist({ dir, split });
  }
  return `unknown dataset ${dataset}`;
}

const WEB_CHECK = '(web: reported)';

/** A row's check: the .tflite thresholds for tflite formats; web exports are reported only. */
function verdict(format: string, a: Agreement): { check: string; pass: boolean } {
  const tflite: Record<string, TfliteQuantization> = { 'tflite float32': 'none', 'tflite float16': 'float16', 'tflite int8': 'int8' };
  return format in tflite ? tfliteVerdict(tflite[format], a) : { check: WEB_CHECK, pass: true };
}

async function benchModel(modelDir: string, interpreter: () => Promise<LiteRtInterpreter>): Promise<{ rows: Row[]; lineRows: LineRow[] }> {
  const { model, metadata } = await loadModel(modelDir);
  if (isLineModel(metadata)) {
    const lineRows = await benchLineModel(modelDir, model, metadata, interpreter);
    model.dispose();
    return { rows: [], lineRows };
  }
  return { rows: await benchCharacterModel(modelDir, model, metadata, interpreter), lineRows: [] };
}

async function benchCharacterModel(modelDir: string, model: tfl.LayersModel, metadata: ModelMetadata, interpreter: () => Promise<LiteRtInterpreter>): Promise<Row[]> {
  const sets = datasetFor(metadata.dataset);
  if (typeof sets === 'string') {
    console.log(`${modelDir}: skipped (${sets})`);
    return [];
  }
  const { train, test } = sets;
  if (test.classes.join('') !== metadata.classes.join('')) throw new Error(`${modelDir}: classes differ from ${test.name}'s`);
  const name = path.basename(path.resolve(modelDir));
  const rows: Row[] = [];
  const t0 = Date.now();
  const ref = predictDataset(model, test).probs;
  console.log(`${modelDir}: tfjs on ${test.count.toLocaleString('en-US')} ${test.name} test images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const add = (format: string, bytes: number, probs: Float32Array, msPerImage?: number) => {
    const a = compareOutputs(ref, probs, test.labels, test.classes.length);
    rows.push({ model: modelDir, dataset: test.name, format, bytes, msPerImage, ...a, ...verdict(format, a) });
    const r = rows[rows.length - 1];
    console.log(`  ${format.padEnd(15)} ${kb(bytes).padStart(8)}  acc ${pct(a.accuracy)}  agreement ${pct(a.agreement, 3)}  max|dp| ${a.maxAbsDiff.toExponential(2)}` +
      `${msPerImage ? `  ${msPerImage.toFixed(2)} ms/img` : ''}  ${r.pass ? 'ok' : 'FAILED: ' + r.check}`);
  };

  for (const q of ['none', 'float16', 'uint8'] as WebQuantization[]) {
    const dir = path.join(OUT, name, `web-${q}`);
    const r = await exportWeb(model, metadata, dir, { format: 'web', quantize: q, source: modelDir, command: 'npm run bench:tflite' });
    const exported = await loadWebExport(dir);
    add(`web ${q === 'none' ? 'float32' : q}`, r.totalBytes, predictDataset(exported, test).probs);
    exported.dispose();
  }
  const calibration = calibrationImages(train, 300);
  for (const q of ['none', 'float16', 'int8'] as TfliteQuantization[]) {
    const file = path.join(OUT, name, `${name}-${q}.tflite`); // labels.txt beside it
    const r = exportTflite(model, metadata.classes, file, { quantize: q, calibration: q === 'int8' ? calibration : undefined, description: `bench ${modelDir} ${q}` });
    // RGB input by default (as hwr export writes it): the gray test images go in as R = G = B.
    const out = await tfliteOutputs(await interpreter(), file, test, { channels: r.channels === 3 ? 3 : 1 });
    add(`tflite ${q === 'none' ? 'float32' : q}`, r.bytes, out.output, out.ms / test.count);
  }
  calibration.dispose();
  model.dispose();
  return rows;
}

/** A line model's .tflite files (float32, float16, int8) read the synthetic test lines against tfjs. */
async function benchLineModel(modelDir: string, model: tfl.LayersModel, metadata: LineModelMetadata, interpreter: () => Promise<LiteRtInterpreter>): Promise<LineRow[]> {
  const emnistDir = benchEmnistDir();
  // A body-height model is measured on held-out-font lines (syntheticLines): only an older model needs its EMNIST letters.
  const split = /^emnist-(.+)-lines$/.exec(metadata.dataset ?? '')?.[1];
  if (!metadata.body && (!split || !fs.existsSync(path.join(emnistDir, `emnist-${split}-mapping.txt`)))) {
    console.log(`${modelDir}: skipped (the EMNIST ${split ?? '?'} letters its lines are written with are not in ${emnistDir}: set EMNIST_DIR)`);
    return [];
  }
  const name = path.basename(path.resolve(modelDir));
  const test = syntheticLines(metadata, 'test', LINE_COUNT, { emnistDir });
  const rows: LineRow[] = [];
  for (const q of ['none', 'float16', 'int8'] as TfliteQuantization[]) {
    const calibration = q === 'int8' ? lineBatch(syntheticLines(metadata, 'train', 300, { emnistDir })) : undefined;
    const file = path.join(OUT, name, `${name}-${q}.tflite`);
    const r = exportTflite(model, metadata.charset, file, { quantize: q, calibration, description: `bench ${modelDir} ${q}`, input: 'gray' });
    const builder = lineTfliteBuilder(model, q, { calibration, description: `bench ${modelDir} ${q}` });
    calibration?.dispose();
    const full = await compareLineReadings(await interpreter(), model, metadata, (w) => builder.bytes(w), test);
    const v = lineAgreementVerdict(full);
    const { disagreements, ...a } = full;
    const format = `tflite ${q === 'none' ? 'float32' : q}`;
    rows.push({ model: modelDir, lines: metadata.body ? 'synthetic held-out-font test lines' : `synthetic ${split} test lines`, format, bytes: r.bytes, ...a, ...v, enforced: q !== 'int8' });
    console.log(`  ${format.padEnd(15)} ${kb(r.bytes).padStart(8)}  texts equal ${pct(a.agreement)}  CER ${pct(a.referenceCer)} (tfjs) -> ${pct(a.cer)}` +
      `  max|d logit| ${a.maxAbsDiff.toExponential(2)} (of ${a.maxAbsLogit.toFixed(0)})  ${a.msPerLine.toFixed(1)} ms/line  ${v.pass ? 'ok' : q === 'int8' ? 'misses (reported for int8): ' + v.check : 'FAILED: ' + v.check}`);
    for (const d of disagreements.slice(0, 2)) console.log(`    line ${d.line}: truth '${d.truth}', tfjs '${d.reference}', tflite '${d.candidate}'`);
  }
  return rows;
}

function lineTable(rows: LineRow[]): string {
  const head = ['model', 'test lines', 'format', 'size', 'texts equal to tfjs', 'CER tfjs', 'CER tflite', 'max abs logit diff (max abs logit)', 'ms/line', 'check'];
  const lines = rows.map((r) => [
    `\`${r.model}\``, `${r.lines} (${r.count})`, r.format, kb(r.bytes), pct(r.agreement), pct(r.referenceCer), pct(r.cer),
    `${r.maxAbsDiff.toExponential(1)} (${r.maxAbsLogit.toFixed(0)})`, r.msPerLine.toFixed(1), `${r.pass ? 'pass' : r.enforced ? 'FAIL' : 'misses (not enforced for int8)'}: ${r.check}`,
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

function table(rows: Row[]): string {
  const head = ['model', 'test set', 'format', 'size', 'test accuracy', 'top-1 agreement with tfjs', 'max abs prob. diff', 'check'];
  const lines = rows.map((r) => [
    `\`${r.model}\``, `${r.dataset} (${r.count.toLocaleString('en-US')})`, r.format, kb(r.bytes), pct(r.accuracy),
    pct(r.agreement, 2), r.maxAbsDiff.toExponential(1), r.check === WEB_CHECK ? '' : `${r.pass ? 'pass' : 'FAIL'}: ${r.check}`,
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

/**
 * The run's verdict: 1 when a check failed or when no TFLite check ran at all (nothing was
 * verified, which must not read as "all passed"), with the line that says so. A line model's int8
 * row is reported, not enforced (issue 17: int8 may miss the line thresholds).
 */
export function summary(rows: Row[], skipped: string[], lineRows: LineRow[] = []): { exitCode: number; message: string } {
  const checks = [...rows.filter((r) => r.check !== WEB_CHECK), ...lineRows];
  const failed = [...rows.filter((r) => !r.pass), ...lineRows.filter((r) => r.enforced && !r.pass)];
  if (checks.length === 0) {
    return {
      exitCode: 1,
      message: `no TFLite check ran: no model could be checked${skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''}. ` +
        'Pass saved model folders whose test data is here (EMNIST models need EMNIST_DIR).',
    };
  }
  if (failed.length) return { exitCode: 1, message: `${failed.length} check(s) FAILED` };
  const reported = lineRows.filter((r) => !r.enforced && !r.pass).length;
  return {
    exitCode: 0,
    message: `all ${checks.length - reported} TFLite checks passed${reported ? `; ${reported} int8 line row(s) miss the line thresholds (reported, not enforced)` : ''}` +
      `${skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''}`,
  };
}

/** Runs the benchmark on the given model folders (default mnist and emnist); returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const models = args.length ? args : ['saved_models/mnist', 'saved_models/emnist', 'saved_models/lines'];
  console.log(describeBackend(await initBackend()));
  // Started on first use: a run that skips every model needs no interpreter.
  let interp: Promise<LiteRtInterpreter> | undefined;
  const interpreter = () => (interp ??= LiteRtInterpreter.start());
  const rows: Row[] = [];
  const lineRows: LineRow[] = [];
  const skipped: string[] = [];
  try {
    for (const m of models) {
      const got = await benchModel(m, interpreter);
      if (got.rows.length + got.lineRows.length === 0) skipped.push(m);
      rows.push(...got.rows);
      lineRows.push(...got.lineRows);
    }
  } finally {
    if (interp) await (await interp).close();
  }
  const verdictLine = summary(rows, skipped, lineRows);
  if (rows.length) console.log('\n' + table(rows));
  if (lineRows.length) console.log('\n' + lineTable(lineRows));
  if (rows.length || lineRows.length) {
    fs.mkdirSync('outputs', { recursive: true });
    fs.writeFileSync(path.join('outputs', 'tflite_agreement.json'), JSON.stringify({ date: new Date().toISOString(), interpreter: '@litertjs/core (LiteRT wasm, CPU/XNNPACK)', rows, lineRows }, null, 2) + '\n');
  }
  console.log(`\n${verdictLine.message}`);
  return verdictLine.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
