/**
 * The static server behind `hwr serve`: the built web app and the saved models on 127.0.0.1, with
 * Node's http module. No server logic: every route is a file (or the models index made from files).
 * Dotfiles are never served; every file carries validators (ETag, Last-Modified) so a reload
 * revalidates the models (304) instead of downloading them again.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AddressInfo } from 'net';
import { ModelIndex, SkippedModel, buildModelIndex } from './model_index';
import { defaultAppDir } from './paths';

/** Options for `startServer`. */
export interface ServeOptions {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Default 127.0.0.1: the app is for this machine (and its browser), not the network. */
  host?: string;
  /** The built app (`npm run build:web`). Default `<package>/dist/web`. */
  appDir?: string;
  /** Serve `/models/*` and `/models.json` from this folder of saved models instead of the copy built into the app. */
  modelsDir?: string;
}

/** A running server. */
export interface RunningServer {
  /** e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  appDir: string;
  modelsDir: string | null;
  /** The models index as the page gets it (at start; it is re-read on every request for models.json). */
  index: ModelIndex;
  /** Model folders that could not be offered, and why. */
  skipped: SkippedModel[];
  close(): Promise<void>;
}

/** Content types by extension; anything else is served as application/octet-stream. */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type of a file name. */
export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a URL path names inside `root`, or null if the path would leave it (`..`, an encoded
 * `%2e%2e`, a NUL, a symlink pointing out). `urlPath` is already percent-decoded.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  if (urlPath.includes('\0')) return null;
  const base = path.resolve(root);
  const target = path.resolve(base, `.${path.posix.normalize(`/${urlPath}`)}`);
  if (target !== base && !target.startsWith(base + path.sep)) return null;
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    return target; // does not exist: a 404, not an escape
  }
  const realBase = fs.realpathSync(base);
  return real === realBase || real.startsWith(realBase + path.sep) ? real : null;
}

/** Starts serving; rejects with a clear message when the app is not built or the port is taken. */
export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const appDir = path.resolve(opts.appDir ?? defaultAppDir());
  if (!fs.existsSync(path.join(appDir, 'index.html'))) {
    throw new Error(`the web app is not built: ${path.join(appDir, 'index.html')} is missing. Build it with 'npm run build:web' (after 'npm run build'), or pass --app <folder of a built app>`);
  }
  const modelsDir = opts.modelsDir ? path.resolve(opts.modelsDir) : null;
  const { index, skipped } = modelsDir ? buildModelIndex(modelsDir) : { index: readBuiltIndex(appDir), skipped: [] };
  const port = opts.port ?? 8080;
  const host = opts.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => handle(req, res, appDir, modelsDir));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`port ${port} is in use; pass --port N (another port, or 0 for any free one)`));
      else if (err.code === 'EACCES') reject(new Error(`port ${port} needs privileges here; pass --port N with N above 1023`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    appDir,
    modelsDir,
    index,
    skipped,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // keep-alive sockets would hold close() open
    }),
  };
}

