export * from './sampler';
export * from './schedule';
export * from './logs';
export * from './progress';
export * from './checkpoint';
export * from './train';
export * from './task';
export * from './recipes';
