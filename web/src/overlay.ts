/**
 * The line boxes drawn over the pad: where a page reading found each line, on a transparent canvas
 * laid over the pad's (same resolution, no pointer events), so the photo or drawing underneath is
 * never touched and what the model reads stays the pixels the user gave. The boxes drawn are
 * written to the canvas's `data-boxes` (pad pixels) for the tests.
 */
import type { PixelBox } from '../../src/image/gray';
import type { ImagePlacement } from './pad';

/** Boxes in image pixels -> the same boxes in canvas pixels, for an image placed at `at`. */
export function placeBoxes(boxes: readonly PixelBox[], at: ImagePlacement): PixelBox[] {
  return boxes.map((b) => ({ x: at.x + at.scale * b.x, y: at.y + at.scale * b.y, width: at.scale * b.width, height: at.scale * b.height }));
}

/** Line boxes: a colour that shows on white paper, dark ink and most photos. */
const BOX_COLOUR = '#e8590c';

/**
 * Clears `canvas` to `width` x `height` (the pad's resolution) and draws `boxes` (canvas pixels),
 * each numbered at its top-left; an empty list leaves it clear. Each box is drawn a little outside
 * the ink it bounds, so its line does not cover the writing.
 */
export function paintLineBoxes(canvas: HTMLCanvasElement, width: number, height: number, boxes: readonly PixelBox[]): void {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width; // also clears it
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, width, height);
  canvas.dataset.boxes = JSON.stringify(boxes);
  if (boxes.length === 0) return;
  // Sized in screen pixels (the canvas is shown smaller than its resolution, a third on a phone).
  const css = canvas.clientWidth > 0 ? width / canvas.clientWidth : 1;
  const lw = 2 * css;
  const gap = 2 * lw;
  const fontPx = Math.round(13 * css);
  ctx.lineWidth = lw;
  ctx.strokeStyle = BOX_COLOUR;
  ctx.font = `600 ${fontPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  boxes.forEach((b, i) => {
    const x = b.x - gap;
    const y = b.y - gap;
    ctx.strokeRect(x, y, b.width + 2 * gap, b.height + 2 * gap);
    const label = String(i + 1);
    const w = ctx.measureText(label).width + fontPx / 2;
    // The number sits on the box's corner, inside the canvas.
    const lx = Math.min(Math.max(0, x), width - w);
    const ly = Math.min(Math.max(0, y - fontPx - 2), height - fontPx - 4);
    ctx.fillStyle = BOX_COLOUR;
    ctx.fillRect(lx, ly, w, fontPx + 4);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(label, lx + fontPx / 4, ly + 2);
  });
}
