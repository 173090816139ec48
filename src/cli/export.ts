/**
 * `hwr export`: a saved model as a compact TensorFlow.js folder (web) or a .tflite file (phones).
 * A .tflite is verified before the command succeeds: LiteRT runs it on test data against the tfjs
 * model, and a file that misses its quantization's thresholds, or that could not be checked, exits 1.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, describeBackend } from '../runtime/backend';
import { loadModel, ModelMetadata } from '../io/saved_model';
import { Dataset } from '../data/dataset';
import { predictDataset } from '../eval/predict_dataset';
import {
  exportTflite, exportWeb, loadWebExport, TFLITE_INPUTS, TFLITE_QUANTIZATIONS, TfliteInput, TfliteQuantization, WEB_QUANTIZATIONS, WebQuantization,
  writeFilesAtomically,
} from '../export';
import { calibrationImages } from '../export/tflite/calibrate';
import { compareOutputs, tfliteOutputs, tfliteVerdict } from '../export/tflite/verify';
import { isLineModel } from '../lines/line_model';
import { exportLineModelTflite, startVerifier } from './export_lines';
import { Command, UsageError, intOption } from './args';
import { gitCommit, headOf, loadDatasetByName } from './common';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Bytes of the source model's model.json + weight files. */
function sourceBytes(dir: string): number {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const files = ['model.json', ...json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths)];
  return files.reduce((s: number, f: string) => s + fs.statSync(path.join(dir, f)).size, 0);
}

function datasetsFor(metadata: ModelMetadata, values: Record<string, unknown>): { train: Dataset; test: Dataset } {
  const name = metadata.dataset.split('-')[0];
  return loadDatasetByName(name, {
    emnistDir: values['emnist-dir'] as string | undefined,
    split: (values.split as string | undefined) ?? (metadata.dataset.startsWith('emnist-') ? metadata.dataset.slice(7) : undefined),
  });
}

function checkClasses(ds: Dataset, metadata: ModelMetadata, modelDir: string): void {
  if (ds.classes.join('') !== metadata.classes.join('')) {
    throw new UsageError(`Model ${modelDir} has classes ${metadata.classes.join('')} but ${ds.name} has ${ds.classes.join('')}: pass the matching --split/--emnist-dir.`);
  }
}

/**
 * Runs the .tflite through LiteRT on the test images against the tfjs model and checks the
 * thresholds of its quantization (TFLITE_THRESHOLDS); returns the exit code: 1 when LiteRT
 * cannot start or the file misses them, so a script never ships an unchecked or wrong file.
 */
async function verifyTflite(model: tfl.LayersModel, file: string, quantize: TfliteQuantization, test: Dataset, channels: 1 | 3): Promise<number> {
  const interp = await startVerifier(file);
  if (!interp) return 1;
  try {
    const ref = predictDataset(model, test);
    // An RGB file reads each gray test image as R = G = B: it must answer as the gray tfjs model does.
    const got = await tfliteOutputs(interp, file, test, { channels });
    const a = compareOutputs(ref.probs, got.output, test.labels, test.classes.length);
    const v = tfliteVerdict(quantize, a);
    console.log(`LiteRT on ${a.count.toLocaleString('en-US')} ${test.name} test images: accuracy ${pct(a.referenceAccuracy)} (tfjs) -> ${pct(a.accuracy)} (tflite), ` +
      `top-1 agreement ${pct(a.agreement)}, max |dp| ${a.maxAbsDiff.toExponential(2)}, ${(got.ms / a.count).toFixed(2)} ms/image` +
      `${channels === 3 ? ', each image fed as RGB with R = G = B' : ''}: ${v.pass ? 'pass' : 'FAIL'} (${v.check})`);
    if (!v.pass) console.error(`hwr export: ${file} misses the ${quantize === 'none' ? 'float32' : quantize} threshold (${v.check}): do not ship it; try another --quantize.`);
    return v.pass ? 0 : 1;
  } finally {
    await interp.close();
  }
}

