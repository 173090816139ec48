/** Public API of the library: the CLI, notebooks, benchmarks and tests import from here. */
export * from './data/dataset';
