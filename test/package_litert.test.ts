/**
 * An npm-installed copy can verify .tflite files: the package ships scripts/litert_runner.mjs
 * (`npm pack` lists it), and the compiled client finds it from the installed layout (dist/ beside
 * scripts/), then starts LiteRT, or says how to install it when @litertjs/core is missing.
 * Uses the compiled client in dist/ (npm run build).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..');
const CLIENT = path.join('dist', 'src', 'export', 'tflite', 'litert_client.js');
const RUNNER = path.join('scripts', 'litert_runner.mjs');

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-package-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('npm pack ships the LiteRT runner beside the compiled client', () => {
  // --ignore-scripts: the listing only, without the prepare step's build.
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = (JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  expect(files).toContain('scripts/litert_runner.mjs');
  expect(files).toContain('dist/src/export/tflite/litert_client.js');
});

/** The client and runner laid out as in node_modules/handwriting-tfjs; `withLiteRt` links node_modules. */
function installedCopy(name: string, withLiteRt: boolean): string {
  const pkg = path.join(tmp, name);
  for (const file of [CLIENT, RUNNER]) {
    fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(pkg, file));
  }
  if (withLiteRt) fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  return pkg;
}

type Client = typeof import('../src/export/tflite/litert_client');

test('the installed client finds the shipped runner and runs LiteRT', async () => {
  const pkg = installedCopy('installed', true);
  const client = require(path.join(pkg, CLIENT)) as Client;
  expect(client.litertRunnerScript()).toBe(path.join(pkg, RUNNER));
  const interp = await client.LiteRtInterpreter.start();
  await interp.close();
});

test('without @litertjs/core the installed client says to install it', async () => {
  const pkg = installedCopy('bare', false);
  const client = require(path.join(pkg, CLIENT)) as Client;
  await expect(client.LiteRtInterpreter.start()).rejects.toThrow(/@litertjs\/core \(LiteRT\) is not installed .*npm install @litertjs\/core/);
});
