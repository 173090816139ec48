/** Messages between the training loop (coordinator) and its data-parallel worker threads. */
import { WeightArray } from '../train/checkpoint';
import { HostBatch } from '../train/host_batch';
import { LossSpec } from '../train/losses';

/** A tensor as plain data: values plus shape (transferable across threads). */
export interface WireTensor {
  data: Float32Array;
  shape: number[];
}

/** The project's optimizer at a learning rate, or any registered tfjs optimizer by class name and config. */
export type OptimizerSpec = { learningRate: number } | { className: string; config: Record<string, unknown> };

/** Everything a worker needs to build an identical replica. */
export interface InitMessage {
  kind: 'init';
  topology: string;
  weights: WeightArray[];
  optimizer: OptimizerSpec;
  loss: LossSpec;
  backend: string;
}

/**
 * Forward + backward on a shard; the worker replies with its gradients, not yet applied. `apply`
 * carries the previous step's averaged gradients, applied first: one round trip per step.
 */
export interface GradMessage {
  kind: 'grad';
  batch: HostBatch;
  dropoutSeed: number;
  apply: { grads: Float32Array; lr: number } | null;
}

/** Apply these (already averaged) gradients with the worker's optimizer at learning rate `lr`. */
export interface ApplyMessage {
  kind: 'apply';
  grads: Float32Array;
  lr: number;
}

/** Model outputs for `xs` in inference mode. */
export interface PredictMessage {
  kind: 'predict';
  xs: WireTensor;
}

/** The replica's weights: all of them, or only the non-trainable ones (batch-norm statistics). */
export interface WeightsMessage {
  kind: 'weights';
  which: 'all' | 'nonTrainable';
}

/** The optimizer's state, for a checkpoint. */
export interface OptimizerStateMessage {
  kind: 'optimizerState';
}

/** Restores optimizer state and/or non-trainable weights (from a checkpoint). */
export interface RestoreMessage {
  kind: 'restore';
  optimizer?: { arrays: WeightArray[]; betaPowers: [number, number] | null };
  nonTrainable?: WeightArray[];
}

export type Request = InitMessage | GradMessage | ApplyMessage | PredictMessage | WeightsMessage | OptimizerStateMessage | RestoreMessage;

/** A worker's answer: `ok` carries the request's result, `error` a message to rethrow. */
export interface OkReply {
  kind: 'ok';
  loss?: number;
  correct?: number | null;
  grads?: Float32Array;
  out?: WireTensor;
  weights?: WeightArray[];
  optimizer?: { arrays: WeightArray[]; betaPowers: [number, number] | null };
  backend?: string;
}
export type Reply = OkReply | { kind: 'error'; message: string };
