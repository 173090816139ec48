/**
 * `hwr train --dataset lines`: a crnn line model trained with CTC on synthetic lines of EMNIST
 * characters (train-split images and words), through the project's one training loop; evaluated on
 * test lines (test-split images, unseen words) and saved with its metadata.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, describeBackend } from '../runtime/backend';
import { loadEmnistPart } from '../data/emnist';
import { LineMode, createLineGenerator } from '../synth/lines';
import { CRNN_DOWNSAMPLE, CRNN_HEADS, CrnnHead, crnn } from '../models/crnn';
import { formatSummary, summarizeModel } from '../models/cnn';
import { TrainingInterruptedError, resolveWorkers, train } from '../train/train';
import { TrainCheckpoint, loadCheckpoint, saveCheckpoint } from '../train/checkpoint';
import { saveModel } from '../io/saved_model';
import { linesTask } from '../lines/task';
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
  head: { type: 'string', help: `lines: crnn head (${CRNN_HEADS.join(', ')})`, default: "the lines recipe's" },
  'lines-per-epoch': { type: 'string', help: 'lines: new synthetic lines per epoch', default: "the lines recipe's" },
  'val-lines': { type: 'string', help: 'lines: validation lines', default: "the lines recipe's" },
  'test-lines': { type: 'string', help: 'lines: test lines evaluated after training', default: '1000' },
  mode: { type: 'string', help: 'lines: text of training lines (words, random, digits)', default: 'words' },
  'random-share': { type: 'string', help: 'lines: share of training lines that are random strings', default: "the lines recipe's" },
  height: { type: 'string', help: 'lines: line height in pixels', default: '28' },
  'warmup-epochs': { type: 'string', help: 'lines: first epochs on short lines (1-2 words), a curriculum', default: "the lines recipe's" },
} as const;

/** What `hwr train` shares with its lines branch: the recorded command, the resume hint, Ctrl-C handling. */
export interface LineTrainEnv {
  command: (argv: string[]) => string;
  resumeHint: (workers: number) => string;
  stopOnInterrupt: () => { signal: AbortSignal; dispose: () => void };
}

