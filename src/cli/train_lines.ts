/**
 * `hwr train --dataset lines`: a crnn line model trained with CTC on synthetic lines of EMNIST
 * characters (train-split images and words), through the project's one training loop; evaluated on
 * test lines (test-split images, unseen words) and saved with its metadata.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, describeBackend } from '../runtime/backend';
import * as tfl from '@tensorflow/tfjs-layers';
import { Dataset } from '../data/dataset';
import { loadEmnistPart } from '../data/emnist';
import { HandwritingOptions, LineGeometry, createHandwritingGenerator, splitFonts } from '../synth/handwriting';
import { LineSource } from '../synth/line_source';
import { TEXT_CORPORA } from '../synth/text';
import { LINE_CHARSET } from '../synth/charset';
import { LineTestOptions, LineTestSet, lineTestSources } from '../lines/test_sets';
import { CRNN_DOWNSAMPLE, CRNN_HEADS, CrnnHead, crnn } from '../models/crnn';
import { formatSummary, summarizeModel } from '../models/cnn';
import { TrainingInterruptedError, resolveWorkers, train } from '../train/train';
import { TrainCheckpoint, loadCheckpoint, saveCheckpoint } from '../train/checkpoint';
import { loadModel, saveModel } from '../io/saved_model';
import { weightsMismatch } from '../engine/weights';
import { linesTask } from '../lines/task';
import type { BeamSearchLm } from '../ctc/decode';
import { LineModelMetadata } from '../lines/read';
import { LineEvaluation, evaluateLines, formatLineEvaluations } from '../lines/evaluate';
import { UsageError, blocksOption, intOption, numberOption, workersOption } from './args';
import { recipeFor } from '../train/recipes';
import { gitCommit } from './common';

type Values = Record<string, string | boolean | undefined>;

/** The machine a model was trained on, for its metadata (training times mean little without it). */
export function machineInfo(): { cpu: string; cores: number; memoryGB: number; platform: string; node: string } {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryGB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`, node: process.version,
  };
}

/** Options `hwr train` takes for lines only. */
export const LINE_TRAIN_OPTIONS = {
  head: { type: 'string', help: `lines: crnn head (${CRNN_HEADS.join(', ')}; lstm: the fused wasm BiLSTM, gru: tfjs-layers' (slow); only conv exports to TFLite)`, default: "the lines recipe's" },
  'head-units': { type: 'string', help: 'lines: units per direction of each recurrent head layer, or filters of each conv head layer', default: `the lines recipe's (${recipeFor('lines').crnn?.headUnits})` },
  'head-layers': { type: 'string', help: 'lines: layers of the head', default: `the lines recipe's (${recipeFor('lines').crnn?.headLayers})` },
  'lines-per-epoch': { type: 'string', help: 'lines: new synthetic lines per epoch', default: "the lines recipe's" },
  'val-lines': { type: 'string', help: 'lines: validation lines', default: "the lines recipe's" },
  'test-lines': { type: 'string', help: 'lines: test lines of each kind evaluated after training', default: '1000' },
  'emnist-share': { type: 'string', help: 'lines: share of lines written with EMNIST letters (the rest with fonts)', default: "the lines recipe's" },
  'no-emnist': { type: 'boolean', help: 'lines: write every line with handwriting fonts (no EMNIST ByClass needed)' },
  'warmup-epochs': { type: 'string', help: 'lines: first epochs on short lines (1-2 words), a curriculum', default: "the lines recipe's" },
  init: { type: 'string', help: "lines: start from this saved line model's weights (fine-tuning; same architecture options as it was trained with) instead of random ones" },
} as const;

/** What `hwr train` shares with its lines branch: the recorded command, the resume hint, Ctrl-C handling. */
export interface LineTrainEnv {
  command: (argv: string[]) => string;
  resumeHint: (workers: number) => string;
  stopOnInterrupt: () => { signal: AbortSignal; dispose: () => void };
}

/**
 * EMNIST ByClass (62 classes with case) for line models, from --emnist-dir/--split or
 * EMNIST_DIR/EMNIST_SPLIT; undefined with --no-emnist. A split without lower case (Balanced, dev47)
 * cannot write case-sensitive lines: an error that says which split to use instead.
 */
export function lineEmnist(values: Values, part: 'train' | 'test'): Dataset | undefined {
  if (values['no-emnist']) return undefined;
  const chars = loadEmnistPart(part, { dir: values['emnist-dir'] as string | undefined, split: values.split as string | undefined });
  const missing = LINE_CHARSET.filter((c) => /[0-9A-Za-z]/.test(c) && !chars.classes.includes(c));
  if (missing.length > 0) {
    throw new UsageError(`${chars.name} has no class for ${missing.join(' ')}: line models write upper and lower case, so they need EMNIST ByClass ` +
      `(62 classes: --split byclass from NIST, or --emnist-dir ../shared/data/emnist62 --split emnist62), or --no-emnist to write with fonts only.`);
  }
  return chars;
}

/** Runs `hwr train --dataset lines` with the parsed options; returns the exit code. */
export async function trainLines(values: Values, argv: string[], env: LineTrainEnv): Promise<number> {
  const recipe = recipeFor('lines');
  const lr = recipe.lines!;
  const dryRun = values['dry-run'] === true;
  if (values.model !== undefined && values.model !== 'crnn') throw new UsageError(`--dataset lines trains the crnn family, got --model '${String(values.model)}'.`);
  const head = String(values.head ?? recipe.crnn?.head ?? 'conv') as CrnnHead;
  if (!CRNN_HEADS.includes(head)) throw new UsageError(`--head must be one of ${CRNN_HEADS.join(', ')}, got '${head}'.`);
  const headUnits = intOption(values, 'head-units', recipe.crnn?.headUnits ?? 128);
  const headLayers = intOption(values, 'head-layers', recipe.crnn?.headLayers ?? 2);
  if (headUnits < 1 || headLayers < 0) throw new UsageError(`--head-units must be >= 1 and --head-layers >= 0, got ${headUnits} and ${headLayers}.`);
  const geometry: LineGeometry = { height: lr.height, bodyHeight: lr.bodyHeight, baselineRow: lr.baselineRow };
  const epochs = dryRun ? 1 : intOption(values, 'epochs', recipe.epochs);
  const seed = intOption(values, 'seed', 42);
  const linesPerEpoch = dryRun ? 64 : intOption(values, 'lines-per-epoch', lr.linesPerEpoch);
  const valLines = dryRun ? 32 : intOption(values, 'val-lines', lr.valLines);
  const testLines = dryRun ? 32 : intOption(values, 'test-lines', 1000);
  const batchSize = intOption(values, 'batch-size', recipe.batchSize);
  const warmupEpochs = dryRun ? 0 : intOption(values, 'warmup-epochs', lr.warmupEpochs);
  const emnistShare = numberOption(values, 'emnist-share', lr.emnistShare);
  if (!(emnistShare >= 0 && emnistShare <= 1)) throw new UsageError(`--emnist-share must be in [0, 1], got ${emnistShare}.`);

  const commit = gitCommit(); // at the start: the code that trains, whatever is committed meanwhile
  const backend = await initBackend({ backend: values.backend as never });
  console.error(describeBackend(backend));
  const trainChars = lineEmnist(values, 'train');
  const testChars = lineEmnist(values, 'test');
  const dataset = trainChars ? `handwriting-fonts+${trainChars.name}` : 'handwriting-fonts';
  const outDir = String(values.out ?? (dryRun ? `outputs/dry-run/lines` : 'saved_models/lines'));
  const checkpointDir = String(values.checkpoint ?? `outputs/checkpoints/${path.basename(outDir)}`);

  const text = { sharedWords: lr.sharedWords };
  const source = (split: 'train' | 'val', extra: Partial<HandwritingOptions> = {}) =>
    createHandwritingGenerator({ split, seed, geometry, emnist: trainChars, emnistShare, text, ...extra });
  const task = linesTask({
    train: source('train'),
    warmup: warmupEpochs > 0 ? source('train', { text: { ...text, maxWords: lr.warmupMaxWords } }) : undefined,
    warmupEpochs,
    val: valLines > 0 ? source('val') : undefined,
    linesPerEpoch, valLines, seed, downsample: CRNN_DOWNSAMPLE,
  });
  const numClasses = task.charset.length + 1;
  const blocks = blocksOption(values, { minBlocks: 2, expected: 'two or more blocks of filter counts like 16/32/64' }) ?? recipe.crnn?.blocks;
  const model = crnn({
    ...recipe.crnn, head, headUnits, headLayers, numClasses, height: geometry.height, seed, blocks,
    dropout: numberOption(values, 'dropout', recipe.crnn?.dropout ?? 0),
  });
  console.error(`${dataset}: ${linesPerEpoch.toLocaleString('en-US')} new lines per epoch` +
    ` (${trainChars ? `${Math.round(100 * emnistShare)}% EMNIST letters, ` : ''}fonts: ${splitFonts('train').length} families)` +
    `${warmupEpochs > 0 ? `, the first ${warmupEpochs} epoch(s) of 1-${lr.warmupMaxWords} words` : ''}, ${valLines} validation lines; ` +
    `charset ${task.charset.length} + blank`);
  console.error(formatSummary(model));
  const initFrom = values.init === undefined ? undefined : await initWeights(model, String(values.init), task.charset);
  let resume: TrainCheckpoint | undefined;
  if (values.resume) {
    resume = loadCheckpoint(checkpointDir);
    console.error(`resuming from ${checkpointDir} (after epoch ${resume.epoch})`);
  }
  const workers = resolveWorkers(workersOption(values));
  const command = env.command(argv);
  const stop = env.stopOnInterrupt();
  const loadStart = os.loadavg()[0];
  const result = await train(model, task, {
    workers, signal: stop.signal, epochs, batchSize, seed,
    learningRate: numberOption(values, 'lr', recipe.learningRate),
    monitor: valLines > 0 ? 'valCer' : 'loss',
    earlyStopping: intOption(values, 'patience', recipe.patience),
    evalBatchSize: 64,
    maxStepsPerEpoch: dryRun ? 2 : undefined,
    resume,
    onCheckpoint: (ckpt) => saveCheckpoint(checkpointDir, ckpt),
  }).catch((err: unknown) => {
    if (!(err instanceof TrainingInterruptedError)) throw err;
    console.error(`\ninterrupted in epoch ${err.epoch} after batch ${err.batch}; checkpoint saved to ${checkpointDir}.`);
    console.error(`resume with:\n  ${env.resumeHint(workers)}`);
    return null;
  }).finally(() => stop.dispose());
  if (result === null) return 130;
  console.error(`trained ${result.history.length} epochs in ${result.seconds.toFixed(1)} s on ${result.workers} worker(s) ` +
    `(${result.imagesPerSec.toFixed(1)} lines/s); best epoch ${result.bestEpoch}; CTC skipped ${task.skipped} line(s) too long for their frames` +
    ` and ${result.ctcSkipped?.nonFinite ?? 0} with a non-finite loss`);

  const meta: LineModelMetadata = {
    family: 'crnn', task: 'lines', dataset, classes: [...task.charset], charset: [...task.charset], blank: task.charset.length,
    height: geometry.height, imageSize: geometry.height, downsample: CRNN_DOWNSAMPLE,
    body: { height: geometry.bodyHeight, baseline: geometry.baselineRow },
    crnn: { ...recipe.crnn, head, headUnits, headLayers, blocks },
    ...(initFrom ? { initFrom } : {}),
    lines: {
      generator: 'handwriting', emnist: trainChars?.name ?? null, emnistShare: trainChars ? emnistShare : 0, linesPerEpoch, valLines, lineSeed: seed,
      warmupEpochs, warmupMaxWords: lr.warmupMaxWords, sharedWords: lr.sharedWords,
      trainFonts: splitFonts('train'), valFonts: splitFonts('val'), testFonts: splitFonts('test'), corpora: TEXT_CORPORA.map((c) => `${c.package}@${c.version} (${c.licence})`),
    },
  };
  const test = evaluateLineTestSets(model, meta, { emnist: testChars, seed, geometry, sharedWords: lr.sharedWords }, testLines);
  console.log(formatLineEvaluations(test));
  await saveModel(model, outDir, {
    ...meta, ...lineTestFigures(test), testLines, testCount: testLines,
    epochs: result.history.length, bestEpoch: result.bestEpoch, ctcSkipped: task.skipped, ctcNonFinite: result.ctcSkipped?.nonFinite ?? 0,
    backend: backend.name, trainingSeconds: Math.round(result.seconds), linesPerSec: Number(result.imagesPerSec.toFixed(2)),
    workers: result.workers, machine: { ...machineInfo(), loadAverageAtStart: Number(loadStart.toFixed(2)), loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)) },
    seed, batchSize, params: summarizeModel(model).totalParams, history: result.history,
    command, gitCommit: commit, createdAt: new Date().toISOString(),
  });
  const evalFile = dryRun ? `${outDir}/evaluation.json` : `outputs/evaluation-${path.basename(outDir)}.json`;
  fs.mkdirSync(path.dirname(evalFile), { recursive: true });
  fs.writeFileSync(evalFile, JSON.stringify(lineReport(test), null, 2) + '\n');
  console.log(`\nmodel saved to ${outDir} (greedy CER ${(100 * test.fonts!.greedy.cer).toFixed(2)}% on ${testLines} held-out-font test lines); report in ${evalFile}`);
  return 0;
}

