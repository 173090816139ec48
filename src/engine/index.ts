export * from './engine';
export * from './host_batch';
export * from './losses';
export * from './optimizer';
export * from './replica';
export * from './weights';
