/**
 * Speed of the real training path: MNIST's recipe (the model and batch size `hwr train --dataset
 * mnist` uses) through `train` (the loop `hwr train` and the notebooks use) with augmentation, on 1
 * worker (this thread) and on the default number (one per core), alternating back to back so both
 * see the same machine load.
 *
 *   npm run build && node dist/bench/train_loop.js            # 3 pairs of 60 timed steps
 *   node dist/bench/train_loop.js --quick                      # 1 pair of 20 steps
 *   node dist/bench/train_loop.js --pairs=5 --steps=100 --batch-size=128 --blocks=32/64/128
 *   HWR_WORKER_TIMES=1 node dist/bench/train_loop.js --pairs=1   # + where each worker's step time goes
 *
 * Each run trains two capped epochs and reports the second (the first warms up kernels and
 * worker threads). Writes outputs/bench-train-loop.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeBackend, initBackend } from '../src/runtime/backend';
import { loadMnistPart } from '../src/data/mnist';
import { cnn } from '../src/models/cnn';
import { RECIPES } from '../src/train/recipes';
import { blocksOption, blocksText } from '../src/cli/args';
import { availableCores } from '../src/parallel/data_parallel';
import { train } from '../src/train/train';

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function option(args: string[], name: string, fallback: string): string {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const pairs = Number(option(args, 'pairs', quick ? '1' : '3'));
  const steps = Number(option(args, 'steps', quick ? '20' : '60'));
  const recipe = RECIPES.mnist;
  const blocksArg = option(args, 'blocks', blocksText(recipe.model.blocks ?? []));
  const batchSize = Number(option(args, 'batch-size', String(recipe.batchSize)));
  const blocks = blocksOption({ blocks: blocksArg }, { minBlocks: 1, expected: 'filter counts like 32/64,64/128' })!;
  const backend = await initBackend({});
  const parallel = availableCores();
  const mnist = loadMnistPart('train');
  console.log(`${describeBackend(backend)}; ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}`);
  console.log(`cnn ${blocksArg}, batch ${batchSize}, augmentation on, ${steps} timed steps a run, ${pairs} pair(s) of runs`);

  const runs: { workers: number; imagesPerSec: number; loadavg1m: number }[] = [];
  for (let p = 0; p < pairs; p++) {
    for (const workers of [1, parallel]) {
      const model = cnn({ ...recipe.model, numClasses: 10, seed: 1, blocks });
      const result = await train(model, mnist, {
        epochs: 2, maxStepsPerEpoch: steps, batchSize, learningRate: recipe.learningRate, validationSplit: 0,
        earlyStopping: false, restoreBest: false, workers, log: null,
      });
      model.dispose();
      const imagesPerSec = result.history[1].imagesPerSec;
      runs.push({ workers, imagesPerSec: round(imagesPerSec), loadavg1m: round(os.loadavg()[0], 2) });
      console.log(`pair ${p + 1}: ${workers} worker(s): ${Math.round(imagesPerSec).toLocaleString('en-US')} images/s (load average ${os.loadavg()[0].toFixed(2)})`);
    }
  }
  const one = median(runs.filter((r) => r.workers === 1).map((r) => r.imagesPerSec));
  const many = median(runs.filter((r) => r.workers === parallel).map((r) => r.imagesPerSec));
  console.log(`\nmedian: 1 worker ${Math.round(one).toLocaleString('en-US')} images/s, ${parallel} workers (the default) ` +
    `${Math.round(many).toLocaleString('en-US')} images/s: ratio ${(many / one).toFixed(2)}x`);
  const out = {
    date: new Date().toISOString(), command: `node dist/bench/train_loop.js ${args.join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    backend: backend.name, batchSize, blocks, steps, runs, medianImagesPerSec: { 1: one, [parallel]: many }, ratio: round(many / one, 3),
  };
  const file = path.join(process.cwd(), 'outputs', 'bench-train-loop.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
