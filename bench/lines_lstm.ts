/**
 * Training-step time of a recurrent head against the conv head at the same width (prints
 * figures, not a test):
 *   npm run build && node dist/bench/lines_lstm.js [--width 400] [--batch 32] [--reps 5] [--tfjs]
 *
 * One replica in this thread, the lines recipe's feature extractor (height 40) on a synthetic
 * batch (bench/synthetic_lines.ts), with heads: the recipe's conv head (4 1-D convs of 192, batch
 * norm), the FusedBiLSTM layer (src/kernels/fused_lstm.ts: the recurrence in wasm) with 1 layer of
 * 128 or 192 units and 2 layers of 128, and with --tfjs tfjs-layers' own bidirectional LSTM (1 x 128:
 * slow). Steps run round-robin over the models, so drifting load hits them alike; each figure is
 * the median CPU time of this process per step, with its ratio to the conv head.
 */
import * as os from 'os';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../src/runtime/backend';
import { crnn } from '../src/models/crnn';
import { createReplica, Replica } from '../src/engine/replica';
import { createOptimizer } from '../src/engine/optimizer';
import { recipeFor } from '../src/train/recipes';
import { FusedBiLstm } from '../src/kernels';
import { syntheticLineBatch } from './synthetic_lines';
import { cpuDescription } from './cpu';
import { numberArg } from './argv';

const CLASSES = 77;

/** The recipe's crnn with its head replaced: feature extractor (up to the reshape), `head` layers, then a dense classifier. */
function withHead(head: tfl.layers.Layer[], seed: number): tfl.LayersModel {
  const recipe = recipeFor('lines').crnn!;
  const base = crnn({ ...recipe, numClasses: CLASSES, height: 40, headLayers: 0, dropout: 0, seed });
  const features = base.layers.slice(0, -1); // drop its dense
  return tfl.sequential({ layers: [...features, ...head, tfl.layers.dense({ units: CLASSES })] });
}

async function main(): Promise<void> {
  const width = numberArg('width', 400);
  const batchSize = numberArg('batch', 32);
  const reps = numberArg('reps', 5);
  await initBackend({ backend: 'wasm' });
  console.log(`${cpuDescription()}; load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const recipe = recipeFor('lines').crnn!;
  const models: Array<[string, tfl.LayersModel]> = [
    [`conv head (recipe: ${recipe.headLayers} x conv1d ${recipe.headUnits}, k${recipe.headKernel})`, crnn({ ...recipe, numClasses: CLASSES, height: 40, seed: 1 })],
    ['FusedBiLSTM 1 x 128', withHead([new FusedBiLstm({ units: 128, seed: 6 })], 6)],
    ['FusedBiLSTM 1 x 192', withHead([new FusedBiLstm({ units: 192, seed: 2 })], 2)],
    ['FusedBiLSTM 2 x 128', withHead([new FusedBiLstm({ units: 128, seed: 3 }), new FusedBiLstm({ units: 128, seed: 4 })], 3)],
  ];
  if (process.argv.includes('--tfjs')) {
    // tfjs-layers' own layer, built here: crnn's 'lstm' head is the FusedBiLSTM layer now.
    const bilstm = tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 128, returnSequences: true }) as tfl.RNN, mergeMode: 'concat' });
    models.push(['tfjs-layers BiLSTM 1 x 128', withHead([bilstm], 5)]);
  }
  const batch = syntheticLineBatch(batchSize, width, CLASSES, 7);
  const replicas: Replica[] = models.map(([, m]) => createReplica(m, createOptimizer(1e-3), { kind: 'ctc', blank: CLASSES - 1 }));
  replicas.forEach((r) => r.step(batch, 1e-3)); // set-up
  const cpu: number[][] = models.map(() => []);
  for (let i = 0; i < reps; i++) {
    replicas.forEach((r, k) => {
      const c0 = process.cpuUsage();
      r.step(batch, 1e-3);
      const c = process.cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1000);
    });
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(cpu[0]);
  console.log(`batch ${batchSize} lines x [40, ${width}] (T = ${width / 4}), ${reps} steps each, median CPU ms per step:`);
  models.forEach(([name, m], k) => {
    const params = m.countParams();
    console.log(`  ${name.padEnd(44)} ${String(params).padStart(9)} params ${median(cpu[k]).toFixed(0).padStart(7)} ms  ${(median(cpu[k]) / base).toFixed(2)}x`);
  });
  console.log(`load average at the end ${os.loadavg()[0].toFixed(2)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
