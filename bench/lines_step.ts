/**
 * Training-step time of line-model variants (prints figures, not a test):
 *   npm run build && node dist/bench/lines_step.js [--steps 5] [--batch 32]
 * One replica in this thread (what each data-parallel worker runs), the same synthetic EMNIST lines
 * (EMNIST_DIR or ../shared/data/emnist47) for every variant: the lines recipe's crnn (conv head), the
 * same with batch norm, and with a one-layer BiLSTM / BiGRU head of 128 units. The first step (kernel
 * set-up) is not timed; the median of the rest is printed with its ratio to the recipe's.
 */
import * as os from 'os';
import { initBackend, describeBackend } from '../src/runtime/backend';
import { loadEmnistPart } from '../src/data/emnist';
import { createLineGenerator } from '../src/synth/lines';
import { CrnnOptions, crnn } from '../src/models/crnn';
import { summarizeModel } from '../src/models/cnn';
import { linesTask } from '../src/lines/task';
import { createReplica } from '../src/engine/replica';
import { createOptimizer } from '../src/engine/optimizer';
import { recipeFor } from '../src/train/recipes';
import { benchEmnistDir } from './emnist_dir';
import { numberArg } from './argv';

async function main(): Promise<void> {
  const steps = numberArg('steps', 5);
  const batchSize = numberArg('batch', 32);
  console.log(describeBackend(await initBackend()));
  const dir = benchEmnistDir();
  const chars = loadEmnistPart('train', { dir, split: process.env.EMNIST_SPLIT || 'dev47' });
  const task = linesTask({ train: createLineGenerator({ chars, split: 'train', seed: 1 }), linesPerEpoch: batchSize * (steps + 1) });
  const recipe = recipeFor('lines').crnn!;
  const variants: Array<[string, Partial<CrnnOptions>]> = [
    ['recipe (conv head)', {}],
    ['recipe + batch norm', { batchNorm: true }],
    ['BiLSTM-128 head (1 layer)', { head: 'lstm', headLayers: 1 }],
    ['BiGRU-128 head (1 layer)', { head: 'gru', headLayers: 1 }],
  ];
  const batches = Array.from({ length: steps + 1 }, (_, i) => task.trainBatch(1, i, batchSize));
  console.log(`${steps} timed steps of ${batchSize} lines (widths ${batches.map((b) => b.x.shape[2]).join(', ')} px); load average ${os.loadavg()[0].toFixed(2)}`);
  let base = 0;
  for (const [name, over] of variants) {
    const model = crnn({ ...recipe, ...over, numClasses: task.charset.length + 1, seed: 1 });
    const replica = createReplica(model, createOptimizer(1e-3), task.loss);
    const times: number[] = [];
    batches.forEach((b, i) => {
      const t0 = Date.now();
      replica.step(b, 1e-3);
      if (i > 0) times.push(Date.now() - t0);
    });
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    if (!base) base = median;
    console.log(`  ${name.padEnd(28)} ${String(summarizeModel(model).totalParams).padStart(8)} params  ${String(median).padStart(6)} ms/step  ${(median / base).toFixed(2)}x`);
    replica.optimizer.dispose();
    model.dispose();
  }
  console.log(`load average at the end ${os.loadavg()[0].toFixed(2)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
