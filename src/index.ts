/** Public API of the library: the CLI, notebooks, benchmarks and tests import from here. */
// The standard TensorFlow.js namespace (chained ops and every gradient registered)
export { tf } from './runtime/tf';
// Backend and the wasm training kernels
export * from './runtime/backend';
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
export * from './data/augment';
export * from './util/rng';
// Synthetic handwriting: the line charset, text, fonts, EMNIST letters placed by class, paper and
// camera, the generator (and the older EMNIST-glyph lines with their sample sheet)
export * from './synth/charset';
export * from './synth/ink';
export * from './synth/line_source';
export * from './synth/corpus';
export * from './synth/text';
export * from './synth/prose'; // English prose the generator never writes: the LM's, its tuning's and a test set's
export * from './synth/fonts';
export * from './synth/font_line';
export * from './synth/emnist_line';
export * from './synth/paper';
export * from './synth/handwriting';
export * from './synth/char_photos'; // single characters photographed, for character models
export * from './synth/char_lm_corpus'; // the character LM of line models, from their training text and prose
export * from './synth/lines';
export * from './synth/line_samples';
// Models, training, evaluation, saving
export * from './models/index';
export * from './engine/index';
export * from './train/index';
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
export * from './image/page'; // page layout: the lines of a page
export * from './image/skew';
export * from './image/rules';
export * from './read/page'; // reading pages with a line model
export * from './read/characters';
// Reading words and lines with a character model (the segmentation baseline)
export * from './read/segment/index';
export * from './read/lines'; // hwr predict on words and lines: line models and --segment
// Plots
export * from './plot/index';
