import * as path from 'path';
import { initBackend, describeBackend } from '../runtime/backend';
import { ModelMetadata, loadModel } from '../io/saved_model';
import { evaluate, formatEvaluation, saveEvaluation } from '../eval/evaluate';
import { Command, UsageError, intOption } from './args';
import { headOf, loadDatasetByName } from './common';
import { LINE_EVALUATE_OPTIONS, evaluateLineModel } from './evaluate_lines';
import { isLineModel } from '../lines/read';
import { formatPhotoTest, photoTest, photoTestSets } from './photo_test';
import * as fs from 'fs';

/** metadata.json of a model folder, or undefined when it cannot be read (loadModel then says why). */
function readMetadata(dir: string): ModelMetadata | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as ModelMetadata;
  } catch {
    return undefined;
  }
}

/** `hwr evaluate`: test-set metrics of a saved model, printed and written as JSON. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  usage: 'evaluate --model saved_models/mnist [options]',
  summary: 'Evaluate a saved model on its dataset\'s test split: accuracy, per-class precision/recall/F1,\n' +
    'confusion matrix, most-confused pairs and misclassified examples (JSON in outputs/). A line model\n' +
    '(saved_models/lines) is read on synthetic test lines: CER and WER, greedy and beam, beside the\n' +
    'segmentation baseline.',
  options: {
    model: { type: 'string', short: 'm', help: 'saved model folder', default: 'saved_models/mnist' },
    dataset: { type: 'string', help: 'mnist or emnist (default: the one in the model\'s metadata)' },
    'emnist-dir': { type: 'string', help: 'EMNIST folder (env EMNIST_DIR)', default: 'data/emnist' },
    split: { type: 'string', help: 'EMNIST split (env EMNIST_SPLIT)', default: 'balanced' },
    limit: { type: 'string', help: 'evaluate only the first N test images' },
    photos: { type: 'string', help: 'character models: images in each photo test set (held-out fonts, test images on paper); 0 skips them', default: '100 a class, at least 2,000' },
    out: { type: 'string', short: 'o', help: 'JSON report path', default: 'outputs/evaluation-<model>.json' },
    backend: { type: 'string', help: 'tensorflow, wasm or cpu (env TFJS_BACKEND)' },
    ...LINE_EVALUATE_OPTIONS,
  },
  async run(values) {
    const modelDir = String(values.model ?? 'saved_models/mnist');
    const backend = await initBackend({ backend: values.backend as never });
    console.error(describeBackend(backend));
    if (isLineModel(readMetadata(modelDir))) return evaluateLineModel(modelDir, values);
    const { model, metadata } = await loadModel(modelDir);
    const dataset = String(values.dataset ?? metadata.dataset.split('-')[0]);
    const sets = loadDatasetByName(dataset, {
      emnistDir: values['emnist-dir'] as string | undefined,
      split: (values.split as string | undefined) ?? (metadata.dataset.startsWith('emnist-') ? metadata.dataset.slice(7) : undefined),
    });
    const limit = intOption(values, 'limit', sets.test.count);
    const test = headOf(sets.test, limit);
    if (test.classes.join('') !== metadata.classes.join('')) {
      throw new UsageError(`Model ${modelDir} was trained on classes ${metadata.classes.join('')} but ${test.name} has ${test.classes.join('')}: pass the matching --dataset/--split.`);
    }
    const report = evaluate(model, test);
    console.log(formatEvaluation(report));
    const photoCount = values.photos === undefined ? undefined : intOption(values, 'photos', 0);
    const photos = photoCount === 0 ? undefined : photoTest(model, photoTestSets(sets.test, photoCount));
    if (photos) console.log('\n' + formatPhotoTest(photos));
    const out = String(values.out ?? `outputs/evaluation-${path.basename(path.resolve(modelDir))}.json`);
    console.log(`\nreport written to ${saveEvaluation(photos ? { ...report, photoTest: photos } : report, out)}`);
    return 0;
  },
};
