/** CTC for TensorFlow.js: the loss (blank = last class by default), the decoders and the character LM of the beam search. */
export * from './loss';
export * from './decode';
export * from './frames';
export * from './char_lm';
