/**
 * The standard TensorFlow.js API once the library is loaded: chained ops, every gradient,
 * tf.layers.lstm with its default (orthogonal) initializer, on wasm and cpu; and the same
 * code type-checks with tslab's own TypeScript compiler, as a notebook cell would.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../src/index';

describe.each(['wasm', 'cpu'])('the tf namespace on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  test('chained ops: t.div(), t.mean(), predict(x).argMax(-1)', () => {
    expect(Array.from(tf.tensor([1, 2]).div(2).dataSync())).toEqual([0.5, 1]);
    expect(tf.tensor([1, 2, 3, 6]).mean().dataSync()[0]).toBeCloseTo(3);
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 3, inputShape: [2], kernelInitializer: 'ones', useBias: false }));
    const out = (model.predict(tf.tensor([[1, 0], [0, -1]])) as tf.Tensor).argMax(-1);
    expect(out.shape).toEqual([2]);
  });

  test('tf.layers.lstm with default options builds, predicts and has gradients', () => {
    const model = tf.sequential();
    model.add(tf.layers.lstm({ units: 4, inputShape: [5, 3] })); // default recurrent init: orthogonal
    model.add(tf.layers.dense({ units: 2 }));
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1);
    expect((model.predict(x) as tf.Tensor).shape).toEqual([2, 2]);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => (model.apply(x) as tf.Tensor).square().sum() as tf.Scalar, vars);
    const norms = Object.values(grads).map((g) => g.abs().sum().dataSync()[0]);
    expect(norms.length).toBe(vars.length);
    expect(norms.every((n) => Number.isFinite(n) && n > 0)).toBe(true);
  });
});

// Built library required (npm ci builds it): the notebooks import dist/, not src/.
const dist = path.join(__dirname, '..', 'dist', 'src', 'index.d.ts');
(fs.existsSync(dist) ? test : test.skip)('a notebook cell using chained ops type-checks with tslab\'s TypeScript', () => {
  const ts = require('@tslab/typescript-for-tslab') as typeof import('typescript');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-types-'));
  const cell = path.join(dir, 'cell.ts');
  const lib = path.join(__dirname, '..', 'dist', 'src', 'index').replace(/\\/g, '/');
  fs.writeFileSync(cell, [
    `import { tf } from '${lib}';`,
    'const t: tf.Tensor = tf.tensor([1, 2]).div(255).mul(2);',
    'const m: tf.Scalar = t.mean();',
    'const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2] })] });',
    'const top: tf.Tensor = (model.predict(t.reshape([1, 2])) as tf.Tensor).argMax(-1);',
    'const lstm = tf.layers.lstm({ units: 8, returnSequences: true });',
    'export { m, top, lstm };',
    // A misspelt method must fail, or the check proves nothing.
    'export const bad = tf.tensor([1]).divv(2);',
  ].join('\n'));
  const program = ts.createProgram([cell], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, noEmit: true,
    esModuleInterop: true, skipLibCheck: true, types: ['node'],
    typeRoots: [path.join(__dirname, '..', 'node_modules', '@types')],
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  fs.rmSync(dir, { recursive: true, force: true });
  expect(ts.version).toBe('5.0.4');
  expect(errors).toEqual([expect.stringMatching(/Property 'divv' does not exist/)]);
});
