/** Public API of the library: the CLI, notebooks, benchmarks and tests import from here. */
export * from './data/dataset';
export * from './data/batch';
export * from './models/index';
export * from './eval/index';
export * from './io/index';
export * from './plot/index';
export * from './data/idx';
export * from './data/mnist';
export * from './data/emnist';
export * from './data/download';
export * from './backend';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './kernels';
export * from './image/index';
export * from './predict';
export * from './train/index';
export * from './data/check';
export * from './parallel/data_parallel';
