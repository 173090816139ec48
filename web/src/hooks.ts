/**
 * window.hwr: what the browser tests and the benchmark (bench/browser.ts) read and drive. The page
 * itself never uses it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BenchmarkResult, benchmark } from './bench';
import type { LiveReader } from './live';
import type { DrawingPad } from './pad';
import type { PagePrediction } from './predict';
import type { PageState } from './state';
import { selectedDecoder } from './view';

/** What the hooks reach into. */
export interface HookTargets {
  state: PageState;
  pad: DrawingPad;
  live: LiveReader;
  ready: Promise<void>;
  offline: Promise<boolean>;
  selectModel: (id: string) => Promise<boolean>;
}

export function installHooks({ state, pad, live, ready, offline, selectModel }: HookTargets): void {
  (window as unknown as { hwr: unknown }).hwr = {
    ready,
    offline,
    backend: () => state.backend,
    model: () => state.current?.entry ?? null,
    last: (): PagePrediction | null => state.last,
    /** True when the shown prediction was made from what is on the pad now. */
    settled: () => live.settled(),
    /** Model loads started and not finished (a test waits for 0 after quick switches). */
    pendingLoads: () => state.loads.inFlight,
    /** Tensors alive on the backend: a model thrown away must not stay in memory. */
    tensors: () => tf.memory().numTensors,
    predictNow: () => live.predictNow(),
    padPng: () => pad.toPng(),
    selectModel,
    benchmark: (runs?: number): BenchmarkResult => {
      if (!state.current || !state.backend) throw new Error('no model loaded yet');
      const rgba = state.photo && pad.showsPhoto() ? state.photo.rgba : pad.pixels();
      return benchmark(state.current, state.backend, rgba, selectedDecoder(), runs);
    },
  };
}
