/**
 * The draw-and-predict page: a drawing pad or an uploaded photo -> the library's own preprocessing
 * (the code `hwr predict` runs) -> a saved model -> live top-3 and the 28x28 image the model sees,
 * or, with a line model, the word or line it reads (CTC) and the line image it sees.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClassProbability, predictProbabilities, topClasses } from '../../src/read/classify';
import { PreprocessedLine, preprocessLineRgba } from '../../src/image/line';
import { PreprocessedImage, preprocessRgba } from '../../src/image/preprocess';
import type { RgbaImage } from '../../src/image/rgba';
import { ReadLine, readPreprocessedLine } from '../../src/lines/line_model';
import { BROWSER_BACKENDS, BrowserBackend, BrowserBackendReport, describeBrowserBackend, initBrowserBackend } from './backend';
import {
  LoadedModel, ModelIndex, fetchModelIndex, linePreprocessOptionsFor, loadIndexedModel, optionLabel, preprocessOptionsFor, unsupportedReason,
} from './models';
import { DrawingPad } from './pad';
import { decodePhoto } from './photo';

/** The last prediction, as the page shows it (and tests and the benchmark read it). */
export interface PagePrediction {
  /** Which drawing/photo and model (and decoder) it was made from (see `currentKey`). */
  key: string;
  source: 'drawing' | 'photo';
  modelId: string;
  kind: 'character' | 'line';
  /**
   * The model input exactly, floats 0..1: [28 * 28] for a character; [height * width] for a line
   * (the preprocessed line padded on the right, row-major). Empty when there was no ink.
   */
  input: number[];
  /** Character models; empty for a line model. */
  top3: ClassProbability[];
  probs: number[];
  /** Line models: the text read, its confidence, the decoder, the input's size and the recipe's notes. */
  text?: string;
  confidence?: number;
  decoder?: 'greedy' | 'beam';
  width?: number;
  height?: number;
  notes?: string[];
  /** Preprocessing and model time of this prediction. */
  preprocessMs: number;
  predictMs: number;
  /** Set when nothing could be predicted (no ink). */
  note?: string;
}

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

/** The pad for a word or a line: 5:2, and a pen about 1/7 of a 200 px letter, as thick as EMNIST's strokes are. */
const LINE_PAD = { width: 1000, height: 400, penWidth: 28 };
/** The pad for one character: 280 px, 10 pad pixels per MNIST pixel, a 2-pixel pen. */
const CHAR_PAD = { width: 280, height: 280, penWidth: 20 };

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
};

const params = new URLSearchParams(location.search);
const pad = new DrawingPad($<HTMLCanvasElement>('pad'));
const seen = $<HTMLCanvasElement>('seen');
const modelSelect = $<HTMLSelectElement>('model');
const decoderSelect = $<HTMLSelectElement>('decoder');
const message = $<HTMLParagraphElement>('message');

let backend: BrowserBackendReport | null = null;
let index: ModelIndex = { version: 1, models: [] };
let current: (LoadedModel & { firstPredictMs: number }) | null = null;
let photo: { rgba: RgbaImage; name: string; serial: number } | null = null;
let photoSerial = 0;
let last: PagePrediction | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;

function decoder(): 'greedy' | 'beam' {
  return decoderSelect.value === 'beam' ? 'beam' : 'greedy';
}

function currentKey(): string {
  if (photo && !pad.showsPhoto()) photo = null;
  const model = current ? (current.line ? `${current.entry.id}/${decoder()}` : current.entry.id) : '-';
  return `${model}:${photo ? `photo${photo.serial}` : `pad${pad.version}`}`;
}

