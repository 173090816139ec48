/**
 * The in-page benchmark (bench/browser.ts calls it through window.hwr): the current model's load
 * and first-prediction times, and the median, 90th percentile and mean of one-image predictions and
 * of preprocessing, on what the pad shows.
 */
import { preprocessLineRgba } from '../../src/image/line';
import { preprocessRgba } from '../../src/image/preprocess';
import type { RgbaImage } from '../../src/image/rgba';
import { readPreprocessedLine } from '../../src/lines/line_model';
import { predictProbabilities } from '../../src/read/classify';
import type { BrowserBackendReport } from './backend';
import { linePreprocessOptionsFor, preprocessOptionsFor } from './models';
import type { Decoder } from './predict';
import type { CurrentModel } from './state';

/** Timings of one model on the current backend (the browser benchmark reads these). */
export interface BenchmarkResult {
  backend: string;
  modelId: string;
  loadMs: number;
  firstPredictMs: number;
  /** Median and 90th percentile of `runs` one-image predictions (model call + reading the result). */
  medianMs: number;
  p90Ms: number;
  /** Total time of the runs / runs: robust to the browser's coarse timer (0.1 ms or worse without cross-origin isolation). */
  meanMs: number;
  runs: number;
  /** Median time of preprocessing the pad's pixels (RGBA -> 28x28, or the line recipe). */
  preprocessMedianMs: number;
}

/** Times `runs` predictions of `current` on `rgba` (what the pad shows), and up to 30 preprocessings. */
export function benchmark(current: CurrentModel, backend: BrowserBackendReport, rgba: RgbaImage, decoder: Decoder, runs = 100): BenchmarkResult {
  const { model, entry, line } = current;
  const name = 'the benchmark input (draw or upload a character or a word first)';
  let prepare: () => unknown;
  let predict: () => unknown;
  if (line) {
    const opts = linePreprocessOptionsFor(line);
    const input = preprocessLineRgba(rgba, opts, name);
    if (input.empty) throw new Error(`${name}: no ink`);
    prepare = () => preprocessLineRgba(rgba, opts);
    predict = () => readPreprocessedLine(model, line, input, { decoder });
  } else {
    const opts = preprocessOptionsFor(entry);
    const input = preprocessRgba(rgba, opts, name);
    prepare = () => preprocessRgba(rgba, opts);
    predict = () => predictProbabilities(model, entry.classes, [input]);
  }
  const predictTimes: number[] = [];
  const preprocessTimes: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    predict();
    predictTimes.push(performance.now() - t0);
  }
  const meanMs = (performance.now() - start) / runs;
  for (let i = 0; i < Math.min(runs, 30); i++) {
    const t0 = performance.now();
    prepare();
    preprocessTimes.push(performance.now() - t0);
  }
  return {
    backend: backend.name, modelId: entry.id, loadMs: current.loadMs, firstPredictMs: current.firstPredictMs,
    medianMs: quantile(predictTimes, 0.5), p90Ms: quantile(predictTimes, 0.9), meanMs, runs, preprocessMedianMs: quantile(preprocessTimes, 0.5),
  };
}

/** The element at rank floor(p * n) of the sorted values (the upper median for p = 0.5). */
function quantile(xs: number[], p: number): number {
  return xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
}
