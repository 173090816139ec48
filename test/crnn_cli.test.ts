/**
 * The line-model commands end to end on synthetic handwriting with real EMNIST ByClass letters
 * (../shared/data/emnist62; skipped without it outside CI): `hwr train --dataset lines --dry-run`
 * saves a line model with its metadata, and `hwr evaluate` reads it on the three test sets and writes
 * the report; EMNIST without lower case, and a character-model family, are usage errors that say what
 * to pass instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadModel } from '../src/io/saved_model';
import { runCli as run } from './cli_helpers';
import { dev47Dir, emnist62Dir } from './emnist_dir';

const dir = emnist62Dir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crnn-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

(dir || process.env.CI ? test : test.skip)('train --dataset lines --dry-run, then evaluate the saved line model', async () => {
  const modelDir = path.join(tmp, 'lines');
  const trained = await run('train', '--dataset', 'lines', '--dry-run', '--workers', '1', '--backend', 'wasm',
    '--emnist-dir', dir!, '--split', 'emnist62', '--out', modelDir, '--checkpoint', path.join(tmp, 'ckpt'));
  expect(trained.code).toBe(0);
  expect(trained.err).toMatch(/time steps: input width \/ 4/);
  expect(trained.out).toMatch(/fonts \(32\)\s+greedy/);
  expect(trained.out).toMatch(/emnist \(32\)\s+greedy/);
  const meta = JSON.parse(fs.readFileSync(path.join(modelDir, 'metadata.json'), 'utf8'));
  expect(meta).toMatchObject({
    family: 'crnn', task: 'lines', dataset: 'handwriting-fonts+emnist-emnist62', height: 40, downsample: 4, workers: 1, testLines: 32,
    body: { height: 14, baseline: 26 },
  });
  expect(meta.blank).toBe(meta.charset.length);
  expect(meta.charset.join('')).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,\'"-?!:;()/ ');
  expect(meta.command).toMatch(/hwr train --dataset lines --dry-run/);
  expect(meta.lines.testFonts).toEqual(['allura', 'dancing-script', 'homemade-apple', 'patrick-hand', 'schoolbell']);
  for (const k of ['testCer', 'testCerLoose', 'testCerEmnist', 'testCerRandom']) expect(typeof meta[k]).toBe('number');
  expect(meta.machine.cores).toBeGreaterThanOrEqual(1);

  const report = path.join(tmp, 'evaluation.json');
  const evaluated = await run('evaluate', '--model', modelDir, '--lines', '20', '--backend', 'wasm',
    '--emnist-dir', dir!, '--split', 'emnist62', '--out', report);
  expect(evaluated.code).toBe(0);
  expect(evaluated.out).toMatch(/random \(20\)\s+beam/);
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  expect(json.n).toBe(20);
  for (const k of ['cer', 'wer', 'cerPerLineMean']) expect(typeof json[k]).toBe('number');
  expect(json.mode).toBe('fonts');
  expect(Array.isArray(json.worst)).toBe(true);
  expect(json.evaluations.random.lines).toHaveLength(20);
  // The same figure the report's headline gives, from its own lines.
  const lines = json.evaluations.fonts.lines as Array<{ edits: number; target: string }>;
  expect(json.cer).toBeCloseTo(lines.reduce((s, l) => s + l.edits, 0) / lines.reduce((s, l) => s + [...l.target].length, 0), 10);

  // --init starts from a saved line model's weights: at learning rate 0 its trained weights come out unchanged
  // (batch norm's moving statistics aside), and the metadata says where they came from.
  const tuned = path.join(tmp, 'tuned');
  const fineTuned = await run('train', '--dataset', 'lines', '--dry-run', '--workers', '1', '--backend', 'wasm', '--lr', '0', '--init', modelDir,
    '--emnist-dir', dir!, '--split', 'emnist62', '--out', tuned, '--checkpoint', path.join(tmp, 'ckpt-tuned'));
  expect(fineTuned.code).toBe(0);
  expect(fineTuned.err).toContain(`starting from the weights of ${modelDir}`);
  expect(JSON.parse(fs.readFileSync(path.join(tuned, 'metadata.json'), 'utf8')).initFrom).toMatchObject({ model: modelDir, epochs: 1, command: meta.command });
  // In model order: layer names differ between two models built in one process.
  const kernelsOf = async (d: string) => {
    const { model } = await loadModel(d);
    const kernels = model.weights.filter((w) => w.originalName.endsWith('kernel')).map((w) => w.read().dataSync() as Float32Array);
    model.dispose();
    return kernels;
  };
  const before = await kernelsOf(modelDir);
  const after = await kernelsOf(tuned);
  expect(before.length).toBeGreaterThan(5);
  // Per kernel the largest difference, so a failure prints a short list rather than every weight.
  const largestDiff = (a: Float32Array, b: Float32Array) => (a.length !== b.length ? Infinity : a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0));
  expect(after.map((k, i) => largestDiff(k, before[i]))).toEqual(before.map(() => 0));
  // A model of another shape, and --init for a character model, are usage errors that say what to pass.
  const wrongShape = await run('train', '--dataset', 'lines', '--dry-run', '--workers', '1', '--backend', 'wasm', '--init', modelDir, '--blocks', '16/48/96/64',
    '--emnist-dir', dir!, '--split', 'emnist62', '--out', path.join(tmp, 'y'), '--checkpoint', path.join(tmp, 'ckpt-y'));
  expect(wrongShape.code).toBe(2);
  expect(wrongShape.err).toMatch(/--init .* has .*shape.*pass the options it was trained with/s);
  expect(fs.existsSync(path.join(tmp, 'y'))).toBe(false);
  const charInit = await run('train', '--dataset', 'mnist', '--dry-run', '--init', modelDir);
  expect(charInit.code).toBe(2);
  expect(charInit.err).toMatch(/--init fine-tunes line models only/);

  // EMNIST without lower case cannot write case-sensitive lines: a usage error naming ByClass.
  const dev47 = dev47Dir();
  if (dev47) {
    const noCase = await run('train', '--dataset', 'lines', '--dry-run', '--emnist-dir', dev47, '--split', 'dev47', '--out', path.join(tmp, 'x'));
    expect(noCase.code).toBe(2);
    expect(noCase.err).toMatch(/no class for .*c.*o.*EMNIST ByClass.*--no-emnist/s);
  }

  // A character-model family for the lines dataset is a usage error that says what it trains.
  const bad = await run('train', '--dataset', 'lines', '--model', 'cnn', '--dry-run');
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/--dataset lines trains the crnn family, got --model 'cnn'/);
}, 300000);
