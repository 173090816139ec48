/** CTC for TensorFlow.js: the loss (blank = last class by default) and the decoders. */
export * from './loss';
export * from './decode';
export * from './frames';
