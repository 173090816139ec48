/**
 * Do the fused batch norm and Winograd kernels change what a line model learns? (prints figures,
 * not a test)
 *   npm run build && node dist/bench/lines_train_ab.js [--steps 200] [--batch 16] [--seed 1]
 *   HWR_FUSED_BATCHNORM=0 HWR_WINOGRAD=0 node dist/bench/lines_train_ab.js ...   # the kernels before
 *
 * Trains a small crnn with batch norm (blocks [16], [32], [32, 32]: its 32->32 conv runs on
 * Winograd) on synthetic EMNIST lines (EMNIST_DIR or ../shared/data/emnist47), one replica in this
 * thread, the same batches and initial weights in every run, and prints the mean CTC loss of every
 * 25 steps and the step time. Runs with and without the kernels drift apart by float rounding
 * only; compare their gap with that of a second seed (--seed 2) of the same kernels.
 */
import * as os from 'os';
import { initBackend } from '../src/runtime/backend';
import { loadEmnistPart } from '../src/data/emnist';
import { createLineGenerator } from '../src/synth/lines';
import { crnn } from '../src/models/crnn';
import { linesTask } from '../src/lines/task';
import { createReplica } from '../src/engine/replica';
import { createOptimizer } from '../src/engine/optimizer';
import { benchEmnistDir } from './emnist_dir';
import { numberArg } from './argv';

async function main(): Promise<void> {
  const steps = numberArg('steps', 200);
  const batchSize = numberArg('batch', 16);
  const seed = numberArg('seed', 1);
  await initBackend({ backend: 'wasm' });
  const kernels = `HWR_FUSED_BATCHNORM=${process.env.HWR_FUSED_BATCHNORM ?? '1'} HWR_WINOGRAD=${process.env.HWR_WINOGRAD ?? '1'}`;
  const chars = loadEmnistPart('train', { dir: benchEmnistDir(), split: process.env.EMNIST_SPLIT || 'dev47' });
  const task = linesTask({ train: createLineGenerator({ chars, split: 'train', seed: 1 }), linesPerEpoch: batchSize * steps, seed: 1 });
  const model = crnn({ numClasses: task.charset.length + 1, blocks: [[16], [32], [32, 32]], features: 64, headUnits: 64, headLayers: 2, batchNorm: true, seed });
  const replica = createReplica(model, createOptimizer(1e-3), task.loss);
  const losses: number[] = [];
  const start = Date.now();
  for (let i = 0; i < steps; i++) losses.push(replica.step(task.trainBatch(1, i, batchSize), 1e-3).loss);
  const ms = (Date.now() - start) / steps;
  const means: string[] = [];
  for (let i = 0; i < steps; i += 25) {
    const part = losses.slice(i, i + 25);
    means.push((part.reduce((a, b) => a + b, 0) / part.length).toFixed(3));
  }
  console.log(`${kernels} seed ${seed}: mean CTC loss per 25 steps ${means.join(' ')}; ${ms.toFixed(0)} ms/step wall, load average ${os.loadavg()[0].toFixed(2)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
