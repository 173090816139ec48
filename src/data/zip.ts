/**
 * Minimal zip reader: list entries from the central directory, extract one entry (stored or deflate).
 *
 * Why not a dependency (yauzl etc.): we need only "find five named entries in one archive and inflate
 * them", which is ~150 lines on top of zlib.inflateRawSync; this reads just the central directory and
 * the wanted entries through positioned reads (never the whole ~562 MB archive into memory), checks
 * every entry's CRC-32, and supports zip64 offsets so a re-packed archive still works.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

/** One file in a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate; anything else is refused on extraction. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

let crcTable: Int32Array | null = null;

/** CRC-32 (IEEE, as zip and gzip use it) of the bytes. */
export function crc32(bytes: Uint8Array): number {
  // Node >= 20.15 has a native one (much faster on 100 MB entries); keep the table for older Node.
  const native = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  return native ? native(bytes) >>> 0 : crc32Portable(bytes);
}

/** CRC-32 in plain JS (table-driven), used when zlib has no crc32. */
export function crc32Portable(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('zip64 value too large');
  return Number(v);
}

/** Lists the entries of the zip file open as `fd` (size `fileSize`); `source` names it in errors. */
export function readZipEntries(fd: number, fileSize: number, source: string): ZipEntry[] {
  const bad = (why: string) => new Error(`zip archive ${source}: ${why}; the download is corrupt or not a zip file`);
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment (< 64 KiB).
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tail = readAt(fd, fileSize - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorPos = fileSize - tailLen + eocd - 20;
    const locator = locatorPos >= 0 ? readAt(fd, locatorPos, 20) : Buffer.alloc(0);
    if (locator.length < 20 || locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIG) throw bad('zip64 locator missing');
    const rec = readAt(fd, u64(locator, 8), 56);
    if (rec.length < 56 || rec.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw bad('zip64 end record missing');
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  }
  if (cdOffset + cdSize > fileSize) throw bad(`central directory (${cdOffset}+${cdSize}) lies past the end (${fileSize} bytes)`);
  const cd = readAt(fd, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIG) throw bad(`central directory entry ${i} is damaged`);
    const flags = cd.readUInt16LE(p + 8);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const entry: ZipEntry = {
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      method: cd.readUInt16LE(p + 10),
      crc32: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      uncompressedSize: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
      encrypted: (flags & 1) !== 0,
    };
    // Zip64 extra field (id 1): 8-byte values, present only for the fields that overflowed, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const size = cd.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (entry.uncompressedSize === 0xffffffff) {
          entry.uncompressedSize = u64(cd, q);
          q += 8;
        }
        if (entry.compressedSize === 0xffffffff) {
          entry.compressedSize = u64(cd, q);
          q += 8;
        }
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = u64(cd, q);
      }
      e += 4 + size;
    }
    entries.push(entry);
    p = extraEnd + commentLen;
  }
  return entries;
}

/** Extracts one entry's bytes, checking size and CRC-32; errors name the archive and the entry. */
export function extractZipEntry(fd: number, entry: ZipEntry, source: string): Buffer {
  const bad = (why: string) => new Error(`zip archive ${source}, entry ${entry.name}: ${why}; the download is corrupt`);
  if (entry.encrypted) throw bad('encrypted entries are not supported');
  const local = readAt(fd, entry.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_SIG) throw bad('local header missing');
  const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const compressed = readAt(fd, dataStart, entry.compressedSize);
  if (compressed.length !== entry.compressedSize) throw bad('data is truncated');
  let data: Buffer;
  if (entry.method === 0) {
    data = compressed;
  } else if (entry.method === 8) {
    try {
      data = zlib.inflateRawSync(compressed);
    } catch (e) {
      throw bad(`deflate data is damaged (${(e as Error).message})`);
    }
  } else {
    throw bad(`compression method ${entry.method} is not supported (only stored and deflate)`);
  }
  if (data.length !== entry.uncompressedSize) throw bad(`${data.length} bytes, expected ${entry.uncompressedSize}`);
  if (crc32(data) !== entry.crc32) throw bad('CRC-32 mismatch');
  return data;
}
