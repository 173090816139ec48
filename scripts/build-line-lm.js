#!/usr/bin/env node
// Builds a line model's character language model and tunes its weights in the beam search:
//   npm run build && node scripts/build-line-lm.js --model DIR [--lines 300000] [--order 4] [--val-lines N]
//       [--alphas 0.1,0.2,...] [--betas -1,-0.5,...] [--beam-width 10] [--alpha A --beta B]
//       [--emnist-dir ../shared/data/emnist62 --split emnist62 | --no-emnist] [--no-test] [--no-prose]
// 1. The LM: interpolated Kneser-Ney over the model's charset, from the text of its first N TRAINING
//    lines (synth/text.ts, train split, the model's line seed and sharedWords) and English prose the
//    generator never writes (synth/prose.ts, 'lm' part): never validation or test text
//    (src/synth/char_lm_corpus.ts). --no-prose: the training lines' text alone.
// 2. alpha and beta: each pair of the grid decodes the model's VALIDATION lines (the generator of its
//    metadata: geometry, seed, sharedWords, EMNIST share) and as many lines of validation prose
//    (prose.ts 'val', the same hands) with beam search + LM; the lowest case-sensitive CER over both
//    wins (src/lines/tune_lm.ts). --no-prose: the validation lines alone. --alpha and --beta skip the search.
// 3. DIR/lm.json and metadata.json's `lm: { file, order, alpha, beta, valCer: { greedy, beam, beamLm } }`
//    are written together, atomically (temporaries renamed into place); the grid goes to
//    outputs/lm-tuning-<model>.json.
// 4. Unless --no-test: the model's test sets (held-out fonts, EMNIST test letters, random strings)
//    read by beam search with the chosen LM, recorded as lm.test { lines, cer, wer, loose, greedy } for the results table.
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '..', 'dist', 'src');
const { initBackend } = require(path.join(dist, 'runtime', 'backend'));
const { loadLineModel } = require(path.join(dist, 'lines', 'read'));
const { buildLineLm } = require(path.join(dist, 'synth', 'char_lm_corpus'));
const { createHandwritingGenerator } = require(path.join(dist, 'synth', 'handwriting'));
const { tuneLineLm, DEFAULT_LM_ALPHAS, DEFAULT_LM_BETAS } = require(path.join(dist, 'lines', 'tune_lm'));
const { lineEmnist, evaluateLineTestSets } = require(path.join(dist, 'cli', 'train_lines'));
const { writeFilesAtomically } = require(path.join(dist, 'export', 'atomic_file'));
const { proseLines } = require(path.join(dist, 'synth', 'prose'));
const { deriveSeed } = require(path.join(dist, 'util', 'rng'));

const LM_FILE = 'lm.json';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const flag = (name) => process.argv.includes(`--${name}`);
function numbers(name, fallback) {
  const v = option(name);
  if (v === undefined) return [...fallback];
  const out = v.split(',').map(Number);
  if (out.length === 0 || out.some((x) => !Number.isFinite(x))) throw new Error(`--${name} must be numbers separated by commas, got '${v}'`);
  return out;
}
function integer(name, fallback) {
  const v = Number(option(name, String(fallback)));
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`--${name} must be a positive integer, got '${option(name)}'`);
  return v;
}

