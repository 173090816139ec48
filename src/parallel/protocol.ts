/** Messages between the training loop (coordinator) and its data-parallel worker threads. */
import { WeightArray } from '../engine/weights';
import { HostBatch } from '../engine/host_batch';
import { LossSpec } from '../engine/losses';
import { ExchangeBuffers } from './allreduce';
import { CtcSkipped } from '../ctc/loss';

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
  /** The shared-memory gradient exchange, and which replica of it this worker is. */
  exchange: ExchangeBuffers;
  replica: number;
}

/**
 * One optimizer step: forward + backward on this worker's shard (possibly empty), the gradients
 * averaged with the other replicas' through the shared exchange (weighted by `shares`, each
 * replica's fraction of the batch), then applied at learning rate `lr`. Every worker gets every step.
 */
export interface StepMessage {
  kind: 'step';
  batch: HostBatch;
  dropoutSeed: number;
  lr: number;
  shares: number[];
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

export type Request = InitMessage | StepMessage | PredictMessage | WeightsMessage | OptimizerStateMessage | RestoreMessage;

/** A worker's answer: `ok` carries the request's result, `error` a message to rethrow. */
export interface OkReply {
  kind: 'ok';
  loss?: number;
  correct?: number | null;
  /** A step's examples the loss skipped (CTC), if it reports them. */
  skipped?: CtcSkipped;
  out?: WireTensor;
  weights?: WeightArray[];
  optimizer?: { arrays: WeightArray[]; betaPowers: [number, number] | null };
  backend?: string;
}
export type Reply = OkReply | { kind: 'error'; message: string };
