#!/usr/bin/env node
// The segmentation baseline (src/read/segment) on synthetic lines read with a character model.
//
//   npm run build && EMNIST_DIR=../shared/data/emnist47 EMNIST_SPLIT=dev47 node scripts/segment-lines.js [--n 1000] [--model saved_models/emnist]
//     CER (total edits / target characters, and FSDL's per-line mean), WER and seconds on test lines
//     (test-split images, unseen words) in 'words' and 'random' mode, seed 0: the baseline's figures.
//   ... node scripts/segment-lines.js --tune [--n 300]
//     The reader's settings (spaceGap, minPieceWidth, charBonus, cutWeight, mixPenalty) on validation
//     lines (held-out train-split images; validation words, and random strings): how the defaults were
//     chosen. Test lines are never used for tuning. Takes ~10 minutes on 2 busy cores.
const path = require('path');
const os = require('os');
const dist = path.join(__dirname, '..', 'dist', 'src');
const hw = require(path.join(dist, 'index'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const tune = process.argv.includes('--tune');
  const n = Number(arg('n', tune ? 300 : 1000));
  const modelDir = arg('model', 'saved_models/emnist');
  const backend = await hw.initBackend({ backend: arg('backend', 'wasm') });
  const { model, metadata } = await hw.loadModel(modelDir);
  const part = tune ? 'train' : 'test';
  const chars = hw.loadEmnistPart(part, {});
  const split = tune ? 'val' : 'test';
  console.log(`${modelDir} (${metadata.dataset}), ${n} ${split} lines per mode from ${chars.name} ${part}, backend ${backend.name}, ` +
    `${os.cpus().length} cores (${os.cpus()[0].model}), load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  const modes = ['words', 'random'];
  const sets = modes.map((mode) => hw.createLineGenerator({ chars, split, mode, seed: 0 }).lines(0, n));
  if (!tune) {
    modes.forEach((mode, m) => {
      const lines = sets[m];
      const t0 = Date.now();
      const read = hw.readLinesBySegmentation(model, metadata.classes, lines.images, n, lines.width);
      const seconds = (Date.now() - t0) / 1000;
      const texts = read.map((r) => r.text);
      const cer = hw.characterErrorRate(texts, lines.texts);
      const wer = hw.wordErrorRate(texts, lines.texts);
      console.log(`${mode.padEnd(6)}  CER ${(100 * cer.cer).toFixed(1)}%  (per-line mean ${(100 * cer.cerPerLineMean).toFixed(1)}%)  ` +
        `WER ${(100 * wer.wer).toFixed(1)}%  ${n} lines in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(0)} lines/s)`);
    });
    return;
  }
  // Tuning: the candidates of each layout setting are classified once; the reading settings are swept on them.
  const C = metadata.classes.length;
  const rows = [];
  for (const spaceGap of [0.3, 0.4, 0.5]) {
    for (const minPieceWidth of [0.15, 0.3, 0.5, 0.6]) {
      const perMode = sets.map((lines) => {
        const layouts = [];
        for (let i = 0; i < n; i++) {
          const pixels = lines.images.subarray(i * lines.height * lines.width, (i + 1) * lines.height * lines.width);
          const line = { pixels, width: lines.width, height: lines.height };
          layouts.push({ line, layout: hw.segmentLine(line, { minPieceWidth, spaceGap }) });
        }
        const total = layouts.reduce((sum, l) => sum + l.layout.candidates.length, 0);
        const crops = new Float32Array(total * 784);
        let k = 0;
        for (const { line, layout } of layouts) {
          for (const c of layout.candidates) hw.cropCharacter(line, layout, layout.words[c.word].slice(c.start, c.end).flatMap((a) => a.pieces), crops, 784 * k++);
        }
        return { lines, layouts, probs: hw.classifyCrops(model, C, crops, total), perLine: total / n };
      });
      for (const charBonus of [1, 1.5, 2, 2.5, 3]) {
        for (const cutWeight of [5, 10, 20]) {
          for (const mixPenalty of [null, 1, 2, 4]) {
            const opts = { charBonus, cutWeight, mixPenalty: mixPenalty ?? 0, wordContext: mixPenalty !== null };
            const cers = perMode.map(({ lines, layouts, probs }) => {
              let offset = 0;
              const texts = layouts.map(({ layout }) => {
                const r = hw.chooseCharacters(layout, probs.subarray(offset * C), metadata.classes, opts);
                offset += layout.candidates.length;
                return r.text;
              });
              return hw.characterErrorRate(texts, lines.texts).cer;
            });
            rows.push({ spaceGap, minPieceWidth, charBonus, cutWeight, mixPenalty, words: cers[0], random: cers[1], candidates: perMode[0].perLine });
          }
        }
      }
      console.log(`spaceGap ${spaceGap} minPieceWidth ${minPieceWidth}: ${perMode[0].perLine.toFixed(1)} candidates per line`);
    }
  }
  const show = (r) => `spaceGap ${r.spaceGap} minPieceWidth ${r.minPieceWidth} charBonus ${r.charBonus} cutWeight ${r.cutWeight} ` +
    `mixPenalty ${r.mixPenalty ?? 'off'}: CER words ${(100 * r.words).toFixed(2)}%, random ${(100 * r.random).toFixed(2)}%`;
  console.log('best on words lines:');
  for (const r of [...rows].sort((a, b) => a.words - b.words).slice(0, 5)) console.log(`  ${show(r)}`);
  console.log('best on the mean of words and random lines:');
  for (const r of [...rows].sort((a, b) => a.words + a.random - b.words - b.random).slice(0, 5)) console.log(`  ${show(r)}`);
  const d = rows.find((r) => r.spaceGap === 0.4 && r.minPieceWidth === 0.6 && r.charBonus === 3 && r.cutWeight === 5 && r.mixPenalty === 2);
  console.log(`the defaults: ${show(d)}`);
}

main().catch((err) => {
  console.error(`segment-lines: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
