/**
 * The static server behind `hwr serve`: the built web app and the saved models on 127.0.0.1, with
 * Node's http module. No server logic: every route is a file (or the models index made from files).
 */
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

function handle(req: http.IncomingMessage, res: http.ServerResponse, appDir: string, modelsDir: string | null): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
  let urlPath: string;
  try {
    urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'bad URL encoding\n');
  }
  const common = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (modelsDir && urlPath === '/models.json') {
    let body: string;
    try {
      body = JSON.stringify(buildModelIndex(modelsDir).index);
    } catch (e) {
      return send(res, 500, `${(e as Error).message}\n`);
    }
    res.writeHead(200, { ...common, 'Content-Type': contentType('models.json'), 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  let file: string | null;
  if (modelsDir && urlPath.startsWith('/models/')) {
    // Only the files a model lists, so checkpoints or notes next to the models are not published.
    const [id, name, ...rest] = urlPath.slice('/models/'.length).split('/');
    const entry = rest.length === 0 ? buildModelIndex(modelsDir, { only: [id] }).index.models[0] : undefined;
    file = entry && entry.files.includes(name) ? resolveInside(modelsDir, `${id}/${name}`) : null;
    if (!file) return send(res, 404, `not found: ${urlPath}\n`);
  } else {
    file = resolveInside(appDir, urlPath);
    if (!file) return send(res, 403, `outside the app folder: ${urlPath}\n`);
  }
  fs.stat(file, (err, stat) => {
    if (!err && stat.isDirectory()) {
      if (!urlPath.endsWith('/')) return send(res, 301, '', { Location: encodeURI(`${urlPath}/`) });
      file = path.join(file as string, 'index.html');
      return fs.stat(file, (err2, stat2) => (err2 ? send(res, 404, `not found: ${urlPath}\n`) : stream(req, res, file as string, stat2.size, common)));
    }
    if (err || !stat.isFile()) return send(res, 404, `not found: ${urlPath}\n`);
    stream(req, res, file as string, stat.size, common);
  });
}

function stream(req: http.IncomingMessage, res: http.ServerResponse, file: string, size: number, headers: Record<string, string>): void {
  res.writeHead(200, { ...headers, 'Content-Type': contentType(file), 'Content-Length': size });
  if (req.method === 'HEAD') return void res.end();
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
}
