/**
 * EMNIST download: fetch NIST's gzip.zip (or a given URL / local zip), verify its SHA-256, and extract
 * one split's five files into the data directory.
 *
 * Everything is written into a staging directory next to the target and renamed into place only after
 * the archive verified and every wanted entry extracted with a good CRC: a corrupt or truncated download
 * leaves nothing half-written behind.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { emnistFileNames, resolveEmnistLocation } from './emnist';
import { extractZipEntry, readZipEntries, ZipEntry } from './zip';

/** NIST's official EMNIST archive (IDX files, gzip-compressed, all six splits). */
export const EMNIST_URL = 'https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip';
/** SHA-256 and size of NIST's gzip.zip, as recorded by TensorFlow Datasets (url_checksums/emnist.txt). */
export const EMNIST_ZIP_SHA256 = 'fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e';
export const EMNIST_ZIP_BYTES = 561753746;

/** Receives status lines; `transient` lines (progress) may be overwritten by the next one. */
export type DownloadLog = (line: string, transient?: boolean) => void;

/** Options for `downloadEmnist`; dir/split resolve like the loader (option > EMNIST_DIR/EMNIST_SPLIT > default). */
export interface DownloadEmnistOptions {
  /** Archive URL (http or https); default NIST's gzip.zip. */
  url?: string;
  /** Use this local zip instead of downloading. */
  archive?: string;
  /** Target directory; default EMNIST_DIR or data/emnist. */
  dir?: string;
  /** Split to extract; default EMNIST_SPLIT or balanced. */
  split?: string;
  /** Expected SHA-256 of the archive (hex). Default: NIST's known hash when `url` is NIST's; otherwise unchecked. */
  sha256?: string;
  /** Re-download even when the split's files are already present. */
  force?: boolean;
  /** Progress and status lines; default: write to stderr. Pass `() => {}` for silence. */
  log?: DownloadLog;
  /** Give up when the server sends nothing for this long (ms); default 60 s. */
  idleTimeoutMs?: number;
}

/** What `downloadEmnist` did. */
export interface DownloadEmnistResult {
  dir: string;
  split: string;
  /** Absolute paths of the files now in `dir` for the split. */
  files: string[];
  /** True when the files were already there and nothing was fetched. */
  skipped: boolean;
  /** SHA-256 of the archive (hex), and whether it matched an expected value. */
  sha256?: string;
  verified?: boolean;
  bytes?: number;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1) + ' MB';
}

function defaultLog(line: string, transient = false): void {
  // On a terminal the progress line rewrites itself; in logs each update is its own line.
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K' + line + (transient ? '' : '\n'));
  else process.stderr.write(line + '\n');
}

/** Counts and hashes the bytes flowing through, and reports progress at most every `everyMs`. */
function progressMeter(total: number | null, log: DownloadLog) {
  const hash = crypto.createHash('sha256');
  const start = Date.now();
  let received = 0;
  let lastReport = 0;
  const everyMs = process.stderr.isTTY ? 250 : 5000;
  const line = () => {
    const secs = Math.max((Date.now() - start) / 1000, 1e-3);
    const pct = total ? ` / ${mb(total)} (${((100 * received) / total).toFixed(1)}%)` : '';
    return `downloading: ${mb(received)}${pct} at ${mb(received / secs)}/s`;
  };
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      hash.update(chunk);
      const now = Date.now();
      if (now - lastReport >= everyMs) {
        lastReport = now;
        log(line(), true);
      }
      done(null, chunk);
    },
  });
  return {
    stream,
    received: () => received,
    digest: () => hash.digest('hex'),
    finish: () => log(line()),
  };
}

function get(url: string, idleTimeoutMs: number, redirectsLeft = 5): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : url.startsWith('http:') ? http : null;
    if (!lib) return reject(new Error(`download: unsupported URL ${url} (http or https only)`));
    const req = lib.get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft === 0) return reject(new Error(`download: too many redirects at ${url}`));
        return resolve(get(new URL(res.headers.location, url).toString(), idleTimeoutMs, redirectsLeft - 1));
      }
      if (status !== 200) {
        res.resume();
        return reject(new Error(`download: HTTP ${status} ${res.statusMessage ?? ''} from ${url}`));
      }
      resolve(res);
    });
    req.setTimeout(idleTimeoutMs, () =>
      req.destroy(new Error(`download: no data from ${url} for ${idleTimeoutMs / 1000} s; check the network and retry`)),
    );
    req.on('error', (e) => reject(e.message.startsWith('download:') ? e : new Error(`download: ${url}: ${e.message}`)));
  });
}

