export * from './saved_model';
