/** Line recognition with a CTC line model: the training task, reading lines, evaluation, tuning its character LM. */
export * from './task';
export * from './read';
export * from './evaluate';
export * from './plots';
export * from './test_sets';
export * from './tune_lm';
