/**
 * `hwr export` end to end on a small saved model (MNIST classes), through the CLI entry point. A
 * .tflite is verified with LiteRT by default: the exit code is 1 when LiteRT cannot start or the
 * file misses its thresholds (a real interpreter whose answers are shuffled stands in for a bad
 * file), and --no-verify skips the check and says so.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { main } from '../src/cli';
import { initBackend } from '../src/runtime/backend';
import { cnn } from '../src/models/cnn';
import { saveModel, ModelMetadata } from '../src/io/saved_model';
import { LiteRtInterpreter } from '../src/export/tflite/litert_client';

const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
let dir: string;
let modelDir: string;
let logs: string[];
let errors: string[];

async function hwr(...args: string[]): Promise<number> {
  logs = [];
  errors = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => { logs.push(a.join(' ')); });
  const err = jest.spyOn(console, 'error').mockImplementation((...a) => { errors.push(a.join(' ')); });
  try {
    return await main(args);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-export-cli-'));
  modelDir = path.join(dir, 'tiny');
  const meta: ModelMetadata = { family: 'cnn', dataset: 'mnist', classes, imageSize: 28 };
  await saveModel(cnn({ numClasses: 10, blocks: [[4], [8]], denseUnits: 8, batchNorm: true, seed: 1 }), modelDir, meta);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('web uint8: folder written, sizes and the test accuracy before/after printed and recorded', async () => {
  const out = path.join(dir, 'web-uint8');
  expect(await hwr('export', '--model', modelDir, '--format', 'web', '--quantize', 'uint8', '--out', out, '--limit', '300', '--backend', 'cpu')).toBe(0);
  expect(logs.join('\n')).toMatch(/weights\.bin .*KiB \(source .* -> .*%\)/);
  expect(logs.join('\n')).toMatch(/test accuracy on 300 mnist images: \d+\.\d\d% -> \d+\.\d\d%/);
  const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
  expect(meta.classes).toEqual(classes);
  expect(meta.export).toMatchObject({ format: 'web', quantize: 'uint8', source: modelDir });
  expect(meta.export.evaluation.count).toBe(300);
  expect(meta.export.command).toContain('--quantize uint8');
  // stock tfjs loads it
  const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(out, 'weights.bin'));
  const m = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length) }));
  expect(m.outputs[0].shape).toEqual([null, 10]);
});

test('tflite int8: calibrates on training images, writes the file and labels.txt, verifies with LiteRT', async () => {
  const out = path.join(dir, 'tfl', 'tiny-int8.tflite');
  expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--quantize', 'int8', '--out', out, '--calibration', '50', '--limit', '200', '--backend', 'cpu')).toBe(0);
  const text = logs.join('\n');
  expect(text).toContain('calibrating int8 ranges on 50 mnist training images');
  expect(text).toMatch(/LiteRT on 200 mnist test images: accuracy .* \(tfjs\) -> .* \(tflite\).*: pass \(accuracy within 1 point of tfjs\)/);
  expect(fs.readdirSync(path.dirname(out)).sort()).toEqual(['labels.txt', 'tiny-int8.tflite']);
  expect(fs.readFileSync(path.join(path.dirname(out), 'labels.txt'), 'utf8').trim().split('\n')).toEqual(classes);
  // The file really is a full-integer model that the interpreter runs with float input and output, RGB by default.
  const interp = await LiteRtInterpreter.start();
  try {
    const r = await interp.run(out, new Float32Array(28 * 28 * 3), 1);
    expect(r.inputShape).toEqual([1, 28, 28, 3]);
    expect(r.outputShape).toEqual([1, 10]);
    expect(r.output.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 1);
  } finally {
    await interp.close();
  }
});

test('bad options are usage errors (exit 2) naming the allowed values', async () => {
  expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--quantize', 'uint8')).toBe(2);
  expect(errors.join('\n')).toMatch(/--quantize for tflite must be one of none, float16, int8/);
  expect(await hwr('export', '--model', modelDir, '--format', 'onnx')).toBe(2);
  expect(errors.join('\n')).toMatch(/--format must be web or tflite/);
  expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--input', 'bgr')).toBe(2);
  expect(errors.join('\n')).toMatch(/--input must be one of gray, rgb, got 'bgr'/);
  expect(await hwr('export', '--model', modelDir, '--format', 'web', '--input', 'rgb')).toBe(2);
  expect(errors.join('\n')).toMatch(/--input applies to --format tflite only/);
});

test('an unwritable --out fails with a clear message and leaves nothing', async () => {
  const blocker = path.join(dir, 'plain-file');
  fs.writeFileSync(blocker, 'x');
  const before = fs.readdirSync(dir).sort();
  expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--out', path.join(blocker, 'm.tflite'), '--skip-eval', '--backend', 'cpu')).toBe(1);
  expect(errors.join('\n')).toMatch(/hwr export: Cannot create folder .*plain-file/);
  expect(fs.readdirSync(dir).sort()).toEqual(before);
});

describe('tflite verification is part of the contract', () => {
  const out = () => path.join(dir, 'verify', 'tiny.tflite');
  afterEach(() => jest.restoreAllMocks());

  test('float32 that agrees: exit 0, pass against the float32 thresholds (RGB by default, the gray images fed as R = G = B)', async () => {
    expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--out', out(), '--limit', '100', '--backend', 'cpu')).toBe(0);
    const text = logs.join('\n');
    expect(text).toMatch(/input \[1, 28, 28, 3\] RGB \(the model reads the mean of R, G and B\), white ink on black/);
    expect(text).toMatch(/LiteRT on 100 mnist test images: .*top-1 agreement 100\.00%.*each image fed as RGB with R = G = B: pass \(agreement >= 99\.99% and max abs dp <= 0\.0001\)/);
  });

  test('--input gray: the 1-channel file, verified against the same thresholds', async () => {
    expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--input', 'gray', '--out', out(), '--limit', '100', '--backend', 'cpu')).toBe(0);
    const text = logs.join('\n');
    expect(text).toMatch(/input \[1, 28, 28, 1\] gray/);
    expect(text).toMatch(/LiteRT on 100 mnist test images: .*top-1 agreement 100\.00%.*ms\/image: pass \(agreement >= 99\.99%/);
  });

  test('LiteRT cannot start: exit 1, the reason and the --no-verify hint; the file is there', async () => {
    const start = LiteRtInterpreter.start.bind(LiteRtInterpreter);
    jest.spyOn(LiteRtInterpreter, 'start').mockImplementation(() => start({ runner: path.join(dir, 'no-such-runner.mjs') }));
    expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--out', out(), '--limit', '50', '--backend', 'cpu')).toBe(1);
    const text = errors.join('\n');
    expect(text).toMatch(/NOT verified: the LiteRT interpreter did not start \(the LiteRT runner .*no-such-runner\.mjs does not exist\.\)/);
    expect(text).toMatch(/or pass --no-verify/);
    expect(fs.existsSync(out())).toBe(true);
  });

  test('a .tflite whose answers disagree with tfjs: exit 1 naming the threshold', async () => {
    const start = LiteRtInterpreter.start.bind(LiteRtInterpreter);
    jest.spyOn(LiteRtInterpreter, 'start').mockImplementation(async (opts) => {
      const interp = await start(opts);
      const run = interp.run.bind(interp);
      // The interpreter's real rows, each moved to the next image: what a broken file would answer.
      interp.run = async (...args) => {
        const r = await run(...args);
        const k = r.output.length / args[2];
        r.output = Float32Array.from(r.output, (_, i) => r.output[(i + k) % r.output.length]);
        return r;
      };
      return interp;
    });
    expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--out', out(), '--limit', '100', '--backend', 'cpu')).toBe(1);
    expect(logs.join('\n')).toMatch(/: FAIL \(agreement >= 99\.99% and max abs dp <= 0\.0001\)/);
    expect(errors.join('\n')).toMatch(/misses the float32 threshold .*do not ship it/);
  });

  test('--no-verify: exit 0 without starting LiteRT, and it says the file is not verified', async () => {
    const start = jest.spyOn(LiteRtInterpreter, 'start');
    expect(await hwr('export', '--model', modelDir, '--format', 'tflite', '--out', out(), '--no-verify', '--backend', 'cpu')).toBe(0);
    expect(start).not.toHaveBeenCalled();
    expect(logs.join('\n')).toMatch(/not verified \(--no-verify\): .*tiny\.tflite was not run through LiteRT/);
  });
});
