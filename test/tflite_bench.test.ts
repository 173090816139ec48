/**
 * bench:tflite's verdict: a failed check fails the run, and so does a run in which no TFLite check
 * ran (every model skipped): "all 0 checks passed" used to exit 0 having verified nothing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LineRow, Row, main, summary } from '../bench/tflite_agreement';
import { cnn } from '../src/models/cnn';
import { saveModel } from '../src/io/saved_model';
import { initBackend } from '../src/runtime/backend';

const agreement = { count: 100, referenceAccuracy: 0.9, accuracy: 0.9, agreement: 1, maxAbsDiff: 0 };
const row = (format: string, pass: boolean, check = 'a check'): Row => ({ model: 'm', dataset: 'mnist', format, bytes: 1, check, pass, ...agreement });

test('no TFLite rows is a failure that says why; a failed row fails; passing rows pass', () => {
  expect(summary([], ['saved_models/emnist'])).toEqual({
    exitCode: 1, message: expect.stringMatching(/^no TFLite check ran: .*skipped: saved_models\/emnist.*EMNIST_DIR/),
  });
  expect(summary([row('web float32', true, '(web: reported)')], []).exitCode).toBe(1);
  expect(summary([row('tflite float32', true), row('tflite int8', false)], [])).toEqual({ exitCode: 1, message: '1 check(s) FAILED' });
  expect(summary([row('web float32', true, '(web: reported)'), row('tflite float32', true)], [])).toEqual({ exitCode: 0, message: 'all 1 TFLite checks passed' });
});

const lineRow = (format: string, pass: boolean): LineRow => ({
  model: 'saved_models/lines', lines: 'synthetic dev47 test lines', format, bytes: 1, count: 200, agreement: pass ? 1 : 0.9,
  referenceCer: 0.05, cer: pass ? 0.05 : 0.08, maxAbsDiff: 0, maxAbsLogit: 1, msPerLine: 1, check: 'texts equal on >= 99% of lines', pass, enforced: format !== 'tflite int8',
});

test('line model rows are checks: a float32/float16 miss fails the run, an int8 miss is reported only', () => {
  expect(summary([], [], [lineRow('tflite float32', true), lineRow('tflite float16', true)])).toEqual({ exitCode: 0, message: 'all 2 TFLite checks passed' });
  expect(summary([], [], [lineRow('tflite float32', true), lineRow('tflite int8', false)])).toEqual({
    exitCode: 0, message: 'all 1 TFLite checks passed; 1 int8 line row(s) miss the line thresholds (reported, not enforced)',
  });
  expect(summary([row('tflite float32', true)], [], [lineRow('tflite float16', false)])).toEqual({ exitCode: 1, message: '1 check(s) FAILED' });
});

test('end to end: a model whose test data is not here is skipped, and the run exits 1', async () => {
  await initBackend({ backend: 'cpu' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-bench-tflite-'));
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const modelDir = path.join(dir, 'unknown-data');
    await saveModel(cnn({ numClasses: 3, blocks: [[2]], denseUnits: 4, seed: 1 }), modelDir, { family: 'cnn', dataset: 'nowhere', classes: ['a', 'b', 'c'], imageSize: 28 });
    expect(await main([modelDir])).toBe(1);
    const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(printed).toMatch(/unknown-data: skipped \(unknown dataset nowhere\)/);
    expect(printed).toMatch(/no TFLite check ran/);
    expect(printed).not.toMatch(/checks passed/);
  } finally {
    log.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