/** Where a fine-tuned model's starting weights came from, for its metadata. */
interface InitFrom {
  model: string;
  /** The starting model's own command and commit: with this run's, how to make the model again. */
  command?: string;
  gitCommit?: string;
  epochs?: number;
  trainingSeconds?: number;
  linesPerSec?: number;
  machine?: unknown;
  /** The starting run's note of a shared machine and the recipe's quiet rate, when it has one. */
  sharedMachine?: unknown;
}

/**
 * Copies the weights of the saved line model in `dir` into `model` (`--init`): the same charset and
 * weight shapes, or an error naming what differs. Adam's moments start afresh.
 */
async function initWeights(model: tfl.LayersModel, dir: string, charset: readonly string[]): Promise<InitFrom> {
  const start = await loadModel(dir);
  try {
    const meta = start.metadata as Partial<LineModelMetadata> & Omit<InitFrom, 'model'>;
    if (meta.task !== 'lines' || (meta.charset ?? []).join('') !== charset.join('')) {
      throw new UsageError(`--init ${dir} is not a line model with this run's ${charset.length} characters: pass a folder saved by 'hwr train --dataset lines'.`);
    }
    const problem = weightsMismatch(model, start.model.weights.map((w) => ({ name: w.originalName, shape: w.shape })));
    if (problem) {
      throw new UsageError(`--init ${dir} ${problem}: pass the options it was trained with (its metadata.json crnn: ${JSON.stringify(meta.crnn ?? {})}).`);
    }
    model.setWeights(start.model.getWeights());
    console.error(`starting from the weights of ${dir}${meta.gitCommit ? ` (trained at ${meta.gitCommit.slice(0, 7)})` : ''}`);
    const { command, gitCommit, epochs, trainingSeconds, linesPerSec, machine, sharedMachine } = meta;
    return { model: dir, command, gitCommit, epochs, trainingSeconds, linesPerSec, machine, ...(sharedMachine ? { sharedMachine } : {}) };
  } finally {
    start.model.dispose();
  }
}

