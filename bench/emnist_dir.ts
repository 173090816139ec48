import * as path from 'path';

/** EMNIST for the benchmarks: EMNIST_DIR, else the dev47 set in ../shared beside the checkout. */
export function benchEmnistDir(): string {
  // Compiled to dist/bench/, three levels below the checkout's parent.
  return process.env.EMNIST_DIR || path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'emnist47');
}
