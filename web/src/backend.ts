/**
 * The backend ladder in the browser: webgl (the GPU), then wasm (XNNPACK, SIMD), then cpu (plain
 * JavaScript). Records why each skipped rung failed, for the page to show.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Backends the page tries, fastest first. */
export const BROWSER_BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

/** One rung: did it start, how long it took, and why not. */
export interface BackendAttempt {
  name: BrowserBackend;
  ok: boolean;
  ms: number;
  error?: string;
}

/** What the ladder chose. */
export interface BrowserBackendReport {
  name: BrowserBackend;
  /** True when the URL forced the backend (?backend=wasm). */
  forced: boolean;
  tried: BackendAttempt[];
}

/** Options for `initBrowserBackend`. */
export interface BrowserBackendOptions {
  /** Try only this backend. */
  forced?: BrowserBackend;
  /** Where the tfjs-backend-wasm .wasm files are served, relative to the page. Default 'wasm/'. */
  wasmPrefix?: string;
  /** Accept a software WebGL (SwiftShader); tfjs refuses one by default as slower than wasm. */
  softwareWebgl?: boolean;
}

/** Picks the first backend that starts and can run an op; throws if none does. */
export async function initBrowserBackend(opts: BrowserBackendOptions = {}): Promise<BrowserBackendReport> {
  setWasmPaths(opts.wasmPrefix ?? 'wasm/'); // served by the app itself: no CDN, works offline
  if (opts.softwareWebgl) tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
  const tried: BackendAttempt[] = [];
  for (const name of opts.forced ? [opts.forced] : BROWSER_BACKENDS) {
    const start = performance.now();
    try {
      await activate(name, !!opts.softwareWebgl);
      tried.push({ name, ok: true, ms: performance.now() - start });
      return { name, forced: !!opts.forced, tried };
    } catch (e) {
      tried.push({ name, ok: false, ms: performance.now() - start, error: firstLine(e) });
    }
  }
  throw new Error(`no TensorFlow.js backend started: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

/** Renderers that draw WebGL on the CPU: tfjs on them is slower than wasm (see bench/browser.ts). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The WebGL renderer's name ('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device ...))'), or null without WebGL. */
export function webglRenderer(): string | null {
  const canvas = document.createElement('canvas');
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return name;
}

/** tfjs only logs why a backend failed to start; catch the log so the page can say why. */
async function activate(name: BrowserBackend, softwareWebgl: boolean): Promise<void> {
  if (name === 'webgl') {
    const renderer = webglRenderer();
    if (renderer === null) throw new Error('this browser gives no WebGL context');
    const software = renderer.match(SOFTWARE_RENDERER);
    if (software && !softwareWebgl) throw new Error(`WebGL is the ${software[0]} software renderer here, slower than wasm`);
  }
  const logged: string[] = [];
  const { warn, log } = console;
  console.warn = (...a: unknown[]) => { logged.push(a.map(String).join(' ')); };
  console.log = (...a: unknown[]) => { logged.push(a.map(String).join(' ')); };
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } finally {
    console.warn = warn;
    console.log = log;
  }
  if (!ok || tf.getBackend() !== name) {
    const why = logged.map((l) => l.replace(/^Initialization of backend \w+ failed\s*/, '')).filter(Boolean).join(' | ');
    throw new Error(why || 'failed to initialise');
  }
  // A backend can start and still fail its first kernel (e.g. a WebGL without float textures).
  const check = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
  if (check !== 3) throw new Error(`computes 1 + 2 = ${check}`);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
}

/** One line for the page: the backend in use and why faster ones were skipped. */
export function describeBrowserBackend(r: BrowserBackendReport): string {
  const skipped = r.tried.filter((t) => !t.ok).map((t) => `${t.name} skipped (${t.error})`);
  return `Backend: ${r.name}${r.forced ? ' (chosen in the URL)' : ''}${skipped.length ? ` — ${skipped.join('; ')}` : ''}`;
}
