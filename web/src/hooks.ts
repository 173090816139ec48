/**
 * window.hwr: what the browser tests and the benchmark (bench/browser.ts) read and drive. The page
 * itself never uses it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PixelBox } from '../../src/image/gray';
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
    /**
     * The last page reading of a line model: its text, notes and lines (text, confidence and box in
     * the pixels of the image read), without the model inputs; null before one or with a character model.
     */
    page: () => {
      const last = state.last;
      if (!last || last.kind !== 'line') return null;
      const { key, source, text, confidence, notes, skewDegrees, note } = last;
      const lines = (last.lines ?? []).map(({ text, confidence, box, width, inkEnd }) => ({ text, confidence, box, width, inkEnd }));
      return { key, source, text: text ?? '', confidence: confidence ?? 0, notes: notes ?? [], skewDegrees: skewDegrees ?? 0, note, lines };
    },
    /** The line boxes drawn over the pad now, in the pad canvas's pixels. */
    lineBoxes: (): PixelBox[] => JSON.parse(document.getElementById('pad-boxes')?.dataset.boxes ?? '[]'),
    /** The pad's canvas size and pen width (pad_geometry.ts). */
    padGeometry: () => ({ width: pad.canvas.width, height: pad.canvas.height, penWidth: pad.penWidth }),
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
