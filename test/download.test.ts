import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { downloadEmnist } from '../src/data/download';
import { loadEmnist } from '../src/data/emnist';
import { crc32, crc32Portable } from '../src/data/zip';

function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** A zip (deflate entries) the way NIST's gzip.zip lays out files: gzip/<name>. */
function buildZip(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const nameBytes = Buffer.from(name);
    const packed = zlib.deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(files).length, 8);
  eocd.writeUInt16LE(Object.keys(files).length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** Files of a split with n random-noise images (incompressible, so the zip is big enough to cut). */
function splitFiles(split: string, n: number): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const part of ['train', 'test']) {
    const pixels = crypto.randomBytes(n * 784);
    out[`gzip/emnist-${split}-${part}-images-idx3-ubyte.gz`] = zlib.gzipSync(idx(0x803, [n, 28, 28], pixels));
    out[`gzip/emnist-${split}-${part}-labels-idx1-ubyte.gz`] = zlib.gzipSync(idx(0x801, [n], Uint8Array.from({ length: n }, (_, i) => i % 2)));
  }
  out[`gzip/emnist-${split}-mapping.txt`] = Buffer.from('0 88\n1 121\n');
  return out;
}

const good = buildZip({ ...splitFiles('fake', 20), ...splitFiles('other', 2) });
const goodSha = crypto.createHash('sha256').update(good).digest('hex');
const corrupt = Buffer.from(good);
corrupt.fill(0, 200, 400); // inside the first entry's deflate data
const lines: string[] = [];
const log = (line: string) => lines.push(line);

let server: http.Server;
let base: string;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'download-test-'));
  server = http.createServer((req, res) => {
    if (req.url === '/good.zip' || req.url === '/corrupt.zip') {
      const body = req.url === '/good.zip' ? good : corrupt;
      res.writeHead(200, { 'Content-Length': body.length });
      res.end(body);
    } else if (req.url === '/moved') {
      res.writeHead(302, { Location: '/good.zip' });
      res.end();
    } else if (req.url === '/truncated.zip' || req.url === '/truncated-chunked.zip') {
      // Promise the whole archive (or nothing, chunked), send half, then drop the connection.
      res.writeHead(200, req.url === '/truncated.zip' ? { 'Content-Length': good.length } : {});
      res.write(good.subarray(0, good.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
    } else if (req.url === '/notzip') {
      res.end('<html>not a zip</html>');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh parent directory; the target is <parent>/emnist, so leftovers in either show up. */
function target(name: string): { parent: string; dir: string } {
  const parent = path.join(tmp, name);
  return { parent, dir: path.join(parent, 'emnist') };
}

test('CRC-32 matches the standard check value', () => {
  const check = Buffer.from('123456789');
  expect(crc32(check)).toBe(0xcbf43926);
  expect(crc32Portable(check)).toBe(0xcbf43926);
});

test('downloads, verifies, extracts only the wanted split, and the loader reads it', async () => {
  const { parent, dir } = target('ok');
  lines.length = 0;
  const result = await downloadEmnist({ url: `${base}/moved`, dir, split: 'fake', sha256: goodSha, log });
  expect(result).toMatchObject({ dir, split: 'fake', skipped: false, verified: true, sha256: goodSha, bytes: good.length });
  expect(fs.readdirSync(parent)).toEqual(['emnist']);
  expect(fs.readdirSync(dir).sort()).toEqual([
    'emnist-fake-mapping.txt',
    'emnist-fake-test-images-idx3-ubyte.gz',
    'emnist-fake-test-labels-idx1-ubyte.gz',
    'emnist-fake-train-images-idx3-ubyte.gz',
    'emnist-fake-train-labels-idx1-ubyte.gz',
  ]);
  expect(lines.join('\n')).toMatch(/100\.0%\) at [\d.]+ MB\/s/);
  const { train, test } = loadEmnist({ dir, split: 'fake' });
  expect([train.count, test.count, train.classes.join('')]).toEqual([20, 20, 'Xy']);

  const again = await downloadEmnist({ url: `${base}/missing`, dir, split: 'fake', log });
  expect(again.skipped).toBe(true);
});

test('a local archive can be used instead of a URL', async () => {
  const zipFile = path.join(tmp, 'local.zip');
  fs.writeFileSync(zipFile, good);
  const { dir } = target('local');
  const result = await downloadEmnist({ archive: zipFile, dir, split: 'other', log });
  expect(result.verified).toBe(false);
  expect(loadEmnist({ dir, split: 'other' }).test.count).toBe(2);
});

// Every row has all four cells: jest passes a `done` callback in place of a missing one.
const failures: [string, string, RegExp, string | undefined][] = [
  ['a checksum mismatch', '/corrupt.zip', /SHA-256 mismatch .*expected [0-9a-f]{64}, got [0-9a-f]{64}/, goodSha],
  ['a corrupt zip without a hash', '/corrupt.zip', /entry gzip\/emnist-fake-train-images-idx3-ubyte\.gz: .*corrupt/, undefined],
  ['a truncated download (Content-Length)', '/truncated.zip', /download truncated: received \d+ of \d+ bytes/, undefined],
  ['a truncated download (chunked)', '/truncated-chunked.zip', /download truncated/, undefined],
  ['a file that is not a zip', '/notzip', /not a zip file/, undefined],
  ['an HTTP error', '/nothing-here', /HTTP 404/, undefined],
];

test.each(failures)('%s is a clear error and leaves nothing behind', async (_name, url, message, sha256) => {
  const { parent, dir } = target(url.replace(/\W/g, '') + (sha256 ? '-sha' : ''));
  await expect(downloadEmnist({ url: base + url, dir, split: 'fake', sha256, log })).rejects.toThrow(message);
  expect(fs.existsSync(dir)).toBe(false);
  expect(fs.readdirSync(parent)).toEqual([]);
});

test('a split the archive lacks is named, with the splits it has', async () => {
  const { dir } = target('nosplit');
  await expect(downloadEmnist({ url: `${base}/good.zip`, dir, split: 'letters', log })).rejects.toThrow(
    /has no emnist-letters-mapping\.txt.*its splits: fake, other/,
  );
});

test('existing files are replaced only when forced, atomically per file', async () => {
  const { dir } = target('force');
  fs.mkdirSync(dir, { recursive: true });
  const stale = path.join(dir, 'emnist-fake-train-images-idx3-ubyte');
  fs.writeFileSync(stale, 'stale raw copy');
  await downloadEmnist({ url: `${base}/good.zip`, dir, split: 'fake', log, force: true });
  // The stale raw file would shadow the fresh .gz in the loader, so it is gone.
  expect(fs.existsSync(stale)).toBe(false);
  expect(loadEmnist({ dir, split: 'fake' }).train.count).toBe(20);
});
