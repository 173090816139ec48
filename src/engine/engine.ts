/**
 * How the training loop runs its steps: on one replica in this thread (`createLocalEngine`), or on
 * one replica per worker thread (`createParallelEngine` in src/parallel). The loop talks to either
 * through this interface, so checkpoints, schedules and logging do not care how many cores train.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { WeightArray, restoreOptimizer, snapshotOptimizer } from './weights';
import { HostBatch } from './host_batch';
import { LossSpec } from './losses';
import { createOptimizer } from './optimizer';
import { Replica, StepResult, createReplica } from './replica';

/** What a checkpoint keeps of an engine besides the model's weights. */
export interface EngineState {
  /** The optimizer's state (identical in every replica). */
  optimizer: WeightArray[];
  betaPowers: [number, number] | null;
  /**
   * Per replica, its non-trainable weights (batch-norm moving statistics, which each replica
   * updates from its own shard); empty for a single-process run, whose model holds them.
   */
  replicas: WeightArray[][];
}

/** Runs optimizer steps for the training loop. */
export interface TrainingEngine {
  /** Replicas training in parallel (1: this thread). */
  readonly workers: number;
  /**
   * One optimizer step on the batch at learning rate `lr`; replica r seeds its dropout layers
   * with `dropoutSeed(r)`. Resolves with the batch's loss; the update is in place before the
   * next step runs or any state is read (syncTo, snapshot).
   */
  step(batch: HostBatch, lr: number, dropoutSeed: (replica: number) => number): Promise<StepResult>;
  /** Brings the trained weights into the loop's model (for validation, checkpoints, saving). */
  syncTo(model: tfl.LayersModel): Promise<void>;
  snapshot(): Promise<EngineState>;
  /** Restores a snapshot taken from an engine with the same number of workers. */
  restore(state: EngineState): Promise<void>;
  dispose(): Promise<void>;
}

/** Options shared by both engines. */
export interface EngineOptions {
  loss: LossSpec;
  /** Initial learning rate of the optimizer (the loop sets it every step). */
  learningRate: number;
}

/** Trains `model` itself, in this thread. */
export function createLocalEngine(model: tfl.LayersModel, opts: EngineOptions): TrainingEngine {
  const replica: Replica = createReplica(model, createOptimizer(opts.learningRate), opts.loss);
  return {
    workers: 1,
    async step(batch, lr, dropoutSeed) {
      replica.seedDropout(dropoutSeed(0));
      return replica.step(batch, lr);
    },
    async syncTo(target) {
      if (target !== model) throw new Error('local engine: syncTo takes the model the engine trains');
    },
    async snapshot() {
      const state = await snapshotOptimizer(replica.optimizer);
      return { optimizer: state.arrays, betaPowers: state.betaPowers, replicas: [] };
    },
    async restore(state) {
      await restoreOptimizer(replica.optimizer, state.optimizer, state.betaPowers);
    },
    async dispose() {
      replica.optimizer.dispose();
    },
  };
}
