import { execSync } from 'child_process';
import { Dataset } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { loadEmnist } from '../data/emnist';
import { UsageError } from './args';

/** The datasets the CLI knows by name. */
export const DATASETS = ['mnist', 'emnist'] as const;

/** Loads a dataset by CLI name; EMNIST honours --emnist-dir/--split, then EMNIST_DIR/EMNIST_SPLIT. */
export function loadDatasetByName(name: string, opts: { emnistDir?: string; split?: string } = {}): { train: Dataset; test: Dataset } {
  if (name === 'mnist') return loadMnist();
  if (name === 'emnist') return loadEmnist({ dir: opts.emnistDir, split: opts.split });
  throw new UsageError(`Unknown dataset '${name}': choose one of ${DATASETS.join(', ')}.`);
}

/** The first `n` images of a dataset as a new Dataset view (no copy). */
export function headOf(ds: Dataset, n: number): Dataset {
  const count = Math.min(n, ds.count);
  const size = ds.height * ds.width;
  return { ...ds, count, images: ds.images.subarray(0, count * size), labels: ds.labels.subarray(0, count) };
}

/** The current git commit of the working tree, or undefined outside a checkout. */
export function gitCommit(): string | undefined {
  try {
    const rev = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${rev}-dirty` : rev;
  } catch {
    return undefined;
  }
}
