/**
 * Runs .tflite files through a real TFLite interpreter: LiteRT (@litertjs/core, Google's runtime
 * compiled to WebAssembly) in a child Node process (scripts/litert_runner.mjs). A child process,
 * because the package is ES-module-only browser code that needs a few globals, and jest's module
 * sandbox cannot load it. The runner ships in the npm package (scripts/ beside dist/); LiteRT itself
 * is a dev dependency, so an installed copy verifies once `npm install @litertjs/core` has run.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

/** What one run returned. */
export interface LiteRtResult {
  /** [count, ...] rows of the model's output, in input order. */
  output: Float32Array;
  inputShape: number[];
  outputShape: number[];
  /** Interpreter time for all images (ms), without process start-up and model compilation. */
  ms: number;
}

/**
 * scripts/litert_runner.mjs of this package: three folders up from src/export/tflite (a checkout
 * under ts-node or jest), four from dist/src/export/tflite (a build, or the installed package).
 */
export function litertRunnerScript(): string {
  const candidates = [
    path.join(__dirname, '..', '..', '..', 'scripts', 'litert_runner.mjs'),
    path.join(__dirname, '..', '..', '..', '..', 'scripts', 'litert_runner.mjs'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`the LiteRT runner is missing (looked for ${candidates.join(' and ')}): reinstall handwriting-tfjs, whose package ships scripts/litert_runner.mjs.`);
  }
  return found;
}

/** Options of `LiteRtInterpreter.start`. */
export interface LiteRtStartOptions {
  /** The runner script (default: `litertRunnerScript()`). */
  runner?: string;
}

/** A running LiteRT child process; `close()` it when done. */
export class LiteRtInterpreter {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-litert-'));
  private stderr = '';

  private constructor(private readonly child: ChildProcess, ready: (err?: Error) => void) {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (!line.startsWith('@@litert ')) return;
      const msg = JSON.parse(line.slice(9));
      if (msg.ready) return ready();
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg);
      else p.reject(new Error(`LiteRT: ${msg.error}`));
    });
    child.stderr!.on('data', (d) => { this.stderr = (this.stderr + String(d)).slice(-4000); });
    // A write to a child that already exited fails with EPIPE; its 'exit' handler reports why.
    child.stdin!.on('error', () => undefined);
    child.on('exit', (code) => {
      const err = new Error(`LiteRT runner exited (code ${code}): ${this.stderr.trim() || 'no output'}`);
      ready(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  /** Starts the child process and waits until LiteRT has loaded; rejects with the reason when it cannot. */
  static async start(opts: LiteRtStartOptions = {}): Promise<LiteRtInterpreter> {
    const script = opts.runner ?? litertRunnerScript();
    if (!fs.existsSync(script)) throw new Error(`the LiteRT runner ${script} does not exist.`);
    const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let interp: LiteRtInterpreter | undefined;
    await new Promise<void>((resolve, reject) => {
      interp = new LiteRtInterpreter(child, (err) => (err ? reject(err) : resolve()));
    });
    return interp!;
  }

  /** Runs `count` inputs (float32, each of the model's input shape) through a .tflite file or bytes. */
  async run(model: string | Uint8Array, inputs: Float32Array, count: number): Promise<LiteRtResult> {
    const id = this.nextId++;
    const modelPath = typeof model === 'string' ? path.resolve(model) : path.join(this.tmp, `m${id}.tflite`);
    if (typeof model !== 'string') fs.writeFileSync(modelPath, model);
    const input = path.join(this.tmp, `in${id}.f32`);
    const output = path.join(this.tmp, `out${id}.f32`);
    fs.writeFileSync(input, Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength));
    try {
      const reply = await new Promise<any>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.child.stdin!.write(JSON.stringify({ id, model: modelPath, input, count, output }) + '\n');
      });
      const buf = fs.readFileSync(output);
      return {
        output: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)),
        inputShape: reply.inputShape, outputShape: reply.outputShape, ms: reply.ms,
      };
    } finally {
      for (const f of [input, output, ...(typeof model === 'string' ? [] : [modelPath])]) fs.rmSync(f, { force: true });
    }
  }

  /** Ends the child process and removes its temporary files. */
  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.stdin!.end();
      await exited;
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