/** Downloads `url` into `file`, returning its SHA-256 and size; a short or broken transfer throws. */
async function fetchToFile(url: string, file: string, idleTimeoutMs: number, log: DownloadLog) {
  const res = await get(url, idleTimeoutMs);
  const lengthHeader = res.headers['content-length'];
  const total = lengthHeader !== undefined ? Number(lengthHeader) : null;
  log(`downloading ${url}${total ? ` (${mb(total)})` : ''}`);
  const meter = progressMeter(total, log);
  const truncated = () =>
    new Error(
      `download truncated: received ${meter.received()} of ${total ?? 'an unknown number of'} bytes from ${url} ` +
        '(the connection closed early); run the command again',
    );
  try {
    await pipeline(res, meter.stream, fs.createWriteStream(file));
  } catch (e) {
    if (!res.complete) throw truncated();
    throw new Error(`download: ${url}: ${(e as Error).message}`);
  }
  meter.finish();
  if (!res.complete || (total !== null && meter.received() !== total)) throw truncated();
  return { sha256: meter.digest(), bytes: meter.received() };
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The zip entries holding the split's five files (by base name, .gz or raw), or an error naming what is absent. */
function pickEntries(entries: ZipEntry[], split: string, source: string): ZipEntry[] {
  const names = emnistFileNames(split);
  const wanted = [names.mapping, names.train.images, names.train.labels, names.test.images, names.test.labels];
  const byBase = new Map(entries.map((e) => [path.posix.basename(e.name), e] as const));
  const picked: ZipEntry[] = [];
  const missing: string[] = [];
  for (const w of wanted) {
    const e = byBase.get(w + '.gz') ?? byBase.get(w);
    if (e) picked.push(e);
    else missing.push(w.endsWith('-ubyte') ? `${w}[.gz]` : w);
  }
  if (missing.length) {
    const splits = [...new Set([...byBase.keys()].map((n) => /^emnist-(.+)-mapping\.txt$/.exec(n)?.[1]).filter(Boolean))];
    throw new Error(
      `zip archive ${source} has no ${missing.join(', ')}; ` +
        `its splits: ${splits.length ? splits.join(', ') : 'none (is this the EMNIST gzip.zip?)'}`,
    );
  }
  return picked;
}

function emnistSplitPaths(dir: string, split: string): string[] | null {
  const names = emnistFileNames(split);
  const out: string[] = [];
  const mapping = path.join(dir, names.mapping);
  if (!fs.existsSync(mapping)) return null;
  out.push(mapping);
  for (const n of [names.train.images, names.train.labels, names.test.images, names.test.labels]) {
    const found = [n, n + '.gz'].map((c) => path.join(dir, c)).find((p) => fs.existsSync(p));
    if (!found) return null;
    out.push(found);
  }
  return out;
}

/** Fetches and installs one EMNIST split; see `hwr download --help`. Resolves when the files are in place. */
export async function downloadEmnist(opts: DownloadEmnistOptions = {}): Promise<DownloadEmnistResult> {
  const { dir, split } = resolveEmnistLocation(opts);
  const log = opts.log ?? defaultLog;
  const existing = emnistSplitPaths(dir, split);
  if (existing && !opts.force) {
    log(`EMNIST split '${split}' is already in ${dir} (use --force to fetch it again)`);
    return { dir, split, files: existing, skipped: true };
  }
  const url = opts.url ?? EMNIST_URL;
  const expected = (opts.sha256 ?? (!opts.archive && /\/cs_links\/EMNIST\/gzip\.zip$/.test(url) ? EMNIST_ZIP_SHA256 : ''))
    .trim()
    .toLowerCase();
  if (expected && !/^[0-9a-f]{64}$/.test(expected)) throw new Error(`download: --sha256 '${opts.sha256}' is not 64 hex digits`);

  // Staging lives beside the target (same file system, so the final renames are atomic) and is always removed.
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}-download-`));
  try {
    let zipFile: string;
    let sha256: string;
    let bytes: number;
    if (opts.archive) {
      zipFile = path.resolve(opts.archive);
      sha256 = await hashFile(zipFile);
      bytes = fs.statSync(zipFile).size;
    } else {
      zipFile = path.join(staging, 'archive.zip');
      ({ sha256, bytes } = await fetchToFile(url, zipFile, opts.idleTimeoutMs ?? 60000, log));
    }
    const source = opts.archive ? zipFile : url;
    if (expected && sha256 !== expected) {
      throw new Error(
        `download: SHA-256 mismatch for ${source}: expected ${expected}, got ${sha256} (${bytes} bytes); ` +
          'the archive is corrupt or not the expected file. Run again, or pass --sha256 if you trust a newer archive.',
      );
    }
    log(expected ? `SHA-256 verified: ${sha256}` : `SHA-256 (not verified, no expected hash given): ${sha256}`);

    const fd = fs.openSync(zipFile, 'r');
    const staged: string[] = [];
    try {
      const entries = pickEntries(readZipEntries(fd, fs.fstatSync(fd).size, source), split, source);
      for (const entry of entries) {
        const out = path.join(staging, path.posix.basename(entry.name));
        fs.writeFileSync(out, extractZipEntry(fd, entry, source));
        staged.push(out);
      }
    } finally {
      fs.closeSync(fd);
    }

    fs.mkdirSync(dir, { recursive: true });
    const files = staged.map((from) => {
      const to = path.join(dir, path.basename(from));
      // A stale copy in the other form (raw vs .gz) would shadow the new file in the loader.
      const other = to.endsWith('.gz') ? to.slice(0, -3) : to.endsWith('-ubyte') ? to + '.gz' : null;
      if (other && fs.existsSync(other)) fs.rmSync(other);
      fs.renameSync(from, to);
      return to;
    });
    log(`EMNIST split '${split}' extracted to ${dir}: ${files.map((f) => path.basename(f)).join(', ')}`);
    return { dir, split, files, skipped: false, sha256, verified: Boolean(expected), bytes };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
