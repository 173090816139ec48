import * as path from 'path';
import { initBackend, describeBackend } from '../runtime/backend';
import { buildModel, formatSummary, summarizeModel, MODEL_FAMILIES, ModelFamily } from '../models/cnn';
import { TrainingInterruptedError, resolveWorkers, train } from '../train/train';
import { loadCheckpoint, saveCheckpoint, TrainCheckpoint } from '../train/checkpoint';
import { evaluate, formatEvaluation, saveEvaluation } from '../eval/evaluate';
import { saveModel } from '../io/saved_model';
import { Command, UsageError, augmentOption, blocksOption, blocksText, intOption, numberOption, workersOption } from './args';
import { RECIPES, recipeFor } from '../train/recipes';
import { AugmentOptions, DEFAULT_AUGMENT } from '../data/augment';
import { DATASETS, gitCommit, headOf, loadDatasetByName } from './common';
import { LINE_TRAIN_OPTIONS, trainLines } from './train_lines';
import { withCharPhotos } from '../synth/char_photos';
import { randomSubset } from '../data/dataset';
import { deriveSeed } from '../util/rng';
import { formatPhotoTest, photoTest, photoTestSets } from './photo_test';

/** The environment variables that shaped this run, as `NAME=value` words for the recorded command. */
function settingsFromEnv(dataset: string): string[] {
  const names = ['TFJS_BACKEND', ...(dataset === 'emnist' || dataset === 'lines' ? ['EMNIST_DIR', 'EMNIST_SPLIT'] : [])];
  // Folders relative to where the command ran, so the recorded command works on another machine.
  const value = (n: string) => (n === 'EMNIST_DIR' ? shellWord(path.relative(process.cwd(), process.env[n]!) || '.') : shellWord(process.env[n]!));
  return names.filter((n) => process.env[n]).map((n) => `${n}=${value(n)}`);
}

/** A recipe's augmentation as --augment writes it ('10,2,0.1'); undefined is the library's default. */
function augmentText(a: AugmentOptions | undefined): string {
  const { rotation, shift, scale } = { ...DEFAULT_AUGMENT, ...a };
  return `${rotation},${shift},${scale}`;
}

/** An argument as a POSIX shell word: quoted only when it needs to be. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Ctrl-C (SIGINT) aborts the returned signal, so training stops after the current step and writes
 * its checkpoint; a second Ctrl-C quits at once. `dispose` puts the default handling back.
 */
