/**
 * A data-parallel training worker: one replica (src/engine/replica.ts) on its own TensorFlow.js
 * backend. It computes gradients on its shard of each batch, averages them with the other replicas'
 * through shared memory (allreduce.ts) and applies the average, so every replica takes the same
 * optimizer step and stays identical.
 */
import { parentPort } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../runtime/backend';
import { WeightArray, restoreOptimizer, snapshotOptimizer } from '../engine/weights';
import { createOptimizer } from '../engine/optimizer';
import { Replica, createReplica } from '../engine/replica';
import { ExchangeMember, joinExchange } from './allreduce';
import { OkReply, OptimizerSpec, Reply, Request } from './protocol';

let replica: Replica | undefined;
let exchange: ExchangeMember | undefined;
/** Steps taken: picks the exchange's buffer parity (every worker gets every step). */
let steps = 0;

/**
 * HWR_WORKER_TIMES=1: every 60 steps each worker prints where its step time went (for
 * bench:train): its own forward and backward pass, waiting for the other replicas and averaging,
 * the optimizer update, and idle time between steps (the coordinator's turn).
 */
function stepTimes(label: () => string) {
  let sums = [0, 0, 0, 0];
  let count = 0;
  let lastEnd = 0;
  return {
    add(start: number, computed: number, averaged: number, end: number) {
      const parts = [computed - start, averaged - computed, end - averaged, lastEnd ? start - lastEnd : 0];
      sums = sums.map((s, i) => s + parts[i]);
      lastEnd = end;
      if (++count < 60) return;
      const [grad, exchange, apply, idle] = sums.map((s) => (s / count).toFixed(1));
      console.error(`${label()}: ms a step over ${count} steps: forward+backward ${grad}, exchange ${exchange}, update ${apply}, idle ${idle}`);
      sums = [0, 0, 0, 0];
      count = 0;
    },
  };
}
let replicaIndex = 0;
const times = process.env.HWR_WORKER_TIMES === '1' ? stepTimes(() => `worker ${replicaIndex}`) : null;

/**
 * Test hook: HWR_TEST_HANG_WORKER=<replica>:<step> makes that worker block forever on its
 * 0-based step (before its gradients), as a deadlocked kernel would: the coordinator's exchange
 * timeout is tested with it. Blocking, not throwing or exiting, which the coordinator sees at once.
 */
function hangIfAsked(replica: number, step: number): void {
  const spec = process.env.HWR_TEST_HANG_WORKER;
  if (!spec || spec !== `${replica}:${step}`) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // nobody ever notifies it
}

function optimizerFrom(spec: OptimizerSpec): tf.Optimizer {
  if ('learningRate' in spec) return createOptimizer(spec.learningRate);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[spec.className];
  if (!entry) throw new Error(`worker: unknown optimizer class '${spec.className}'`);
  return entry[1](entry[0], spec.config as tf.serialization.ConfigDict) as tf.Optimizer;
}

function toArrays(variables: tfl.LayerVariable[]): WeightArray[] {
  return variables.map((v) => {
    const t = v.read();
    return { name: v.originalName, shape: t.shape.slice(), dtype: t.dtype as 'float32', values: (t.dataSync() as Float32Array).slice() };
  });
}

function ready(): Replica {
  if (!replica) throw new Error('worker: not initialised');
  return replica;
}

function joined(): ExchangeMember {
  if (!exchange) throw new Error('worker: not initialised');
  return exchange;
}

async function handle(msg: Request): Promise<OkReply> {
  switch (msg.kind) {
    case 'init': {
      const report = await initBackend({ backend: msg.backend });
      const model = await tfl.models.modelFromJSON(JSON.parse(msg.topology));
      tf.tidy(() => model.setWeights(msg.weights.map((w) => tf.tensor(w.values, w.shape, w.dtype))));
      replica = createReplica(model, optimizerFrom(msg.optimizer), msg.loss);
      exchange = joinExchange(msg.exchange, msg.replica);
      replicaIndex = msg.replica;
      return { kind: 'ok', backend: report.name };
    }
    case 'step': {
      const r = ready();
      hangIfAsked(replicaIndex, steps);
      const t0 = performance.now();
      r.seedDropout(msg.dropoutSeed);
      // An empty shard (a batch smaller than the number of workers) contributes zeros with share 0.
      const result = msg.batch.x.shape[0] > 0 ? r.gradients(msg.batch) : { loss: 0, correct: 0, grads: new Float32Array(r.gradientSize) };
      const t1 = performance.now();
      const average = joined().average(result.grads, steps++, msg.shares);
      const t2 = performance.now();
      r.applyGradients(average, msg.lr);
      times?.add(t0, t1, t2, performance.now());
      return { kind: 'ok', loss: result.loss, correct: result.correct, skipped: 'skipped' in result ? result.skipped : undefined };
    }
    case 'predict': {
      const model = ready().model;
      const out = tf.tidy(() => model.predict(tf.tensor(msg.xs.data, msg.xs.shape), { batchSize: msg.xs.shape[0] }) as tf.Tensor);
      const wire = { data: out.dataSync() as Float32Array, shape: out.shape.slice() };
      out.dispose();
      return { kind: 'ok', out: wire };
    }
    case 'weights': {
      const model = ready().model;
      return { kind: 'ok', weights: toArrays(msg.which === 'all' ? model.weights : model.nonTrainableWeights) };
    }
    case 'optimizerState':
      return { kind: 'ok', optimizer: await snapshotOptimizer(ready().optimizer) };
    case 'restore': {
      const r = ready();
      if (msg.optimizer) await restoreOptimizer(r.optimizer, msg.optimizer.arrays, msg.optimizer.betaPowers);
      if (msg.nonTrainable) {
        const vars = r.model.nonTrainableWeights;
        if (vars.length !== msg.nonTrainable.length) throw new Error(`worker: ${msg.nonTrainable.length} non-trainable arrays for ${vars.length} weights`);
        const arrays = msg.nonTrainable;
        tf.tidy(() => vars.forEach((v, i) => v.write(tf.tensor(arrays[i].values, arrays[i].shape))));
      }
      return { kind: 'ok' };
    }
  }
}

if (parentPort) {
  const port = parentPort;
  // Requests are handled one at a time, in order: the coordinator never sends a second before the reply.
  port.on('message', (msg: Request) => {
    handle(msg).then(
      (reply) => port.postMessage(reply, reply.out ? [reply.out.data.buffer as ArrayBuffer] : []),
      (err: unknown) => port.postMessage({ kind: 'error', message: `${msg.kind}: ${err instanceof Error ? err.message : String(err)}` } as Reply),
    );
  });
}
