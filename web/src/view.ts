/**
 * The page's DOM: the results panel (top-3, or the text read line by line with the line images the
 * model sees), the line boxes over the pad, the pad's layout for a character or a line model, the
 * message and status lines, and the live region a screen reader speaks from. Everything that writes
 * to the document, and nothing that predicts.
 */
import type { PixelBox } from '../../src/image/gray';
import type { LoadedModel } from './models';
import { preprocessOptionsFor } from './models';
import { paintLineBoxes, placeBoxes } from './overlay';
import type { DrawingPad } from './pad';
import { padGeometryFor } from './pad_geometry';
import type { Decoder, Shown } from './predict';

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

/** Draws a prediction into the results panel, and a line model's line boxes over the pad. */
export function renderShown(shown: Shown, pad: DrawingPad): void {
  $('hint').textContent = shown.hint ?? '';
  $('hint').hidden = !shown.hint;
  if (shown.kind === 'character') renderCharacter(shown);
  else renderLine(shown);
  paintLineBoxes($<HTMLCanvasElement>('pad-boxes'), pad.canvas.width, pad.canvas.height, placeBoxes(boxesToShow(shown), pad.imagePlacement()));
}

/**
 * The found lines' boxes (image pixels) to draw over the pad: always for a photo (where the page's
 * lines are), for a drawing only when it holds several lines (a box around the one word being
 * written only hides it).
 */
function boxesToShow(shown: Shown): PixelBox[] {
  if (shown.kind !== 'line' || !shown.page) return [];
  const { lines } = shown.page;
  return shown.source === 'photo' || lines.length > 1 ? lines.map((l) => l.box) : [];
}

/** Takes the line boxes off the pad (the photo they were found on is gone). */
export function clearLineBoxes(pad: DrawingPad): void {
  paintLineBoxes($<HTMLCanvasElement>('pad-boxes'), pad.canvas.width, pad.canvas.height, []);
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

/**
 * A line model's reading: the text (one line of text per line found), its confidence, and each
 * line image the model read, with the line's own text and confidence when there are several.
 */
function renderLine({ page, meta, decoder }: Extract<Shown, { kind: 'line' }>): void {
  const text = $('line-text');
  const lines = page?.lines ?? [];
  const nothing = lines.every((l) => l.text === '');
  text.textContent = page ? (nothing ? '(nothing read)' : page.text) : '…';
  text.classList.toggle('empty', !page || nothing);
  const how = decoder === 'beam' ? 'beam search' : 'best path';
  const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
  $('line-confidence').textContent = !page ? '' : lines.length === 1
    ? `confidence ${pct(page.confidence)} (${how})`
    : `${lines.length} lines, confidence ${pct(page.confidence)} that all are right (${how})`;
  const H = meta.height;
  const items = lines.length > 0 ? lines : [null];
  $<HTMLOListElement>('seen-lines').replaceChildren(...items.map((l, i) => {
    const li = document.createElement('li');
    const canvas = document.createElement('canvas');
    canvas.className = 'seen-line';
    const W = l ? l.line.width : 2 * H;
    canvas.width = W;
    canvas.height = H;
    canvas.style.setProperty('--w', String(W));
    canvas.setAttribute('aria-label', l ? `Line ${i + 1} as the model sees it` : 'The line image the model sees');
    paintGray(canvas, W, H, l ? l.line.uint8 : null);
    li.append(canvas);
    if (l && lines.length > 1) {
      const label = document.createElement('span');
      label.className = 'line-label';
      label.textContent = `${i + 1}. ${l.text === '' ? '(nothing read)' : l.text} · ${pct(l.confidence)}`;
      li.append(label);
    }
    return li;
  }));
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
  const g = padGeometryFor(line);
  pad.setGeometry(g.width, g.height, g.penWidth);
  clearLineBoxes(pad);
  document.body.classList.toggle('lines', !!line);
  pad.canvas.setAttribute('aria-label', line
    ? 'Writing area: write a word or a few lines with a mouse, a finger or a pen'
    : 'Drawing area: draw with a mouse, a finger or a pen');
  $('char-result').hidden = !!line;
  $('line-result').hidden = !line;
  if (line) {
    const chars = line.charset.filter((c) => c !== ' ');
    $('title').textContent = 'Write a word or a few lines';
    $('classes').textContent = `Writes ${chars.length} characters: ${chars.join(' ')}${chars.length < line.charset.length ? ', and spaces' : ''}`;
    const scaled = line.body
      ? `its body (the height of an x) scaled to ${line.body.height} px with the baseline on row ${line.body.baseline}`
      : `its median character scaled to ${Math.round((21 / 28) * line.height)} px`;
    $('seen-line-caption').textContent = `What the model sees, line by line: ${line.height} px high, white ink on black, ` +
      `${scaled}, as in its training lines, and padded with black on the right.`;
    return;
  }
  const digitsOnly = entry.classes.every((c) => /^[0-9]$/.test(c));
  $('title').textContent = digitsOnly ? 'Draw a digit' : 'Draw a character';
  $('classes').textContent = `Knows ${entry.classes.length} classes: ${entry.classes.join(' ')}`;
  const geo = preprocessOptionsFor(entry);
  $('seen-caption').textContent = `What the model sees: 28×28, white ink on black, fitted into ${geo.box} px and ` +
    (geo.centring === 'box' ? 'centred by its box, as EMNIST was made.' : 'centred by mass, as MNIST was made.');
}