export function stopOnInterrupt(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      console.error('\nsecond Ctrl-C: quitting without a checkpoint of the current step');
      process.exit(130);
    }
    console.error('\nCtrl-C: stopping after the current step and writing a checkpoint (Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** `hwr train`: train a model, evaluate it on the test split, save it with its metadata. */
export const trainCommand: Command = {
  name: 'train',
  usage: 'train [--dataset mnist|emnist|lines] [--model cnn|baseline|crnn] [options]',
  summary: 'Train a model, evaluate it on the test split and save it to saved_models/<name>/\n' +
    '(TensorFlow.js layers format + metadata.json), on every CPU core by default. A checkpoint is\n' +
    'written after every epoch and on Ctrl-C (which stops after the current step); --resume continues from it.',
  options: {
    dataset: { type: 'string', short: 'd', help: 'mnist, emnist, or lines (synthetic lines of EMNIST characters, a crnn line model)', default: 'mnist' },
    model: { type: 'string', short: 'm', help: `model family: ${MODEL_FAMILIES.join(', ')}`, default: "the dataset's recipe (cnn)" },
    blocks: { type: 'string', help: "cnn conv blocks: widths per block, blocks split by '/'", default: `mnist ${blocksText(RECIPES.mnist.model.blocks ?? [])}, emnist ${blocksText(RECIPES.emnist.model.blocks ?? [])}` },
    'batch-norm': { type: 'boolean', help: `cnn: batch norm after every conv and the dense layer (default ${RECIPES.emnist.model.batchNorm ? 'on' : 'off'} for emnist, ${RECIPES.mnist.model.batchNorm ? 'on' : 'off'} for mnist)` },
    'no-batch-norm': { type: 'boolean', help: 'cnn: no batch norm (faster on wasm; for a recipe that has it)' },
    dense: { type: 'string', help: 'cnn: units of the hidden dense layer', default: `mnist ${RECIPES.mnist.model.denseUnits ?? 128}, emnist ${RECIPES.emnist.model.denseUnits ?? 128}` },
    dropout: { type: 'string', help: 'cnn: dropout rate before the classifier', default: '0.3' },
    epochs: { type: 'string', short: 'e', help: 'epochs', default: '5' },
    'batch-size': { type: 'string', help: 'images per step', default: `mnist ${RECIPES.mnist.batchSize}, emnist ${RECIPES.emnist.batchSize}` },
    lr: { type: 'string', help: 'peak learning rate (Adam, cosine decay with warm-up)', default: '0.002' },
    'label-smoothing': { type: 'string', help: 'label smoothing of the cross-entropy targets', default: `mnist ${RECIPES.mnist.labelSmoothing}, emnist ${RECIPES.emnist.labelSmoothing}` },
    seed: { type: 'string', help: 'seed for weights, data order, augmentation, dropout', default: '42' },
    'validation-split': { type: 'string', help: 'fraction of the train split held out for validation', default: '0.05' },
    augment: { type: 'string', help: 'random distortion of training images: max rotation (degrees),shift (pixels),zoom', default: `mnist ${augmentText(RECIPES.mnist.augment)}, emnist ${augmentText(RECIPES.emnist.augment)}` },
    'no-augment': { type: 'boolean', help: 'switch off random rotation/shift/scale' },
    balance: { type: 'boolean', help: 'class-balanced sampling (default on for emnist)' },
    'no-balance': { type: 'boolean', help: 'plain shuffled sampling' },
    patience: { type: 'string', help: 'early stopping: epochs without val-loss improvement', default: '3' },
    limit: { type: 'string', help: "train on a random subset of N of the dataset's images (the recipe's photos shrink in proportion)" },
    photos: { type: 'string', help: 'synthetic photos of characters added to the training images (training fonts and train images on paper, through the real-photo recipe; 0 for none)', default: `mnist ${RECIPES.mnist.photos ?? 0}, emnist ${RECIPES.emnist.photos ?? 0}` },
    out: { type: 'string', short: 'o', help: 'model folder', default: 'saved_models/<dataset>' },
    checkpoint: { type: 'string', help: 'checkpoint folder', default: 'outputs/checkpoints/<name>' },
    resume: { type: 'boolean', help: 'continue from the checkpoint folder' },
    'emnist-dir': { type: 'string', help: 'EMNIST folder (env EMNIST_DIR)', default: 'data/emnist' },
    split: { type: 'string', help: 'EMNIST split (env EMNIST_SPLIT)', default: 'balanced' },
    workers: { type: 'string', short: 'w', help: 'data-parallel worker threads; 1 trains in the main thread', default: 'one per CPU core (1 on tfjs-node)' },
    backend: { type: 'string', help: 'tensorflow, wasm or cpu (env TFJS_BACKEND)' },
    'dry-run': { type: 'boolean', help: 'a few steps on a small subset, saved under outputs/dry-run/: checks the pipeline' },
    ...LINE_TRAIN_OPTIONS,
  },
  async run(values, _files, argv) {
    const dryRun = values['dry-run'] === true;
    const datasetName = String(values.dataset ?? 'mnist');
    if (datasetName === 'lines') {
      return trainLines(values, argv, {
        command: (words) => [...settingsFromEnv('lines'), 'hwr train', ...words.map(shellWord)].join(' '),
        resumeHint: (workers) => [
          ...settingsFromEnv('lines'), 'npx hwr train', ...argv.map(shellWord),
          ...(values.workers === undefined ? ['--workers', String(workers)] : []), ...(values.resume ? [] : ['--resume']),
        ].join(' '),
        stopOnInterrupt,
      });
    }
    if (!(DATASETS as readonly string[]).includes(datasetName)) throw new UsageError(`--dataset must be one of ${DATASETS.join(', ')}, got '${datasetName}'.`);
    if (values.init !== undefined) throw new UsageError(`--init fine-tunes line models only (--dataset lines), not --dataset ${datasetName}.`);
    const recipe = recipeFor(datasetName);
    const family = String(values.model ?? recipe.family) as ModelFamily;
    if (!MODEL_FAMILIES.includes(family)) throw new UsageError(`--model must be one of ${MODEL_FAMILIES.join(', ')}, got '${family}'.`);
    const epochs = dryRun ? 1 : intOption(values, 'epochs', recipe.epochs);
    const seed = intOption(values, 'seed', 42);
    const augment = values['no-augment'] ? false : augmentOption(values) ?? recipe.augment;

    const commit = gitCommit(); // at the start: the code that trains, whatever is committed meanwhile
    const backend = await initBackend({ backend: values.backend as never });
    console.error(describeBackend(backend));
    const sets = loadDatasetByName(datasetName, { emnistDir: values['emnist-dir'] as string | undefined, split: values.split as string | undefined });
    const limit = dryRun ? 1024 : values.limit !== undefined ? intOption(values, 'limit', 0) : undefined;
    const own = limit !== undefined && limit < sets.train.count ? randomSubset(sets.train, limit, deriveSeed(seed, 'limit')) : sets.train;
    // A quick run (--limit, --dry-run) makes the recipe's photos in proportion, not all of them.
    const photoCount = values.photos !== undefined ? intOption(values, 'photos', 0) : Math.round(((recipe.photos ?? 0) * own.count) / sets.train.count);
    const trainSet = photoCount > 0 ? withCharPhotos(own, photoCount, seed, {
      onProgress: (done, total) => process.stderr.write(`\rphotos of characters: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`),
    }) : own;
    if (photoCount > 0) process.stderr.write(`\r${photoCount.toLocaleString('en-US')} photos of characters added to ${own.count.toLocaleString('en-US')} training images\n`);
    const test = dryRun ? headOf(sets.test, 500) : sets.test;
    const name = dryRun ? `dry-run/${sets.train.name}` : sets.train.name;
    const outDir = String(values.out ?? (dryRun ? `outputs/${name}` : `saved_models/${datasetName}`));
    const checkpointDir = String(values.checkpoint ?? `outputs/checkpoints/${path.basename(outDir)}`);
    console.error(`${sets.train.name}: ${sets.train.count.toLocaleString('en-US')} train, ${sets.test.count.toLocaleString('en-US')} test images, ${sets.train.classes.length} classes`);

    const model = buildModel(family, {
      ...recipe.model, numClasses: sets.train.classes.length, seed,
      blocks: blocksOption(values, { minBlocks: 1, expected: 'filter counts like 32/64,64/128' }) ?? recipe.model.blocks,
      batchNorm: values['no-batch-norm'] ? false : values['batch-norm'] === true || recipe.model.batchNorm,
      denseUnits: intOption(values, 'dense', recipe.model.denseUnits ?? 128),
      dropout: numberOption(values, 'dropout', recipe.model.dropout ?? 0.3),
    });
    console.error(formatSummary(model));
    let resume: TrainCheckpoint | undefined;
    if (values.resume) {
      resume = loadCheckpoint(checkpointDir);
      console.error(`resuming from ${checkpointDir} (after epoch ${resume.epoch})`);
    }
    const balance = values['no-balance'] ? false : values.balance === true || recipe.balance;
    const workers = resolveWorkers(workersOption(values));
    const command = [...settingsFromEnv(datasetName), 'hwr train', ...argv.map(shellWord)].join(' ');
    const stop = stopOnInterrupt();
    const result = await train(model, trainSet, {
      workers,
      signal: stop.signal,
      epochs,
      batchSize: intOption(values, 'batch-size', recipe.batchSize),
      learningRate: numberOption(values, 'lr', recipe.learningRate),
      labelSmoothing: numberOption(values, 'label-smoothing', recipe.labelSmoothing),
      seed,
      validationSplit: numberOption(values, 'validation-split', recipe.validationSplit),
      augment,
      balance,
      earlyStopping: intOption(values, 'patience', recipe.patience),
      maxStepsPerEpoch: dryRun ? 4 : undefined,
      resume,
      onCheckpoint: (ckpt) => saveCheckpoint(checkpointDir, ckpt),
    }).catch((err: unknown) => {
      if (!(err instanceof TrainingInterruptedError)) throw err;
      // The same settings, the same number of workers (a checkpoint is per worker count), and --resume.
      const resumeCommand = [
        ...settingsFromEnv(datasetName), 'npx hwr train', ...argv.map(shellWord),
        ...(values.workers === undefined ? ['--workers', String(workers)] : []), ...(values.resume ? [] : ['--resume']),
      ];
      console.error(`\ninterrupted in epoch ${err.epoch} after batch ${err.batch}; checkpoint saved to ${checkpointDir}.`);
      console.error(`resume with:\n  ${resumeCommand.join(' ')}`);
      return null;
    }).finally(() => stop.dispose());
    if (result === null) return 130;
    console.error(`trained ${result.history.length} epochs in ${result.seconds.toFixed(1)} s on ${result.workers} worker(s) ` +
      `(${Math.round(result.imagesPerSec)} images/s); best epoch ${result.bestEpoch}`);

    const report = evaluate(model, test);
    console.log(formatEvaluation(report));
    const photos = photoTest(model, photoTestSets(sets.test, dryRun ? 2 * sets.test.classes.length : undefined));
    console.log('\n' + formatPhotoTest(photos));
    await saveModel(model, outDir, {
      family,
      dataset: sets.train.name,
      classes: sets.train.classes,
      imageSize: sets.train.height,
      testAccuracy: report.accuracy,
      testCount: report.count,
      epochs: result.history.length,
      bestEpoch: result.bestEpoch,
      backend: backend.name,
      trainingSeconds: Math.round(result.seconds),
      imagesPerSec: Math.round(result.imagesPerSec),
      workers: result.workers,
      seed,
      params: summarizeModel(model).totalParams,
      ...(photoCount > 0 ? { trainPhotos: photoCount } : {}),
      photoTest: { count: photos.count, fonts: photos.fonts, glyphs: photos.glyphs },
      history: result.history,
      command,
      gitCommit: commit,
      createdAt: new Date().toISOString(),
    });
    const evalFile = saveEvaluation(report, dryRun ? `outputs/${name}/evaluation.json` : `outputs/evaluation-${path.basename(outDir)}.json`);
    console.log(`\nmodel saved to ${outDir} (test accuracy ${(100 * report.accuracy).toFixed(2)}%); report in ${evalFile}`);
    return 0;
  },
};
