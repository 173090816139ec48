/**
 * The wasm kernels behind the FusedBiLSTM layer (fused_lstm.ts): the forward recurrence of a whole
 * sequence (lstmForward) and its reverse pass (lstmBackward), run on the tfjs-wasm backend's heap by
 * the project's wasm module. Registered by `registerWasmTrainingKernels` (index.ts).
 *
 * Kept apart from the layer: the wasm module is Node-side (it sets a V8 flag and carries the module's
 * bytes), while the layer must load wherever a line model does, the browser app included, where it
 * runs its tfjs-ops path.
 */
import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { allocate, BackendWasm, free } from './wasm_ops';
import { heapOffset, kernelsFor } from './wasm_module';
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from './fused_lstm';

interface LstmAttrs { hard: boolean; reverse: boolean }

function lstmSequenceWasm(args: { inputs: { zx: TensorInfo; recurrentKernel: TensorInfo }; backend: BackendWasm; attrs: LstmAttrs }): TensorInfo[] {
  const { inputs: { zx, recurrentKernel }, backend, attrs } = args;
  const [B, T, H4] = zx.shape;
  const H = H4 / 4;
  const h = allocate(backend, [B, T, H]);
  const c = allocate(backend, [B, T, H]);
  const tc = allocate(backend, [B, T, H]);
  const gates = allocate(backend, [B, T, H4]);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).lstmForward(at(zx), at(recurrentKernel), at(h), at(c), at(tc), at(gates), B, T, H, attrs.hard ? 1 : 0, attrs.reverse ? 1 : 0);
  return [h, c, tc, gates];
}

function lstmSequenceGradWasm(args: { inputs: { dh: TensorInfo; recurrentKernelT: TensorInfo; c: TensorInfo; tc: TensorInfo; gates: TensorInfo }; backend: BackendWasm; attrs: LstmAttrs }): TensorInfo {
  const { inputs: { dh, recurrentKernelT, c, tc, gates }, backend, attrs } = args;
  const [B, T, H] = dh.shape;
  const dz = allocate(backend, [B, T, 4 * H]);
  const dhNext = allocate(backend, [B, H]);
  const dcNext = allocate(backend, [B, H]);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  kernelsFor(backend).lstmBackward(at(dh), at(recurrentKernelT), at(c), at(tc), at(gates), at(dz), at(dhNext), at(dcNext), B, T, H, attrs.hard ? 1 : 0, attrs.reverse ? 1 : 0);
  free(backend, dhNext, dcNext);
  return dz;
}

/** Registration records for `registerKernel`. */
export const lstmSequenceConfig: KernelConfig = { kernelName: LSTM_SEQUENCE, backendName: 'wasm', kernelFunc: lstmSequenceWasm as unknown as KernelFunc };
export const lstmSequenceGradConfig: KernelConfig = { kernelName: LSTM_SEQUENCE_GRAD, backendName: 'wasm', kernelFunc: lstmSequenceGradWasm as unknown as KernelFunc };

