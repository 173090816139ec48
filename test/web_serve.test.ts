import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli';
import { buildModelIndex } from '../src/web/model_index';
import { RunningServer, contentType, directoryRedirect, resolveInside, startServer } from '../src/web/server';

const SAVED_MODELS = path.join(__dirname, '..', 'saved_models');

/** A GET (or other method) with the path sent exactly as given (no client-side normalisation of '..'). */
function request(url: string, rawPath: string, method = 'GET', headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; type: string; body: Buffer; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function fakeModel(dir: string, meta: object, files: Record<string, string> = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(16));
  fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

let tmp: string;
let app: string;
let models: string;
let server: RunningServer;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'web-serve-'));
  app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'wasm'), { recursive: true });
  fs.writeFileSync(path.join(app, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(app, 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(app, 'wasm', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'SECRET-CONTENT');
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(app, 'link.txt'));
  fs.mkdirSync(path.join(app, 'docs'));
  fs.writeFileSync(path.join(app, 'docs', 'index.html'), 'docs');
  // Dotfiles: an .env, a .git folder, a hidden file in a served folder, a link into a dot folder.
  fs.writeFileSync(path.join(app, '.env'), 'DOT-SECRET');
  fs.mkdirSync(path.join(app, '.git'));
  fs.writeFileSync(path.join(app, '.git', 'config'), 'DOT-SECRET');
  fs.writeFileSync(path.join(app, 'wasm', '.hidden'), 'DOT-SECRET');
  fs.writeFileSync(path.join(app, '.git', 'secret'), 'DOT-SECRET');
  fs.symlinkSync(path.join(app, '.git'), path.join(app, 'dotlink'));
  models = path.join(tmp, 'models');
  fakeModel(path.join(models, 'mnist'), { family: 'cnn', dataset: 'mnist', classes: '0123456789'.split(''), imageSize: 28, testAccuracy: 0.99 }, { 'notes.txt': 'not a model file' });
  fakeModel(path.join(models, 'lines'), { family: 'crnn', dataset: 'emnist-lines', charset: 'abc ', height: 32 });
  fs.mkdirSync(path.join(models, 'checkpoint-3')); // a folder without a model
  fakeModel(path.join(models, '.hidden-model'), { family: 'cnn', dataset: 'mnist', classes: '0123456789'.split(''), imageSize: 28 });
  server = await startServer({ port: 0, appDir: app, modelsDir: models });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('hwr serve: static files on 127.0.0.1', () => {
  test('listens on 127.0.0.1 and serves the app with the right content types', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await request(server.url, '/');
    expect([page.status, page.type, page.body.toString()]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>app</title>']);
    const wasm = await request(server.url, '/wasm/x.wasm');
    expect([wasm.status, wasm.type, wasm.body.length]).toEqual([200, 'application/wasm', 4]);
    expect((await request(server.url, '/app.js')).type).toBe('text/javascript; charset=utf-8');
    const head = await request(server.url, '/app.js', 'HEAD');
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '14', 0]);
    expect((await request(server.url, '/app.js', 'POST')).status).toBe(405);
    expect((await request(server.url, '/nope.js')).status).toBe(404);
    expect(contentType('a.webmanifest')).toBe('application/manifest+json; charset=utf-8');
    expect(contentType('weights.bin')).toBe('application/octet-stream');
  });

  test('no way out of the app folder: .., encoded .., backslashes, NUL, a symlink', async () => {
    // 404 for paths with a '..' segment (hidden like any dot segment, and inside once normalised
    // anyway); 403 for what would leave the folder: a symlink pointing out, a NUL.
    const expected: Array<[string, number]> = [
      ['/../secret.txt', 404], ['/wasm/../../secret.txt', 404], ['/%2e%2e/secret.txt', 404], ['/%2E%2E%2Fsecret.txt', 404],
      ['/..%5csecret.txt', 404], ['/link.txt', 403], ['/app.js%00.html', 403],
    ];
    for (const [p, status] of expected) {
      const res = await request(server.url, p);
      expect([p, res.status]).toEqual([p, status]);
      expect(res.body.toString()).not.toContain('SECRET-CONTENT');
    }
    expect(resolveInside(app, '/../secret.txt')).toBe(path.join(app, 'secret.txt')); // normalised to inside: a 404
    expect(resolveInside(app, '/link.txt')).toBeNull(); // points out
    expect(resolveInside(app, '/a\0b')).toBeNull();
    expect(resolveInside(app, '/wasm/x.wasm')).toBe(path.join(app, 'wasm', 'x.wasm'));
  });

  test('models.json is made from the models folder; only listed model files are served', async () => {
    const res = await request(server.url, '/models.json');
    expect(res.type).toBe('application/json; charset=utf-8');
    const index = JSON.parse(res.body.toString());
    expect(index.models.map((m: { id: string }) => m.id)).toEqual(['mnist', 'lines']); // featured order
    expect(index.models[0]).toMatchObject({ kind: 'character', path: 'models/mnist/', files: ['model.json', 'weights.bin', 'metadata.json'], title: 'Digits (MNIST)' });
    expect(index.models[1]).toMatchObject({ kind: 'line', classes: ['a', 'b', 'c', ' '], imageSize: 32, blankIndex: 4 });
    expect(server.skipped).toEqual([{ id: 'checkpoint-3', reason: 'model.json: missing' }]);
    const weights = await request(server.url, '/models/mnist/weights.bin');
    expect([weights.status, weights.type, weights.body.length]).toEqual([200, 'application/octet-stream', 16]);
    expect((await request(server.url, '/models/mnist/notes.txt')).status).toBe(404);
    expect((await request(server.url, '/models/../secret.txt')).status).toBeGreaterThanOrEqual(400);
  });

  test('a folder without its slash: redirected relatively, so an encoded //host/ in the path cannot send the browser away', async () => {
    const origin = new URL(server.url).origin;
    // Decoded, each starts with '//' (a network-path reference: another host) and names a folder.
    for (const p of ['/%2Fwasm', '/%2F%2Fwasm', '//wasm', '/%2Fdocs?x=1', '/wasm', '/docs?x=1']) {
      const res = await request(server.url, p);
      const location = String(res.headers.location);
      expect([p, res.status]).toEqual([p, 301]);
      expect([p, location]).not.toEqual([p, expect.stringMatching(/^(\/\/|\/\\|\\|[a-z][a-z0-9+.-]*:)/i)]); // no network path, no scheme
      const target = new URL(location, origin + p);
      expect([p, target.origin, target.pathname]).toEqual([p, origin, `${new URL(origin + p).pathname}/`]); // same path, with its slash
    }
    expect((await request(server.url, '/wasm')).headers.location).toBe('./wasm/');
    expect((await request(server.url, '/docs?x=1')).headers.location).toBe('./docs/?x=1');
    const docs = await request(server.url, '/docs/');
    expect([docs.status, docs.body.toString()]).toEqual([200, 'docs']);
    // The example: its '..' segment is refused outright; its Location would stay here too.
    const evil = await request(server.url, '/%2Fevil.com%2F..%2Fwasm');
    expect([evil.status, evil.headers.location]).toEqual([404, undefined]);
    expect(new URL(directoryRedirect('/%2Fevil.com%2F..%2Fwasm'), `${origin}/%2Fevil.com%2F..%2Fwasm`).origin).toBe(origin);
    expect(directoryRedirect('/a/http:x', '?q')).toBe('./http:x/?q'); // a colon does not make it a scheme
  });

  test('dotfiles and dot folders are not served, from the app or the models', async () => {
    for (const p of ['/.env', '/%2eenv', '/.git/config', '/wasm/.hidden', '/wasm/%2Ehidden', '/dotlink/secret', '/models/.hidden-model/model.json']) {
      const res = await request(server.url, p);
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.body.toString()).not.toContain('DOT-SECRET');
    }
    const index = JSON.parse((await request(server.url, '/models.json')).body.toString());
    expect(index.models.map((m: { id: string }) => m.id)).not.toContain('.hidden-model');
    expect((await request(server.url, '/wasm/x.wasm')).status).toBe(200); // ordinary files still are
  });

  test('validators: ETag and Last-Modified on every file, 304 without a body when unchanged, 200 when changed', async () => {
    for (const p of ['/app.js', '/', '/models/mnist/weights.bin', '/models/mnist/model.json', '/models.json']) {
      const first = await request(server.url, p);
      const etag = String(first.headers.etag);
      expect([p, first.status, etag]).toEqual([p, 200, expect.stringMatching(/^(W\/)?"[^"]+"$/)]);
      expect([p, first.headers['cache-control']]).toEqual([p, 'no-cache']); // revalidate every time: the validators do the saving
      const again = await request(server.url, p, 'GET', { 'If-None-Match': etag });
      expect([p, again.status, again.body.length, again.headers.etag]).toEqual([p, 304, 0, etag]);
      expect([p, (await request(server.url, p, 'HEAD', { 'If-None-Match': `"other", ${etag}` })).status]).toEqual([p, 304]);
      expect([p, (await request(server.url, p, 'GET', { 'If-None-Match': '"other"' })).status]).toEqual([p, 200]);
      if (p === '/models.json') continue; // made on each request: an ETag, no file date
      const modified = String(first.headers['last-modified']);
      expect(new Date(modified).toUTCString()).toBe(modified);
      const since = await request(server.url, p, 'GET', { 'If-Modified-Since': modified });
      expect([p, since.status, since.body.length]).toEqual([p, 304, 0]);
      const before = new Date(Date.parse(modified) - 1000).toUTCString();
      expect([p, (await request(server.url, p, 'GET', { 'If-Modified-Since': before })).status]).toEqual([p, 200]);
    }
    // A changed file: a new ETag, and the old one gets the new content.
    const file = path.join(app, 'app.js');
    const old = await request(server.url, '/app.js');
    fs.writeFileSync(file, 'console.log(2)');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const changed = await request(server.url, '/app.js', 'GET', { 'If-None-Match': String(old.headers.etag), 'If-Modified-Since': String(old.headers['last-modified']) });
    expect([changed.status, changed.body.toString()]).toEqual([200, 'console.log(2)']);
    expect(changed.headers.etag).not.toBe(old.headers.etag);
    fs.writeFileSync(file, 'console.log(1)');
  });

  test('the committed models index: digits first, then characters, with their classes and files', () => {
    const { index } = buildModelIndex(SAVED_MODELS);
    expect(index.models.slice(0, 2).map((m) => [m.id, m.kind, m.classes.length, m.imageSize])).toEqual([['mnist', 'character', 10, 28], ['emnist', 'character', 47, 28]]);
    for (const m of index.models) {
      const sizes = m.files.map((f) => fs.statSync(path.join(SAVED_MODELS, m.id, f)).size);
      expect(m.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    }
  });
});

describe('hwr serve: the command', () => {
  let logs: string[];
  let errors: string[];
  beforeEach(() => {
    logs = [];
    errors = [];
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logs.push(a.join(' ')); });
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { errors.push(a.join(' ')); });
  });
  afterEach(() => jest.restoreAllMocks());

  test('prints the URL, serves, and stops on Ctrl-C', async () => {
    const running = main(['serve', '--port', '0', '--app', app, '--models', models]);
    for (let i = 0; i < 100 && !logs.some((l) => l.startsWith('Serving')); i++) await new Promise((r) => setTimeout(r, 20));
    const url = logs[0].match(/http:\/\/127\.0\.0\.1:\d+\//)?.[0] as string;
    expect(url).toBeDefined();
    expect((await request(url, '/')).status).toBe(200);
    expect(logs.join('\n')).toContain('models: ');
    expect(logs.join('\n')).toContain('skipped checkpoint-3: model.json: missing');
    process.emit('SIGINT');
    expect(await running).toBe(0);
  });

  test('a port in use: a clear error naming it and what to do', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      expect(await main(['serve', '--port', String(port), '--app', app, '--models', models])).toBe(1);
      expect(errors).toEqual([`hwr serve: port ${port} is in use; pass --port N (another port, or 0 for any free one)`]);
    } finally {
      blocker.close();
    }
  });

  test('an app that is not built: says which command builds it', async () => {
    const empty = path.join(tmp, 'not-built');
    fs.mkdirSync(empty);
    expect(await main(['serve', '--port', '0', '--app', empty, '--models', models])).toBe(1);
    expect(errors[0]).toContain(`the web app is not built: ${path.join(empty, 'index.html')} is missing`);
    expect(errors[0]).toContain("npm run build:web");
  });

  test('a models folder that does not exist, and a bad port', async () => {
    expect(await main(['serve', '--models', path.join(tmp, 'nope'), '--app', app])).toBe(2);
    expect(errors[0]).toContain('no such folder');
    expect(await main(['serve', '--port', '70000', '--app', app])).toBe(2);
    expect(errors[1]).toContain('--port must be 0..65535');
  });
});
