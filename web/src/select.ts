/**
 * Switching models: load, warm up, then swap in, if no newer pick started meanwhile (a load that
 * was overtaken is thrown away and its model disposed). A load that fails puts the picker back on
 * the model that is still predicting and says why, so the picker never names a model that is not
 * the one reading the pad.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LiveReader } from './live';
import { loadIndexedModel, unsupportedReason } from './models';
import type { DrawingPad } from './pad';
import type { PageState } from './state';
import { $, applyLayout, setStatus, showMessage } from './view';

/** What switching needs from the page. */
export interface ModelSwitcher {
  state: PageState;
  pad: DrawingPad;
  live: LiveReader;
}

/**
 * Makes `id` the predicting model. Resolves true when it did, false when a newer pick overtook
 * this one; rejects (after putting the picker back and showing the error) when it failed.
 */
export async function selectModel({ state, pad, live }: ModelSwitcher, id: string): Promise<boolean> {
  const picker = $<HTMLSelectElement>('model');
  const generation = state.loads.begin();
  try {
    const entry = state.index.models.find((m) => m.id === id);
    if (!entry) throw new Error(`no model '${id}' in models.json`);
    const why = unsupportedReason(entry);
    if (why) throw new Error(`${entry.title}: ${why}`);
    picker.value = id;
    setStatus(`Loading ${entry.title} (${(entry.bytes / 1e6).toFixed(1)} MB)…`);
    const loaded = await loadIndexedModel(entry);
    let firstPredictMs: number;
    try {
      // The first call compiles kernels (shaders on webgl): do it now, not on the first stroke, and time it.
      const warmup = loaded.line ? [1, loaded.line.height, 64, 1] : [1, 28, 28, 1];
      const t0 = performance.now();
      tf.tidy(() => (loaded.model.predict(tf.zeros(warmup)) as tf.Tensor).dataSync());
      firstPredictMs = performance.now() - t0;
    } catch (e) {
      loaded.model.dispose();
      throw new Error(`${entry.title} loaded but cannot predict: ${(e as Error).message}`);
    }
    if (!state.loads.isNewest(generation)) {
      loaded.model.dispose(); // a newer pick owns the picker now
      return false;
    }
    const previous = state.current;
    state.current = { ...loaded, firstPredictMs };
    previous?.model.dispose();
    picker.value = id;
    applyLayout(loaded, pad);
    showMessage(null);
    setStatus(`${entry.title}: loaded in ${loaded.loadMs.toFixed(0)} ms, first prediction ${firstPredictMs.toFixed(0)} ms.`);
    live.predictNow();
    return true;
  } catch (e) {
    if (state.loads.isNewest(generation)) {
      const still = state.current;
      picker.value = still ? still.entry.id : '';
      setStatus(still ? `${still.entry.title} is still in use.` : 'No model loaded.');
      showMessage(`Could not switch to '${id}': ${(e as Error).message}`);
    }
    throw e;
  } finally {
    state.loads.end();
  }
}
