/**
 * The page's state in one place: the backend, the models index, the model that is predicting, the
 * photo on the pad, the last prediction, and which model load is the newest. Loads can finish out
 * of order (a big model picked first, a small one just after); only the newest may become current,
 * so the picker and the predicting model always agree.
 */
import type { RgbaImage } from '../../src/image/rgba';
import type { BrowserBackendReport } from './backend';
import type { LoadedModel, ModelIndex } from './models';
import type { PagePrediction } from './predict';

/** The model that is predicting, with the time of its first (warm-up) prediction. */
export interface CurrentModel extends LoadedModel {
  firstPredictMs: number;
}

/** An uploaded photo shown on the pad; `serial` tells two uploads of the same file apart. */
export interface ShownPhoto {
  rgba: RgbaImage;
  name: string;
  serial: number;
}

/** Numbers model loads in the order they start; a load is kept only if no newer one started since. */
export class LoadGenerations {
  private newest = 0;
  private running = 0;

  /** Starts a load; returns its generation. Pair with `end`. */
  begin(): number {
    this.running++;
    return ++this.newest;
  }

  end(): void {
    this.running--;
  }

  /** False once a newer load started: this one's model must be thrown away, not shown. */
  isNewest(generation: number): boolean {
    return generation === this.newest;
  }

  /** Loads started and not yet finished (tests wait for 0). */
  get inFlight(): number {
    return this.running;
  }
}

/** Everything the page's modules share. */
export interface PageState {
  backend: BrowserBackendReport | null;
  index: ModelIndex;
  current: CurrentModel | null;
  photo: ShownPhoto | null;
  photoSerial: number;
  last: PagePrediction | null;
  loads: LoadGenerations;
}

export function createPageState(): PageState {
  return { backend: null, index: { version: 1, models: [] }, current: null, photo: null, photoSerial: 0, last: null, loads: new LoadGenerations() };
}
