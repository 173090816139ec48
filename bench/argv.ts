/**
 * `--name value` options of the hand-run speed benchmarks (lines_*, conv_kernels, handwriting_speed):
 * read straight from process.argv, a missing option giving its fallback. No validation: the
 * benchmarks with a real command line (bench:read, train_loop) parse theirs properly.
 */

/** The value after `--name`, or `fallback` when the option is not given. */
export function stringArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The number after `--name`, or `fallback` when the option is not given. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
