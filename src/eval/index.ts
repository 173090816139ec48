export * from './confusion';
export * from './predict_dataset';
export * from './evaluate';
