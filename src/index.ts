/** Public API of the library: the CLI, notebooks, benchmarks and tests import from here. */
// The standard TensorFlow.js namespace (chained ops and every gradient registered)
export { tf } from './tf';
// Backend and the wasm training kernels
export * from './backend';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './kernels';
export * from './parallel/data_parallel';
// Data
export * from './data/dataset';
export * from './data/batch';
export * from './data/idx';
export * from './data/mnist';
export * from './data/emnist';
export * from './data/download';
export * from './data/check';
// Synthetic handwritten lines (English words from a corpus, EMNIST/MNIST glyphs) and their sample sheet
export * from './data/corpus';
export * from './data/lines';
export * from './data/line_samples';
// Models, training, evaluation, saving
export * from './models/index';
export * from './train/index';
export * from './recipes';
export * from './eval/index';
export * from './eval/text_metrics';
// CTC: loss (blank = last class) and decoders, for line recognition
export * from './ctc/index';
// Line models: the CTC training task, reading lines (readLineBatch, loadLineModel), evaluation, plots
export * from './lines/index';
export * from './io/index';
// Deployment: compact web folders and TFLite files (hwr export)
export * from './export/index';
// Real images and prediction
export * from './image/index';
export * from './image/line'; // line preprocessing (words and lines -> a line model's input)
export * from './predict';
// Reading words and lines with a character model (the segmentation baseline)
export * from './segment/index';
export * from './predict_lines'; // hwr predict on words and lines: line models and --segment
// Plots
export * from './plot/index';
