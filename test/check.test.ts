import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkData, formatCheckReport } from '../src/data/check';
import { mnistFiles } from '../src/data/mnist';

function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** A tiny EMNIST split (3 classes in the mapping, only classes 0 and 1 used). */
function writeFakeEmnist(dir: string, split: string, n: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const part of ['train', 'test']) {
    fs.writeFileSync(path.join(dir, `emnist-${split}-${part}-images-idx3-ubyte`), idx(0x803, [n, 28, 28], new Uint8Array(n * 784).fill(7)));
    fs.writeFileSync(path.join(dir, `emnist-${split}-${part}-labels-idx1-ubyte`), idx(0x801, [n], Uint8Array.from({ length: n }, (_, i) => (i < 3 ? 0 : 1))));
  }
  fs.writeFileSync(path.join(dir, `emnist-${split}-mapping.txt`), '0 65\n1 66\n2 67\n');
}

const isPng = (file: string) => fs.readFileSync(file).subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'check-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('checks real MNIST and a present EMNIST split: counts, per-class min/max, hashes, sample sheets', () => {
  const emnistDir = path.join(tmp, 'emnist');
  writeFakeEmnist(emnistDir, 'fake', 5);
  const outDir = path.join(tmp, 'out');
  const report = checkData({ emnistDir, emnistSplit: 'fake', outDir, samples: 20 });
  expect(report.skipped).toEqual([]);
  const [mnist, emnist] = report.datasets;

  expect(mnist.name).toBe('mnist');
  expect(mnist.parts.map((p) => [p.part, p.count])).toEqual([['train', 60000], ['test', 10000]]);
  expect(mnist.parts[0].min).toEqual({ label: '5', count: 5421 });
  expect(mnist.parts[0].max).toEqual({ label: '1', count: 6742 });
  const labelsFile = mnistFiles('train').labels;
  const labelsHash = crypto.createHash('sha256').update(fs.readFileSync(labelsFile)).digest('hex');
  expect(mnist.files.find((f) => f.file === labelsFile)?.sha256).toBe(labelsHash);
  expect(mnist.files).toHaveLength(4);
  expect(mnist.parts[1].samplePng).toBe(path.join(outDir, 'samples-mnist-test.png'));
  for (const p of mnist.parts) expect(isPng(p.samplePng)).toBe(true);

  expect(emnist.name).toBe('emnist-fake');
  expect(emnist.files).toHaveLength(5);
  expect(emnist.parts[0]).toMatchObject({ count: 5, classCounts: [3, 2, 0], emptyClasses: ['C'], pixelMean: 7 });
  expect(emnist.parts[0].min).toEqual({ label: 'C', count: 0 });
  expect(isPng(path.join(outDir, 'samples-emnist-fake-train.png'))).toBe(true);

  const text = formatCheckReport(report);
  expect(text).toMatch(/train +60,000 images; per class min 5421 \('5'\), max 6742 \('1'\)/);
  expect(text).toContain(`sha256 ${labelsHash}  train-labels-idx1-ubyte`);
  expect(text).toContain('WARNING: no train images for class(es) C');
});

test('a missing EMNIST split is reported as skipped, saying where it looked', () => {
  // MNIST from a tiny fixture in the original file names keeps this test fast.
  const mnistDir = path.join(tmp, 'mnist');
  fs.mkdirSync(mnistDir);
  for (const [images, labels] of [['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'], ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']]) {
    fs.writeFileSync(path.join(mnistDir, images), idx(0x803, [10, 28, 28], new Uint8Array(7840)));
    fs.writeFileSync(path.join(mnistDir, labels), idx(0x801, [10], Uint8Array.from({ length: 10 }, (_, i) => i)));
  }
  const nowhere = path.join(tmp, 'no-emnist');
  const report = checkData({ mnistDir, emnistDir: nowhere, emnistSplit: 'balanced', outDir: path.join(tmp, 'out2') });
  expect(report.datasets.map((d) => d.name)).toEqual(['mnist']);
  expect(report.skipped).toHaveLength(1);
  expect(report.skipped[0].name).toBe('emnist-balanced');
  expect(report.skipped[0].reason).toContain(nowhere);
  expect(formatCheckReport(report)).toContain('emnist-balanced: skipped, not found in');
});
