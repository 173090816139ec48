/** How the learning rate moves over training. All kinds start with a linear warm-up. */
export interface ScheduleOptions {
  /**
   * 'cosine' (default): warm-up, then a half cosine from the peak down to `minFactor` x peak at the
   * last planned step; smooth, no epoch-count-specific tuning, and works well with Adam at 1e-3.
   * 'step': multiply by `gamma` every `everyEpochs` (PyTorch mnist/main.py uses 0.7 every epoch).
   * 'constant': the peak rate throughout.
   */
  kind?: 'cosine' | 'step' | 'constant';
  /** Fraction of all planned steps spent warming up linearly from ~0 to the peak (default 0.05). */
  warmup?: number;
  /** cosine: final rate as a fraction of the peak (default 0.01). */
  minFactor?: number;
  /** step: epochs between decays (default 1). */
  everyEpochs?: number;
  /** step: decay factor (default 0.7). */
  gamma?: number;
}

/**
 * The learning rate for 0-based optimizer step `step` of a run planned as `epochs` x `stepsPerEpoch`
 * steps with peak rate `peak`. Pure, so a resumed run gets the same rates as an uninterrupted one.
 */
export function learningRateAt(
  step: number,
  peak: number,
  epochs: number,
  stepsPerEpoch: number,
  schedule: ScheduleOptions = {},
): number {
  const { kind = 'cosine', warmup = 0.05, minFactor = 0.01, everyEpochs = 1, gamma = 0.7 } = schedule;
  const total = Math.max(1, epochs * stepsPerEpoch);
  const warmupSteps = Math.round(warmup * total);
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  switch (kind) {
    case 'constant':
      return peak;
    case 'step':
      return peak * Math.pow(gamma, Math.floor(step / stepsPerEpoch / everyEpochs));
    case 'cosine': {
      const progress = Math.min(1, (step - warmupSteps) / Math.max(1, total - 1 - warmupSteps));
      return peak * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
    default:
      throw new Error(`Unknown learning-rate schedule '${kind as string}': use 'cosine', 'step' or 'constant'.`);
  }
}
