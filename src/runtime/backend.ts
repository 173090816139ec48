/**
 * The backend ladder: pick the fastest TensorFlow.js backend that loads here and say why.
 * Order: `tensorflow` (native, from the optional @tensorflow/tfjs-node) > `wasm` (with this
 * project's training kernels) > `cpu` (pure JS, always works, slow). `TFJS_BACKEND` or the
 * `backend` option forces one.
 */
import * as tf from '@tensorflow/tfjs-core';
// The standard API (chained ops, every gradient) for everyone who loads the library; see tf.ts.
import './tf';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../kernels';

// Registered on import, not only in initBackend: code that calls tf.setBackend('wasm') itself
// (a notebook, another library) must still find the training kernels. Idempotent and cheap.
registerWasmTrainingKernels();

/** Backends the ladder knows, fastest first. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** One rung of the ladder: did this backend load, and if not, why. */
export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  error?: string;
}

/** What `initBackend` chose and why. */
export interface BackendReport {
  name: BackendName;
  /** Human-readable reason for the choice. */
  reason: string;
  /** Where the choice came from: the option, the TFJS_BACKEND variable, or the ladder. */
  source: 'option' | 'env' | 'auto';
  tried: BackendAttempt[];
}

/** Options for `initBackend`. */
export interface InitBackendOptions {
  /** Force a backend; wins over TFJS_BACKEND. */
  backend?: BackendName | string;
  /** Environment to read TFJS_BACKEND from (default: process.env). */
  env?: Record<string, string | undefined>;
}

let current: { key: string; report: BackendReport } | undefined;

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}

/** Loads tfjs-node lazily: it is optional, and must register into our tfjs-core instance. */
function loadTensorflow(): void {
  if (tf.findBackendFactory('tensorflow') != null) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require('@tensorflow/tfjs-node');
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error('@tensorflow/tfjs-node loaded but registered into another copy of @tensorflow/tfjs-core; install versions that match @tensorflow/tfjs-core 4.22.0');
  }
}

/** Switches tfjs to `name`; tfjs only logs init failures, so capture them to report the cause. */
async function activate(name: BackendName): Promise<void> {
  if (name === 'tensorflow') loadTensorflow();
  if (name === 'wasm') registerWasmTrainingKernels();
  if (tf.getBackend() === name) return;
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { warnings.push(args.map(String).join(' ')); };
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } finally {
    console.warn = warn;
  }
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`backend '${name}' failed to initialise${warnings.length ? `: ${warnings.join(' | ').split('\n')[0]}` : ''}`);
  }
}

function parseName(value: string, from: string): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(`Unknown TensorFlow.js backend '${value}' (${from}); valid choices: ${BACKEND_NAMES.join(', ')}`);
}

/**
 * Picks and activates a backend (forced by option or TFJS_BACKEND, else the first of
 * tensorflow > wasm > cpu that loads). Idempotent: a repeat call with the same request is free.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  const env = opts.env ?? process.env;
  const requested = opts.backend ?? env.TFJS_BACKEND;
  const source: BackendReport['source'] = opts.backend != null ? 'option' : env.TFJS_BACKEND ? 'env' : 'auto';
  const forced = requested ? parseName(requested, source === 'option' ? 'backend option' : 'TFJS_BACKEND') : undefined;
  const key = forced ?? 'auto';
  if (current?.key === key && tf.getBackend() === current.report.name) return current.report;

  const tried: BackendAttempt[] = [];
  for (const name of forced ? [forced] : BACKEND_NAMES) {
    try {
      await activate(name);
      tried.push({ name, ok: true });
      const reason = forced
        ? `forced by ${source === 'option' ? 'the backend option' : 'TFJS_BACKEND'}`
        : tried.length > 1 ? 'fastest that loaded' : 'fastest available';
      const report: BackendReport = { name, reason, source, tried };
      current = { key, report };
      return report;
    } catch (err) {
      tried.push({ name, ok: false, error: messageOf(err) });
      if (forced) {
        throw new Error(`TensorFlow.js backend '${forced}' (${source === 'option' ? 'backend option' : 'TFJS_BACKEND'}) failed to load: ${messageOf(err)}. Valid choices: ${BACKEND_NAMES.join(', ')}; unset it to let the ladder choose.`);
      }
    }
  }
  throw new Error(`no TensorFlow.js backend loaded: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

/** One line for logs: chosen backend, why, and why faster rungs were skipped. */
export function describeBackend(report: BackendReport): string {
  const failed = report.tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.error}`);
  return `backend ${report.name} (${report.reason})${failed.length ? ` — skipped ${failed.join('; ')}` : ''}`;
}
