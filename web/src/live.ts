/**
 * Reading the pad live: while a stroke is drawn, a prediction every so often (the panel follows the
 * pen); when a stroke ends, or after undo, clear, an upload or a model switch, a final one, and only
 * a final one is put in the live region, so a screen reader says the answer once, not at 8 Hz.
 */
import type { DrawingPad } from './pad';
import { PagePrediction, announcement, predictInput } from './predict';
import type { PageState } from './state';
import { announce, renderShown, selectedDecoder } from './view';

/** How long a stroke in progress waits before the next prediction, in ms. */
export interface LiveTimings {
  /** Character models: ~8 predictions a second. */
  characterMs: number;
  /**
   * Line models: reading the wide pad as a page (layout, line recipe, model) takes ~0.2 s in
   * headless Chromium on a busy 2-core machine (test/web_lines.test.ts prints it), and the pen
   * stops while it runs: a reading a second while writing, and one as soon as the pen lifts.
   */
  lineMs: number;
}

export const DEFAULT_LIVE_TIMINGS: LiveTimings = { characterMs: 120, lineMs: 1000 };

export class LiveReader {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly state: PageState, private readonly pad: DrawingPad, private readonly timings: LiveTimings = DEFAULT_LIVE_TIMINGS) {}

  /** Which drawing/photo, model and decoder a prediction is made from; drops a photo the pad no longer shows. */
  key(): string {
    const { state, pad } = this;
    if (state.photo && !pad.showsPhoto()) state.photo = null; // drawing, undo or clear replaced the photo
    const current = state.current;
    const model = current ? (current.line ? `${current.entry.id}/${selectedDecoder()}` : current.entry.id) : '-';
    return `${model}:${state.photo ? `photo${state.photo.serial}` : `pad${pad.version}`}`;
  }

  /** Predicts soon, while a stroke is drawn: the panel updates, the live region does not. */
  schedule(): void {
    if (this.timer) return;
    const ms = this.state.current?.line ? this.timings.lineMs : this.timings.characterMs;
    this.timer = setTimeout(() => this.predictNow(false), ms);
  }

  /**
   * Predicts on what the pad shows now and draws it; `final` (the default) also announces it.
   * Returns the prediction, or null before a model is loaded.
   */
  predictNow(final = true): PagePrediction | null {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const { state, pad } = this;
    const current = state.current;
    if (!current) return null;
    const key = this.key();
    const photo = state.photo;
    const rgba = photo ? photo.rgba : pad.isEmpty() ? null : pad.pixels();
    const { prediction, shown } = predictInput(current, { key, source: photo ? 'photo' : 'drawing', rgba, name: photo ? photo.name : 'the drawing' }, selectedDecoder());
    state.last = prediction;
    renderShown(shown, pad);
    if (final) announce(announcement(shown));
    return prediction;
  }

  /** True when the shown prediction was made from what is on the pad now and none is pending. */
  settled(): boolean {
    const last = this.state.last;
    return this.timer === null && last !== null && last.key === this.key();
  }
}
