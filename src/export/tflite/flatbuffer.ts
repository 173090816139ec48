/**
 * Serializes a TFLite model description into the TFLite flatbuffer (schema version 3, "TFL3") with
 * the `flatbuffers` Builder API. The description is format-level (tensors, constant data, operators);
 * what the ops mean is decided by the caller (see build.ts).
 */
import * as flatbuffers from 'flatbuffers';
import {
  BuiltinOperatorValue, BuiltinOptionsType, FILE_IDENTIFIER, PLACEHOLDER_FOR_GREATER_OP_CODES, SCHEMA_VERSION,
  Slots, TensorTypeValue,
} from './schema';

/** Quantization of one tensor: real = scale * (q - zeroPoint), per tensor or per channel. */
export interface TensorQuantization {
  scale: number[];
  zeroPoint: number[];
  min?: number[];
  max?: number[];
  /** The channel dimension for per-channel parameters (TFLite's quantized_dimension). */
  quantizedDimension?: number;
}

/** One tensor of the subgraph. */
export interface TensorSpec {
  name: string;
  shape: number[];
  /** Shape with -1 for dimensions that may vary (the batch), as TensorFlow's converter writes it. */
  shapeSignature?: number[];
  type: TensorTypeValue;
  /** Constant contents, little-endian; absent for activations (they point at the empty buffer 0). */
  data?: Uint8Array;
  quantization?: TensorQuantization;
}

/** Builtin options of an operator, by union member. */
export type OperatorOptions =
  | { type: 'Conv2DOptions'; padding: number; strideW: number; strideH: number; activation: number; dilationW: number; dilationH: number }
  | { type: 'Pool2DOptions'; padding: number; strideW: number; strideH: number; filterW: number; filterH: number; activation: number }
  | { type: 'FullyConnectedOptions'; activation: number; keepNumDims: boolean }
  | { type: 'SoftmaxOptions'; beta: number }
  | { type: 'ReshapeOptions'; newShape: number[] }
  | { type: 'SqueezeOptions'; squeezeDims: number[] };

/** One operator: a builtin op (with the op version its inputs need) on tensor indices. */
export interface OperatorSpec {
  op: BuiltinOperatorValue;
  version: number;
  inputs: number[];
  outputs: number[];
  options?: OperatorOptions;
}

/** A one-subgraph model with a serving signature. */
export interface ModelSpec {
  description: string;
  tensors: TensorSpec[];
  inputs: number[];
  outputs: number[];
  operators: OperatorSpec[];
  /** Signature names for the inputs and outputs (e.g. 'input', 'output'). */
  signature?: { key: string; inputNames: string[]; outputNames: string[] };
  /** Named metadata buffers (Model.metadata), e.g. TFLITE_METADATA for tflite-support's ModelMetadata. */
  metadata?: { name: string; data: Uint8Array }[];
}

type Builder = flatbuffers.Builder;

function int32Vector(b: Builder, values: number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

/** A float32 vector (also the metadata writer's, metadata.ts). */
export function float32Vector(b: Builder, values: number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

function int64Vector(b: Builder, values: number[]): flatbuffers.Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]));
  return b.endVector();
}

/** A vector of table offsets (also the metadata writer's, metadata.ts). */
export function offsetVector(b: Builder, offsets: flatbuffers.Offset[]): flatbuffers.Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

/** A ubyte vector aligned to 16 bytes (Buffer.data is `force_align: 16`, so kernels may map it directly). */
function alignedBytes(b: Builder, data: Uint8Array): flatbuffers.Offset {
  // Pad so the data will start on 16 bytes; createByteVector's own 4-byte alignment then adds
  // nothing, and it copies the bytes in one go (a byte-by-byte write takes seconds on a line model).
  b.prep(16, data.length);
  return b.createByteVector(data);
}

function quantization(b: Builder, q: TensorQuantization): flatbuffers.Offset {
  const S = Slots.QuantizationParameters;
  const min = q.min ? float32Vector(b, q.min) : 0;
  const max = q.max ? float32Vector(b, q.max) : 0;
  const scale = float32Vector(b, q.scale);
  const zeroPoint = int64Vector(b, q.zeroPoint);
  b.startObject(S.count);
  if (min) b.addFieldOffset(S.min, min, 0);
  if (max) b.addFieldOffset(S.max, max, 0);
  b.addFieldOffset(S.scale, scale, 0);
  b.addFieldOffset(S.zero_point, zeroPoint, 0);
  b.addFieldInt32(S.quantized_dimension, q.quantizedDimension ?? 0, 0);
  return b.endObject();
}

