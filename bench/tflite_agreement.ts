/**
 * Export agreement (prints figures and checks the acceptance thresholds; not a timed test):
 *   npm run build && npm run bench:tflite [-- saved_models/mnist saved_models/emnist]
 * For each model: web exports (none, float16, uint8) loaded by stock tf.loadLayersModel, and .tflite
 * files (none, float16, int8) run by a real TFLite interpreter (LiteRT, @litertjs/core, wasm) on the
 * model's whole test split, against the TensorFlow.js model: file size, test accuracy, top-1
 * agreement and max |probability difference|. EMNIST models read EMNIST_DIR (default
 * ../shared/data/emnist47 beside the checkout) and the split recorded in their metadata.
 * Thresholds (issue 8, TFLITE_THRESHOLDS in src/export/tflite/verify.ts, which `hwr export` also
 * enforces): tflite float32 agreement >= 99.99% and max |dp| <= 1e-4; float16 agreement >= 99.9%;
 * int8 accuracy within 1 point of the tfjs model. Exit code 1 if one is missed, or if no model
 * could be checked at all (e.g. every model's data missing): zero checks is not a pass.
 * Files go to outputs/export/bench/<model>/, the figures to outputs/tflite_agreement.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend, describeBackend } from '../src/runtime/backend';
import { loadModel } from '../src/io/saved_model';
import { loadMnist } from '../src/data/mnist';
import { loadEmnist } from '../src/data/emnist';
import { Dataset } from '../src/data/dataset';
import { predictDataset } from '../src/eval/predict_dataset';
import { exportTflite, exportWeb, loadWebExport, TfliteQuantization, WebQuantization } from '../src/export';
import { calibrationImages } from '../src/export/tflite/calibrate';
import { LiteRtInterpreter } from '../src/export/tflite/litert_client';
import { Agreement, compareOutputs, tfliteOutputs, tfliteVerdict } from '../src/export/tflite/verify';
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

async function benchModel(modelDir: string, interpreter: () => Promise<LiteRtInterpreter>): Promise<Row[]> {
  const { model, metadata } = await loadModel(modelDir);
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
 * verified, which must not read as "all passed"), with the line that says so.
 */
export function summary(rows: Row[], skipped: string[]): { exitCode: number; message: string } {
  const checks = rows.filter((r) => r.check !== WEB_CHECK);
  const failed = rows.filter((r) => !r.pass);
  if (checks.length === 0) {
    return {
      exitCode: 1,
      message: `no TFLite check ran: no model could be checked${skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''}. ` +
        'Pass saved model folders whose test data is here (EMNIST models need EMNIST_DIR).',
    };
  }
  if (failed.length) return { exitCode: 1, message: `${failed.length} check(s) FAILED` };
  return { exitCode: 0, message: `all ${checks.length} TFLite checks passed${skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''}` };
}

/** Runs the benchmark on the given model folders (default mnist and emnist); returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const models = args.length ? args : ['saved_models/mnist', 'saved_models/emnist'];
  console.log(describeBackend(await initBackend()));
  // Started on first use: a run that skips every model needs no interpreter.
  let interp: Promise<LiteRtInterpreter> | undefined;
  const interpreter = () => (interp ??= LiteRtInterpreter.start());
  const rows: Row[] = [];
  const skipped: string[] = [];
  try {
    for (const m of models) {
      const got = await benchModel(m, interpreter);
      if (got.length === 0) skipped.push(m);
      rows.push(...got);
    }
  } finally {
    if (interp) await (await interp).close();
  }
  const verdictLine = summary(rows, skipped);
  if (rows.length) {
    console.log('\n' + table(rows));
    fs.mkdirSync('outputs', { recursive: true });
    fs.writeFileSync(path.join('outputs', 'tflite_agreement.json'), JSON.stringify({ date: new Date().toISOString(), interpreter: '@litertjs/core (LiteRT wasm, CPU/XNNPACK)', rows }, null, 2) + '\n');
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
