/**
 * The conventions inside the .tflite file that behaviour alone does not show (schema version,
 * buffer 0, layouts, quantization parameters), read field by field with the flatbuffers ByteBuffer
 * and the slot numbers of TensorFlow's schema.fbs. Behaviour is checked by LiteRT in
 * export_tflite.test.ts; this file only looks at what was written.
 */
import * as flatbuffers from 'flatbuffers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { baselineCnn } from '../src/models/cnn';
import { tfliteBytes, asymmetricInt8 } from '../src/export';

/** A minimal view of the written model (only the fields checked here). */
function readModel(bytes: Uint8Array) {
  const bb = new flatbuffers.ByteBuffer(bytes);
  const field = (table: number, slot: number) => bb.__offset(table, 4 + 2 * slot);
  const tables = (table: number, slot: number) => {
    const o = field(table, slot);
    if (!o) return [];
    const v = bb.__vector(table + o);
    return Array.from({ length: bb.__vector_len(table + o) }, (_, i) => bb.__indirect(v + 4 * i));
  };
  const nums = (table: number, slot: number, kind: 'i32' | 'f32' | 'i64') => {
    const o = field(table, slot);
    if (!o) return [] as number[];
    const v = bb.__vector(table + o);
    const size = kind === 'i64' ? 8 : 4;
    return Array.from({ length: bb.__vector_len(table + o) }, (_, i) => (kind === 'i32' ? bb.readInt32(v + size * i)
      : kind === 'f32' ? bb.readFloat32(v + size * i) : Number(bb.readInt64(v + size * i))));
  };
  const scalar = (table: number, slot: number, kind: 'u32' | 'i8', def = 0) => {
    const o = field(table, slot);
    return o ? (kind === 'u32' ? bb.readUint32(table + o) : bb.readInt8(table + o)) : def;
  };
  const str = (table: number, slot: number) => { const o = field(table, slot); return o ? bb.__string(table + o) as string : ''; };

  const root = bb.readInt32(bb.position()) + bb.position();
  const bufferTables = tables(root, 4);
  const buffers = bufferTables.map((b) => { const o = field(b, 0); return o ? bb.__vector_len(b + o) : 0; });
  const bufferStart = (k: number) => bb.__vector(bufferTables[k] + field(bufferTables[k], 0));
  const bufferData = (k: number) => bytes.slice(bufferStart(k), bufferStart(k) + buffers[k]);
  const opcodes = tables(root, 1).map((c) => scalar(c, 3, 'u32'));
  const [subgraph] = tables(root, 2);
  const tensors = tables(subgraph, 0).map((t) => {
    const q = field(t, 4) ? bb.__indirect(t + field(t, 4)) : 0;
    return {
      name: str(t, 3), shape: nums(t, 0, 'i32'), type: scalar(t, 1, 'i8'), buffer: scalar(t, 2, 'u32'),
      scale: q ? nums(q, 2, 'f32') : [], zeroPoint: q ? nums(q, 3, 'i64') : [], quantizedDimension: q ? scalar(q, 6, 'u32') : -1,
    };
  });
  const operators = tables(subgraph, 3).map((op) => ({
    code: opcodes[scalar(op, 0, 'u32')], inputs: nums(op, 1, 'i32'), outputs: nums(op, 2, 'i32'),
    options: field(op, 4) ? bb.__indirect(op + field(op, 4)) : 0,
  }));
  return {
    bb, version: scalar(root, 0, 'u32'), buffers, bufferStart, bufferData, tensors, operators, inputs: nums(subgraph, 1, 'i32'), outputs: nums(subgraph, 2, 'i32'),
    optionI8: (opts: number, slot: number) => scalar(opts, slot, 'i8'), optionF32: (opts: number, slot: number) => { const o = field(opts, slot); return o ? bb.readFloat32(opts + o) : 0; },
  };
}

const CONV_2D = 3, DEQUANTIZE = 6, FULLY_CONNECTED = 9, MAX_POOL_2D = 17, RESHAPE = 22, SOFTMAX = 25, QUANTIZE = 114;
const FLOAT32 = 0, FLOAT16 = 1, INT32 = 2, INT8 = 9;

let model: ReturnType<typeof baselineCnn>;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = baselineCnn({ numClasses: 10, seed: 2 });
});

