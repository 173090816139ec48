#!/usr/bin/env node
// Renders the sample handwriting images into data/samples/ with the project's own stroke renderer
// (no downloads). Seeded, so re-running rewrites the same bytes. Run through `npm run samples`,
// which compiles src/ first.
const path = require('path');
const { writeSamples } = require('../dist/src/image/samples');

const outDir = path.join(__dirname, '..', 'data', 'samples');
writeSamples(outDir)
  .then((written) => {
    for (const w of written) console.log(`${path.relative(process.cwd(), w.file)}  ${(w.bytes / 1024).toFixed(1)} KB`);
    console.log(`${written.length} sample images in ${path.relative(process.cwd(), outDir) || '.'}`);
  })
  .catch((err) => {
    console.error(`make-samples: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
