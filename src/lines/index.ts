/** Line recognition with a CTC line model: the training task, reading lines, evaluation. */
export * from './task';
export * from './read';
export * from './evaluate';
export * from './plots';
export * from './test_sets';