function readBuiltIndex(appDir: string): ModelIndex {
  const file = path.join(appDir, 'models.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ModelIndex;
  } catch {
    return { version: 1, models: [] };
  }
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * The path and query of a request target exactly as sent, still percent-encoded, or null when it is
 * not a path. Not `new URL(target, base)`: that reads a target like `//host/x` as another host.
 */
export function rawTarget(target: string): { path: string; search: string } | null {
  let t = target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(t); // absolute-form (proxies send it): keep the path
  if (absolute) t = t.slice(absolute[0].length) || '/';
  if (!t.startsWith('/')) return null;
  const cut = t.search(/[?#]/);
  const q = cut < 0 ? '' : t.slice(cut);
  return { path: cut < 0 ? t : t.slice(0, cut), search: q.startsWith('?') ? q.replace(/#.*$/, '') : '' };
}

/**
 * Where to send a request for a folder named without its trailing slash: relative to the request
 * (`./<last segment>/`), built from the still-encoded path. A Location built from the decoded path
 * was an open redirect: `/%2Fevil.com%2F..%2Fwasm` decodes to `//evil.com/../wasm`, which a browser
 * follows to another host. The `./` keeps a segment with a colon from reading as a scheme.
 */
export function directoryRedirect(rawPath: string, search = ''): string {
  const last = rawPath.slice(rawPath.lastIndexOf('/') + 1);
  return `./${last}/${search}`;
}

/** True when a segment of a decoded URL path (or a relative file path) starts with '.': dotfiles, `.git/`, `..`. */
export function hasDotSegment(p: string): boolean {
  return p.split(/[/\\]/).some((seg) => seg.startsWith('.'));
}

/** A weak validator from the file's size and modification time (as most static servers make it). */
export function fileEtag(stat: fs.Stats): string {
  return `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
}

/**
 * True when the client's copy is current (answer 304): If-None-Match when sent (weak comparison,
 * as RFC 9110 asks for GET and HEAD), else If-Modified-Since at the one-second resolution of HTTP dates.
 */
export function notModified(headers: http.IncomingHttpHeaders, etag: string, mtimeMs?: number): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((tag) => opaque(tag) === opaque(etag));
  }
  const ims = headers['if-modified-since'];
  if (ims === undefined || mtimeMs === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/**
 * Every response may be cached but is revalidated first (no-cache): app.js and the models keep
 * their names across builds, so only the validators can say whether a copy is current, and a
 * revalidation answered 304 costs a round trip instead of the model again.
 */
const COMMON_HEADERS = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };

function handle(req: http.IncomingMessage, res: http.ServerResponse, appDir: string, modelsDir: string | null): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
  const target = rawTarget(req.url ?? '/');
  let urlPath: string;
  try {
    if (!target) throw new Error('not a path');
    urlPath = decodeURIComponent(target.path);
  } catch {
    return send(res, 400, 'bad URL or URL encoding\n');
  }
  // Before any lookup: dotfiles (.env, .git/) are never published, nor is a '..' walked.
  if (hasDotSegment(urlPath)) return send(res, 404, `not found: ${urlPath}\n`);
  if (modelsDir && urlPath === '/models.json') {
    let body: string;
    try {
      body = JSON.stringify(buildModelIndex(modelsDir).index);
    } catch (e) {
      return send(res, 500, `${(e as Error).message}\n`);
    }
    // Made on each request, so no file date: its ETag is its content's hash.
    const etag = `"${crypto.createHash('sha1').update(body).digest('base64url')}"`;
    if (notModified(req.headers, etag)) return void res.writeHead(304, { ...COMMON_HEADERS, ETag: etag }).end();
    res.writeHead(200, { ...COMMON_HEADERS, ETag: etag, 'Content-Type': contentType('models.json'), 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  let file: string | null;
  let root: string;
  if (modelsDir && urlPath.startsWith('/models/')) {
    // Only the files a model lists, so checkpoints or notes next to the models are not published.
    const [id, name, ...rest] = urlPath.slice('/models/'.length).split('/');
    const entry = rest.length === 0 ? buildModelIndex(modelsDir, { only: [id] }).index.models[0] : undefined;
    file = entry && entry.files.includes(name) ? resolveInside(modelsDir, `${id}/${name}`) : null;
    if (!file) return send(res, 404, `not found: ${urlPath}\n`);
    root = modelsDir;
  } else {
    file = resolveInside(appDir, urlPath);
    if (!file) return send(res, 403, `outside the app folder: ${urlPath}\n`);
    root = appDir;
  }
  // A symlink with an ordinary name may still lead into a dot folder inside the root.
  if (hasDotSegment(path.relative(realOrSelf(root), realOrSelf(file)))) return send(res, 404, `not found: ${urlPath}\n`);
  const raw = target as { path: string; search: string };
  fs.stat(file, (err, stat) => {
    if (!err && stat.isDirectory()) {
      if (!raw.path.endsWith('/')) return send(res, 301, '', { Location: directoryRedirect(raw.path, raw.search) });
      file = path.join(file as string, 'index.html');
      return fs.stat(file, (err2, stat2) => (err2 || !stat2.isFile() ? send(res, 404, `not found: ${urlPath}\n`) : serveFile(req, res, file as string, stat2)));
    }
    if (err || !stat.isFile()) return send(res, 404, `not found: ${urlPath}\n`);
    serveFile(req, res, file as string, stat);
  });
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** A file with its validators; 304 and no body when the client's copy is current. */
function serveFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, stat: fs.Stats): void {
  const validators = { ETag: fileEtag(stat), 'Last-Modified': stat.mtime.toUTCString() };
  if (notModified(req.headers, validators.ETag, stat.mtimeMs)) return void res.writeHead(304, { ...COMMON_HEADERS, ...validators }).end();
  res.writeHead(200, { ...COMMON_HEADERS, ...validators, 'Content-Type': contentType(file), 'Content-Length': stat.size });
  if (req.method === 'HEAD') return void res.end();
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
}
