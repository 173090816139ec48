/**
 * Data-parallel training on several cores: one worker thread per core, each with a replica of the
 * model on its own TensorFlow.js backend (wasm is single-threaded in Node, so this is how training
 * uses a second core). Each step splits the batch into contiguous shards, one per worker; the
 * workers average their gradients weighted by shard size (= the full batch's mean gradient) in
 * shared memory (allreduce.ts) and each applies that same average, so their trainable weights stay
 * identical. This thread only cuts the batch and sums the losses.
 *
 * Batch norm: each replica normalises with its own shard's statistics (like PyTorch's DDP without
 * SyncBatchNorm) and keeps its own moving statistics; `syncTo` gives the model their average.
 * Dropout: each replica draws its own masks, seeded per step and replica by the caller. So a run
 * is reproducible for a given number of workers; runs with different numbers of workers differ in
 * dropout masks and batch-norm shards, not in the data, order or augmentation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { snapshotWeights, WeightArray } from '../engine/weights';
import { abortExchange, createExchange } from './allreduce';
import { EngineOptions, EngineState, TrainingEngine } from '../engine/engine';
import { HostBatch, batchBuffers, batchSize, sliceBatch } from '../engine/host_batch';
import { OkReply, OptimizerSpec, Reply, Request } from './protocol';

/** Options for `createParallelEngine`. */
export interface ParallelEngineOptions extends EngineOptions {
  /** Worker threads (default: the number of CPUs). */
  workers?: number;
  /** Backend for the workers (default 'wasm'). */
  backend?: string;
  /** A tfjs optimizer to replicate instead of the project's (serialised by class name and config). */
  optimizer?: tf.Optimizer;
  /** Compiled worker script (default: worker.js beside this module, or dist/src/parallel/worker.js). */
  workerScript?: string;
}

/** CPUs this process may use: the default number of workers. */
export function availableCores(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

function defaultWorkerScript(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', '..', 'dist', 'src', 'parallel', 'worker.js')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`data-parallel worker script not found (looked in ${candidates.join(', ')}): run \`npm run build\` first`);
  return found;
}

/** One worker thread with request/reply messaging (one request in flight at a time). */
class WorkerClient {
  private pending: { resolve: (r: OkReply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(readonly thread: Worker) {
    thread.on('message', (reply: Reply) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (reply.kind === 'ok') p.resolve(reply);
      else p.reject(new Error(`data-parallel worker: ${reply.message}`));
    });
    thread.on('error', (err) => this.fail(err));
    thread.on('exit', (code) => this.fail(new Error(`data-parallel worker exited with code ${code}`)));
  }

  private fail(err: Error): void {
    this.failure = err;
    this.pending?.reject(err);
    this.pending = undefined;
  }

  request(msg: Request, transfer: ArrayBuffer[] = []): Promise<OkReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.thread.postMessage(msg, transfer);
    });
  }
}

/** Splits n rows into `parts` contiguous ranges as equal as possible, one per part (empty when n < parts). */
export function shardRanges(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, i) => [Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts)]);
}

/** `shardRanges` without the empty ranges. */
export function splitRows(n: number, parts: number): [number, number][] {
  return shardRanges(n, parts).filter(([start, end]) => end > start);
}

/** Element-wise mean of the replicas' arrays (same names and shapes in each). */
function averageArrays(perReplica: WeightArray[][]): WeightArray[] {
  return perReplica[0].map((first, i) => {
    const values = new Float32Array(first.values.length);
    for (const arrays of perReplica) {
      const v = arrays[i].values;
      for (let j = 0; j < values.length; j++) values[j] += v[j] / perReplica.length;
    }
    return { ...first, values };
  });
}

/**
 * Starts worker threads, each holding a copy of `model` (architecture and current weights) with
 * its own optimizer. The model itself is not changed until `syncTo`.
 */
/** The data-parallel engine; it can also run inference in parallel shards. */
export interface ParallelEngine extends TrainingEngine {
  /** Model outputs for xs [n, ...] in inference mode, computed by the replicas in parallel shards. */
  predict(xs: tf.Tensor): Promise<tf.Tensor>;
}

