import * as path from 'path';
import { initBackend, describeBackend } from '../backend';
import { loadModel } from '../io/saved_model';
import { predictFiles, savePredictionGrid } from '../predict';
import { geometryForDataset } from '../image/preprocess';
import { Command, UsageError } from './args';

/** `hwr predict`: classify image files (photos, scans, canvas drawings) with a saved model. */
export const predictCommand: Command = {
  name: 'predict',
  usage: 'predict --model saved_models/mnist <image|folder>... [--json]',
  summary: 'Predict the character in each image (PNG, JPEG, WebP; folders are expanded). Each image is\n' +
    'preprocessed like MNIST/EMNIST (grayscale, polarity, crop, fit, centre). Prints label, confidence\n' +
    'and top-3 per file, and writes a grid of the inputs as the model saw them to outputs/prediction_visuals/.',
  positionals: true,
  options: {
    model: { type: 'string', short: 'm', help: 'saved model folder', default: 'saved_models/mnist' },
    json: { type: 'boolean', help: 'print JSON instead of a table' },
    out: { type: 'string', short: 'o', help: 'prediction grid PNG', default: 'outputs/prediction_visuals/<model>.png' },
    backend: { type: 'string', help: 'tensorflow, wasm or cpu (env TFJS_BACKEND)' },
  },
  async run(values, files) {
    if (files.length === 0) throw new UsageError(`hwr predict: give one or more image files or folders. See 'hwr predict --help'.`);
    const modelDir = String(values.model ?? 'saved_models/mnist');
    const backend = await initBackend({ backend: values.backend as never });
    if (!values.json) console.error(describeBackend(backend));
    const { model, metadata } = await loadModel(modelDir);
    // EMNIST images were made by a different recipe (bounding box, no mass centring): match it.
    const preprocess = geometryForDataset(metadata.dataset);
    const preds = await predictFiles(model, metadata.classes, files, { preprocess });
    if (preds.length === 0) throw new UsageError(`No image files (.png, .jpg, .jpeg, .webp) found in ${files.join(', ')}.`);
    const grid = String(values.out ?? `outputs/prediction_visuals/${path.basename(path.resolve(modelDir))}.png`);
    if (preds.some((p) => p.ok)) savePredictionGrid(preds, grid, { title: `${metadata.dataset} ${metadata.family}` });
    if (values.json) {
      console.log(JSON.stringify(preds.map((p) => (p.ok
        ? { file: p.file, label: p.label, confidence: p.confidence, top3: p.top3 }
        : { file: p.file, error: p.error })), null, 2));
    } else {
      const width = Math.max(...preds.map((p) => p.file.length));
      for (const p of preds) {
        if (!p.ok) console.log(`${p.file.padEnd(width)}  error: ${p.error}`);
        else console.log(`${p.file.padEnd(width)}  ${p.label}  ${(100 * p.confidence).toFixed(1).padStart(5)}%   top-3: ` +
          p.top3.map((t) => `${t.label} ${(100 * t.p).toFixed(1)}%`).join(', '));
      }
      if (preds.some((p) => p.ok)) console.log(`\ninputs as the model saw them: ${grid}`);
    }
    return preds.every((p) => p.ok) ? 0 : 1;
  },
};
