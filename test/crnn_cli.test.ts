/**
 * The line-model commands end to end on real EMNIST (dev47; skipped without it outside CI):
 * `hwr train --dataset lines --dry-run` saves a line model with its metadata, and `hwr evaluate`
 * reads it on test lines and writes the report; a character model is refused by the line branch's
 * loader with a message that says what to pass instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from './cli_helpers';
import { dev47Dir } from './emnist_dir';

const dir = dev47Dir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crnn-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

(dir || process.env.CI ? test : test.skip)('train --dataset lines --dry-run, then evaluate the saved line model', async () => {
  const modelDir = path.join(tmp, 'lines');
  const trained = await run('train', '--dataset', 'lines', '--dry-run', '--workers', '1', '--backend', 'wasm',
    '--emnist-dir', dir!, '--split', 'dev47', '--out', modelDir, '--checkpoint', path.join(tmp, 'ckpt'));
  expect(trained.code).toBe(0);
  expect(trained.err).toMatch(/time steps: input width \/ 4/);
  expect(trained.out).toMatch(/words \(32\)\s+greedy/);
  const meta = JSON.parse(fs.readFileSync(path.join(modelDir, 'metadata.json'), 'utf8'));
  expect(meta).toMatchObject({ family: 'crnn', task: 'lines', dataset: 'emnist-dev47-lines', height: 28, downsample: 4, workers: 1, testLines: 32 });
  expect(meta.blank).toBe(meta.charset.length);
  expect(meta.charset[meta.charset.length - 1]).toBe(' ');
  expect(meta.command).toMatch(/hwr train --dataset lines --dry-run/);
  expect(typeof meta.testCerRandom).toBe('number');
  expect(meta.machine.cores).toBeGreaterThanOrEqual(1);

  const report = path.join(tmp, 'evaluation.json');
  const evaluated = await run('evaluate', '--model', modelDir, '--lines', '20', '--no-baseline', '--backend', 'wasm',
    '--emnist-dir', dir!, '--out', report);
  expect(evaluated.code).toBe(0);
  expect(evaluated.out).toMatch(/random \(20\)\s+beam/);
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  expect(json.n).toBe(20);
  for (const k of ['cer', 'wer', 'cerPerLineMean']) expect(typeof json[k]).toBe('number');
  expect(Array.isArray(json.worst)).toBe(true);
  expect(json.evaluations.random.lines).toHaveLength(20);
  // The same figure the report's headline gives, from its own lines.
  const lines = json.evaluations.words.lines as Array<{ edits: number; target: string }>;
  expect(json.cer).toBeCloseTo(lines.reduce((s, l) => s + l.edits, 0) / lines.reduce((s, l) => s + [...l.target].length, 0), 10);

  // A character-model family for the lines dataset is a usage error that says what it trains.
  const bad = await run('train', '--dataset', 'lines', '--model', 'cnn', '--dry-run');
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/--dataset lines trains the crnn family, got --model 'cnn'/);
}, 300000);