/** Every test set of `lineTestSources` read by the model: `testLines` lines each, greedy and beam (and beam with `lm` when given). */
export function evaluateLineTestSets(
  model: tfl.LayersModel, meta: LineModelMetadata, opts: LineTestOptions, testLines: number, beamWidth = 10, lm: BeamSearchLm | null = null,
): Partial<Record<LineTestSet, LineEvaluation>> {
  const out: Partial<Record<LineTestSet, LineEvaluation>> = {};
  for (const [name, lines] of Object.entries(lineTestSources(opts)) as Array<[LineTestSet, LineSource]>) {
    const started = Date.now();
    out[name] = evaluateLines(model, meta, lines, { n: testLines, beamWidth, lm });
    console.error(`${name}: ${testLines} test lines made and read in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return out;
}

/** The metadata figures of a line model's test sets: the held-out-font lines' are the headline (testCer). */
export function lineTestFigures(test: Partial<Record<LineTestSet, LineEvaluation>>): Record<string, number | undefined> {
  const { fonts, emnist, random, prose } = test;
  return {
    testCer: fonts?.greedy.cer, testCerLoose: fonts?.greedy.cerLoose, testCerPerLine: fonts?.greedy.cerPerLineMean, testWer: fonts?.greedy.wer,
    testCerBeam: fonts?.beam?.cer, testWerBeam: fonts?.beam?.wer,
    testCerEmnist: emnist?.greedy.cer, testCerEmnistBeam: emnist?.beam?.cer, testWerEmnist: emnist?.greedy.wer,
    testCerRandom: random?.greedy.cer, testCerRandomBeam: random?.beam?.cer, testWerRandom: random?.greedy.wer,
    testCerProse: prose?.greedy.cer, testCerProseBeam: prose?.beam?.cer, testWerProse: prose?.greedy.wer,
  };
}

/** The JSON report of line evaluations: the first one's headline figures on top, every line of each below. */
export function lineReport(reports: Partial<Record<string, LineEvaluation>>): Record<string, unknown> {
  const [first] = Object.values(reports) as LineEvaluation[];
  return {
    cer: first.greedy.cer, cerPerLineMean: first.greedy.cerPerLineMean, wer: first.greedy.wer, n: first.n, mode: first.mode,
    worst: first.worst,
    evaluations: reports,
  };
}
