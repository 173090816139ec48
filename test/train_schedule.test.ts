import { learningRateAt } from '../src/train/schedule';

describe('learning-rate schedule', () => {
  const peak = 1e-3;
  const epochs = 10;
  const steps = 100; // per epoch: 1000 steps in all, 50 of warm-up by default

  test('cosine warms up linearly, peaks, then decays to minFactor x peak', () => {
    expect(learningRateAt(0, peak, epochs, steps)).toBeCloseTo(peak / 50, 12);
    expect(learningRateAt(24, peak, epochs, steps)).toBeCloseTo(peak / 2, 12);
    expect(learningRateAt(50, peak, epochs, steps)).toBeCloseTo(peak, 12);
    expect(learningRateAt(999, peak, epochs, steps)).toBeCloseTo(peak * 0.01, 12);
    const rates = Array.from({ length: 950 }, (_, i) => learningRateAt(50 + i, peak, epochs, steps));
    expect(rates.every((r, i) => i === 0 || r <= rates[i - 1])).toBe(true);
  });

  test('step decays by gamma every epoch; constant stays at the peak', () => {
    const s = { kind: 'step' as const, warmup: 0 };
    expect(learningRateAt(99, peak, epochs, steps, s)).toBeCloseTo(peak, 12);
    expect(learningRateAt(100, peak, epochs, steps, s)).toBeCloseTo(peak * 0.7, 12);
    expect(learningRateAt(250, peak, epochs, steps, s)).toBeCloseTo(peak * 0.49, 12);
    expect(learningRateAt(700, peak, epochs, steps, { kind: 'constant' })).toBe(peak);
  });
});
