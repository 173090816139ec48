/**
 * Data-parallel training on several cores: one worker thread per core, each with a replica
 * of the model on its own TensorFlow.js backend (wasm is single-threaded in Node, so this is
 * how training uses a second core). Each step splits the batch across the workers, averages
 * their gradients weighted by shard size (= the full-batch gradient), and has every worker
 * apply that same average, so the replicas' trainable weights stay identical. Non-trainable
 * state (batch-norm moving statistics) is updated by each worker from its own shard;
 * `copyWeightsTo` takes worker 0's. Dropout masks differ from a single-process run.
 *
 *   const trainer = await createDataParallelTrainer(model, { optimizer: tf.train.adam(1e-3) });
 *   const loss = await trainer.trainOnBatch(xs, ys); // xs [n, 28, 28, 1], ys one-hot [n, classes]
 *   await trainer.copyWeightsTo(model);               // bring the trained weights back
 *   await trainer.dispose();
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { OutputKind, Reply, Request, WireTensor } from './protocol';

/** Options for `createDataParallelTrainer`. */
export interface DataParallelOptions {
  /** Worker threads (default: number of CPUs, at least 1). */
  workers?: number;
  /** Optimizer to replicate in every worker (serialised by class name and config; default Adam 1e-3). */
  optimizer?: tf.Optimizer;
  /** The model's output: 'probabilities' (softmax, default) or 'logits'. */
  outputs?: OutputKind;
  /** Backend for the workers (default 'wasm'). */
  backend?: 'wasm' | 'cpu' | 'tensorflow';
  /** Compiled worker script (default: worker.js beside this module, or dist/src/parallel/worker.js). */
  workerScript?: string;
}

/** A model being trained data-parallel across worker threads. */
export interface DataParallelTrainer {
  readonly workers: number;
  /** One optimizer step on the batch; resolves to the batch's mean loss (before the step). */
  trainOnBatch(xs: tf.Tensor, ys: tf.Tensor): Promise<number>;
  /** Model outputs for xs, computed in parallel shards (inference mode). */
  predict(xs: tf.Tensor): Promise<tf.Tensor>;
  /** Copies the trained weights (worker 0's, identical in all) into a model of the same architecture. */
  copyWeightsTo(model: tfl.LayersModel): Promise<void>;
  /** Stops the worker threads. */
  dispose(): Promise<void>;
}

function defaultWorkerScript(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', '..', 'dist', 'src', 'parallel', 'worker.js')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`data-parallel worker script not found (looked in ${candidates.join(', ')}): run \`npm run build\` first`);
  return found;
}

/** One worker thread with request/reply messaging (one request in flight at a time). */
class WorkerClient {
  private pending: { resolve: (r: Reply & { kind: 'ok' }) => void; reject: (e: Error) => void } | undefined;
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

  request(msg: Request, transfer: ArrayBuffer[] = []): Promise<Reply & { kind: 'ok' }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.thread.postMessage(msg, transfer);
    });
  }
}

/** Rows [start, end) of a [n, ...] tensor as a standalone wire tensor. */
function shardOf(values: Float32Array, shape: number[], start: number, end: number): WireTensor {
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: values.slice(start * row, end * row), shape: [end - start, ...shape.slice(1)] };
}

/** Splits n rows into `parts` contiguous ranges as equal as possible (empty ranges dropped). */
export function splitRows(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const start = Math.floor((i * n) / parts);
    const end = Math.floor(((i + 1) * n) / parts);
    if (end > start) out.push([start, end]);
  }
  return out;
}

/**
 * Starts worker threads, each holding a copy of `model` (architecture and current weights)
 * and of `optimizer`. The model itself is not changed until `copyWeightsTo`.
 */
export async function createDataParallelTrainer(model: tfl.LayersModel, opts: DataParallelOptions = {}): Promise<DataParallelTrainer> {
  const count = Math.max(1, opts.workers ?? os.cpus().length);
  const optimizer = opts.optimizer ?? tf.train.adam(1e-3);
  const script = opts.workerScript ?? defaultWorkerScript();
  const topology = JSON.stringify(model.toJSON(null, false));
  const weights = model.getWeights().map((w) => ({ data: w.dataSync() as Float32Array, shape: w.shape.slice() }));
  const clients = Array.from({ length: count }, () => new WorkerClient(new Worker(script)));
  const init: Request = {
    kind: 'init',
    topology,
    weights,
    optimizer: { className: optimizer.getClassName(), config: optimizer.getConfig() as Record<string, unknown> },
    outputs: opts.outputs ?? 'probabilities',
    backend: opts.backend ?? 'wasm',
  };
  try {
    await Promise.all(clients.map((c) => c.request(init)));
  } catch (err) {
    await Promise.all(clients.map((c) => c.thread.terminate()));
    throw err;
  }

  return {
    workers: count,

    async trainOnBatch(xs: tf.Tensor, ys: tf.Tensor): Promise<number> {
      const n = xs.shape[0];
      const x = xs.dataSync() as Float32Array;
      const y = (ys.dtype === 'float32' ? ys.dataSync() : Float32Array.from(ys.dataSync())) as Float32Array;
      const ranges = splitRows(n, count);
      const replies = await Promise.all(ranges.map(([s, e], i) => {
        const shardX = shardOf(x, xs.shape, s, e);
        const shardY = shardOf(y, ys.shape, s, e);
        return clients[i].request({ kind: 'grad', xs: shardX, ys: shardY }, [shardX.data.buffer as ArrayBuffer, shardY.data.buffer as ArrayBuffer]);
      }));
      // Weighted by shard size, the shards' mean gradients average to the full batch's.
      const avg = new Float32Array(replies[0].grads!.length);
      let loss = 0;
      replies.forEach((r, i) => {
        const w = (ranges[i][1] - ranges[i][0]) / n;
        const g = r.grads!;
        for (let j = 0; j < avg.length; j++) avg[j] += w * g[j];
        loss += w * r.loss!;
      });
      await Promise.all(clients.map((c) => c.request({ kind: 'apply', grads: avg })));
      return loss;
    },

    async predict(xs: tf.Tensor): Promise<tf.Tensor> {
      const x = xs.dataSync() as Float32Array;
      const ranges = splitRows(xs.shape[0], count);
      const replies = await Promise.all(ranges.map(([s, e], i) => {
        const shard = shardOf(x, xs.shape, s, e);
        return clients[i].request({ kind: 'predict', xs: shard }, [shard.data.buffer as ArrayBuffer]);
      }));
      const parts = replies.map((r) => r.out!);
      const rows = parts.reduce((s, p) => s + p.shape[0], 0);
      const joined = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
      let offset = 0;
      for (const p of parts) {
        joined.set(p.data, offset);
        offset += p.data.length;
      }
      return tf.tensor(joined, [rows, ...parts[0].shape.slice(1)]);
    },

    async copyWeightsTo(target: tfl.LayersModel): Promise<void> {
      const reply = await clients[0].request({ kind: 'weights' });
      const tensors = reply.weights!.map((w) => tf.tensor(w.data, w.shape));
      target.setWeights(tensors);
      tf.dispose(tensors);
    },

    async dispose(): Promise<void> {
      await Promise.all(clients.map((c) => c.thread.terminate()));
    },
  };
}
