/**
 * Linear quantization maths shared by the exporters, with the conventions of the tools users
 * compare against: tensorflowjs_converter's uint8 weights (min/scale, zero exactly representable)
 * and TensorFlow's TFLite converter (int8 activations asymmetric per tensor, int8 weights
 * symmetric in [-127, 127], int32 biases with scale input_scale * weight_scale).
 * Real value = scale * (q - zeroPoint).
 */

/** Affine quantization of one tensor or one channel. */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** Rounding as TensorFlow's quantizers do it (std::round: halves away from zero). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** Smallest and largest value of an array (0, 0 when empty). */
export function minMax(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? { min, max } : { min: 0, max: 0 };
}

/**
 * Asymmetric int8 parameters for values observed in [min, max] (TFLite activations): the range is
 * widened to contain 0, scale = (max - min) / 255, and the zero point is nudged to an integer in
 * [-128, 127] so that 0.0 is exact.
 */
export function asymmetricInt8(min: number, max: number): QuantParams {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 }; // an all-zero tensor: any scale represents it
  const scale = (hi - lo) / 255;
  const zeroFromMin = -128 - lo / scale;
  const zeroPoint = zeroFromMin <= -128 ? -128 : zeroFromMin >= 127 ? 127 : roundHalfAway(zeroFromMin);
  return { scale, zeroPoint };
}

/** Symmetric int8 scale for weights with largest magnitude `maxAbs`: q in [-127, 127], zero point 0. */
export function symmetricInt8Scale(maxAbs: number): number {
  return maxAbs > 0 ? maxAbs / 127 : 1;
}

/** Quantizes values with one scale and zero point into int8 (saturating). */
export function quantizeInt8(values: ArrayLike<number>, q: QuantParams, lo = -128, hi = 127): Int8Array {
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.max(lo, Math.min(hi, roundHalfAway(values[i] / q.scale) + q.zeroPoint));
  }
  return out;
}

/**
 * Per-channel symmetric int8 quantization of a weight tensor whose FIRST dimension is the channel
 * (TFLite conv filters [out, h, w, in], quantized_dimension 0). Returns the int8 data and one scale
 * per channel.
 */
export function quantizePerChannelInt8(values: Float32Array, channels: number): { data: Int8Array; scales: number[] } {
  const per = values.length / channels;
  if (!Number.isInteger(per)) throw new Error(`Cannot split ${values.length} weights into ${channels} channels.`);
  const data = new Int8Array(values.length);
  const scales: number[] = [];
  for (let c = 0; c < channels; c++) {
    let maxAbs = 0;
    for (let i = c * per; i < (c + 1) * per; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
    const scale = symmetricInt8Scale(maxAbs);
    scales.push(scale);
    for (let i = c * per; i < (c + 1) * per; i++) {
      data[i] = Math.max(-127, Math.min(127, roundHalfAway(values[i] / scale)));
    }
  }
  return { data, scales };
}

/** int32 bias quantization with per-channel scales (input_scale * weight_scale[c]), zero point 0. */
export function quantizeBiasInt32(bias: Float32Array, scales: number[]): Int32Array {
  const out = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = scales.length === 1 ? scales[0] : scales[c];
    out[c] = Math.max(-2147483648, Math.min(2147483647, roundHalfAway(bias[c] / s)));
  }
  return out;
}

/**
 * uint8 weight quantization as tensorflowjs_converter writes it: scale = (max - min) / 255, with
 * min nudged so that 0.0 maps to an integer (when the range contains 0). tfjs dequantizes
 * q * scale + min, so `min` here is the nudged minimum written to the manifest.
 */
export function uint8Params(values: ArrayLike<number>): { min: number; scale: number } {
  const { min, max } = minMax(values);
  if (max === min) return { min, scale: 1 };
  const scale = (max - min) / 255;
  if (min <= 0 && max >= 0) {
    const zeroPoint = roundHalfAway(-min / scale);
    return { min: -zeroPoint * scale, scale };
  }
  return { min, scale };
}

/** Quantizes values to uint8 with tfjs's manifest convention (q = round((v - min) / scale)). */
export function quantizeUint8(values: ArrayLike<number>, p: { min: number; scale: number }): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.max(0, Math.min(255, roundHalfAway((values[i] - p.min) / p.scale)));
  }
  return out;
}
