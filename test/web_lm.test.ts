/**
 * The web app and a line model with a character LM: the models index lists lm.json with the model
 * (so `hwr serve` serves it and the service worker caches it), the build copies it, the page's
 * loader fetches it with the model, and the page's beam decoding uses it: what `readPage` with the
 * LM reads. Run in Node (global fetch against the real server); the browser suites cover the page.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../src/runtime/backend';
import { decodeRgba, readImageBytes } from '../src/image/decode';
import { saveModel } from '../src/io/saved_model';
import type { LineModelMetadata } from '../src/lines/line_model';
import { crnn } from '../src/models/crnn';
import { readPage } from '../src/read/page';
import { LINE_CHARSET } from '../src/synth/charset';
import { buildLineLm } from '../src/synth/char_lm_corpus';
import { buildWebApp } from '../src/web/build';
import { buildModelIndex } from '../src/web/model_index';
import { RunningServer, startServer } from '../src/web/server';
import { loadIndexedModel } from '../web/src/models';
import { predictInput } from '../web/src/predict';

const WORD = path.join(__dirname, '..', 'data', 'samples', 'words', 'word-the-scan.png');
const META: LineModelMetadata = {
  family: 'crnn', task: 'lines', dataset: 'tiny', classes: [...LINE_CHARSET], charset: [...LINE_CHARSET], blank: LINE_CHARSET.length,
  height: 40, imageSize: 40, downsample: 4, body: { height: 14, baseline: 26 }, lm: { file: 'lm.json', order: 4, alpha: 1.5, beta: 0.5 },
};

let dir: string;
let modelsDir: string;
let appDir: string;
let server: RunningServer | undefined;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-web-lm-'));
  modelsDir = path.join(dir, 'models');
  const model = crnn({ numClasses: LINE_CHARSET.length + 1, height: 40, blocks: [[4], [8]], features: 16, headUnits: 16, headLayers: 1, seed: 5 });
  await saveModel(model, path.join(modelsDir, 'tiny'), META);
  model.dispose();
  fs.writeFileSync(path.join(modelsDir, 'tiny', 'lm.json'), JSON.stringify(buildLineLm({ lines: 2000, lineSeed: 3, prose: false }).lm.toJSON()));
  appDir = path.join(dir, 'app');
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the models index lists lm.json with the line model; the build copies it and bundles the LM code', async () => {
  const { index, skipped } = buildModelIndex(modelsDir);
  expect(skipped).toEqual([]);
  const [entry] = index.models;
  expect(entry.files).toEqual(['model.json', 'weights.bin', 'metadata.json', 'lm.json']);
  expect(entry.bytes).toBe(entry.files.reduce((s, f) => s + fs.statSync(path.join(modelsDir, 'tiny', f)).size, 0));
  const built = await buildWebApp({ outDir: appDir, modelsDir, models: ['tiny'], minify: false });
  expect(built.files.map((f) => f.file)).toContain('models/tiny/lm.json');
  expect(fs.readFileSync(path.join(appDir, 'models', 'tiny', 'lm.json'), 'utf8')).toBe(fs.readFileSync(path.join(modelsDir, 'tiny', 'lm.json'), 'utf8'));
  expect(built.bundled).toEqual(expect.arrayContaining(['src/ctc/char_lm.ts', 'src/lines/line_lm.ts']));
}, 60_000);

/**
 * Node's fetch, its bodies remade in this test's realm: jest runs tests in a vm whose Array and
 * ArrayBuffer are not Node's, and tfjs-layers checks model.json's lists with both.
 */
const nodeFetch = globalThis.fetch;
const realmFetch = (async (url: string) => {
  const res = await nodeFetch(url);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const text = () => new TextDecoder().decode(copy);
  return { ok: res.ok, status: res.status, statusText: res.statusText, json: async () => JSON.parse(text()), text: async () => text(), arrayBuffer: async () => copy.buffer };
}) as unknown as typeof fetch;

test("the page's loader fetches lm.json with the model, and its beam decoding reads what readPage with the LM reads", async () => {
  server = await startServer({ port: 0, appDir, modelsDir });
  globalThis.fetch = realmFetch;
  try {
    await readWithLoadedModel(server);
  } finally {
    globalThis.fetch = nodeFetch;
  }
}, 60_000);

async function readWithLoadedModel(server: RunningServer): Promise<void> {
  const entry = { ...server.index.models[0], path: `${server.url}models/tiny/` };
  const loaded = await loadIndexedModel(entry);
  expect(loaded.lm).not.toBeNull();
  expect(loaded.lm!.alpha).toBe(1.5);
  expect(loaded.lm!.beta).toBe(0.5);
  const { rgba } = await decodeRgba(await readImageBytes(WORD), WORD);
  const current = { ...loaded, firstPredictMs: 0 };
  const input = { key: 'k', source: 'photo' as const, rgba, name: WORD };
  const beam = predictInput(current, input, 'beam').prediction.text;
  const greedy = predictInput(current, input, 'greedy').prediction.text;
  expect(beam).toBe(readPage(loaded.model, META, rgba, { decoder: 'beam', lm: loaded.lm }).text);
  expect(beam).not.toBe(readPage(loaded.model, META, rgba, { decoder: 'beam' }).text);
  expect(greedy).toBe(readPage(loaded.model, META, rgba).text);
  loaded.model.dispose();
  // A model whose metadata names a missing lm.json is not offered at all, with the reason.
  fs.rmSync(path.join(modelsDir, 'tiny', 'lm.json'));
  expect(buildModelIndex(modelsDir).skipped).toEqual([{ id: 'tiny', reason: 'lm.json: missing' }]);
}
