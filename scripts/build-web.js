#!/usr/bin/env node
/*
 * npm run build:web: type-checks the browser app (web/tsconfig.json) and builds it into dist/web/
 * with esbuild (see src/web/build.ts), including the models and models.json.
 *   node scripts/build-web.js [--out DIR] [--models saved_models] [--only mnist,emnist | --all] [--no-check] [--no-minify]
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');

const root = path.join(__dirname, '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    models: { type: 'string' },
    only: { type: 'string' },
    all: { type: 'boolean' },
    'no-check': { type: 'boolean' },
    'no-minify': { type: 'boolean' },
  },
});

const built = path.join(root, 'dist', 'src', 'web', 'build.js');
if (!fs.existsSync(built)) {
  console.error(`build:web: ${path.relative(process.cwd(), built)} is missing; run 'npm run build' first (it compiles the library the build uses).`);
  process.exit(1);
}

if (!values['no-check']) {
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'web', 'tsconfig.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('build:web: the web app does not type-check (web/tsconfig.json); fix the errors above.');
    process.exit(1);
  }
}

require(built)
  .buildWebApp({
    outDir: values.out,
    modelsDir: values.models,
    models: values.all ? [] : values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    minify: !values['no-minify'],
  })
  .then((r) => {
    // What a visitor downloads: everything but the source map and the licence notes.
    const total = r.files.filter((f) => !/\.(map|LEGAL\.txt)$/.test(f.file)).reduce((s, f) => s + f.bytes, 0);
    const size = (f) => r.files.find((x) => x.file === f)?.bytes ?? 0;
    console.log(`web app built in ${path.relative(process.cwd(), r.outDir) || '.'}/ (${(total / 1e6).toFixed(1)} MB without the source map, build ${r.version})`);
    console.log(`  app.js ${(size('app.js') / 1e6).toFixed(2)} MB, wasm ${((size('wasm/tfjs-backend-wasm-simd.wasm')) / 1e6).toFixed(2)} MB (simd)`);
    console.log(`  models: ${r.models.join(', ') || 'none'}${r.skipped.length ? `; skipped ${r.skipped.map((s) => `${s.id} (${s.reason})`).join(', ')}` : ''}`);
    console.log(`serve it with 'npx hwr serve' or any static file server`);
  })
  .catch((e) => {
    console.error(`build:web: ${e.message}`);
    process.exit(1);
  });
