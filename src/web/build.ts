/**
 * Builds the web app into a static folder any static host can serve (`npm run build:web`): the page
 * bundled by esbuild, the tfjs-backend-wasm binaries, the service worker, the models and their index.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { buildModelIndex } from './model_index';
import { defaultAppDir, packageRoot, webSourceDir } from './paths';

/** Options for `buildWebApp`. */
export interface BuildWebOptions {
  /** Output folder (replaced). Default `<package>/dist/web`. */
  outDir?: string;
  /** Folder of saved models. Default `<package>/saved_models`. */
  modelsDir?: string;
  /** Model ids to include; missing ones are skipped. Default: the featured ones (mnist, emnist, lines); [] = all. */
  models?: string[];
  /** Minify the bundle. Default true. */
  minify?: boolean;
}

/** What was built. */
export interface BuildWebResult {
  outDir: string;
  /** Every file written, relative to outDir, with its size. */
  files: Array<{ file: string; bytes: number }>;
  models: string[];
  skipped: Array<{ id: string; reason: string }>;
  version: string;
  /** The source files esbuild bundled into app.js (relative to the package root), to check what the page pulls in. */
  bundled: string[];
}

const STATIC_FILES = ['index.html', 'style.css', 'manifest.webmanifest', 'icon.svg'];
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
const DEFAULT_MODELS = ['mnist', 'emnist', 'lines'];

/** Builds the app; writes into a temporary sibling and renames it into place, so a failed build leaves the old one. */
export async function buildWebApp(opts: BuildWebOptions = {}): Promise<BuildWebResult> {
  // esbuild is a development tool: load it only when building (the library and CLI never need it).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const esbuild = require('esbuild') as typeof import('esbuild');
  const root = packageRoot();
  const src = webSourceDir();
  const outDir = path.resolve(opts.outDir ?? defaultAppDir());
  const modelsDir = path.resolve(opts.modelsDir ?? path.join(root, 'saved_models'));
  const only = opts.models ?? DEFAULT_MODELS;
  const tmp = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const result = await esbuild.build({
      entryPoints: [path.join(src, 'src', 'main.ts')],
      outfile: path.join(tmp, 'app.js'),
      bundle: true,
      platform: 'browser', // Node-only modules (fs, sharp) cannot resolve: the bundle stays pure
      format: 'iife',
      target: ['chrome100', 'firefox100', 'safari15'],
      minify: opts.minify ?? true,
      sourcemap: 'linked',
      legalComments: 'linked',
      logLevel: 'silent',
      metafile: true,
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    for (const f of STATIC_FILES) fs.copyFileSync(path.join(src, f), path.join(tmp, f));
    const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    fs.mkdirSync(path.join(tmp, 'wasm'));
    for (const f of WASM_FILES) fs.copyFileSync(path.join(wasmDir, f), path.join(tmp, 'wasm', f));

    const { index, skipped } = buildModelIndex(modelsDir, { only: only.length ? only : undefined });
    for (const m of index.models) {
      fs.mkdirSync(path.join(tmp, 'models', m.id), { recursive: true });
      // m.files: model.json, weights, metadata.json and a line model's LM file (lm.json) when its metadata names one.
      for (const f of m.files) fs.copyFileSync(path.join(modelsDir, m.id, f), path.join(tmp, 'models', m.id, f));
    }
    fs.writeFileSync(path.join(tmp, 'models.json'), JSON.stringify(index, null, 2) + '\n');

    // The service worker's cache is named after the content, so a new build replaces an old cache.
    const shell = ['./', 'index.html', 'app.js', ...STATIC_FILES.filter((f) => f !== 'index.html'), ...WASM_FILES.map((f) => `wasm/${f}`)];
    const hash = crypto.createHash('sha256');
    for (const f of listFiles(tmp).sort()) hash.update(f).update(fs.readFileSync(path.join(tmp, f)));
    const version = hash.digest('hex').slice(0, 12);
    const sw = fs.readFileSync(path.join(src, 'sw.js'), 'utf8')
      .replaceAll('__BUILD_VERSION__', version)
      .replaceAll('__APP_SHELL__', JSON.stringify(shell));
    if (sw.includes('__')) throw new Error(`${path.join(src, 'sw.js')}: a build placeholder was left unfilled`);
    fs.writeFileSync(path.join(tmp, 'sw.js'), sw);

    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    fs.renameSync(tmp, outDir);
    const files = listFiles(outDir).sort().map((file) => ({ file, bytes: fs.statSync(path.join(outDir, file)).size }));
    const bundled = Object.keys(result.metafile?.inputs ?? {}).map((f) => path.relative(root, path.resolve(f)));
    return { outDir, files, models: index.models.map((m) => m.id), skipped, version, bundled };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(path.join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`]);
}