export async function createParallelEngine(model: tfl.LayersModel, opts: ParallelEngineOptions): Promise<ParallelEngine> {
  const count = Math.max(1, opts.workers ?? availableCores());
  const optimizer: OptimizerSpec = opts.optimizer
    ? { className: opts.optimizer.getClassName(), config: opts.optimizer.getConfig() as Record<string, unknown> }
    : { learningRate: opts.learningRate };
  const script = opts.workerScript ?? defaultWorkerScript();
  const clients = Array.from({ length: count }, () => new WorkerClient(new Worker(script)));
  const gradientSize = model.trainableWeights.reduce((s, w) => s + w.read().size, 0);
  const exchange = createExchange(count, gradientSize);
  const init = (replica: number): Request => ({
    kind: 'init', topology: JSON.stringify(model.toJSON(null, false)), weights: snapshotWeights(model),
    optimizer, loss: opts.loss, backend: opts.backend ?? 'wasm', exchange, replica,
  });
  try {
    await Promise.all(clients.map((c, i) => c.request(init(i))));
  } catch (err) {
    await Promise.all(clients.map((c) => c.thread.terminate()));
    throw err;
  }
  const nonTrainable = () => Promise.all(clients.map(async (c) => (await c.request({ kind: 'weights', which: 'nonTrainable' })).weights!));

  return {
    workers: count,

    async step(batch: HostBatch, lr: number, dropoutSeed: (replica: number) => number) {
      const n = batchSize(batch);
      // Every worker takes part in every exchange, so a batch smaller than the workers gives some an empty shard.
      const ranges = shardRanges(n, count);
      const shares = ranges.map(([s, e]) => (e - s) / n);
      const replies = await Promise.all(ranges.map(([s, e], i) => {
        const shard = sliceBatch(batch, s, e);
        return clients[i].request({ kind: 'step', batch: shard, dropoutSeed: dropoutSeed(i), lr, shares }, batchBuffers(shard));
      })).catch((err: unknown) => {
        abortExchange(exchange); // the others would wait at the barrier for the failed worker forever
        throw err;
      });
      let loss = 0;
      let correct: number | null = 0;
      replies.forEach((r, i) => {
        loss += shares[i] * r.loss!;
        correct = r.correct == null || correct == null ? null : correct + r.correct;
      });
      return { loss, correct };
    },

    async syncTo(target: tfl.LayersModel) {
      const all = (await clients[0].request({ kind: 'weights', which: 'all' })).weights!;
      const byName = new Map(all.map((w) => [w.name, w]));
      const stats = count > 1 && target.nonTrainableWeights.length > 0 ? averageArrays(await nonTrainable()) : [];
      for (const s of stats) byName.set(s.name, s);
      const weights = target.weights.map((w, i) => byName.get(w.originalName) ?? all[i]);
      tf.tidy(() => target.setWeights(weights.map((w) => tf.tensor(w.values, w.shape, w.dtype))));
    },

    async snapshot(): Promise<EngineState> {
      const state = (await clients[0].request({ kind: 'optimizerState' })).optimizer!;
      return { optimizer: state.arrays, betaPowers: state.betaPowers, replicas: await nonTrainable() };
    },

    async restore(state: EngineState) {
      if (state.replicas.length !== 0 && state.replicas.length !== count) {
        throw new Error(`Cannot restore the state of ${state.replicas.length} replicas into ${count} workers: resume with --workers ${state.replicas.length}.`);
      }
      await Promise.all(clients.map((c, i) => c.request({
        kind: 'restore',
        optimizer: { arrays: state.optimizer, betaPowers: state.betaPowers },
        nonTrainable: state.replicas[i],
      })));
    },

    async predict(xs: tf.Tensor) {
      const x = xs.dataSync() as Float32Array;
      const row = x.length / xs.shape[0];
      const replies = await Promise.all(splitRows(xs.shape[0], count).map(([s, e], i) => {
        const shard = { data: x.slice(s * row, e * row), shape: [e - s, ...xs.shape.slice(1)] };
        return clients[i].request({ kind: 'predict', xs: shard }, [shard.data.buffer as ArrayBuffer]);
      }));
      const parts = replies.map((r) => r.out!);
      const joined = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
      let offset = 0;
      for (const p of parts) {
        joined.set(p.data, offset);
        offset += p.data.length;
      }
      return tf.tensor(joined, [xs.shape[0], ...parts[0].shape.slice(1)]);
    },

    async dispose() {
      abortExchange(exchange);
      await Promise.all(clients.map((c) => c.thread.terminate()));
    },
  };
}

/** Options for `createDataParallelTrainer`. */
export interface DataParallelOptions {
  workers?: number;
  /** Optimizer to replicate (default: the project's, Adam 1e-3). */
  optimizer?: tf.Optimizer;
  /** The model's output: 'probabilities' (softmax, default) or 'logits'. */
  outputs?: 'probabilities' | 'logits';
  backend?: string;
  workerScript?: string;
}

/** A classifier being trained data-parallel on tensors (the engine behind `train`'s workers, for benchmarks). */
export interface DataParallelTrainer {
  readonly workers: number;
  /** One optimizer step on xs [n, h, w, 1] and one-hot ys [n, classes]; resolves to the batch's mean loss. */
  trainOnBatch(xs: tf.Tensor, ys: tf.Tensor): Promise<number>;
  /** Model outputs for xs, computed in parallel shards (inference mode). */
  predict(xs: tf.Tensor): Promise<tf.Tensor>;
  /** Copies the trained weights into a model of the same architecture. */
  copyWeightsTo(model: tfl.LayersModel): Promise<void>;
  dispose(): Promise<void>;
}

/** `createParallelEngine` for a classifier fed with tensors: one-hot targets, no augmentation. */
export async function createDataParallelTrainer(model: tfl.LayersModel, opts: DataParallelOptions = {}): Promise<DataParallelTrainer> {
  const numClasses = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const engine = await createParallelEngine(model, {
    ...opts, learningRate: 1e-3,
    loss: { kind: 'crossEntropy', outputs: opts.outputs ?? 'probabilities', numClasses },
  });
  // The step's learning rate: the given optimizer's own, else the project's default.
  const lr = opts.optimizer ? (opts.optimizer as unknown as { learningRate: number }).learningRate : 1e-3;
  return {
    workers: engine.workers,
    async trainOnBatch(xs, ys) {
      const labels = tf.tidy(() => tf.argMax(ys, -1).dataSync() as Int32Array);
      const batch: HostBatch = { x: { data: xs.dataSync() as Float32Array, shape: xs.shape.slice() }, targets: [{ data: labels, shape: [labels.length] }], transforms: null };
      return (await engine.step(batch, lr, () => 1)).loss;
    },
    predict: (xs) => engine.predict(xs),
    copyWeightsTo: (target) => engine.syncTo(target),
    dispose: () => engine.dispose(),
  };
}
