/**
 * The page's DOM: the results panel (top-3 or the text read, and the image the model sees), the pad's
 * layout for a character or a line model, the message and status lines, and the live region a
 * screen reader speaks from. Everything that writes to the document, and nothing that predicts.
 */
import type { LoadedModel } from './models';
import { preprocessOptionsFor } from './models';
import type { DrawingPad } from './pad';
import type { Decoder, Shown } from './predict';

/** The pad for a word or a line: 5:2, and a pen about 1/7 of a 200 px letter, as thick as EMNIST's strokes are. */
export const LINE_PAD = { width: 1000, height: 400, penWidth: 28 };
/** The pad for one character: 280 px, 10 pad pixels per MNIST pixel, a 2-pixel pen. */
export const CHAR_PAD = { width: 280, height: 280, penWidth: 20 };

/** The element with this id; index.html must have it. */
export function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
}

/** The picker's CTC decoder. */
export function selectedDecoder(): Decoder {
  return $<HTMLSelectElement>('decoder').value === 'beam' ? 'beam' : 'greedy';
}

/** Shows an error (or a note) under the pad; null hides it. */
export function showMessage(text: string | null, kind: 'error' | 'info' = 'error'): void {
  const message = $<HTMLParagraphElement>('message');
  message.hidden = !text;
  message.textContent = text ?? '';
  message.className = kind;
}

export function setStatus(text: string): void {
  $('status').textContent = text;
}

/**
 * Puts a short text in the polite live region (visually hidden). Unchanged text is not written
 * again: rewriting it would make some screen readers repeat it.
 */
export function announce(text: string): void {
  const region = $('announce');
  if (region.textContent !== text) region.textContent = text;
}

/** Draws a prediction into the results panel. */
export function renderShown(shown: Shown): void {
  $('hint').textContent = shown.hint ?? '';
  $('hint').hidden = !shown.hint;
  if (shown.kind === 'character') renderCharacter(shown);
  else renderLine(shown);
}

function renderCharacter({ pre, top3 }: Extract<Shown, { kind: 'character' }>): void {
  $<HTMLOListElement>('top3').replaceChildren(...top3.map((t, i) => {
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
  const size = pre?.size ?? 28;
  paintGray($<HTMLCanvasElement>('seen'), size, size, pre?.uint8 ?? null);
}

/** A line model's reading: the text, its confidence and the line image the model read. */
function renderLine({ read, height, decoder }: Extract<Shown, { kind: 'line' }>): void {
  const text = $('line-text');
  text.textContent = read ? (read.text === '' ? '(nothing read)' : read.text) : '…';
  text.classList.toggle('empty', !read || read.text === '');
  $('line-confidence').textContent = read ? `confidence ${(100 * read.confidence).toFixed(1)}% (${decoder === 'beam' ? 'beam search' : 'best path'})` : '';
  const canvas = $<HTMLCanvasElement>('seen-line');
  const W = read ? read.line.width : 2 * height;
  canvas.width = W;
  canvas.height = height;
  canvas.style.setProperty('--w', String(W));
  paintGray(canvas, W, height, read ? read.line.uint8 : null);
}

/** Gray pixels ([height * width], 0..255) onto a canvas of that size; null paints black. */
function paintGray(canvas: HTMLCanvasElement, width: number, height: number, gray: Uint8Array | Uint8ClampedArray | null): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(width, height);
  const data = img.data;
  for (let i = 0; i < width * height; i++) {
    const v = gray ? gray[i] : 0;
    data[4 * i] = v;
    data[4 * i + 1] = v;
    data[4 * i + 2] = v;
    data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** The pad, the titles and the result panel for a character model or a line model. */
export function applyLayout(loaded: LoadedModel, pad: DrawingPad): void {
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