/** Runs `hwr train --dataset lines` with the parsed options; returns the exit code. */
export async function trainLines(values: Values, argv: string[], env: LineTrainEnv): Promise<number> {
  const recipe = recipeFor('lines');
  const lr = recipe.lines!;
  const dryRun = values['dry-run'] === true;
  if (values.model !== undefined && values.model !== 'crnn') throw new UsageError(`--dataset lines trains the crnn family, got --model '${String(values.model)}'.`);
  const head = String(values.head ?? recipe.crnn?.head ?? 'conv') as CrnnHead;
  if (!CRNN_HEADS.includes(head)) throw new UsageError(`--head must be one of ${CRNN_HEADS.join(', ')}, got '${head}'.`);
  const mode = String(values.mode ?? lr.mode) as LineMode;
  if (!['words', 'random', 'digits'].includes(mode)) throw new UsageError(`--mode must be words, random or digits, got '${mode}'.`);
  const height = intOption(values, 'height', lr.height);
  const epochs = dryRun ? 1 : intOption(values, 'epochs', recipe.epochs);
  const seed = intOption(values, 'seed', 42);
  const linesPerEpoch = dryRun ? 64 : intOption(values, 'lines-per-epoch', lr.linesPerEpoch);
  const valLines = dryRun ? 32 : intOption(values, 'val-lines', lr.valLines);
  const testLines = dryRun ? 32 : intOption(values, 'test-lines', 1000);
  const randomShare = mode === 'words' ? numberOption(values, 'random-share', lr.randomShare) : 0;
  const batchSize = intOption(values, 'batch-size', recipe.batchSize);
  const warmupEpochs = dryRun ? 0 : intOption(values, 'warmup-epochs', lr.warmupEpochs);

  const commit = gitCommit(); // at the start: the code that trains, whatever is committed meanwhile
  const backend = await initBackend({ backend: values.backend as never });
  console.error(describeBackend(backend));
  const emnist = { dir: values['emnist-dir'] as string | undefined, split: values.split as string | undefined };
  const trainChars = loadEmnistPart('train', emnist);
  const testChars = loadEmnistPart('test', emnist);
  const dataset = `${trainChars.name}-lines`;
  const outDir = String(values.out ?? (dryRun ? `outputs/dry-run/lines` : 'saved_models/lines'));
  const checkpointDir = String(values.checkpoint ?? `outputs/checkpoints/${path.basename(outDir)}`);

  const lineOpts = { chars: trainChars, height };
  const task = linesTask({
    train: createLineGenerator({ ...lineOpts, split: 'train', mode, seed }),
    extra: randomShare > 0 ? createLineGenerator({ ...lineOpts, split: 'train', mode: 'random', seed }) : undefined,
    extraShare: randomShare,
    warmup: warmupEpochs > 0 ? createLineGenerator({ ...lineOpts, split: 'train', mode, seed, minWords: 1, maxWords: lr.warmupMaxWords }) : undefined,
    warmupEpochs,
    val: valLines > 0 ? createLineGenerator({ ...lineOpts, split: 'val', mode, seed }) : undefined,
    linesPerEpoch, valLines, seed, downsample: CRNN_DOWNSAMPLE,
  });
  const numClasses = task.charset.length + 1;
  const blocks = blocksOption(values, { minBlocks: 2, expected: 'two or more blocks of filter counts like 16/32/64' }) ?? recipe.crnn?.blocks;
  const model = crnn({
    ...recipe.crnn, head, numClasses, height, seed, blocks,
    dropout: numberOption(values, 'dropout', recipe.crnn?.dropout ?? 0),
  });
  console.error(`${dataset}: ${linesPerEpoch.toLocaleString('en-US')} new ${mode} lines per epoch` +
    `${randomShare > 0 ? ` (${Math.round(100 * randomShare)}% random strings)` : ''}` +
    `${warmupEpochs > 0 ? `, the first ${warmupEpochs} epoch(s) of 1-${lr.warmupMaxWords} words` : ''}, ${valLines} validation lines; ` +
    `charset ${task.charset.length} + blank`);
  console.error(formatSummary(model));
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
    height, imageSize: height, downsample: CRNN_DOWNSAMPLE,
    crnn: { ...recipe.crnn, head, blocks },
    lines: { mode, randomShare, linesPerEpoch, valLines, lineSeed: seed, warmupEpochs, warmupMaxWords: lr.warmupMaxWords },
  };
  const test: Record<string, LineEvaluation> = {};
  for (const m of [mode, ...(mode === 'words' ? ['random' as const] : [])]) {
    const lines = createLineGenerator({ chars: testChars, height, split: 'test', mode: m, seed });
    test[m] = evaluateLines(model, meta, lines, { n: testLines });
  }
  console.log(formatLineEvaluations(test));
  const main = test[mode];
  await saveModel(model, outDir, {
    ...meta,
    testCer: main.greedy.cer, testCerPerLine: main.greedy.cerPerLineMean, testWer: main.greedy.wer,
    testCerBeam: main.beam?.cer, testWerBeam: main.beam?.wer,
    ...(test.random ? { testCerRandom: test.random.greedy.cer, testWerRandom: test.random.greedy.wer, testCerRandomBeam: test.random.beam?.cer } : {}),
    testLines, testCount: testLines,
    epochs: result.history.length, bestEpoch: result.bestEpoch, ctcSkipped: task.skipped, ctcNonFinite: result.ctcSkipped?.nonFinite ?? 0,
    backend: backend.name, trainingSeconds: Math.round(result.seconds), linesPerSec: Number(result.imagesPerSec.toFixed(2)),
    workers: result.workers, machine: { ...machineInfo(), loadAverageAtStart: Number(loadStart.toFixed(2)), loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)) },
    seed, batchSize, params: summarizeModel(model).totalParams, history: result.history,
    command, gitCommit: commit, createdAt: new Date().toISOString(),
  });
  const evalFile = dryRun ? `${outDir}/evaluation.json` : `outputs/evaluation-${path.basename(outDir)}.json`;
  fs.mkdirSync(path.dirname(evalFile), { recursive: true });
  fs.writeFileSync(evalFile, JSON.stringify(lineReport(test), null, 2) + '\n');
  console.log(`\nmodel saved to ${outDir} (greedy CER ${(100 * main.greedy.cer).toFixed(2)}% on ${testLines} test lines); report in ${evalFile}`);
  return 0;
}

/** The JSON report of line evaluations: the first one's headline figures on top, every line of each below. */
export function lineReport(reports: Record<string, LineEvaluation>): Record<string, unknown> {
  const [first] = Object.values(reports);
  return {
    cer: first.greedy.cer, cerPerLineMean: first.greedy.cerPerLineMean, wer: first.greedy.wer, n: first.n, mode: first.mode,
    worst: first.worst,
    evaluations: reports,
  };
}
