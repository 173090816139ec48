#!/usr/bin/env node
// Runs .tflite files with LiteRT (Google's TFLite runtime compiled to WebAssembly, the
// @litertjs/core package) in Node, as a child process: the exporter's tests and bench/tflite_agreement
// check our files with a real TFLite interpreter, not with our own reader.
//
// Protocol: one JSON request per stdin line, one reply per line on stdout prefixed with "@@litert ".
//   {"id": 1, "model": "m.tflite", "input": "in.f32", "count": N, "output": "out.f32"}
// input: N images, float32 little-endian, each of the model's input shape (batch 1); output: N rows
// of the model's output. Reply: {"id", "ok": true, "inputShape", "outputShape", "ms"} or {"id", "ok": false, "error"}.
//
// @litertjs/core is built for browsers; in Node it needs `self`, and `importScripts` to run its
// emscripten glue with require/__dirname (that glue itself supports Node).
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';
import readline from 'readline';
import vm from 'vm';

const require = createRequire(import.meta.url);
const reply = (msg) => process.stdout.write(`@@litert ${JSON.stringify(msg)}\n`);
// LiteRT logs INFO lines through console.log: keep stdout for replies.
console.log = (...args) => process.stderr.write(`${args.join(' ')}\n`);
const quiet = process.env.LITERT_VERBOSE ? null : /^(INFO|WARNING): |Failed to create default WebGPU device/;
if (quiet) {
  for (const k of ['log', 'warn', 'info', 'error']) {
    const orig = console[k];
    console[k] = (...args) => { if (!quiet.test(String(args[0]))) orig(...args); };
  }
}

globalThis.self = globalThis;
globalThis.importScripts = (url) => {
  const file = String(url).startsWith('file:') ? new URL(url).pathname : String(url);
  const src = fs.readFileSync(file, 'utf8');
  const run = vm.runInThisContext(`(function (require, __dirname, __filename) {${src}\n;globalThis.ModuleFactory = ModuleFactory; })`, { filename: file });
  run(createRequire(file), path.dirname(file), file);
};

let litertPkg;
try {
  litertPkg = path.dirname(require.resolve('@litertjs/core/package.json'));
} catch {
  // One line on stderr: the parent quotes it as the reason verification could not run.
  process.stderr.write(`@litertjs/core (LiteRT) is not installed where ${path.dirname(new URL(import.meta.url).pathname)} can load it: ` +
    'it is a dev dependency of handwriting-tfjs; install it (npm install @litertjs/core) to verify .tflite files\n');
  process.exit(1);
}
const litert = await import(path.join(litertPkg, 'dist', 'index.js'));
await litert.loadLiteRt(path.join(litertPkg, 'wasm') + '/');

const compiled = new Map();
async function modelFor(file) {
  const stat = fs.statSync(file);
  const key = `${path.resolve(file)}:${stat.mtimeMs}:${stat.size}`;
  if (!compiled.has(key)) {
    compiled.set(key, await litert.loadAndCompile(new Uint8Array(fs.readFileSync(file)), { accelerator: 'wasm' }));
  }
  return compiled.get(key);
}

async function handle(req) {
  const model = await modelFor(req.model);
  const [inDetail] = model.getInputDetails();
  const [outDetail] = model.getOutputDetails();
  const inShape = Array.from(inDetail.shape);
  const outShape = Array.from(outDetail.shape);
  if (inDetail.dtype !== 'float32' || outDetail.dtype !== 'float32') {
    throw new Error(`expected float32 input and output, the model has ${inDetail.dtype} -> ${outDetail.dtype}`);
  }
  const inSize = inShape.reduce((a, b) => a * b, 1);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const buf = fs.readFileSync(req.input);
  const input = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  if (input.length !== req.count * inSize) throw new Error(`${req.input} has ${input.length} floats, expected ${req.count} x ${inSize}`);
  const output = new Float32Array(req.count * outSize);
  const t0 = performance.now();
  for (let i = 0; i < req.count; i++) {
    const x = new litert.Tensor(input.slice(i * inSize, (i + 1) * inSize), inShape);
    const [y] = await model.run([x]);
    output.set(y.toTypedArray(), i * outSize);
    x.delete();
    y.delete();
  }
  const ms = performance.now() - t0;
  fs.writeFileSync(req.output, Buffer.from(output.buffer));
  return { inputShape: inShape, outputShape: outShape, ms };
}

const rl = readline.createInterface({ input: process.stdin });
reply({ ready: true });
for await (const line of rl) {
  if (!line.trim()) continue;
  let req;
  try {
    req = JSON.parse(line);
    reply({ id: req.id, ok: true, ...(await handle(req)) });
  } catch (err) {
    reply({ id: req?.id, ok: false, error: String(err?.message ?? err) });
  }
}
