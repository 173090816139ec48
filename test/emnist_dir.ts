/** Where the tests find real EMNIST (dev47, see ../shared/data/emnist47/PROVENANCE.md). */
import * as fs from 'fs';
import * as path from 'path';

/** EMNIST_DIR, else ../shared/data/emnist47 beside the repo; undefined when dev47 is not there. */
export function dev47Dir(): string | undefined {
  const dir = process.env.EMNIST_DIR || path.resolve(__dirname, '..', '..', 'shared', 'data', 'emnist47');
  return fs.existsSync(path.join(dir, 'emnist-dev47-mapping.txt')) ? dir : undefined;
}

/** EMNIST ByClass (62 classes with case, ../shared/data/emnist62, split 'emnist62') for line models; undefined when absent. */
export function emnist62Dir(): string | undefined {
  const dir = process.env.EMNIST62_DIR || path.resolve(__dirname, '..', '..', 'shared', 'data', 'emnist62');
  return fs.existsSync(path.join(dir, 'emnist62-mapping.txt')) ? dir : undefined;
}
