#!/usr/bin/env node
/**
 * Re-measures the photo test sets (src/synth/char_photos.ts) of committed character models and
 * writes the figures into each model's metadata.json as `photoTest`, with the commit that measured
 * them. Run it after the character recipe (src/image/preprocess.ts) or the photo sets change; the
 * committed-model test re-measures and compares. Same figures as `npx hwr evaluate --model DIR`.
 *
 *   npm run build && node scripts/photo-test-metadata.js saved_models/mnist saved_models/emnist ...
 *   (EMNIST models need EMNIST_DIR=../shared/data/emnist47 EMNIST_SPLIT=dev47 or data/emnist)
 */
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const dist = path.join(__dirname, '..', 'dist', 'src');
const { initBackend } = require(path.join(dist, 'runtime', 'backend'));
const { loadModel } = require(path.join(dist, 'io', 'saved_model'));
const { loadMnist } = require(path.join(dist, 'data', 'mnist'));
const { loadEmnist } = require(path.join(dist, 'data', 'emnist'));
const { photoTest, photoTestSets, formatPhotoTest } = require(path.join(dist, 'cli', 'photo_test'));
const { writeFilesAtomically } = require(path.join(dist, 'export', 'atomic_file'));

async function main() {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) {
    console.error('usage: node scripts/photo-test-metadata.js MODEL_DIR... (character models, e.g. saved_models/mnist)');
    process.exit(2);
  }
  await initBackend({ backend: 'wasm' });
  const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  // The code that measured: a figure from uncommitted code under src/ says so.
  const commit = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'src') ? '-dirty' : '');
  const sets = new Map(); // one pair of photo sets per dataset and size
  for (const dir of dirs) {
    const { model, metadata } = await loadModel(dir);
    if (metadata.task === 'lines') throw new Error(`${dir} is a line model: photo tests are for character models`);
    const count = metadata.photoTest?.count;
    const key = `${metadata.dataset} ${count}`;
    if (!sets.has(key)) {
      const test = metadata.dataset === 'mnist' ? loadMnist().test : loadEmnist({ split: metadata.dataset.replace(/^emnist-/, '') }).test;
      sets.set(key, photoTestSets(test, count));
    }
    const result = photoTest(model, sets.get(key));
    model.dispose();
    console.log(`${dir}\n${formatPhotoTest(result)}`);
    const file = path.join(dir, 'metadata.json');
    const meta = JSON.parse(fs.readFileSync(file, 'utf8'));
    meta.photoTest = { count: result.count, fonts: result.fonts, glyphs: result.glyphs, measuredAt: commit };
    writeFilesAtomically([{ path: file, data: JSON.stringify(meta, null, 2) + '\n' }]);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