test('float32: version 3, empty buffer 0, NHWC input, OHWI filters, [out, in] weights, fused ReLU, softmax beta 1', () => {
  const m = readModel(tfliteBytes(model));
  expect(m.version).toBe(3);
  expect(m.buffers[0]).toBe(0);
  expect(m.tensors[m.inputs[0]].shape).toEqual([1, 28, 28, 1]);
  expect(m.tensors[m.outputs[0]].shape).toEqual([1, 10]);
  expect(m.operators.map((o) => o.code)).toEqual([CONV_2D, MAX_POOL_2D, CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, FULLY_CONNECTED, SOFTMAX]);
  const [conv1, , conv2, , , fc1, fc2, softmax] = m.operators;
  expect(m.tensors[conv1.inputs[1]].shape).toEqual([32, 3, 3, 1]);
  expect(m.tensors[conv2.inputs[1]].shape).toEqual([64, 3, 3, 32]);
  expect(m.tensors[fc1.inputs[1]].shape).toEqual([128, 1600]);
  expect(m.optionI8(conv1.options, 3)).toBe(1); // Conv2DOptions.fused_activation_function = RELU
  expect(m.optionI8(conv1.options, 0)).toBe(1); // padding VALID
  expect(m.optionI8(fc1.options, 0)).toBe(1); // RELU fused into the hidden dense layer
  expect(m.optionI8(fc2.options, 0)).toBe(0); // logits: no activation, softmax is its own op
  expect(m.optionF32(softmax.options, 0)).toBe(1); // beta
  for (const t of m.tensors) expect(t.type === FLOAT32 || t.type === INT32).toBe(true);
  // constant buffers start 16-byte aligned in the file (Buffer.data is force_align: 16)
  for (let k = 1; k < m.buffers.length; k++) expect(m.bufferStart(k) % 16).toBe(0);
  // the flattened weights equal the tfjs kernel transposed: w_tfl[o][i] = w_tfjs[i][o]
  const kernel = model.layers[5].getWeights()[0].dataSync(); // [1600, 128]
  const data = m.bufferData(m.tensors[fc1.inputs[1]].buffer);
  const w = new Float32Array(data.buffer, data.byteOffset, data.length / 4);
  for (const [o, i] of [[0, 0], [5, 17], [127, 1599], [64, 800]]) expect(w[o * 1600 + i]).toBe(kernel[i * 128 + o]);
  // conv filter OHWI: f_tfl[o][y][x][i] = k_tfjs[y][x][i][o]
  const k2 = model.layers[2].getWeights()[0].dataSync(); // [3, 3, 32, 64]
  const d2 = m.bufferData(m.tensors[conv2.inputs[1]].buffer);
  const f2 = new Float32Array(d2.buffer, d2.byteOffset, d2.length / 4);
  for (const [o, y, x, i] of [[0, 0, 0, 0], [63, 2, 1, 31], [10, 1, 2, 5]]) {
    expect(f2[((o * 3 + y) * 3 + x) * 32 + i]).toBe(k2[((y * 3 + x) * 32 + i) * 64 + o]);
  }
});

test('float16: every weight and bias stored FLOAT16 and expanded by a DEQUANTIZE op first', () => {
  const m = readModel(tfliteBytes(model, { quantize: 'float16' }));
  const halves = m.tensors.filter((t) => t.type === FLOAT16);
  expect(halves.length).toBe(8); // 4 layers x (weights, bias)
  const deq = m.operators.filter((o) => o.code === DEQUANTIZE);
  expect(deq.length).toBe(8);
  expect(m.operators.slice(0, 8).every((o) => o.code === DEQUANTIZE)).toBe(true);
  for (const o of deq) {
    expect(m.tensors[o.inputs[0]].type).toBe(FLOAT16);
    expect(m.tensors[o.outputs[0]].type).toBe(FLOAT32);
  }
});

test('int8: QUANTIZE in, DEQUANTIZE out; per-channel conv weights on dimension 0; bias scale = input scale x weight scale; softmax 1/256, -128', () => {
  const calibration = tf.randomUniform([20, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const m = readModel(tfliteBytes(model, { quantize: 'int8', calibration }));
  const codes = m.operators.map((o) => o.code);
  expect(codes[0]).toBe(QUANTIZE);
  expect(codes[codes.length - 1]).toBe(DEQUANTIZE);
  expect(m.tensors[m.inputs[0]].type).toBe(FLOAT32);
  expect(m.tensors[m.outputs[0]].type).toBe(FLOAT32);
  const q = m.operators[0];
  expect(m.tensors[q.outputs[0]].type).toBe(INT8);
  // input 0..1: scale 1/255, zero point -128
  expect(m.tensors[q.outputs[0]].scale[0]).toBeCloseTo(asymmetricInt8(0, 1).scale, 3);
  expect(m.tensors[q.outputs[0]].zeroPoint).toEqual([-128]);

  for (const op of m.operators.filter((o) => o.code === CONV_2D || o.code === FULLY_CONNECTED)) {
    const [x, w, b] = op.inputs.map((i) => m.tensors[i]);
    expect(w.type).toBe(INT8);
    expect(b.type).toBe(INT32);
    expect(w.zeroPoint.every((z) => z === 0)).toBe(true);
    if (op.code === CONV_2D) {
      expect(w.scale.length).toBe(w.shape[0]); // one scale per output channel
      expect(w.quantizedDimension).toBe(0);
    } else {
      expect(w.scale.length).toBe(1);
    }
    expect(b.scale.length).toBe(w.scale.length);
    // stored as float32: equal to float32 precision
    b.scale.forEach((s, c) => expect(Math.abs(s / (x.scale[0] * w.scale[c]) - 1)).toBeLessThan(1e-6));
  }
  const softmax = m.operators.find((o) => o.code === SOFTMAX)!;
  const out = m.tensors[softmax.outputs[0]];
  expect(out.scale[0]).toBeCloseTo(1 / 256, 12);
  expect(out.zeroPoint).toEqual([-128]);
  // max pool and reshape keep their input's quantization
  for (const op of m.operators.filter((o) => o.code === MAX_POOL_2D || o.code === RESHAPE)) {
    expect(m.tensors[op.outputs[0]].scale).toEqual(m.tensors[op.inputs[0]].scale);
    expect(m.tensors[op.outputs[0]].zeroPoint).toEqual(m.tensors[op.inputs[0]].zeroPoint);
  }
  calibration.dispose();
});
