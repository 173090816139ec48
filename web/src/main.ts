/**
 * The draw-and-predict page: a drawing pad or an uploaded photo -> the library's own preprocessing
 * (the code `hwr predict` runs) -> a saved model -> live top-3 and the 28x28 image the model sees,
 * or, with a line model, the page it reads (its lines found, each read with CTC), the line images
 * it sees and the lines' boxes over the pad.
 *
 * This module only wires the others: state.ts (what the page holds), predict.ts (running a model),
 * live.ts (when to predict and announce), view.ts (the DOM) and overlay.ts (line boxes over the pad),
 * select.ts (switching models), pad.ts and pad_geometry.ts (the pad and its pen), photo.ts (decoding
 * uploads), bench.ts and hooks.ts (window.hwr for tests and the benchmark).
 */
import { BROWSER_BACKENDS, BrowserBackend, describeBrowserBackend, initBrowserBackend } from './backend';
import { installHooks } from './hooks';
import { LiveReader } from './live';
import { fetchModelIndex, optionLabel, unsupportedReason } from './models';
import { DrawingPad } from './pad';
import { decodePhoto } from './photo';
import { selectModel } from './select';
import { createPageState } from './state';
import { $, clearLineBoxes, showMessage } from './view';

const params = new URLSearchParams(location.search);
const state = createPageState();
const pad = new DrawingPad($<HTMLCanvasElement>('pad'));
const live = new LiveReader(state, pad);
const modelSelect = $<HTMLSelectElement>('model');
const select = (id: string) => selectModel({ state, pad, live }, id);

async function onUpload(file: File): Promise<void> {
  showMessage(null);
  try {
    const decoded = await decodePhoto(file);
    state.photo = { rgba: decoded.rgba, name: file.name, serial: ++state.photoSerial };
    pad.showPhoto(decoded.bitmap);
    live.predictNow();
  } catch (e) {
    showMessage((e as Error).message);
  }
}

async function registerServiceWorker(): Promise<boolean> {
  if (!('serviceWorker' in navigator) || params.has('nosw')) return false;
  try {
    await navigator.serviceWorker.register('sw.js');
    await navigator.serviceWorker.ready;
    $('offline').textContent = 'Works offline: the app and its models are cached.';
    return true;
  } catch (e) {
    $('offline').textContent = `Not available offline (${(e as Error).message}).`;
    return false;
  }
}

async function start(): Promise<void> {
  const forced = params.get('backend');
  if (forced && !(BROWSER_BACKENDS as readonly string[]).includes(forced)) {
    throw new Error(`?backend=${forced} is not one of ${BROWSER_BACKENDS.join(', ')}`);
  }
  state.backend = await initBrowserBackend({ forced: (forced as BrowserBackend) ?? undefined, softwareWebgl: params.has('softwareWebgl') });
  $('backend').textContent = describeBrowserBackend(state.backend);
  state.index = await fetchModelIndex();
  const usable = state.index.models.filter((m) => !unsupportedReason(m));
  if (usable.length === 0) throw new Error('models.json lists no model this page can run; train one (hwr train) and serve it (hwr serve --models saved_models)');
  modelSelect.replaceChildren(...state.index.models.map((m) => {
    const o = document.createElement('option');
    o.value = m.id;
    o.textContent = optionLabel(m);
    o.disabled = !!unsupportedReason(m);
    return o;
  }));
  const wanted = params.get('model');
  await select(wanted && usable.some((m) => m.id === wanted) ? wanted : usable[0].id);
}

pad.onChange = () => {
  // Drawing over a photo replaces it: its line boxes go at once, not at the next reading.
  if (state.photo && !pad.showsPhoto()) clearLineBoxes(pad);
  live.schedule();
};
pad.onStrokeEnd = () => live.predictNow();
$('undo').addEventListener('click', () => {
  pad.undo();
  live.predictNow();
});
$('clear').addEventListener('click', () => {
  pad.clear();
  showMessage(null);
  live.predictNow();
});
$<HTMLInputElement>('upload').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = ''; // choosing the same file again must fire again
  if (file) void onUpload(file);
});
$('decoder').addEventListener('change', () => live.predictNow());
modelSelect.addEventListener('change', () => {
  select(modelSelect.value).catch(() => {}); // select() has shown the error and put the picker back
});

const ready = start().catch((e) => {
  showMessage(`The app could not start: ${(e as Error).message}`);
  throw e;
});
const offline = ready.then(registerServiceWorker, () => false);
installHooks({ state, pad, live, ready, offline, selectModel: select });
