/**
 * Export agreement (prints figures and checks the acceptance thresholds; not a timed test):
 *   npm run build && npm run bench:tflite [-- saved_models/mnist saved_models/emnist]
 * For each model: web exports (none, float16, uint8) loaded by stock tf.loadLayersModel, and .tflite
 * files (none, float16, int8) run by a real TFLite interpreter (LiteRT, @litertjs/core, wasm) on the
 * model's whole test split, against the TensorFlow.js model: file size, test accuracy, top-1
 * agreement and max |probability difference|. EMNIST models read EMNIST_DIR (default
 * ../shared/data/emnist47 beside the checkout) and the split recorded in their metadata.
 * Thresholds (issue 8): tflite float32 agreement >= 99.99% and max |dp| <= 1e-4; float16 agreement
 * >= 99.9%; int8 accuracy within 1 point of the tfjs model. Exit code 1 if one is missed.
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
import { Agreement, compareOutputs, tfliteOutputs } from '../src/export/tflite/verify';
import { benchEmnistDir } from './emnist_dir';

interface Row extends Agreement {
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

function verdict(format: string, a: Agreement): { check: string; pass: boolean } {
  if (format === 'tflite float32') return { check: 'agreement >= 99.99% and max abs dp <= 1e-4', pass: a.agreement >= 0.9999 && a.maxAbsDiff <= 1e-4 };
  if (format === 'tflite float16') return { check: 'agreement >= 99.9%', pass: a.agreement >= 0.999 };
  if (format === 'tflite int8') return { check: 'accuracy within 1 point', pass: Math.abs(a.accuracy - a.referenceAccuracy) <= 0.01 };
  return { check: '(web: reported)', pass: true };
}

async function benchModel(modelDir: string, interp: LiteRtInterpreter): Promise<Row[]> {
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
    const out = await tfliteOutputs(interp, file, test);
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
    pct(r.agreement, 2), r.maxAbsDiff.toExponential(1), r.check === '(web: reported)' ? '' : `${r.pass ? 'pass' : 'FAIL'}: ${r.check}`,
  ]);
  return [head, head.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const models = process.argv.slice(2).length ? process.argv.slice(2) : ['saved_models/mnist', 'saved_models/emnist'];
  console.log(describeBackend(await initBackend()));
  const interp = await LiteRtInterpreter.start();
  const rows: Row[] = [];
  try {
    for (const m of models) rows.push(...(await benchModel(m, interp)));
  } finally {
    await interp.close();
  }
  console.log('\n' + table(rows));
  fs.mkdirSync('outputs', { recursive: true });
  fs.writeFileSync(path.join('outputs', 'tflite_agreement.json'), JSON.stringify({ date: new Date().toISOString(), interpreter: '@litertjs/core (LiteRT wasm, CPU/XNNPACK)', rows }, null, 2) + '\n');
  const failed = rows.filter((r) => !r.pass);
  console.log(failed.length ? `\n${failed.length} check(s) FAILED` : `\nall ${rows.filter((r) => r.check !== '(web: reported)').length} TFLite checks passed`);
  process.exitCode = failed.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
