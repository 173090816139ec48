import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { findEmnistFiles, loadEmnist, loadEmnistPart, readEmnistMapping, resolveEmnistLocation } from '../src/data/emnist';
import { readIdxBytes } from '../src/data/idx';
import { dev47Dir } from './emnist_dir';

function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** A tiny split in NIST's layout: n images whose stored (transposed) pixel [r][c] is r, and labels i % 3. */
function writeFakeSplit(dir: string, split: string, n: number, opts: { gzip?: boolean; labelMax?: number } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const stored = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) for (let r = 0; r < 28; r++) stored.fill(r + i, i * 784 + r * 28, i * 784 + (r + 1) * 28);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % (opts.labelMax ?? 3));
  const save = (name: string, bytes: Buffer) =>
    fs.writeFileSync(path.join(dir, name + (opts.gzip ? '.gz' : '')), opts.gzip ? zlib.gzipSync(bytes) : bytes);
  for (const part of ['train', 'test']) {
    save(`emnist-${split}-${part}-images-idx3-ubyte`, idx(0x803, [n, 28, 28], stored));
    save(`emnist-${split}-${part}-labels-idx1-ubyte`, idx(0x801, [n], labels));
  }
  fs.writeFileSync(path.join(dir, `emnist-${split}-mapping.txt`), '0 65\n1 98\n2 55\n');
}

let tmp: string;
const savedEnv = { dir: process.env.EMNIST_DIR, split: process.env.EMNIST_SPLIT };
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'emnist-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  for (const [key, value] of [['EMNIST_DIR', savedEnv.dir], ['EMNIST_SPLIT', savedEnv.split]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test('loads a split upright (transposed on load), with classes from the mapping file', () => {
  const dir = path.join(tmp, 'fake');
  writeFakeSplit(dir, 'fake', 4, { gzip: true });
  const { train, test } = loadEmnist({ dir, split: 'fake' });
  expect([train.name, train.split, train.count, test.split]).toEqual(['emnist-fake', 'train', 4, 'test']);
  expect(train.classes).toEqual(['A', 'b', '7']);
  expect(Array.from(train.labels)).toEqual([0, 1, 2, 0]);
  // Stored pixel [r][c] = r + i, so upright pixel [r][c] = c + i.
  for (const [i, r, c] of [[0, 0, 5], [0, 27, 3], [2, 10, 20]]) {
    expect(train.images[i * 784 + r * 28 + c]).toBe(c + i);
  }
});

test('raw (uncompressed) files load the same as gzip', () => {
  const gz = path.join(tmp, 'gz');
  const raw = path.join(tmp, 'raw');
  writeFakeSplit(gz, 'x', 3, { gzip: true });
  writeFakeSplit(raw, 'x', 3);
  const a = loadEmnistPart('test', { dir: gz, split: 'x' });
  const b = loadEmnistPart('test', { dir: raw, split: 'x' });
  expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
});

test('options win over EMNIST_DIR / EMNIST_SPLIT, which win over the defaults', () => {
  delete process.env.EMNIST_DIR;
  delete process.env.EMNIST_SPLIT;
  expect(resolveEmnistLocation()).toEqual({ dir: path.resolve('data/emnist'), split: 'balanced' });
  process.env.EMNIST_DIR = path.join(tmp, 'env');
  process.env.EMNIST_SPLIT = 'letters';
  expect(resolveEmnistLocation()).toEqual({ dir: path.join(tmp, 'env'), split: 'letters' });
  expect(resolveEmnistLocation({ dir: tmp, split: 'digits' })).toEqual({ dir: tmp, split: 'digits' });
  expect(() => resolveEmnistLocation({ split: '../etc' })).toThrow(/not a valid split name/);
});

