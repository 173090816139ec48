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
 *
 * A worker that dies fails the step at once; one that hangs would keep the others waiting at the
 * exchange forever, so this thread watches who has reached it and, `exchangeTimeoutMs` after the
 * first replica did, stops the missing workers and fails the step with an `ExchangeTimeoutError`
 * naming them. The survivors then still hold the state before that step (none could apply it), so
 * the training loop can checkpoint it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { snapshotWeights, WeightArray } from '../engine/weights';
import { abortExchange, createExchange, reachedExchange } from './allreduce';
import { EngineOptions, EngineState, TrainingEngine } from '../engine/engine';
import { HostBatch, batchBuffers, batchSize, sliceBatch } from '../engine/host_batch';
import { OkReply, OptimizerSpec, Reply, Request } from './protocol';
import { CtcSkipped, addCtcSkipped } from '../ctc/loss';

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
  /**
   * How long the replicas that reached a step's gradient exchange wait for the others before the
   * step fails with an `ExchangeTimeoutError` naming the missing workers (default 10 min).
   */
  exchangeTimeoutMs?: number;
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
    this.failure ??= err;
    this.pending?.reject(this.failure);
    this.pending = undefined;
  }

  /** Stops the thread even in the middle of a request (a hung worker); later requests fail with `why`. */
  async stop(why: Error): Promise<void> {
    this.fail(why);
    await this.thread.terminate();
  }

  request(msg: Request, transfer: ArrayBuffer[] = []): Promise<OkReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.thread.postMessage(msg, transfer);
    });
  }
}

/** Default `exchangeTimeoutMs`: generous, since a replica's share of a huge batch can take minutes. */
export const DEFAULT_EXCHANGE_TIMEOUT_MS = 10 * 60 * 1000;
/** How often the coordinator looks at who has reached the exchange (ms). */
const WATCH_MS = 200;
/** How long replicas woken by an abort get to answer before they are counted as hung too (ms). */
const ABORT_GRACE_MS = 2000;

