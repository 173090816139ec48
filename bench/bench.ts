/**
 * Training/inference speed of the benchmark CNN on each available backend.
 *
 *   npm run build && npm run bench            # full run -> outputs/bench.json
 *   node dist/bench/bench.js --quick           # short run (20 wasm steps; cpu only if named)
 *   node dist/bench/bench.js --backends=wasm   # only some backends
 *   node dist/bench/bench.js --backends=wasm-parallel   # data-parallel on worker threads
 *
 * Each backend runs in its own child process, so peak RSS is that backend's alone.
 * Model: conv3x3(32)-relu-maxpool2, conv3x3(64)-relu-maxpool2, flatten, dense128-relu,
 * dense10-softmax ('valid' padding, the Keras default); Adam 1e-3; batch 128; real MNIST.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BACKEND_NAMES, BackendName, describeBackend, initBackend } from '../src/backend';
import { loadMnist, loadMnistPart } from '../src/data/mnist';
import { createDataParallelTrainer } from '../src/parallel/data_parallel';

const BATCH = 128;
const INFER_BATCH = 1000;

/**
 * Steps and repeats per backend. cpu needs ~2.5 minutes per training step of this CNN (its
 * Conv2DBackpropFilter is a scalar loop), so it gets one step, profiled while it is timed.
 */
interface Plan { warmup: number; steps: number; inferRuns: number; latencyRuns: number; profileSteps: number; profileTimedStep?: boolean }

function planFor(name: BackendName, quick: boolean): Plan {
  if (name === 'cpu') return { warmup: 0, steps: 1, inferRuns: 1, latencyRuns: quick ? 5 : 20, profileSteps: 1, profileTimedStep: true };
  return quick
    ? { warmup: 3, steps: 20, inferRuns: 2, latencyRuns: 30, profileSteps: 3 }
    : { warmup: 5, steps: 60, inferRuns: 5, latencyRuns: 200, profileSteps: 7 };
}

/** One kernel's share of a profiled training step. */
interface KernelTime { kernel: string; ms: number; calls: number; share: number }

/** What one backend measured. */
export interface BackendBench {
  backend: BackendName;
  description: string;
  trainImagesPerSec: number;
  /** Images per second of this process's own CPU time: less sensitive to other load on the machine. */
  trainImagesPerCpuSec: number;
  trainSteps: number;
  inferImagesPerSec: number;
  inferImagesPerCpuSec: number;
  latencyMsMedian: number;
  latencyMsP90: number;
  peakRssMB: number;
  /** 1-minute load average when this backend's run ended (2 cores: above 2 means contention). */
  loadavg1m: number;
  finalLoss: number;
  profile: { stepMs: number; kernels: KernelTime[] };
}

/** The benchmark CNN, with fixed seeds so every backend trains the same network. */
export function benchmarkCnn(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3) }),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

/** Real MNIST batches as tensors: xs [n, 28, 28, 1] in 0..1, ys one-hot [n, 10]. */
function mnistBatches(count: number, size: number): { xs: tf.Tensor4D; ys: tf.Tensor2D }[] {
  const train = loadMnistPart('train');
  const out: { xs: tf.Tensor4D; ys: tf.Tensor2D }[] = [];
  for (let b = 0; b < count; b++) {
    const start = (b * size) % (train.count - size);
    const px = new Float32Array(size * 784);
    for (let i = 0; i < px.length; i++) px[i] = train.images[start * 784 + i] / 255;
    const labels = Array.from(train.labels.subarray(start, start + size));
    out.push({ xs: tf.tensor4d(px, [size, 28, 28, 1]), ys: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10) as tf.Tensor2D) });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Profiles training steps and aggregates kernel time by kernel name, largest first. With
 * several steps each kernel's figure is its median over the steps (other processes on the
 * machine make single steps noisy).
 */
