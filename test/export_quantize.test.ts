/** Quantization maths of the exporters, against brute-force and definitional references. */
import {
  asymmetricInt8, fromFloat16Bits, quantizeBiasInt32, quantizePerChannelInt8, toFloat16Bits, uint8Params,
} from '../src/export';
import { hwioToOhwi, transpose2d } from '../src/export/tflite';

/** Every finite float16 value with its bit pattern, ascending. */
const FLOAT16 = (() => {
  const all: { v: number; bits: number }[] = [];
  for (let bits = 0; bits < 0x10000; bits++) {
    const v = fromFloat16Bits(bits);
    if (Number.isFinite(v) && !(v === 0 && bits === 0x8000)) all.push({ v, bits });
  }
  return all.sort((a, b) => a.v - b.v);
})();

/** Nearest float16 by search, ties to the even bit pattern (IEEE round to nearest even). */
function nearestFloat16(x: number): number {
  let lo = 0;
  let hi = FLOAT16.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (FLOAT16[mid].v <= x) lo = mid; else hi = mid;
  }
  const a = FLOAT16[lo];
  const b = FLOAT16[hi];
  const da = Math.abs(x - a.v);
  const db = Math.abs(b.v - x);
  if (da !== db) return da < db ? a.v : b.v;
  return (a.bits & 1) === 0 ? a.v : b.v;
}

describe('float16', () => {
  test('decodes known bit patterns', () => {
    expect(fromFloat16Bits(0x3c00)).toBe(1);
    expect(fromFloat16Bits(0xc000)).toBe(-2);
    expect(fromFloat16Bits(0x7bff)).toBe(65504);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0x7c00)).toBe(Infinity);
    expect(fromFloat16Bits(0x7e00)).toBeNaN();
  });

  test('encodes every float16 value to itself', () => {
    for (const { v, bits } of FLOAT16) expect(toFloat16Bits(v)).toBe(bits);
  });

  test('rounds random float32 values (normal, subnormal, ties) to the nearest float16, ties to even', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const f32 = new Float32Array(1);
    const samples: number[] = [];
    for (let i = 0; i < 3000; i++) {
      f32[0] = (rand() - 0.5) * 2 ** Math.floor(rand() * 44 - 28); // 2^-28 .. 2^15
      samples.push(f32[0]);
    }
    // exact ties between neighbours, incl. subnormals and the largest finite value
    for (const k of [1, 100, 5000, 20000, FLOAT16.length - 2]) samples.push((FLOAT16[k].v + FLOAT16[k + 1].v) / 2);
    // (+ 0 makes -0 and 0 compare equal: tiny negatives correctly round to -0)
    for (const x of samples) expect(fromFloat16Bits(toFloat16Bits(x)) + 0).toBe(nearestFloat16(x) + 0);
  });

  test('overflow goes to infinity, keeping the sign', () => {
    expect(fromFloat16Bits(toFloat16Bits(70000))).toBe(Infinity);
    expect(fromFloat16Bits(toFloat16Bits(-1e9))).toBe(-Infinity);
  });
});

describe('int8 (TFLite conventions)', () => {
  test('asymmetric activations: the range is widened to contain 0 and 0.0 is exact', () => {
    const relu = asymmetricInt8(0, 6);
    expect(relu.zeroPoint).toBe(-128);
    expect(relu.scale).toBeCloseTo(6 / 255, 12);
    const mixed = asymmetricInt8(-1, 3);
    expect(mixed.scale).toBeCloseTo(4 / 255, 12);
    expect(Number.isInteger(mixed.zeroPoint)).toBe(true);
    // 0.0 maps to the zero point, and min/max land at the ends of [-128, 127] within one step
    expect((-1 / mixed.scale) + mixed.zeroPoint).toBeGreaterThan(-129);
    expect((3 / mixed.scale) + mixed.zeroPoint).toBeLessThan(128);
    expect(asymmetricInt8(2, 5).zeroPoint).toBe(-128); // all-positive range: widened down to 0
  });

  test('per-channel symmetric weights: each channel\'s largest magnitude maps to +-127', () => {
    const w = Float32Array.from([0.5, -1, 0.25, /* channel 1 */ 3, 1.5, -0.75]);
    const { data, scales } = quantizePerChannelInt8(w, 2);
    expect(scales).toEqual([1 / 127, 3 / 127]);
    expect(Array.from(data)).toEqual([64, -127, 32, 127, 64, -32]); // 63.5 -> 64 (away from zero)
  });

  test('int32 bias uses input_scale * weight_scale per channel', () => {
    expect(Array.from(quantizeBiasInt32(Float32Array.from([0.5, -0.5]), [0.01, 0.1]))).toEqual([50, -5]);
  });
});

describe('uint8 (tensorflowjs_converter convention)', () => {
  test('scale is (max - min) / 255 and the minimum is nudged so 0.0 is on the grid', () => {
    const p = uint8Params([-1, 0.2, 2]);
    expect(p.scale).toBeCloseTo(3 / 255, 12);
    const zero = -p.min / p.scale;
    expect(Math.abs(zero - Math.round(zero))).toBeLessThan(1e-9);
  });
});

describe('layouts', () => {
  test('HWIO -> OHWI moves every element to [o][h][w][i]', () => {
    const [kh, kw, ci, co] = [2, 3, 2, 4];
    const hwio = Float32Array.from({ length: kh * kw * ci * co }, (_, i) => i);
    const ohwi = hwioToOhwi(hwio, [kh, kw, ci, co]);
    for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
      expect(ohwi[((o * kh + h) * kw + w) * ci + i]).toBe(hwio[((h * kw + w) * ci + i) * co + o]);
    }
  });

  test('dense [in, out] -> [out, in]', () => {
    expect(Array.from(transpose2d(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