function showMessage(text: string | null, kind: 'error' | 'info' = 'error'): void {
  message.hidden = !text;
  message.textContent = text ?? '';
  message.className = kind;
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

/** Preprocesses what is on the pad (or the photo) and predicts; returns what it showed. */
function predictNow(): PagePrediction | null {
  if (timer) clearTimeout(timer);
  timer = null;
  if (!current) return null;
  if (photo && !pad.showsPhoto()) photo = null; // drawing, undo or clear replaced the photo
  const key = currentKey();
  const source = photo ? 'photo' : 'drawing';
  const modelId = current.entry.id;
  const kind = current.line ? 'line' : 'character';
  if (!photo && pad.isEmpty()) {
    last = { key, source, modelId, kind, input: [], top3: [], probs: [], preprocessMs: 0, predictMs: 0, note: 'empty' };
    const what = current.line ? 'Write a word or a short line' : current.entry.classes.length === 10 ? 'Draw a digit' : 'Draw a character';
    if (current.line) renderLine(null, `${what} in the box`);
    else renderResult(null, [], `${what} in the box`);
    return last;
  }
  const rgba = photo ? photo.rgba : pad.pixels();
  const name = photo ? photo.name : 'the drawing';
  if (current.line) return predictLine(key, source, rgba, name);
  const t0 = performance.now();
  let pre: PreprocessedImage;
  try {
    pre = preprocessRgba(rgba, preprocessOptionsFor(current.entry), name);
  } catch (e) {
    const note = (e as Error).message;
    last = { key, source, modelId, kind, input: [], top3: [], probs: [], preprocessMs: performance.now() - t0, predictMs: 0, note };
    renderResult(null, [], note.replace(/^.*?: no ink found/, 'No ink found'));
    return last;
  }
  const t1 = performance.now();
  const probs = predictProbabilities(current.model, current.entry.classes, [pre])[0];
  const top3 = topClasses(probs, current.entry.classes, 3);
  const t2 = performance.now();
  last = { key, source, modelId, kind, input: Array.from(pre.pixels), top3, probs: Array.from(probs), preprocessMs: t1 - t0, predictMs: t2 - t1 };
  renderResult(pre, top3, null);
  return last;
}

/** The line recipe at the model's height (as `hwr predict`), the model, CTC decoding. */
function predictLine(key: string, source: 'drawing' | 'photo', rgba: RgbaImage, name: string): PagePrediction {
  const { entry, model, line: meta } = current as LoadedModel & { line: NonNullable<LoadedModel['line']> };
  const base = { key, source, modelId: entry.id, kind: 'line' as const, top3: [], probs: [], decoder: decoder() };
  const t0 = performance.now();
  let pre: PreprocessedLine;
  try {
    pre = preprocessLineRgba(rgba, linePreprocessOptionsFor(meta), name);
  } catch (e) {
    const note = (e as Error).message; // e.g. writing far too wide for one line
    last = { ...base, input: [], preprocessMs: performance.now() - t0, predictMs: 0, note };
    renderLine(null, note);
    return last;
  }
  const t1 = performance.now();
  const read = readPreprocessedLine(model, meta, pre, { decoder: decoder() });
  const t2 = performance.now();
  last = {
    ...base,
    input: pre.empty ? [] : Array.from(read.line.pixels),
    text: read.text,
    confidence: read.confidence,
    width: read.line.width,
    height: read.line.height,
    notes: pre.notes,
    preprocessMs: t1 - t0,
    predictMs: t2 - t1,
    ...(pre.empty ? { note: pre.notes[0] } : {}),
  };
  const hint = pre.empty ? 'No ink found: write a word in the box' : pre.notes.map((n) => n.replace(/^.*?: /, '')).join(' ');
  renderLine(pre.empty ? null : read, hint ? hint[0].toUpperCase() + hint.slice(1) : null);
  return last;
}

/**
 * Predicts soon while a stroke is drawn: at most ~8 times a second for a character; for a line,
 * every 0.4 s (the line recipe on the wide pad takes ~0.1 s, which would make the pen stutter).
 */
function schedule(): void {
  if (!timer) timer = setTimeout(predictNow, current?.line ? 400 : 120);
}

function renderResult(pre: PreprocessedImage | null, top3: ClassProbability[], note: string | null): void {
  const list = $<HTMLOListElement>('top3');
  list.replaceChildren(...top3.map((t, i) => {
    const li = document.createElement('li');
    li.className = i === 0 ? 'best' : '';
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = t.label;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.setProperty('--p', String(t.p));
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(100 * t.p).toFixed(1)}%`;
    li.append(label, bar, pct);
    return li;
  }));
  $('hint').textContent = note ?? '';
  $('hint').hidden = !note;
  const ctx = seen.getContext('2d');
  if (!ctx) return;
  const size = pre?.size ?? 28;
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = pre ? pre.uint8[i] : 0;
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

/** Shows a line model's reading: the text, its confidence and the line image the model read. */
function renderLine(read: ReadLine | null, note: string | null): void {
  const text = $('line-text');
  text.textContent = read ? (read.text === '' ? '(nothing read)' : read.text) : '…';
  text.classList.toggle('empty', !read || read.text === '');
  $('line-confidence').textContent = read ? `confidence ${(100 * read.confidence).toFixed(1)}% (${decoder() === 'beam' ? 'beam search' : 'best path'})` : '';
  $('hint').textContent = note ?? '';
  $('hint').hidden = !note;
  const canvas = $<HTMLCanvasElement>('seen-line');
  const H = current?.line?.height ?? 28;
  const W = read ? read.line.width : 2 * H;
  canvas.width = W;
  canvas.height = H;
  canvas.style.setProperty('--w', String(W));
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(W, H);
  for (let i = 0; i < W * H; i++) {
    const v = read ? read.line.uint8[i] : 0;
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

/** The pad, the titles and the result panel for a character model or a line model. */
function applyLayout(loaded: LoadedModel): void {
  const { entry, line } = loaded;
  const g = line ? LINE_PAD : CHAR_PAD;
  pad.setGeometry(g.width, g.height, g.penWidth);
  document.body.classList.toggle('lines', !!line);
  pad.canvas.setAttribute('aria-label', line
    ? 'Writing area: write a word or a short line with a mouse, a finger or a pen'
    : 'Drawing area: draw with a mouse, a finger or a pen');
  $('char-result').hidden = !!line;
  $('line-result').hidden = !line;
  if (line) {
    const chars = line.charset.filter((c) => c !== ' ');
    $('title').textContent = 'Write a word';
    $('classes').textContent = `Writes ${chars.length} characters: ${chars.join(' ')}${chars.length < line.charset.length ? ', and spaces' : ''}`;
    $('seen-line-caption').textContent = `What the model sees: ${line.height} px high, white ink on black, the writing scaled so ` +
      `its median character is ${Math.round((21 / 28) * line.height)} px tall, as in the synthetic training lines, and padded with black on the right.`;
    return;
  }
  const digitsOnly = entry.classes.every((c) => /^[0-9]$/.test(c));
  $('title').textContent = digitsOnly ? 'Draw a digit' : 'Draw a character';
  $('classes').textContent = `Knows ${entry.classes.length} classes: ${entry.classes.join(' ')}`;
  const geo = preprocessOptionsFor(entry);
  $('seen-caption').textContent = `What the model sees: 28×28, white ink on black, fitted into ${geo.box} px and ` +
    (geo.centring === 'box' ? 'centred by its box, as EMNIST was made.' : 'centred by mass, as MNIST was made.');
}

async function selectModel(id: string): Promise<void> {
  const entry = index.models.find((m) => m.id === id);
  if (!entry) throw new Error(`no model '${id}' in models.json`);
  const why = unsupportedReason(entry);
  if (why) throw new Error(`${entry.title}: ${why}`);
  setStatus(`Loading ${entry.title} (${(entry.bytes / 1e6).toFixed(1)} MB)…`);
  const loaded = await loadIndexedModel(entry);
  // The first call compiles kernels (shaders on webgl): do it now, not on the first stroke, and time it.
  const warmup = loaded.line ? [1, loaded.line.height, 64, 1] : [1, 28, 28, 1];
  const t0 = performance.now();
  tf.tidy(() => (loaded.model.predict(tf.zeros(warmup)) as tf.Tensor).dataSync());
  const firstPredictMs = performance.now() - t0;
  current?.model.dispose();
  current = { ...loaded, firstPredictMs };
  modelSelect.value = id;
  applyLayout(loaded);
  setStatus(`${entry.title}: loaded in ${loaded.loadMs.toFixed(0)} ms, first prediction ${firstPredictMs.toFixed(0)} ms.`);
  predictNow();
}

async function onUpload(file: File): Promise<void> {
  showMessage(null);
  try {
    const decoded = await decodePhoto(file);
    photo = { rgba: decoded.rgba, name: file.name, serial: ++photoSerial };
    pad.showPhoto(decoded.bitmap);
    predictNow();
  } catch (e) {
    showMessage((e as Error).message);
  }
}

function benchmark(runs = 100): BenchmarkResult {
  if (!current || !backend) throw new Error('no model loaded yet');
  const { model, entry, line } = current;
  const rgba = photo ? photo.rgba : pad.pixels();
  const name = 'the benchmark input (draw or upload a character or a word first)';
  let prepare: () => unknown;
  let predict: () => unknown;
  if (line) {
    const opts = linePreprocessOptionsFor(line);
    const input = preprocessLineRgba(rgba, opts, name);
    if (input.empty) throw new Error(`${name}: no ink`);
    prepare = () => preprocessLineRgba(rgba, opts);
    predict = () => readPreprocessedLine(model, line, input, { decoder: decoder() });
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
  const q = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return {
    backend: backend.name, modelId: entry.id, loadMs: current.loadMs, firstPredictMs: current.firstPredictMs,
    medianMs: q(predictTimes, 0.5), p90Ms: q(predictTimes, 0.9), meanMs, runs, preprocessMedianMs: q(preprocessTimes, 0.5),
  };
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
  backend = await initBrowserBackend({ forced: (forced as BrowserBackend) ?? undefined, softwareWebgl: params.has('softwareWebgl') });
  $('backend').textContent = describeBrowserBackend(backend);
  index = await fetchModelIndex();
  const usable = index.models.filter((m) => !unsupportedReason(m));
  if (usable.length === 0) throw new Error('models.json lists no model this page can run; train one (hwr train) and serve it (hwr serve --models saved_models)');
  modelSelect.replaceChildren(...index.models.map((m) => {
    const o = document.createElement('option');
    o.value = m.id;
    o.textContent = optionLabel(m);
    o.disabled = !!unsupportedReason(m);
    return o;
  }));
  const wanted = params.get('model');
  await selectModel(wanted && usable.some((m) => m.id === wanted) ? wanted : usable[0].id);
}

pad.onChange = schedule;
pad.onStrokeEnd = predictNow;
$('undo').addEventListener('click', () => {
  pad.undo();
  predictNow();
});
$('clear').addEventListener('click', () => {
  pad.clear();
  showMessage(null);
  predictNow();
});
$<HTMLInputElement>('upload').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = ''; // choosing the same file again must fire again
  if (file) void onUpload(file);
});
decoderSelect.addEventListener('change', () => predictNow());
modelSelect.addEventListener('change', () => {
  selectModel(modelSelect.value).catch((e) => showMessage((e as Error).message));
});

const ready = start().catch((e) => {
  showMessage(`The app could not start: ${(e as Error).message}`);
  throw e;
});
const offline = ready.then(registerServiceWorker, () => false);

/** For tests and the benchmark (window.hwr); the page does not use it. */
(window as unknown as { hwr: unknown }).hwr = {
  ready,
  offline,
  backend: () => backend,
  model: () => current?.entry ?? null,
  last: () => last,
  /** True when the shown prediction was made from what is on the pad now. */
  settled: () => timer === null && last !== null && last.key === currentKey(),
  predictNow,
  padPng: () => pad.toPng(),
  selectModel,
  benchmark,
};