async function profileSteps(
  model: tfl.LayersModel,
  batch: { xs: tf.Tensor; ys: tf.Tensor },
  steps = 1,
  onLoss: (loss: number) => void = () => undefined,
): Promise<BackendBench['profile']> {
  const perStep: Map<string, { ms: number; calls: number }>[] = [];
  const wall: number[] = [];
  for (let s = 0; s < steps; s++) {
    const start = performance.now();
    const info = await tf.profile(async () => {
      onLoss((await model.trainOnBatch(batch.xs, batch.ys)) as number);
    });
    wall.push(performance.now() - start);
    const byName = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += Number(k.kernelTimeMs);
      e.calls += 1;
      byName.set(k.name, e);
    }
    perStep.push(byName);
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const names = [...perStep[0].keys()];
  const rows = names.map((kernel) => ({
    kernel,
    ms: median(perStep.map((m) => m.get(kernel)?.ms ?? 0)),
    calls: perStep[0].get(kernel)?.calls ?? 0,
  }));
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  const kernels = rows
    .map((r) => ({ kernel: r.kernel, ms: round(r.ms), calls: r.calls, share: round(r.ms / total, 3) }))
    .sort((a, b) => b.ms - a.ms);
  return { stepMs: round(median(wall)), kernels };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Runs the whole benchmark on one backend in this process. */
async function benchOne(name: BackendName, quick: boolean): Promise<BackendBench> {
  const report = await initBackend({ backend: name });
  const plan = planFor(name, quick);
  const model = benchmarkCnn();
  const batches = mnistBatches(8, BATCH);

  let loss = NaN;
  for (let i = 0; i < plan.warmup; i++) loss = (await model.trainOnBatch(batches[i % batches.length].xs, batches[i % batches.length].ys)) as number;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let profile: BackendBench['profile'] | undefined;
  for (let i = 0; i < plan.steps; i++) {
    const b = batches[i % batches.length];
    if (plan.profileTimedStep) {
      profile = await profileSteps(model, b, 1, (l) => { loss = l; });
    } else {
      loss = (await model.trainOnBatch(b.xs, b.ys)) as number; // returns a number: the step has finished
    }
  }
  const trainSec = (performance.now() - t0) / 1000;
  const trainCpuSec = cpuSecondsSince(c0);
  profile = profile ?? (await profileSteps(model, batches[0], plan.profileSteps));

  const [big] = mnistBatches(1, INFER_BATCH);
  // batchSize: predict() would otherwise split the 1000 images into batches of 32.
  const predict = (x: tf.Tensor) => tf.tidy(() => (model.predict(x, { batchSize: INFER_BATCH }) as tf.Tensor).dataSync());
  predict(big.xs);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  for (let i = 0; i < plan.inferRuns; i++) predict(big.xs);
  const inferSec = (performance.now() - t1) / 1000;
  const inferCpuSec = cpuSecondsSince(c1);

  const one = tf.tidy(() => tf.slice(big.xs, [0, 0, 0, 0], [1, 28, 28, 1]));
  for (let i = 0; i < 5; i++) predict(one);
  const lat: number[] = [];
  for (let i = 0; i < plan.latencyRuns; i++) {
    const s = performance.now();
    predict(one);
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);

  return {
    backend: name,
    description: describeBackend(report),
    trainImagesPerSec: round((plan.steps * BATCH) / trainSec, 1),
    trainImagesPerCpuSec: round((plan.steps * BATCH) / trainCpuSec, 1),
    trainSteps: plan.steps,
    inferImagesPerSec: round((plan.inferRuns * INFER_BATCH) / inferSec, 1),
    inferImagesPerCpuSec: round((plan.inferRuns * INFER_BATCH) / inferCpuSec, 1),
    latencyMsMedian: round(percentile(lat, 0.5), 3),
    latencyMsP90: round(percentile(lat, 0.9), 3),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
    loadavg1m: round(os.loadavg()[0]),
    finalLoss: round(loss, 4),
    profile,
  };
}

/** What the data-parallel trainer measured (wasm in every worker). */
export interface ParallelBench {
  mode: 'wasm-parallel';
  workers: number;
  trainImagesPerSec: number;
  /** Per second of CPU time summed over all threads: near the single-thread figure = little parallel overhead. */
  trainImagesPerCpuSec: number;
  trainSteps: number;
  inferImagesPerSec: number;
  peakRssMB: number;
  loadavg1m: number;
  finalLoss: number;
}

/** The same model and batches, trained by createDataParallelTrainer (one wasm replica per core). */
async function benchParallel(quick: boolean): Promise<ParallelBench> {
  await initBackend({ backend: 'wasm' });
  const plan = planFor('wasm', quick);
  const model = benchmarkCnn();
  const trainer = await createDataParallelTrainer(model, { optimizer: tf.train.adam(1e-3) });
  try {
    const batches = mnistBatches(8, BATCH);
    let loss = NaN;
    for (let i = 0; i < plan.warmup; i++) loss = await trainer.trainOnBatch(batches[i % 8].xs, batches[i % 8].ys);
    const t0 = performance.now();
    const c0 = process.cpuUsage(); // counts the worker threads too: they live in this process
    for (let i = 0; i < plan.steps; i++) loss = await trainer.trainOnBatch(batches[i % 8].xs, batches[i % 8].ys);
    const trainSec = (performance.now() - t0) / 1000;
    const trainCpuSec = cpuSecondsSince(c0);
    const [big] = mnistBatches(1, INFER_BATCH);
    (await trainer.predict(big.xs)).dispose();
    const t1 = performance.now();
    for (let i = 0; i < plan.inferRuns; i++) (await trainer.predict(big.xs)).dispose();
    const inferSec = (performance.now() - t1) / 1000;
    return {
      mode: 'wasm-parallel',
      workers: trainer.workers,
      trainImagesPerSec: round((plan.steps * BATCH) / trainSec, 1),
      trainImagesPerCpuSec: round((plan.steps * BATCH) / trainCpuSec, 1),
      trainSteps: plan.steps,
      inferImagesPerSec: round((plan.inferRuns * INFER_BATCH) / inferSec, 1),
      peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
      loadavg1m: round(os.loadavg()[0]),
      finalLoss: round(loss, 4),
    };
  } finally {
    await trainer.dispose();
  }
}

function printParallel(r: ParallelBench): void {
  console.log(`\n== wasm data-parallel, ${r.workers} worker threads`);
  console.log(`train  ${r.trainImagesPerSec} images/s wall, ${r.trainImagesPerCpuSec} per CPU-second of all threads (batch ${BATCH} split across workers, ${r.trainSteps} steps, loss ${r.finalLoss})`);
  console.log(`infer  ${r.inferImagesPerSec} images/s wall (batch ${INFER_BATCH} split across workers)`);
  console.log(`peak RSS ${r.peakRssMB} MB (all threads); load average ${r.loadavg1m} on ${os.cpus().length} cores`);
}

function printResult(r: BackendBench): void {
  console.log(`\n== ${r.description}`);
  console.log(`train  ${r.trainImagesPerSec} images/s wall, ${r.trainImagesPerCpuSec} per CPU-second (batch ${BATCH}, ${r.trainSteps} steps, loss ${r.finalLoss})`);
  console.log(`infer  ${r.inferImagesPerSec} images/s wall, ${r.inferImagesPerCpuSec} per CPU-second (batch ${INFER_BATCH})`);
  console.log(`latency one image: median ${r.latencyMsMedian} ms, p90 ${r.latencyMsP90} ms`);
  console.log(`peak RSS ${r.peakRssMB} MB; load average ${r.loadavg1m} on ${os.cpus().length} cores`);
  console.log(`profile of a training step (median over steps: ${r.profile.stepMs} ms wall, profiler on):`);
  for (const k of r.profile.kernels.slice(0, 15)) {
    console.log(`  ${k.kernel.padEnd(28)} ${k.ms.toFixed(2).padStart(9)} ms  ${String(k.calls).padStart(3)} calls  ${(k.share * 100).toFixed(1).padStart(5)}%`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const child = args.find((a) => a.startsWith('--child='));
  if (child) {
    const name = child.slice('--child='.length);
    const result = name === 'wasm-parallel' ? await benchParallel(quick) : await benchOne(name as BackendName, quick);
    process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
    return;
  }
  const only = args.find((a) => a.startsWith('--backends='))?.slice('--backends='.length).split(',');
  // cpu takes minutes per training step: a quick run leaves it out unless asked for by name.
  const names = only ?? [...BACKEND_NAMES.filter((n) => !(quick && n === 'cpu')), 'wasm-parallel'];
  const loadStart = process.hrtime.bigint();
  const mnist = loadMnist();
  const mnistLoadSeconds = round(Number(process.hrtime.bigint() - loadStart) / 1e9, 3);
  console.log(`MNIST loaded (${mnist.train.count + mnist.test.count} images + labels) in ${mnistLoadSeconds} s`);
  const results: Record<string, BackendBench | ParallelBench | { skipped: string }> = {};
  for (const name of names) {
    const run = spawnSync(process.execPath, [__filename, `--child=${name}`, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) {
      const why = (run.stderr.match(/Error: .*/) ?? [run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`])[0];
      results[name] = { skipped: why };
      console.log(`\n== ${name}: skipped (${why})`);
      continue;
    }
    const r = JSON.parse(line.slice('RESULT '.length)) as BackendBench | ParallelBench;
    results[name] = r;
    if ('mode' in r) printParallel(r);
    else printResult(r);
  }
  const out = {
    date: new Date().toISOString(),
    command: `node dist/bench/bench.js ${args.join(' ')}`.trim(),
    note: 'wall-clock figures depend on other load on the machine (see loadavg); per-CPU-second figures count only this process\'s CPU time',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg().map((x) => round(x)), node: process.version },
    model: 'conv3x3(32)-relu-maxpool2, conv3x3(64)-relu-maxpool2, flatten, dense128-relu, dense10-softmax; valid padding; Adam 1e-3; MNIST',
    batch: BATCH,
    mnistLoadSeconds,
    results,
  };
  const file = path.join(process.cwd(), 'outputs', 'bench.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
