export * from './cnn';
