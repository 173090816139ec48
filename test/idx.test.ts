import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { parseIdxImages, readIdxImages, readIdxLabels, readIdxPair } from '../src/data/idx';

/** IDX bytes: magic, big-endian dims, then the data. */
function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}
const images = (n: number, h = 28, w = 28) => idx(0x803, [n, h, w], Uint8Array.from({ length: n * h * w }, (_, i) => i % 251));
const labels = (n: number) => idx(0x801, [n], Uint8Array.from({ length: n }, (_, i) => i % 10));

let dir: string;
const write = (name: string, bytes: Uint8Array) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idx-test-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('reads raw images and labels with their values', () => {
  const img = readIdxImages(write('a-images', images(3)));
  expect([img.count, img.height, img.width]).toEqual([3, 28, 28]);
  expect(img.pixels.length).toBe(3 * 784);
  expect(img.pixels[300]).toBe(300 % 251);
  expect(Array.from(readIdxLabels(write('a-labels', labels(3))))).toEqual([0, 1, 2]);
});

test('detects gzip by its magic bytes, not by the file name', () => {
  const gz = readIdxImages(write('gzipped-but-named.idx', zlib.gzipSync(images(2))));
  const raw = readIdxImages(write('raw-but-named.gz', images(2)));
  expect(gz.count).toBe(2);
  expect(Buffer.from(gz.pixels).equals(Buffer.from(raw.pixels))).toBe(true);
});

test('pixels are a zero-copy view of the decoded bytes', () => {
  const bytes = images(2);
  const img = parseIdxImages(bytes, 'mem');
  expect(img.pixels.buffer).toBe(bytes.buffer);
  expect(img.pixels.byteOffset).toBe(bytes.byteOffset + 16);
});

test('wrong magic names the file', () => {
  const file = write('labels-as-images', labels(5));
  expect(() => readIdxImages(file)).toThrow(/labels-as-images: magic 0x00000801 is not 0x00000803/);
  expect(() => readIdxLabels(write('images-as-labels', images(1)))).toThrow(/images-as-labels: magic 0x00000803/);
});

test('truncated data is an error, not a partial load', () => {
  const file = write('short', images(3).subarray(0, 16 + 2 * 784 + 10));
  expect(() => readIdxImages(file)).toThrow(/short: truncated, 1594 bytes but the header promises 2368/);
  expect(() => readIdxImages(write('tiny', Buffer.from([0, 0, 8])))).toThrow(/tiny: only 3 bytes/);
  expect(() => readIdxLabels(write('short-labels', labels(4).subarray(0, 10)))).toThrow(/short-labels: truncated/);
});

test('trailing garbage is an error', () => {
  const file = write('long', Buffer.concat([images(1), Buffer.from([1, 2, 3])]));
  expect(() => readIdxImages(file)).toThrow(/long: 3 bytes of trailing garbage/);
});

test('unexpected dimensions are an error unless asked for', () => {
  const file = write('small', images(2, 20, 20));
  expect(() => readIdxImages(file)).toThrow(/small: images are 20 x 20, expected 28 x 28/);
  expect(readIdxImages(file, { height: 20, width: 20 }).count).toBe(2);
});

test('an unreadable gzip is an error naming the file', () => {
  const gz = zlib.gzipSync(images(2));
  expect(() => readIdxImages(write('cut.gz', gz.subarray(0, gz.length / 2)))).toThrow(/cut\.gz: gzip data cannot be decompressed/);
  const garbled = Buffer.from(gz);
  garbled.fill(0xff, 20, 60);
  expect(() => readIdxImages(write('garbled.gz', garbled))).toThrow(/garbled\.gz: gzip/);
});

test('a missing file is an error naming it', () => {
  expect(() => readIdxImages(path.join(dir, 'nope'))).toThrow(/nope: cannot read it/);
});

test('a pair with different counts is an error naming both files', () => {
  const i = write('p-images', images(3));
  const l = write('p-labels', labels(2));
  expect(() => readIdxPair(i, l)).toThrow(/p-images has 3 images but .*p-labels has 2 labels/);
  expect(readIdxPair(i, write('p-labels3', labels(3))).labels.length).toBe(3);
});
