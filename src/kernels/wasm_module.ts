/**
 * The project's own wasm SIMD kernels (src/kernels/wasm/assembly/kernels.ts, built by
 * scripts/build-wasm.js), instantiated on the tfjs-wasm backend's own memory: they read and write
 * tensors where the backend keeps them, with no copies in or out. One instance per backend.
 *
 * Two builds of the same source: with relaxed SIMD (a fused multiply-add per GEMM step, which
 * Node 20's V8 compiles once its --experimental-wasm-relaxed-simd flag is on; set here) and
 * SIMD128 only, used where the first does not validate or when HWR_WASM_RELAXED=0.
 */
import { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as v8 from 'v8';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './wasm/kernels_wasm';

/** convForward's epilogue flags: add the bias (a [outC] vector), then relu. */
export const EPILOGUE_BIAS = 1;
export const EPILOGUE_RELU = 2;

/** The module's exports; every pointer is a byte offset into the backend's heap. */
export interface KernelsWasm {
  convFilterGrad(x: number, dy: number, dw: number, N: number, H: number, W: number, C: number, OH: number, OW: number, OC: number, FH: number, FW: number, sh: number, sw: number): void;
  convForward(x: number, w: number, y: number, bias: number, epilogue: number, N: number, H: number, W: number, C: number, OH: number, OW: number, OC: number, FH: number, FW: number, sh: number, sw: number): void;
  convInputGrad(dy: number, wt: number, dx: number, N: number, H: number, W: number, C: number, OH: number, OW: number, OC: number, FH: number, FW: number, sh: number, sw: number): void;
  transpose2d(m: number, out: number, rows: number, cols: number, outStride: number): void;
  col2im(cols: number, dx: number, N: number, H: number, W: number, C: number, OH: number, OW: number, FH: number, FW: number, sh: number, sw: number, Kp: number): void;
  padImages(src: number, dst: number, N: number, H: number, W: number, C: number, pt: number, pb: number, pl: number, pr: number): void;
  cropImages(src: number, dst: number, N: number, H: number, W: number, C: number, pt: number, pb: number, pl: number, pr: number): void;
  maxPoolGrad2x2(x: number, dy: number, dx: number, N: number, H: number, W: number, C: number, OH: number, OW: number): void;
  convInputGradSingle(dy: number, w: number, target: number, N: number, Hp: number, Wp: number, OH: number, OW: number, OC: number, FH: number, FW: number): void;
  maxPoolGrad2x1(x: number, dy: number, dx: number, N: number, H: number, W: number, C: number, OH: number): void;
  reluGrad(x: number, dy: number, dx: number, n: number): void;
  biasAdd(x: number, b: number, out: number, rows: number, C: number): void;
  sumRows(x: number, out: number, acc: number, rows: number, cols: number, divisor: number): void;
  winogradFilter(w: number, U: number, C: number, OC: number, flip: number): void;
  winogradForward(xp: number, U: number, y: number, bias: number, epilogue: number, V: number, M: number, N: number, Hp: number, Wp: number, C: number, OH: number, OW: number, OC: number, TB: number): void;
  winogradFilterGrad(xp: number, dy: number, dw: number, V: number, Z: number, dU: number, N: number, Hp: number, Wp: number, C: number, OH: number, OW: number, OC: number, TB: number): void;
  winograd1dFilter(w: number, U: number, G: number, n: number, r: number, C: number, OC: number, flip: number): void;
  winograd1dForward(xp: number, U: number, y: number, bias: number, epilogue: number, V: number, M: number, R: number, Wp: number, C: number, OW: number, OC: number, m: number, TB: number): void;
  winograd1dFilterGrad(xp: number, dy: number, dw: number, V: number, Z: number, dU: number, G: number, R: number, Wp: number, C: number, OW: number, OC: number, m: number, r: number, TB: number): void;
  lstmForward(zx: number, U: number, h: number, c: number, tc: number, gates: number, B: number, T: number, H: number, hard: number, reverse: number): void;
  lstmBackward(dh: number, Ut: number, c: number, tc: number, gates: number, dz: number, dhNext: number, dcNext: number, B: number, T: number, H: number, hard: number, reverse: number): void;
  batchNormForward(x: number, gamma: number, beta: number, y: number, mean: number, variance: number, acc: number, rows: number, C: number, eps: number): void;
  batchNormBackward(x: number, dy: number, mean: number, variance: number, gamma: number, dx: number, dgamma: number, dbeta: number, acc: number, rows: number, C: number, eps: number): void;
  adamUpdate(value: number, m: number, v: number, g: number, outValue: number, outM: number, outV: number, n: number,
    b1: number, oneMinusB1: number, b2: number, oneMinusB2: number, c1: number, c2: number, eps: number, negLr: number): void;
}

/** The part of the WebAssembly JS API used here (tsconfig's ES2022 lib has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number }) => object;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Build = 'relaxed-simd' | 'simd128';
const compiled = new Map<Build, object>();
const instances = new Map<Build, WeakMap<object, KernelsWasm>>();

/** Which build runs here: 'relaxed-simd' (fused multiply-add) or 'simd128'; set on first use. */
export let kernelsBuild: Build | undefined;

let relaxedSimd: boolean | undefined;

/**
 * True when this engine compiles the relaxed-SIMD build: Node 22+ does as shipped; Node 20 once its
 * V8 flag is on (turned on only then: newer V8s reject the flag with a message on stderr).
 */
function relaxedSimdWorks(): boolean {
  if (relaxedSimd === undefined) {
    const relaxed = Buffer.from(KERNELS_RELAXED_WASM_BASE64, 'base64');
    if (!wasmApi.validate(relaxed)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedSimd = wasmApi.validate(relaxed);
  }
  return relaxedSimd;
}

/** The relaxed-SIMD build if this engine takes it, else SIMD128. */
function chooseBuild(): Build {
  if (process.env.HWR_WASM_RELAXED === '0') return 'simd128';
  return relaxedSimdWorks() ? 'relaxed-simd' : 'simd128';
}

/** The kernels bound to `backend`'s heap (instantiated on first use). */
export function kernelsFor(backend: BackendWasm): KernelsWasm {
  kernelsBuild ??= chooseBuild();
  return kernelsOfBuild(backend, kernelsBuild);
}

/** One build's kernels on `backend`'s heap (tests compare the two builds). */
export function kernelsOfBuild(backend: BackendWasm, build: Build): KernelsWasm {
  let byBackend = instances.get(build);
  if (!byBackend) instances.set(build, (byBackend = new WeakMap()));
  const cached = byBackend.get(backend);
  if (cached) return cached;
  const asm = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm;
  const memory = asm?.memory;
  if (!(memory instanceof wasmApi.Memory)) {
    throw new Error('handwriting-tfjs wasm kernels: cannot find the tfjs-wasm heap (Module.asm.memory); is @tensorflow/tfjs-backend-wasm 4.22 installed?');
  }
  let module = compiled.get(build);
  if (!module) {
    if (build === 'relaxed-simd' && !relaxedSimdWorks()) throw new Error('handwriting-tfjs wasm kernels: this JavaScript engine has no relaxed SIMD; set HWR_WASM_RELAXED=0.');
    module = new wasmApi.Module(Buffer.from(build === 'relaxed-simd' ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64, 'base64'));
    compiled.set(build, module);
  }
  const kernels = new wasmApi.Instance(module, { env: { memory } }).exports as unknown as KernelsWasm;
  byBackend.set(backend, kernels);
  return kernels;
}

/** Byte offset of a tensor's data in the backend's heap. */
export function heapOffset(backend: BackendWasm, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data == null) throw new Error('handwriting-tfjs wasm kernels: tensor data is not on the wasm backend (disposed, or made on another backend?)');
  return data.memoryOffset;
}
