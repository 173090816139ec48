/**
 * A data-parallel training worker: one model replica on its own TensorFlow.js backend. It
 * computes gradients on its shard of each batch and applies the averaged gradients it is
 * sent, so every replica takes the same optimizer step and stays identical.
 */
import { parentPort } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../backend';
import { OutputKind, Reply, Request, WireTensor } from './protocol';

let model: tfl.LayersModel | undefined;
let optimizer: tf.Optimizer | undefined;
let variables: tf.Variable[] = [];
let outputs: OutputKind = 'probabilities';

/** Mean cross-entropy plus regularisers, defined as in src/train (clipped log for probabilities). */
function meanLoss(y: tf.Tensor, out: tf.Tensor): tf.Scalar {
  const logP = outputs === 'logits' ? tf.logSoftmax(out) : tf.log(tf.clipByValue(out, 1e-7, 1 - 1e-7));
  let total = tf.mean(tf.neg(tf.sum(tf.mul(y, logP), -1))) as tf.Scalar;
  for (const reg of model!.calculateLosses()) total = tf.add(total, reg);
  return total;
}

function toWire(t: tf.Tensor): WireTensor {
  return { data: t.dataSync() as Float32Array, shape: t.shape.slice() };
}

async function handle(msg: Request): Promise<Reply> {
  switch (msg.kind) {
    case 'init': {
      const report = await initBackend({ backend: msg.backend });
      model = await tfl.models.modelFromJSON(JSON.parse(msg.topology));
      model.setWeights(msg.weights.map((w) => tf.tensor(w.data, w.shape)));
      const entry = tf.serialization.SerializationMap.getMap().classNameMap[msg.optimizer.className];
      if (!entry) throw new Error(`worker: unknown optimizer class '${msg.optimizer.className}'`);
      optimizer = entry[1](entry[0], msg.optimizer.config as tf.serialization.ConfigDict) as tf.Optimizer;
      variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      outputs = msg.outputs;
      return { kind: 'ok', backend: report.name };
    }
    case 'grad': {
      const { value, grads } = tf.tidy(() => {
        const x = tf.tensor(msg.xs.data, msg.xs.shape);
        const y = tf.tensor(msg.ys.data, msg.ys.shape);
        return tf.variableGrads(() => meanLoss(y, model!.apply(x, { training: true }) as tf.Tensor), variables);
      });
      // One flat buffer, variables in order: a single transfer instead of one per weight.
      const total = variables.reduce((s, v) => s + v.size, 0);
      const flat = new Float32Array(total);
      let offset = 0;
      for (const v of variables) {
        flat.set(grads[v.name].dataSync() as Float32Array, offset);
        offset += v.size;
      }
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return { kind: 'ok', loss, grads: flat };
    }
    case 'apply': {
      const named: tf.NamedTensorMap = {};
      let offset = 0;
      for (const v of variables) {
        named[v.name] = tf.tensor(msg.grads.subarray(offset, offset + v.size), v.shape);
        offset += v.size;
      }
      optimizer!.applyGradients(named);
      tf.dispose(Object.values(named));
      return { kind: 'ok' };
    }
    case 'predict': {
      const out = tf.tidy(() => model!.predict(tf.tensor(msg.xs.data, msg.xs.shape), { batchSize: msg.xs.shape[0] }) as tf.Tensor);
      const wire = toWire(out);
      out.dispose();
      return { kind: 'ok', out: wire };
    }
    case 'weights':
      return { kind: 'ok', weights: model!.getWeights().map(toWire) };
  }
}

if (parentPort) {
  const port = parentPort;
  // Requests are handled one at a time, in order: the coordinator never sends a second before the reply.
  port.on('message', (msg: Request) => {
    handle(msg).then(
      (reply) => {
        const transfer = [reply.kind === 'ok' ? reply.grads?.buffer : undefined, reply.kind === 'ok' ? reply.out?.data.buffer : undefined]
          .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
        port.postMessage(reply, transfer);
      },
      (err: unknown) => port.postMessage({ kind: 'error', message: err instanceof Error ? err.message : String(err) } as Reply),
    );
  });
}
