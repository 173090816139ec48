/**
 * Line-model evaluation speed (prints figures, not a test):
 *   npm run build && node dist/bench/lines_eval.js [saved_models/lines] [--lines 1000]
 * Times what `hwr evaluate` does for one kind of test lines: render N synthetic test lines from
 * EMNIST test images (EMNIST_DIR or ../shared/data/emnist47), the forward pass plus greedy decoding,
 * and the forward pass plus beam decoding (width 10), on the active backend (TFJS_BACKEND or the
 * ladder). Without a saved model it times an untrained crnn of the lines recipe (same work per line).
 * Prints the load average beside the figures: on a shared machine they are upper bounds.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, describeBackend } from '../src/runtime/backend';
import { loadEmnistPart } from '../src/data/emnist';
import { createLineGenerator, lineCharset } from '../src/synth/lines';
import { CRNN_DOWNSAMPLE, crnn } from '../src/models/crnn';
import { LineModelMetadata, loadLineModel } from '../src/lines/read';
import { evaluateLines } from '../src/lines/evaluate';
import { recipeFor } from '../src/train/recipes';
import { benchEmnistDir } from './emnist_dir';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = args.indexOf('--lines');
  const n = flag >= 0 ? Number(args[flag + 1]) : 1000;
  const modelDir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--lines') ?? 'saved_models/lines';
  const backend = await initBackend();
  console.log(describeBackend(backend));
  const dir = benchEmnistDir();
  const split = process.env.EMNIST_SPLIT || 'dev47';
  const chars = loadEmnistPart('test', { dir, split });

  let what: string;
  let loaded: { model: import('@tensorflow/tfjs-layers').LayersModel; metadata: LineModelMetadata };
  if (fs.existsSync(path.join(modelDir, 'metadata.json'))) {
    loaded = await loadLineModel(modelDir);
    what = modelDir;
  } else {
    const recipe = recipeFor('lines');
    const charset = lineCharset(chars.classes);
    const model = crnn({ ...recipe.crnn, numClasses: charset.length + 1, height: 28 });
    loaded = { model, metadata: { family: 'crnn', task: 'lines', dataset: `${chars.name}-lines`, classes: charset, charset, blank: charset.length, height: 28, imageSize: 28, downsample: CRNN_DOWNSAMPLE } };
    what = 'an untrained crnn of the lines recipe (no saved model found)';
  }
  const lines = createLineGenerator({ chars, split: 'test', mode: 'words', seed: 42, height: loaded.metadata.height });

  const t0 = Date.now();
  for (let i = 0; i < n; i++) lines.line(i);
  const renderS = (Date.now() - t0) / 1000;
  // One warm-up pass (kernel set-up) that is not timed.
  evaluateLines(loaded.model, loaded.metadata, lines, { n: Math.min(64, n), beam: false });
  const t1 = Date.now();
  const report = evaluateLines(loaded.model, loaded.metadata, lines, { n, beam: true });
  const totalS = (Date.now() - t1) / 1000;
  const load = os.loadavg()[0];
  console.log(`model: ${what}`);
  console.log(`machine: ${os.cpus()[0]?.model.trim()} x ${os.cpus().length}, load average ${load.toFixed(2)}`);
  console.log(`${n} test lines (mean ${(report.greedy.targetChars / n).toFixed(1)} characters):`);
  console.log(`  render lines                      ${renderS.toFixed(1)} s`);
  console.log(`  forward + greedy decoding         ${report.greedy.seconds.toFixed(1)} s  (${(n / report.greedy.seconds).toFixed(0)} lines/s)`);
  console.log(`  forward + beam decoding (width 10) ${report.beam!.seconds.toFixed(1)} s  (${(n / report.beam!.seconds).toFixed(0)} lines/s)`);
  console.log(`  evaluateLines in all (render, greedy, beam, scoring) ${totalS.toFixed(1)} s`);
  console.log(`  greedy CER ${(100 * report.greedy.cer).toFixed(2)}%, beam CER ${(100 * report.beam!.cer).toFixed(2)}%`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