test('a missing split says where it looked, which files, and how to fetch it', () => {
  const dir = path.join(tmp, 'partial');
  writeFakeSplit(dir, 'dev47', 2);
  let message = '';
  try {
    findEmnistFiles({ dir, split: 'balanced' });
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain(`looked in ${dir}`);
  expect(message).toContain('emnist-balanced-train-images-idx3-ubyte[.gz]');
  expect(message).toContain('emnist-balanced-mapping.txt');
  expect(message).toContain('npx hwr download --split balanced');
  expect(message).toContain('EMNIST_DIR');
  expect(message).toContain('split(s): dev47');
});

test("a split's files without the emnist- prefix (emnist62's naming) are found when the official names are absent", () => {
  const dir = path.join(tmp, 'short');
  writeFakeSplit(dir, 'e62', 3, { gzip: true });
  for (const name of fs.readdirSync(dir)) fs.renameSync(path.join(dir, name), path.join(dir, name.replace(/^emnist-/, '')));
  const ds = loadEmnistPart('test', { dir, split: 'e62' });
  expect([ds.count, ds.classes.join('')]).toEqual([3, 'Ab7']);
  expect(findEmnistFiles({ dir, split: 'e62' }).mapping).toBe(path.join(dir, 'e62-mapping.txt'));
  // The official name wins when both are there.
  fs.copyFileSync(path.join(dir, 'e62-mapping.txt'), path.join(dir, 'emnist-e62-mapping.txt'));
  expect(findEmnistFiles({ dir, split: 'e62' }).mapping).toBe(path.join(dir, 'emnist-e62-mapping.txt'));
  // A missing file is listed under both names.
  fs.rmSync(path.join(dir, 'e62-train-labels-idx1-ubyte.gz'));
  expect(() => findEmnistFiles({ dir, split: 'e62' })).toThrow(
    'emnist-e62-train-labels-idx1-ubyte[.gz] (or e62-train-labels-idx1-ubyte[.gz])',
  );
});

test('labels outside the mapping and malformed mappings are errors naming the file', () => {
  const dir = path.join(tmp, 'badlabels');
  writeFakeSplit(dir, 'b', 5, { labelMax: 5 });
  expect(() => loadEmnistPart('train', { dir, split: 'b' })).toThrow(/emnist-b-train-labels-idx1-ubyte has label 3 at index 3, but .* has only 3 classes/);
  const mapping = path.join(tmp, 'bad-mapping.txt');
  fs.writeFileSync(mapping, '0 65\n2 66\n');
  expect(() => readEmnistMapping(mapping)).toThrow(/bad-mapping\.txt: label 1 is missing/);
  fs.writeFileSync(mapping, '0 65\nA 66\n');
  expect(() => readEmnistMapping(mapping)).toThrow(/bad-mapping\.txt:2: expected/);
});

// Real EMNIST (dev47, see /work/shared/data/emnist47/PROVENANCE.md): EMNIST_DIR or ../shared/data/emnist47.
const found = dev47Dir();
const realAvailable = found !== undefined;
const realDir = found ?? process.env.EMNIST_DIR ?? '../shared/data/emnist47';
if (!realAvailable) {
  if (process.env.CI) {
    test('EMNIST dev47 is present (required in CI)', () => {
      throw new Error(`EMNIST dev47 not found in ${realDir}; set EMNIST_DIR to the emnist47 directory`);
    });
  } else {
    console.warn(`EMNIST dev47 not found in ${realDir}: skipping the real-EMNIST tests (set EMNIST_DIR)`);
  }
}

(realAvailable ? describe : describe.skip)('real EMNIST dev47', () => {
  test('test part: 9,424 images, 47 classes, upright', () => {
    const ds = loadEmnistPart('test', { dir: realDir, split: 'dev47' });
    expect([ds.name, ds.count, ds.classes.length]).toEqual(['emnist-dev47', 9424, 47]);
    expect(ds.classes.slice(0, 11).join('')).toBe('0123456789A');
    expect(new Set(ds.labels).size).toBe(47);

    // Transposition happened: loaded [r][c] is the file's [c][r].
    const raw = readIdxBytes(findEmnistFiles({ dir: realDir, split: 'dev47' }).test.images);
    for (const [i, r, c] of [[0, 5, 20], [0, 14, 9], [100, 20, 6]]) {
      expect(ds.images[i * 784 + r * 28 + c]).toBe(raw[16 + i * 784 + c * 28 + r]);
    }

    // Upright '7's are top-heavy (the bar) and right-heavy (the bar's end meets the stroke); transposed,
    // the bar would become a left column (left-heavy), flipped upside down, bottom-heavy.
    const seven = ds.classes.indexOf('7');
    let top = 0;
    let bottom = 0;
    let left = 0;
    let right = 0;
    for (let i = 0; i < ds.count; i++) {
      if (ds.labels[i] !== seven) continue;
      for (let p = 0; p < 784; p++) {
        const v = ds.images[i * 784 + p];
        if (p < 392) top += v;
        else bottom += v;
        if (p % 28 < 14) left += v;
        else right += v;
      }
    }
    expect(top / bottom).toBeGreaterThan(1.3);
    expect(left / right).toBeLessThan(1);
  });
});