/** `hwr export`: compact TensorFlow.js folders for the web and .tflite files for phones. */
export const exportCommand: Command = {
  name: 'export',
  usage: 'export --model saved_models/mnist --format web|tflite --quantize <q> --out <path>',
  summary: 'Export a saved model for deployment. --format web: a TensorFlow.js folder whose weights are\n' +
    'stored float32, float16 or uint8 (standard weightsManifest quantization; stock tf.loadLayersModel\n' +
    'reads it). --format tflite: a TensorFlow Lite flatbuffer, float32, float16 or full int8 (calibrated\n' +
    'on training images), with labels.txt beside it. Prints sizes and the test accuracy before/after.\n' +
    'A character model\'s .tflite carries TFLite metadata (normalisation, labels.txt inside) and reads RGB\n' +
    '[1, h, w, 3] by default (--input rgb; the model reads the mean of R, G and B), which is what Android\'s\n' +
    'Task Library and MediaPipe ImageClassifier load as it is; --input gray keeps the 1-channel input\n' +
    '(those loaders reject it). Either way the model reads WHITE ink on BLACK: an app must invert a photo of\n' +
    'dark ink on paper. Line models read gray lines (--input gray only).\n' +
    'A .tflite is verified: run through the LiteRT interpreter (@litertjs/core, a dev dependency) on the\n' +
    'test images (line models: synthetic test lines) against the tfjs model; the exit code is 1 when it\n' +
    'misses the agreement thresholds or LiteRT cannot start (--no-verify skips the check). See docs/EXPORT.md.',
  options: {
    model: { type: 'string', short: 'm', help: 'saved model folder', default: 'saved_models/mnist' },
    format: { type: 'string', short: 'f', help: 'web or tflite', default: 'web' },
    quantize: { type: 'string', short: 'q', help: 'web: none, float16, uint8; tflite: none, float16, int8', default: 'none' },
    out: { type: 'string', short: 'o', help: 'output folder (web) or .tflite file', default: 'outputs/export/<model>-web-<q>/ or <model>-tflite-<q>/model.tflite' },
    calibration: { type: 'string', help: 'int8: number of training images to calibrate on', default: '300' },
    'emnist-dir': { type: 'string', help: 'EMNIST folder (env EMNIST_DIR)', default: 'data/emnist' },
    split: { type: 'string', help: 'EMNIST split (default: the one in the model\'s metadata)' },
    limit: { type: 'string', help: 'evaluate on the first N test images only (line models: N synthetic test lines, default 200)' },
    'skip-eval': { type: 'boolean', help: 'do not measure test accuracy (tflite: implies --no-verify)' },
    input: { type: 'string', help: 'tflite: rgb (3 channels, loads in the Task Library) or gray (1 channel)', default: 'rgb for character models, gray for line models' },
    'no-verify': { type: 'boolean', help: 'tflite: do not run the file through LiteRT (it is then not verified)' },
    backend: { type: 'string', help: 'tensorflow, wasm or cpu (env TFJS_BACKEND)' },
  },
  async run(values, _positionals, argv) {
    const modelDir = String(values.model ?? 'saved_models/mnist');
    const format = String(values.format ?? 'web');
    const quantize = String(values.quantize ?? 'none');
    if (format !== 'web' && format !== 'tflite') throw new UsageError(`hwr export: --format must be web or tflite, got '${format}'.`);
    const allowed = format === 'web' ? WEB_QUANTIZATIONS : TFLITE_QUANTIZATIONS;
    if (!(allowed as readonly string[]).includes(quantize)) {
      throw new UsageError(`hwr export: --quantize for ${format} must be one of ${allowed.join(', ')}, got '${quantize}'.`);
    }
    const name = path.basename(path.resolve(modelDir));
    const out = String(values.out ?? (format === 'web' ? `outputs/export/${name}-web-${quantize}` : `outputs/export/${name}-tflite-${quantize}/model.tflite`));
    const evaluate = values['skip-eval'] !== true;
    const verify = format === 'tflite' && evaluate && values['no-verify'] !== true;
    const calibrationCount = intOption(values, 'calibration', 300);
    const input = values.input === undefined ? undefined : String(values.input);
    if (input !== undefined && !(TFLITE_INPUTS as readonly string[]).includes(input)) {
      throw new UsageError(`hwr export: --input must be one of ${TFLITE_INPUTS.join(', ')}, got '${input}'.`);
    }
    if (input !== undefined && format !== 'tflite') throw new UsageError('hwr export: --input applies to --format tflite only.');

    const backend = await initBackend({ backend: values.backend as never });
    console.error(describeBackend(backend));
    const { model, metadata } = await loadModel(modelDir);
    if (format === 'tflite' && isLineModel(metadata)) {
      return exportLineModelTflite(model, metadata, modelDir, out, quantize as TfliteQuantization, values, `hwr export ${argv.join(' ')}`);
    }
    const needsData = (format === 'web' ? evaluate : verify) || (format === 'tflite' && quantize === 'int8');
    const sets = needsData ? datasetsFor(metadata, values) : undefined;
    if (sets) checkClasses(sets.test, metadata, modelDir);
    const test = sets ? headOf(sets.test, intOption(values, 'limit', sets.test.count)) : undefined;
    const command = `hwr export ${argv.join(' ')}`;
    const before = sourceBytes(modelDir);

    if (format === 'web') {
      const settings = { format: 'web' as const, quantize: quantize as WebQuantization, source: modelDir, command, gitCommit: gitCommit() };
      const r = await exportWeb(model, metadata, out, settings);
      console.log(`wrote ${out}/: model.json ${kb(r.files['model.json'])}, weights.bin ${kb(r.files['weights.bin'])} ` +
        `(source ${kb(before)} -> ${kb(r.totalBytes)}, ${(100 * r.totalBytes / before).toFixed(0)}%)`);
      if (test) {
        const exported = await loadWebExport(out);
        const ref = predictDataset(model, test);
        const got = predictDataset(exported, test);
        exported.dispose();
        const a = compareOutputs(ref.probs, got.probs, test.labels, test.classes.length);
        console.log(`test accuracy on ${a.count.toLocaleString('en-US')} ${test.name} images: ${pct(a.referenceAccuracy)} -> ${pct(a.accuracy)} ` +
          `(${(100 * (a.accuracy - a.referenceAccuracy)).toFixed(2)} points); top-1 agreement ${pct(a.agreement)}, max |dp| ${a.maxAbsDiff.toExponential(2)}`);
        // Record the measured figures with the export settings (the folder itself was written atomically).
        const metaFile = path.join(out, 'metadata.json');
        const written = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
        written.export = { ...written.export, bytes: r.totalBytes, sourceBytes: before, evaluation: { dataset: test.name, ...a } };
        writeFilesAtomically([{ path: metaFile, data: JSON.stringify(written, null, 2) + '\n' }]);
      }
      return 0;
    }

    let calibration: tf.Tensor4D | undefined;
    if (quantize === 'int8') {
      calibration = calibrationImages(sets!.train, calibrationCount);
      console.log(`calibrating int8 ranges on ${calibration.shape[0]} ${sets!.train.name} training images`);
    }
    const description = `handwriting-tfjs ${command} (source ${modelDir}, ${metadata.dataset}, ${quantize}` +
      `${calibration ? `, calibrated on ${calibration.shape[0]} training images` : ''})`;
    const r = exportTflite(model, metadata.classes, out, { quantize: quantize as TfliteQuantization, calibration, description, input: input as TfliteInput | undefined });
    calibration?.dispose();
    console.log(`wrote ${out} (${kb(r.bytes)}; source ${kb(before)}) and ${r.labelsFile}; input [1, ${model.inputs[0].shape.slice(1, 3).join(', ')}, ${r.channels}] ` +
      `${r.input === 'rgb' ? 'RGB (the model reads the mean of R, G and B)' : 'gray'}, white ink on black (invert dark ink on paper)`);
    if (!verify || !test) {
      console.log(`not verified (${values['no-verify'] === true ? '--no-verify' : '--skip-eval'}): ${out} was not run through LiteRT.`);
      return 0;
    }
    return verifyTflite(model, out, quantize as TfliteQuantization, test, r.channels === 3 ? 3 : 1);
  },
};