async function main() {
  const dir = option('model');
  if (!dir) throw new Error('give the line model folder: --model DIR (e.g. saved_models/lines)');
  await initBackend({ backend: option('backend') });
  const { model, metadata } = await loadLineModel(dir, { lm: false });
  if (!metadata.body) throw new Error(`${dir} is a line model of the older kind (no 'body' in its metadata): its validation lines cannot be rebuilt; retrain it.`);
  const info = metadata.lines ?? {};
  const geometry = { height: metadata.height, bodyHeight: metadata.body.height, baselineRow: metadata.body.baseline };
  const lineSeed = info.lineSeed ?? 42;
  const sharedWords = info.sharedWords ?? 0;
  const nLines = integer('lines', 300000);
  const order = integer('order', 4);

  const prose = !flag('no-prose');
  const built = buildLineLm({ lines: nLines, lineSeed, text: { sharedWords }, order, prose });
  const lmJson = JSON.stringify(built.lm.toJSON());
  console.error(`LM: order ${order}, ${built.lm.ngramCount.toLocaleString('en-US')} n-grams in ${built.lm.contextCount.toLocaleString('en-US')} contexts ` +
    `from ${nLines.toLocaleString('en-US')} training lines and ${built.proseLines.toLocaleString('en-US')} prose lines ` +
    `(${built.characters.toLocaleString('en-US')} characters) in ${built.seconds.toFixed(1)} s; ` +
    `${LM_FILE} ${(lmJson.length / 1e6).toFixed(2)} MB`);

  let chosen;
  let tuning = null;
  if (option('alpha') !== undefined || option('beta') !== undefined) {
    chosen = { alpha: Number(option('alpha', '0.5')), beta: Number(option('beta', '0')) };
    if (!Number.isFinite(chosen.alpha) || chosen.alpha < 0 || !Number.isFinite(chosen.beta)) throw new Error('--alpha (>= 0) and --beta must be numbers');
  } else {
    // The model's own validation lines: the generator train_lines.ts made them with.
    const emnistShare = info.emnist ? info.emnistShare ?? 0.5 : 0;
    const emnist = emnistShare > 0 ? lineEmnist({ 'emnist-dir': option('emnist-dir'), split: option('split'), 'no-emnist': flag('no-emnist') }, 'train') : undefined;
    if (emnistShare > 0 && !emnist) console.error(`note: --no-emnist: validation lines in fonts only, not the model's mix (${Math.round(100 * emnistShare)}% EMNIST letters)`);
    const val = createHandwritingGenerator({ split: 'val', seed: lineSeed, geometry, emnist, emnistShare, text: { sharedWords } });
    // Validation prose in the same hands, other writers (a seed of its own).
    const valProse = createHandwritingGenerator({
      split: 'val', name: 'val-prose', seed: deriveSeed(lineSeed, 'prose'), geometry, emnist, emnistShare, texts: proseLines('val'), text: { sharedWords },
    });
    const n = integer('val-lines', info.valLines ?? 200);
    const alphas = numbers('alphas', DEFAULT_LM_ALPHAS);
    const betas = numbers('betas', DEFAULT_LM_BETAS);
    console.error(`tuning alpha (${alphas.join(', ')}) and beta (${betas.join(', ')}) on ${n} validation lines${prose ? ` and ${n} lines of validation prose` : ''}, beam width ${integer('beam-width', 10)}`);
    tuning = tuneLineLm(model, metadata, prose ? [val, valProse] : [val], built.lm, {
      n, alphas, betas, beamWidth: integer('beam-width', 10),
      onPoint: (p, done, total) => console.error(`  [${done}/${total}] alpha ${p.alpha} beta ${p.beta}: CER ${(100 * p.cer).toFixed(2)}%`),
    });
    chosen = tuning.best;
    console.error(`validation CER: greedy ${(100 * tuning.greedyCer).toFixed(2)}%, beam ${(100 * tuning.beamCer).toFixed(2)}%, ` +
      `beam+lm ${(100 * tuning.best.cer).toFixed(2)}% (alpha ${chosen.alpha}, beta ${chosen.beta}); ${tuning.seconds.toFixed(1)} s; ` +
      tuning.bySource.map((b) => `${b.name}: greedy ${(100 * b.greedyCer).toFixed(2)}%, beam+lm ${(100 * b.bestCer).toFixed(2)}%`).join('; '));
  }

  // 4. With alpha and beta fixed, the model's test sets read by beam search + LM (as hwr evaluate's
  //    beam+lm row), recorded for the results table; nothing is chosen by them.
  let test = null;
  if (!flag('no-test')) {
    const n = metadata.testLines ?? 1000;
    const emnist = info.emnist ? lineEmnist({ 'emnist-dir': option('emnist-dir'), split: option('split'), 'no-emnist': flag('no-emnist') }, 'test') : undefined;
    const reports = evaluateLineTestSets(model, metadata, { emnist, seed: lineSeed, geometry, sharedWords }, n, integer('beam-width', 10),
      { model: built.lm, alpha: chosen.alpha, beta: chosen.beta });
    test = { lines: n, cer: {}, wer: {}, loose: {}, greedy: {} };
    for (const [set, r] of Object.entries(reports)) {
      test.cer[set] = r.beamLm.cer;
      test.wer[set] = r.beamLm.wer;
      test.loose[set] = r.beamLm.cerLoose;
      test.greedy[set] = r.greedy.cer;
    }
    console.error(`test CER with beam+lm: ${Object.entries(test.cer).map(([k, v]) => `${k} ${(100 * v).toFixed(2)}%`).join(', ')} (${n} lines each)`);
  }

  const lm = {
    file: LM_FILE, order, alpha: chosen.alpha, beta: chosen.beta,
    prose: built.proseLines,
    ...(tuning ? {
      valCer: { greedy: tuning.greedyCer, beam: tuning.beamCer, beamLm: tuning.best.cer }, valLines: tuning.n,
      valBySource: Object.fromEntries(tuning.bySource.map((b) => [b.name, { greedy: b.greedyCer, beamLm: b.bestCer }])),
    } : {}),
    ...(test ? { test } : {}),
    command: ['node scripts/build-line-lm.js', ...process.argv.slice(2)].join(' '),
    lines: nLines, ngrams: built.lm.ngramCount, bytes: lmJson.length, buildSeconds: Number(built.seconds.toFixed(1)),
    createdAt: new Date().toISOString(),
  };
  // Read again just before writing: only `lm` changes, whatever else the file holds.
  const metaFile = path.join(dir, 'metadata.json');
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  writeFilesAtomically([
    { path: path.join(dir, LM_FILE), data: lmJson },
    { path: metaFile, data: JSON.stringify({ ...meta, lm }, null, 2) + '\n' },
  ]);
  console.log(`wrote ${path.join(dir, LM_FILE)} and the lm field of ${metaFile}: ${JSON.stringify({ alpha: lm.alpha, beta: lm.beta, valCer: lm.valCer })}`);
  if (tuning) {
    const report = path.join(__dirname, '..', 'outputs', `lm-tuning-${path.basename(path.resolve(dir))}.json`);
    fs.mkdirSync(path.dirname(report), { recursive: true });
    fs.writeFileSync(report, JSON.stringify({ model: dir, lm, tuning }, null, 2) + '\n');
    console.log(`grid written to ${report}`);
  }
  model.dispose();
}

main().catch((e) => {
  console.error(`build-line-lm: ${e.message}`);
  process.exit(1);
});
