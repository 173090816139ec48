export * from './cnn';
export * from './crnn';
