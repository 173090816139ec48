export * from './rng';
export * from './sampler';
export * from './augment';
export * from './schedule';
export * from './logs';
export * from './progress';
export * from './checkpoint';
export * from './train';
