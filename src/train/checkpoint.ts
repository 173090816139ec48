import * as fs from 'fs';
import * as path from 'path';
import { EpochLogs } from './logs';
import { writeDirAtomically } from '../io/atomic_dir';
import { WeightArray } from '../engine/weights';

/**
 * Settings a resumed run must share with the run that wrote the checkpoint, or its data or steps
 * differ: the task's own (seed, counts, sampling) plus batch size and number of workers.
 */
export type RunFingerprint = Record<string, number | string | boolean>;

/** Where inside an epoch a run was interrupted, with the epoch's running sums so far. */
export interface EpochPosition {
  /** Batches of epoch `epoch + 1` already trained. */
  batch: number;
  sumLoss: number;
  /** Null when the loss counts no correct answers (not a classifier). */
  sumCorrect: number | null;
  seen: number;
  trainMs: number;
}

/**
 * The training state between two steps. Restored on resume: model weights (including batch-norm
 * statistics, per replica for a data-parallel run), the optimizer's moments, step count and
 * bias-correction powers, the epoch and step counters and the position inside an interrupted epoch,
 * history, and the best epoch with its weights. The random streams need no saved state: each is
 * derived from (seed, purpose, epoch, batch or step). Not restored: the model architecture (rebuild
 * it with the same factory and options) and wall-clock timings.
 */
export interface TrainCheckpoint {
  format: 'hwr-train-checkpoint';
  version: 2;
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps completed. */
  step: number;
  /** Set when the run stopped inside epoch `epoch + 1`. */
  position: EpochPosition | null;
  fingerprint: RunFingerprint;
  weights: WeightArray[];
  /** Adam's getWeights(): iteration count, then first moments, then second moments. */
  optimizer: WeightArray[];
  /** Adam's running beta1^t and beta2^t (see restoreOptimizer for why they are saved). */
  betaPowers: [number, number] | null;
  /** Per data-parallel replica, its non-trainable weights (empty for a single-process run). */
  replicas: WeightArray[][];
  best: { epoch: number; value: number; weights: WeightArray[] | null };
  history: EpochLogs[];
}

const STATE_JSON = 'checkpoint.json';
const TENSORS_BIN = 'tensors.bin';

type Group = 'weights' | 'optimizer' | 'best' | `replica${number}`;
type Manifest = Omit<TrainCheckpoint, 'weights' | 'optimizer' | 'best' | 'replicas'> & {
  best: { epoch: number; value: number };
  replicaCount: number;
  tensors: { group: Group; name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
};

/**
 * Writes a checkpoint as a directory (checkpoint.json + tensors.bin). Written to a temporary sibling
 * and renamed into place, so an interrupted write never replaces a good checkpoint with a broken one.
 */
export function saveCheckpoint(dir: string, ckpt: TrainCheckpoint): void {
  const groups: Array<[Group, WeightArray[]]> = [
    ['weights', ckpt.weights],
    ['optimizer', ckpt.optimizer],
    ['best', ckpt.best.weights ?? []],
    ...ckpt.replicas.map((r, i): [Group, WeightArray[]] => [`replica${i}`, r]),
  ];
  const { weights: _w, optimizer: _o, best, replicas, ...rest } = ckpt;
  const manifest: Manifest = {
    ...rest,
    best: { epoch: best.epoch, value: best.value },
    replicaCount: replicas.length,
    tensors: groups.flatMap(([group, list]) => list.map((a) => ({ group, name: a.name, shape: a.shape, dtype: a.dtype }))),
  };
  const buffers = groups.flatMap(([, list]) => list.map((a) => Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength)));
  writeDirAtomically(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, TENSORS_BIN), Buffer.concat(buffers));
    fs.writeFileSync(path.join(tmp, STATE_JSON), JSON.stringify(manifest) + '\n');
  });
}

/** Reads a checkpoint directory written by `saveCheckpoint`. */
export function loadCheckpoint(dir: string): TrainCheckpoint {
  const statePath = path.join(dir, STATE_JSON);
  if (!fs.existsSync(statePath)) {
    throw new Error(`No training checkpoint in ${dir}: expected ${STATE_JSON} (written by saveCheckpoint / train --checkpoint).`);
  }
  const manifest = JSON.parse(fs.readFileSync(statePath, 'utf8')) as Manifest;
  if (manifest.format !== 'hwr-train-checkpoint') throw new Error(`${statePath} is not an hwr training checkpoint (format ${String(manifest.format)}).`);
  if (manifest.version !== 2) {
    throw new Error(`${statePath} is a version-${String(manifest.version)} checkpoint from an older hwr; this one reads version 2. Train again without --resume.`);
  }
  const bin = fs.readFileSync(path.join(dir, TENSORS_BIN));
  const groups: Record<string, WeightArray[]> = { weights: [], optimizer: [], best: [] };
  for (let i = 0; i < manifest.replicaCount; i++) groups[`replica${i}`] = [];
  let offset = 0;
  for (const t of manifest.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * size > bin.length) {
      throw new Error(`${path.join(dir, TENSORS_BIN)} is truncated: tensor '${t.name}' needs bytes up to ${offset + 4 * size}, file has ${bin.length}.`);
    }
    // Copy into a fresh, aligned buffer: the Buffer's own offset may not be a multiple of 4.
    const bytes = new Uint8Array(bin.subarray(offset, offset + 4 * size));
    const values = t.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    const list = groups[t.group];
    if (!list) throw new Error(`${statePath} names an unknown tensor group '${t.group}': the checkpoint is damaged; train again without --resume.`);
    list.push({ name: t.name, shape: t.shape, dtype: t.dtype, values });
    offset += 4 * size;
  }
  const { tensors: _t, best, replicaCount, ...rest } = manifest;
  return {
    ...rest,
    weights: groups.weights,
    optimizer: groups.optimizer,
    replicas: Array.from({ length: replicaCount }, (_, i) => groups[`replica${i}`]),
    best: { ...best, weights: groups.best.length > 0 ? groups.best : null },
  };
}