const duration = (ms: number) => (ms >= 60000 ? `${+(ms / 60000).toFixed(1)} min` : ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`);

/**
 * A data-parallel step whose gradient exchange did not complete in time: some workers kept the
 * others waiting (a hung worker, not a dead one, which fails at once). The engine has stopped them.
 */
export class ExchangeTimeoutError extends Error {
  constructor(
    /** 0-based indices of the workers that never answered, now terminated. */
    readonly workers: number[],
    readonly timeoutMs: number,
    /**
     * True when every replica had reached the exchange before the time ran out: some may have
     * applied the step, so the surviving replicas' state is not the state before it.
     */
    readonly reachedByAll: boolean,
  ) {
    const who = `${workers.length === 1 ? 'worker' : 'workers'} ${workers.join(', ')}`;
    super(
      `data-parallel training: ${who} did not ${reachedByAll ? 'finish a step' : "reach a step's gradient exchange"} within ` +
        `${duration(timeoutMs)} of the first replica reaching it, and the other workers would have waited for ` +
        `${workers.length === 1 ? 'it' : 'them'} forever: hung. All workers were stopped. Resume from the last checkpoint; ` +
        'if it happens again, train with one worker (--workers 1) or give huge batches a longer exchangeTimeoutMs.',
    );
    this.name = 'ExchangeTimeoutError';
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
  const timeoutMs = opts.exchangeTimeoutMs ?? DEFAULT_EXCHANGE_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new Error(`exchangeTimeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`);
  const optimizer: OptimizerSpec = opts.optimizer
    ? { className: opts.optimizer.getClassName(), config: opts.optimizer.getConfig() as Record<string, unknown> }
    : { learningRate: opts.learningRate };
  const script = opts.workerScript ?? defaultWorkerScript();
  // The environment as this module sees it (under jest, the test's own process.env, not node's).
  const clients = Array.from({ length: count }, () => new WorkerClient(new Worker(script, { env: { ...process.env } })));
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
  /** Steps so far: the exchange counts them the same way in every worker. */
  let steps = 0;
  /** Set when a step timed out: which replicas still answer, and whether their state is the one before the step. */
  let stalled: { survivors: number[]; error: ExchangeTimeoutError } | undefined;
  const live = () => stalled?.survivors ?? clients.map((_, i) => i);
  const nonTrainable = (which: number[]) => Promise.all(which.map(async (i) => (await clients[i].request({ kind: 'weights', which: 'nonTrainable' })).weights!));
  /** Reading state after a stalled step is possible only if no replica applied it. */
  const readable = (what: string): number[] => {
    if (stalled?.error.reachedByAll) throw new Error(`data-parallel engine: cannot ${what} after the stalled step: some replicas may have applied it and others not.`);
    const survivors = live();
    if (survivors.length === 0) throw new Error(`data-parallel engine: cannot ${what}: no worker survived the stalled step.`);
    return survivors;
  };
  const usable = () => {
    if (stalled) throw new Error(`data-parallel engine: stopped after a stalled step (${stalled.error.message}); create a new engine.`);
  };

  /**
   * Waits for the step's replies; if the replicas that reached the exchange wait longer than the
   * timeout for the others, stops the missing workers and rejects with an ExchangeTimeoutError.
   */
  const awaitStep = async (step: number, replies: Array<Promise<OkReply>>): Promise<OkReply[]> => {
    const answered = replies.map(() => false);
    replies.forEach((r, i) => r.then(() => { answered[i] = true; }, () => { answered[i] = true; }));
    let timer: ReturnType<typeof setInterval> | undefined;
    const watchdog = new Promise<'timeout'>((resolve) => {
      let firstReached = 0;
      timer = setInterval(() => {
        if (!firstReached && reachedExchange(exchange, step).some(Boolean)) firstReached = Date.now();
        if (firstReached && Date.now() - firstReached > timeoutMs) resolve('timeout');
      }, Math.max(5, Math.min(WATCH_MS, timeoutMs / 4)));
    });
    try {
      const first = await Promise.race([Promise.all(replies), watchdog]);
      if (first !== 'timeout') return first;
    } finally {
      clearInterval(timer);
    }
    const reached = reachedExchange(exchange, step);
    const reachedByAll = reached.every(Boolean);
    // Hung: those that never reached the exchange (or, if all did, never answered).
    const hung = answered.map((done, i) => (!done && (reachedByAll || !reached[i]) ? i : -1)).filter((i) => i >= 0);
    const error = () => new ExchangeTimeoutError(hung, timeoutMs, reachedByAll);
    abortExchange(exchange); // wakes the replicas waiting at the barrier: they answer with an error
    await Promise.all(hung.map((i) => clients[i].stop(error())));
    let grace: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled(replies), new Promise((r) => { grace = setTimeout(r, ABORT_GRACE_MS); })]);
    clearTimeout(grace);
    const late = answered.map((done, i) => (!done && !hung.includes(i) ? i : -1)).filter((i) => i >= 0);
    hung.push(...late);
    await Promise.all(late.map((i) => clients[i].stop(error())));
    hung.sort((a, b) => a - b);
    const err = error();
    stalled = { survivors: clients.map((_, i) => i).filter((i) => !hung.includes(i)), error: err };
    throw err;
  };

  return {
    workers: count,

    async step(batch: HostBatch, lr: number, dropoutSeed: (replica: number) => number) {
      usable();
      const n = batchSize(batch);
      const step = steps++;
      // Every worker takes part in every exchange, so a batch smaller than the workers gives some an empty shard.
      const ranges = shardRanges(n, count);
      const shares = ranges.map(([s, e]) => (e - s) / n);
      const replies = await awaitStep(step, ranges.map(([s, e], i) => {
        const shard = sliceBatch(batch, s, e);
        return clients[i].request({ kind: 'step', batch: shard, dropoutSeed: dropoutSeed(i), lr, shares }, batchBuffers(shard));
      })).catch((err: unknown) => {
        abortExchange(exchange); // the others would wait at the barrier for the failed worker forever
        throw err;
      });
      let loss = 0;
      let correct: number | null = 0;
      let skipped: CtcSkipped | undefined;
      replies.forEach((r, i) => {
        loss += shares[i] * r.loss!;
        correct = r.correct == null || correct == null ? null : correct + r.correct;
        skipped = addCtcSkipped(skipped, r.skipped);
      });
      return skipped ? { loss, correct, skipped } : { loss, correct };
    },

    async syncTo(target: tfl.LayersModel) {
      const survivors = readable('read the weights');
      const all = (await clients[survivors[0]].request({ kind: 'weights', which: 'all' })).weights!;
      const byName = new Map(all.map((w) => [w.name, w]));
      const stats = count > 1 && target.nonTrainableWeights.length > 0 ? averageArrays(await nonTrainable(survivors)) : [];
      for (const s of stats) byName.set(s.name, s);
      const weights = target.weights.map((w, i) => byName.get(w.originalName) ?? all[i]);
      tf.tidy(() => target.setWeights(weights.map((w) => tf.tensor(w.values, w.shape, w.dtype))));
    },

    async snapshot(): Promise<EngineState> {
      const survivors = readable('snapshot the optimizer');
      const state = (await clients[survivors[0]].request({ kind: 'optimizerState' })).optimizer!;
      const stats = await nonTrainable(survivors);
      // A stopped replica's batch-norm statistics are lost: it resumes with the survivors' mean.
      const mean = stats.length < count ? averageArrays(stats) : [];
      const replicas = clients.map((_, i) => (survivors.includes(i) ? stats[survivors.indexOf(i)] : mean));
      return { optimizer: state.arrays, betaPowers: state.betaPowers, replicas };
    },

    async restore(state: EngineState) {
      usable();
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
      usable();
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
  /** See `ParallelEngineOptions.exchangeTimeoutMs`. */
  exchangeTimeoutMs?: number;
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
