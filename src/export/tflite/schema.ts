/**
 * The parts of TensorFlow Lite's flatbuffer schema (schema.fbs, version 3, identifier "TFL3") that
 * this writer uses: enum values and, for each table, the slot number of each field (its position
 * in the table's declaration, a union taking two slots: `<name>_type` then `<name>`). Typed by hand
 * from the official schema; values must never change (the schema only appends).
 */

export const SCHEMA_VERSION = 3;
export const FILE_IDENTIFIER = 'TFL3';

/** enum TensorType : byte */
export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;
export type TensorTypeValue = (typeof TensorType)[keyof typeof TensorType];

/** enum BuiltinOperator : int32 (the ones written here) */
export const BuiltinOperator = {
  CONV_2D: 3, DEQUANTIZE: 6, FULLY_CONNECTED: 9, MAX_POOL_2D: 17, RELU: 19, RESHAPE: 22, SOFTMAX: 25, SQUEEZE: 43, QUANTIZE: 114,
} as const;
export type BuiltinOperatorValue = (typeof BuiltinOperator)[keyof typeof BuiltinOperator];

/** union BuiltinOptions: the type tag is the member's 1-based position in the union (0 = NONE). */
export const BuiltinOptionsType = {
  NONE: 0, Conv2DOptions: 1, Pool2DOptions: 5, FullyConnectedOptions: 8, SoftmaxOptions: 9, ReshapeOptions: 17, SqueezeOptions: 30,
} as const;

/** enum Padding : byte */
export const Padding = { SAME: 0, VALID: 1 } as const;

/** enum ActivationFunctionType : byte */
export const ActivationFunctionType = { NONE: 0, RELU: 1 } as const;

/** Field slots per table. */
export const Slots = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7, count: 8 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3, count: 4 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, count: 5 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, has_rank: 8, count: 10 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6, count: 7 },
  Buffer: { data: 0, offset: 1, size: 2, count: 3 },
  Operator: { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, count: 5 },
  SignatureDef: { inputs: 0, outputs: 1, signature_key: 2, subgraph_index: 4, count: 5 },
  TensorMap: { name: 0, tensor_index: 1, count: 2 },
  Metadata: { name: 0, buffer: 1, count: 2 },
  Conv2DOptions: { padding: 0, stride_w: 1, stride_h: 2, fused_activation_function: 3, dilation_w_factor: 4, dilation_h_factor: 5, count: 6 },
  Pool2DOptions: { padding: 0, stride_w: 1, stride_h: 2, filter_width: 3, filter_height: 4, fused_activation_function: 5, count: 6 },
  FullyConnectedOptions: { fused_activation_function: 0, weights_format: 1, keep_num_dims: 2, count: 3 },
  SoftmaxOptions: { beta: 0, count: 1 },
  ReshapeOptions: { new_shape: 0, count: 1 },
  SqueezeOptions: { squeeze_dims: 0, count: 1 },
} as const;

/** Operator codes below this fit the old byte field `deprecated_builtin_code` as well. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
