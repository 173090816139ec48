/** The segmentation baseline: reading a word or line with a character model by splitting it into characters. */
export * from './layout';
export * from './crop';
export * from './read';