function options(b: Builder, o: OperatorOptions): flatbuffers.Offset {
  switch (o.type) {
    case 'Conv2DOptions': {
      const S = Slots.Conv2DOptions;
      b.startObject(S.count);
      b.addFieldInt8(S.padding, o.padding, 0);
      b.addFieldInt32(S.stride_w, o.strideW, 0);
      b.addFieldInt32(S.stride_h, o.strideH, 0);
      b.addFieldInt8(S.fused_activation_function, o.activation, 0);
      b.addFieldInt32(S.dilation_w_factor, o.dilationW, 1);
      b.addFieldInt32(S.dilation_h_factor, o.dilationH, 1);
      return b.endObject();
    }
    case 'Pool2DOptions': {
      const S = Slots.Pool2DOptions;
      b.startObject(S.count);
      b.addFieldInt8(S.padding, o.padding, 0);
      b.addFieldInt32(S.stride_w, o.strideW, 0);
      b.addFieldInt32(S.stride_h, o.strideH, 0);
      b.addFieldInt32(S.filter_width, o.filterW, 0);
      b.addFieldInt32(S.filter_height, o.filterH, 0);
      b.addFieldInt8(S.fused_activation_function, o.activation, 0);
      return b.endObject();
    }
    case 'FullyConnectedOptions': {
      const S = Slots.FullyConnectedOptions;
      b.startObject(S.count);
      b.addFieldInt8(S.fused_activation_function, o.activation, 0);
      b.addFieldInt8(S.keep_num_dims, o.keepNumDims ? 1 : 0, 0);
      return b.endObject();
    }
    case 'SoftmaxOptions': {
      const S = Slots.SoftmaxOptions;
      b.startObject(S.count);
      b.addFieldFloat32(S.beta, o.beta, 0);
      return b.endObject();
    }
    case 'ReshapeOptions': {
      const S = Slots.ReshapeOptions;
      const shape = int32Vector(b, o.newShape);
      b.startObject(S.count);
      b.addFieldOffset(S.new_shape, shape, 0);
      return b.endObject();
    }
    case 'SqueezeOptions': {
      const S = Slots.SqueezeOptions;
      const dims = int32Vector(b, o.squeezeDims);
      b.startObject(S.count);
      b.addFieldOffset(S.squeeze_dims, dims, 0);
      return b.endObject();
    }
  }
}

/** Checks the description before writing, so a mistake is an error here and not a crash in an app. */
function validate(spec: ModelSpec): void {
  const n = spec.tensors.length;
  const ok = (i: number) => Number.isInteger(i) && i >= 0 && i < n;
  for (const i of [...spec.inputs, ...spec.outputs]) if (!ok(i)) throw new Error(`TFLite writer: subgraph input/output ${i} is not a tensor index (0..${n - 1}).`);
  spec.operators.forEach((op, k) => {
    for (const i of [...op.inputs, ...op.outputs]) if (!ok(i)) throw new Error(`TFLite writer: operator ${k} refers to tensor ${i}, not in 0..${n - 1}.`);
  });
  for (const t of spec.tensors) {
    const q = t.quantization;
    if (q && (q.scale.length !== q.zeroPoint.length || q.scale.length === 0)) {
      throw new Error(`TFLite writer: tensor ${t.name} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points.`);
    }
  }
}

