/**
 * The drawing pad: strokes from mouse, finger or pen (pointer events) on a canvas, undo and clear,
 * and the pixels as RGBA for the preprocessing. Dark ink on white paper, like a sheet of paper.
 */

/** A point in canvas pixels (the canvas's own resolution, not CSS pixels). */
export interface Point {
  x: number;
  y: number;
}

/** An image's place on the canvas: canvas pixel = (x, y) + scale * image pixel. */
export interface ImagePlacement {
  x: number;
  y: number;
  scale: number;
}

/** Options for the pad. */
export interface PadOptions {
  /** Pen width in canvas pixels. Default 20 (on a 280 px pad: 2 px of a 28 px image, as MNIST strokes). `setGeometry` changes it. */
  penWidth?: number;
  ink?: string;
  paper?: string;
}

/** A canvas you draw on. `onChange` fires on every change; `onStrokeEnd` when a finger or button lifts. */
export class DrawingPad {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly opts: Required<PadOptions>;
  private strokes: Point[][] = [];
  private active: { id: number; stroke: Point[] } | null = null;
  private photo: ImageBitmap | null = null;
  private dirty = true;
  /** Increases on every change, so a prediction can say which drawing it was made from. */
  version = 0;
  onChange: () => void = () => {};
  onStrokeEnd: () => void = () => {};

  constructor(canvas: HTMLCanvasElement, opts: PadOptions = {}) {
    this.canvas = canvas;
    // Opaque and read often: getImageData is then exact and fast, and a PNG export keeps the same pixels.
    const ctx = canvas.getContext('2d', { alpha: false, willReadFrequently: true });
    if (!ctx) throw new Error('this browser cannot draw on a canvas (no 2D context)');
    this.ctx = ctx;
    this.opts = { penWidth: 20, ink: '#111111', paper: '#ffffff', ...opts };
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    this.render();
  }

  /** True when there is nothing to read: no strokes and no photo. */
  isEmpty(): boolean {
    return this.strokes.length === 0 && !this.photo;
  }

  /** The pen's width, canvas pixels. */
  get penWidth(): number {
    return this.opts.penWidth;
  }

  /** True while a photo is shown instead of strokes. */
  showsPhoto(): boolean {
    return this.photo !== null;
  }

  /** Removes the last stroke (or the photo). */
  undo(): void {
    if (this.photo) this.photo = null;
    else this.strokes.pop();
    this.changed();
  }

  /**
   * Changes the canvas's resolution and pen (a square pad for a character, a wide one for a word or
   * a line). Strokes are removed, as they would not fit the new shape; a photo stays (letterboxed).
   */
  setGeometry(width: number, height: number, penWidth: number): void {
    if (width === this.canvas.width && height === this.canvas.height && penWidth === this.opts.penWidth) return;
    this.canvas.width = width; // resizing a canvas resets its pixels and its 2D context state
    this.canvas.height = height;
    this.opts.penWidth = penWidth;
    this.strokes = [];
    this.active = null;
    this.changed();
    this.flush();
  }

  /** Removes every stroke and the photo. */
  clear(): void {
    this.strokes = [];
    this.photo = null;
    this.active = null;
    this.changed();
  }

  /** Shows a photo, letterboxed, in place of the strokes (drawing again starts a new drawing). */
  showPhoto(bitmap: ImageBitmap): void {
    this.strokes = [];
    this.photo = bitmap;
    this.changed();
  }

  /**
   * Where the image being read sits on the canvas: canvas = offset + scale * image pixels. The
   * photo is letterboxed (as `render` draws it); a drawing is the canvas itself.
   */
  imagePlacement(): ImagePlacement {
    if (!this.photo) return { x: 0, y: 0, scale: 1 };
    const { width, height } = this.canvas;
    const scale = Math.min(width / this.photo.width, height / this.photo.height);
    return { x: (width - this.photo.width * scale) / 2, y: (height - this.photo.height * scale) / 2, scale };
  }

  /** The pad's pixels, as drawn (RGBA, 4 bytes a pixel). */
  pixels(): ImageData {
    this.flush();
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The pad as a PNG data URL (lossless: decoding it gives `pixels()` back). */
  toPng(): string {
    this.flush();
    return this.canvas.toDataURL('image/png');
  }

  private toCanvas(e: PointerEvent): Point {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private down(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    if (this.active) return; // a second finger does not start a second stroke
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    if (this.photo) this.photo = null;
    const stroke = [this.toCanvas(e)];
    this.active = { id: e.pointerId, stroke };
    this.strokes.push(stroke);
    this.changed();
  }

  private move(e: PointerEvent): void {
    if (!this.active || e.pointerId !== this.active.id) return;
    e.preventDefault();
    // Coalesced events carry the points the browser merged between frames: smoother fast strokes.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) this.active.stroke.push(this.toCanvas(ev));
    this.changed();
  }

  private up(e: PointerEvent): void {
    if (!this.active || e.pointerId !== this.active.id) return;
    this.active = null;
    this.changed();
    this.onStrokeEnd();
  }

  private changed(): void {
    this.version++;
    this.dirty = true;
    requestAnimationFrame(() => this.flush());
    this.onChange();
  }

  private flush(): void {
    if (this.dirty) this.render();
  }

  private render(): void {
    const { ctx, canvas } = this;
    const { penWidth, ink, paper } = this.opts;
    ctx.fillStyle = paper;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (this.photo) {
      const { x, y, scale } = this.imagePlacement();
      ctx.drawImage(this.photo, x, y, this.photo.width * scale, this.photo.height * scale);
    }
    ctx.strokeStyle = ink;
    ctx.fillStyle = ink;
    ctx.lineWidth = penWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    for (const stroke of this.strokes) {
      if (stroke.length === 1) {
        // A tap is a dot.
        ctx.beginPath();
        ctx.arc(stroke[0].x, stroke[0].y, penWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(stroke[0].x, stroke[0].y);
      for (const p of stroke.slice(1)) ctx.lineTo(p.x, p.y);
      ctx.stroke();
    }
    this.dirty = false;
  }
}
