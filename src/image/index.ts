/** Real-image preprocessing: photo, scan or canvas drawing -> MNIST-like 28x28 input; plus rendered sample images. */
export * from './gray';
export * from './lighting';
export * from './threshold';
export * from './geometry';
export * from './rgba';
export * from './decode';
export * from './preprocess';
export * from './preprocess_file';
export * from './render';
export * from './samples';