/** The TFLite flatbuffer bytes of a model description. */
export function serializeModel(spec: ModelSpec): Uint8Array {
  validate(spec);
  const b = new flatbuffers.Builder(1 << 16);

  // Buffers: 0 is the mandatory empty sentinel; each constant tensor gets the next one.
  const bufferOffsets: flatbuffers.Offset[] = [];
  const emptyBuffer = () => { b.startObject(Slots.Buffer.count); return b.endObject(); };
  bufferOffsets.push(emptyBuffer());
  const tensorBuffer: number[] = [];
  for (const t of spec.tensors) {
    if (!t.data) {
      tensorBuffer.push(0);
      continue;
    }
    const data = alignedBytes(b, t.data);
    b.startObject(Slots.Buffer.count);
    b.addFieldOffset(Slots.Buffer.data, data, 0);
    tensorBuffer.push(bufferOffsets.length);
    bufferOffsets.push(b.endObject());
  }
  // Metadata buffers come after the tensors' (each Metadata entry points at its buffer by index).
  const metadataBuffer = (spec.metadata ?? []).map((m) => {
    const data = alignedBytes(b, m.data);
    b.startObject(Slots.Buffer.count);
    b.addFieldOffset(Slots.Buffer.data, data, 0);
    bufferOffsets.push(b.endObject());
    return bufferOffsets.length - 1;
  });

  const tensorOffsets = spec.tensors.map((t, i) => {
    const S = Slots.Tensor;
    const shape = int32Vector(b, t.shape);
    const signature = t.shapeSignature ? int32Vector(b, t.shapeSignature) : 0;
    const name = b.createString(t.name);
    const quant = t.quantization ? quantization(b, t.quantization) : 0;
    b.startObject(S.count);
    b.addFieldOffset(S.shape, shape, 0);
    b.addFieldInt8(S.type, t.type, 0);
    b.addFieldInt32(S.buffer, tensorBuffer[i], 0);
    b.addFieldOffset(S.name, name, 0);
    if (quant) b.addFieldOffset(S.quantization, quant, 0);
    if (signature) b.addFieldOffset(S.shape_signature, signature, 0);
    return b.endObject();
  });

  // Operator codes: one per distinct (op, version), in order of first use.
  const codes: { op: number; version: number }[] = [];
  const codeIndex = (op: number, version: number) => {
    let k = codes.findIndex((c) => c.op === op && c.version === version);
    if (k < 0) k = codes.push({ op, version }) - 1;
    return k;
  };
  const operatorOffsets = spec.operators.map((o) => {
    const S = Slots.Operator;
    const opcode = codeIndex(o.op, o.version);
    const inputs = int32Vector(b, o.inputs);
    const outputs = int32Vector(b, o.outputs);
    const opts = o.options ? options(b, o.options) : 0;
    b.startObject(S.count);
    b.addFieldInt32(S.opcode_index, opcode, 0);
    b.addFieldOffset(S.inputs, inputs, 0);
    b.addFieldOffset(S.outputs, outputs, 0);
    if (o.options) {
      b.addFieldInt8(S.builtin_options_type, BuiltinOptionsType[o.options.type], 0);
      b.addFieldOffset(S.builtin_options, opts, 0);
    }
    return b.endObject();
  });

  const subgraph = (() => {
    const S = Slots.SubGraph;
    const tensors = offsetVector(b, tensorOffsets);
    const inputs = int32Vector(b, spec.inputs);
    const outputs = int32Vector(b, spec.outputs);
    const operators = offsetVector(b, operatorOffsets);
    const name = b.createString('main');
    b.startObject(S.count);
    b.addFieldOffset(S.tensors, tensors, 0);
    b.addFieldOffset(S.inputs, inputs, 0);
    b.addFieldOffset(S.outputs, outputs, 0);
    b.addFieldOffset(S.operators, operators, 0);
    b.addFieldOffset(S.name, name, 0);
    return b.endObject();
  })();

  const codeOffsets = codes.map((c) => {
    const S = Slots.OperatorCode;
    b.startObject(S.count);
    // Old readers look only at the byte field; new ones take the larger of the two.
    b.addFieldInt8(S.deprecated_builtin_code, Math.min(c.op, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldInt32(S.version, c.version, 1);
    b.addFieldInt32(S.builtin_code, c.op, 0);
    return b.endObject();
  });

  let signatures = 0;
  if (spec.signature) {
    const sig = spec.signature;
    const tensorMaps = (names: string[], indices: number[]) => offsetVector(b, names.map((n, k) => {
      const name = b.createString(n);
      b.startObject(Slots.TensorMap.count);
      b.addFieldOffset(Slots.TensorMap.name, name, 0);
      b.addFieldInt32(Slots.TensorMap.tensor_index, indices[k], 0);
      return b.endObject();
    }));
    const inputs = tensorMaps(sig.inputNames, spec.inputs);
    const outputs = tensorMaps(sig.outputNames, spec.outputs);
    const key = b.createString(sig.key);
    const S = Slots.SignatureDef;
    b.startObject(S.count);
    b.addFieldOffset(S.inputs, inputs, 0);
    b.addFieldOffset(S.outputs, outputs, 0);
    b.addFieldOffset(S.signature_key, key, 0);
    b.addFieldInt32(S.subgraph_index, 0, 0);
    signatures = offsetVector(b, [b.endObject()]);
  }

  const metadata = spec.metadata?.length ? offsetVector(b, spec.metadata.map((m, k) => {
    const name = b.createString(m.name);
    b.startObject(Slots.Metadata.count);
    b.addFieldOffset(Slots.Metadata.name, name, 0);
    b.addFieldInt32(Slots.Metadata.buffer, metadataBuffer[k], 0);
    return b.endObject();
  })) : 0;

  const S = Slots.Model;
  const operatorCodes = offsetVector(b, codeOffsets);
  const subgraphs = offsetVector(b, [subgraph]);
  const description = b.createString(spec.description);
  const buffers = offsetVector(b, bufferOffsets);
  b.startObject(S.count);
  b.addFieldInt32(S.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(S.operator_codes, operatorCodes, 0);
  b.addFieldOffset(S.subgraphs, subgraphs, 0);
  b.addFieldOffset(S.description, description, 0);
  b.addFieldOffset(S.buffers, buffers, 0);
  if (metadata) b.addFieldOffset(S.metadata, metadata, 0);
  if (signatures) b.addFieldOffset(S.signature_defs, signatures, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}
