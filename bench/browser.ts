/**
 * npm run bench:browser: the web app in headless Chromium, per browser backend (webgl, wasm, cpu):
 * model load time, first-prediction latency and steady one-image latency (median of N runs).
 * WebGL without a GPU is tried on SwiftShader (Chromium's software renderer). Prints a table and
 * writes outputs/bench-browser.json. Needs the built app (npm run build:web) and chromium.
 *
 *   node dist/bench/browser.js [--model mnist] [--runs 100] [--backends webgl,wasm,cpu]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { CHROMIUM_PATH, launchChromium } from './chromium';
import { startServer } from '../src/web/server';
import { packageRoot } from '../src/web/paths';

interface Row {
  backend: string;
  ok: boolean;
  /** Why the backend did not run, when it did not. */
  error?: string;
  /** What the page reports: the ladder's attempts, the WebGL renderer. */
  detail?: string;
  backendInitMs?: number;
  loadMs?: number;
  firstPredictMs?: number;
  medianMs?: number;
  p90Ms?: number;
  meanMs?: number;
  preprocessMedianMs?: number;
}

/** Chromium flags per backend: SwiftShader gives WebGL without a GPU. */
const FLAGS: Record<string, string[]> = {
  webgl: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
  wasm: [],
  cpu: [],
};

async function measure(url: string, backend: string, model: string, runs: number): Promise<Row> {
  const browser = await launchChromium({ args: FLAGS[backend] ?? [] });
  try {
    const page = await browser.context.newPage();
    // nosw: no service worker, so every load is a cold fetch; softwareWebgl: let tfjs use SwiftShader.
    await page.goto(`${url}?backend=${backend}&model=${model}&nosw&softwareWebgl`);
    const started = await page.evaluate(() => (globalThis as any).hwr.ready.then(() => null, (e: Error) => e.message));
    const report = await page.evaluate(() => (globalThis as any).hwr.backend());
    if (started !== null) return { backend, ok: false, error: started };
    const renderer = backend === 'webgl'
      ? await page.evaluate(() => {
        const gl = (globalThis as any).document.createElement('canvas').getContext('webgl2');
        const info = gl?.getExtension('WEBGL_debug_renderer_info');
        return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'unknown renderer';
      })
      : undefined;
    // A '7' drawn with the mouse: the benchmark input is the 280x280 pad, as a user's drawing is.
    const box = await page.locator('#pad').boundingBox();
    if (!box) throw new Error('the page shows no drawing pad');
    const at = (x: number, y: number): [number, number] => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280];
    await page.mouse.move(...at(60, 50));
    await page.mouse.down();
    for (const [x, y] of [[220, 50], [170, 130], [120, 240]]) await page.mouse.move(...at(x, y), { steps: 6 });
    await page.mouse.up();
    await page.waitForFunction(() => (globalThis as any).hwr.settled());
    const r = await page.evaluate((n) => (globalThis as any).hwr.benchmark(n), runs);
    return {
      backend, ok: true, detail: renderer, backendInitMs: report.tried.at(-1).ms,
      loadMs: r.loadMs, firstPredictMs: r.firstPredictMs, medianMs: r.medianMs, p90Ms: r.p90Ms, meanMs: r.meanMs, preprocessMedianMs: r.preprocessMedianMs,
    };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string', default: 'mnist' }, runs: { type: 'string', default: '100' }, backends: { type: 'string', default: 'webgl,wasm,cpu' } },
  });
  const root = packageRoot();
  const runs = Number(values.runs);
  const backends = String(values.backends).split(',');
  const server = await startServer({ port: 0, modelsDir: path.join(root, 'saved_models') });
  const version = (() => {
    try {
      return require('child_process').execFileSync(CHROMIUM_PATH, ['--version']).toString().trim();
    } catch {
      return CHROMIUM_PATH;
    }
  })();
  console.log(`browser benchmark: ${version}, headless, model ${values.model}, ${runs} one-image predictions per backend; ${os.cpus().length} x ${os.cpus()[0]?.model}, load average ${os.loadavg()[0].toFixed(1)}`);
  const rows: Row[] = [];
  try {
    for (const b of backends) {
      const row = await measure(server.url, b, String(values.model), runs).catch((e: Error): Row => ({ backend: b, ok: false, error: e.message.split('\n')[0] }));
      rows.push(row);
      if (!row.ok) console.log(`  ${b}: unavailable (${row.error})`);
    }
  } finally {
    await server.close();
  }
  const f = (v?: number) => (v === undefined ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(0));
  console.log('\n| backend | model load (ms) | first prediction (ms) | steady one-image: median / mean / p90 (ms) | preprocessing a 280x280 drawing, median (ms) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const name = r.backend === 'webgl' && r.detail ? 'webgl (SwiftShader, no GPU)' : r.backend;
    console.log(r.ok
      ? `| ${name} | ${f(r.loadMs)} | ${f(r.firstPredictMs)} | ${f(r.medianMs)} / ${f(r.meanMs)} / ${f(r.p90Ms)} | ${f(r.preprocessMedianMs)} |`
      : `| ${r.backend} | unavailable: ${r.error} | | | |`);
  }
  for (const r of rows) if (r.detail) console.log(`\n${r.backend} renderer: ${r.detail}`);
  const out = path.join(root, 'outputs', 'bench-browser.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), chromium: version, model: values.model, runs, cpus: os.cpus().length, loadAverage: os.loadavg()[0], rows }, null, 2) + '\n');
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(`bench:browser: ${(e as Error).message}`);
  process.exitCode = 1;
});
