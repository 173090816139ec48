/** The Figure type every chart returns: SVG text, PNG rendering with bundled fonts, saving, and inline display in tslab. */
import * as fs from 'fs';
import * as path from 'path';
import { Resvg } from '@resvg/resvg-js';

/** A rendered chart: the SVG source plus ways to rasterise, save and display it. */
export interface Figure {
  /** Standalone SVG document. */
  readonly svg: string;
  /** Size in CSS pixels (the PNG at scale 1 has exactly this size). */
  readonly width: number;
  readonly height: number;
  /** Rasterises the SVG to PNG; `scale` 2 gives a sharper image twice the size. */
  toPng(opts?: { scale?: number }): Buffer;
  /** Writes `<path>.svg` and `<path>.png`, or only one when `path` ends in .svg or .png; returns the files written. */
  save(filePath: string): string[];
  /** Displays the figure inline when running in a tslab notebook; returns false (and does nothing) elsewhere. */
  show(opts?: { format?: 'png' | 'svg' }): boolean;
}

/** A display slot that is overwritten in place, for charts that update while training. */
export interface LiveView {
  /** Replaces what the slot shows with `figure`; returns false outside tslab. */
  update(figure: Figure): boolean;
}

// resvg does not find system fonts reliably on a fresh machine, so text is rendered with the DejaVu
// TTFs shipped by the `dejavu-fonts-ttf` package; loading system fonts is switched off so a PNG
// looks the same everywhere.
let fontFiles: string[] | undefined;
function bundledFontFiles(): string[] {
  if (!fontFiles) {
    fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`));
  }
  return fontFiles;
}

/** Renders an SVG document to PNG with the bundled fonts; embedded images are scaled without smoothing. */
export function renderPng(svg: string, scale = 1): Buffer {
  if (!(scale > 0)) throw new Error(`renderPng: scale must be > 0, got ${scale}`);
  const resvg = new Resvg(svg, {
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: bundledFontFiles(),
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
    imageRendering: 1, // optimizeSpeed: nearest-neighbour, so 28x28 digits stay crisp pixels
  });
  return resvg.render().asPng();
}

/** What tslab's injected module offers (a subset of its `Display`). */
interface TslabDisplay {
  png(b: Uint8Array): void;
  svg(s: string): void;
}
interface TslabModule {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

/** The tslab module when this code runs inside a tslab kernel, otherwise undefined. */
function tslabModule(): TslabModule | undefined {
  // tslab's executor sets globalThis.__tslab__ before running a cell; checking it first avoids loading
  // tslab (a devDependency, with its own TypeScript) in plain Node programs.
  if ((globalThis as { __tslab__?: unknown }).__tslab__ === undefined) return undefined;
  try {
    // Same module instance as the kernel's, so display calls reach the running notebook.
    return require('tslab') as TslabModule;
  } catch {
    return undefined;
  }
}

function displayOn(target: TslabDisplay, figure: Figure, format: 'png' | 'svg'): void {
  if (format === 'svg') target.svg(figure.svg);
  else target.png(figure.toPng());
}

/** Wraps an SVG document of the given size into a Figure. */
export function createFigure(svg: string, width: number, height: number): Figure {
  const figure: Figure = {
    svg,
    width,
    height,
    toPng: (opts = {}) => renderPng(svg, opts.scale ?? 1),
    save(filePath: string): string[] {
      const ext = path.extname(filePath).toLowerCase();
      const targets = ext === '.svg' || ext === '.png' ? [filePath] : [`${filePath}.svg`, `${filePath}.png`];
      fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
      for (const target of targets) {
        fs.writeFileSync(target, target.toLowerCase().endsWith('.svg') ? svg : figure.toPng());
      }
      return targets;
    },
    show(opts = {}): boolean {
      const tslab = tslabModule();
      if (!tslab) return false;
      displayOn(tslab.display, figure, opts.format ?? 'png');
      return true;
    },
  };
  return figure;
}

/** Creates a display slot that later `update` calls overwrite (live training curves); a no-op outside tslab. */
export function createLiveView(opts: { format?: 'png' | 'svg' } = {}): LiveView {
  const tslab = tslabModule();
  const slot = tslab?.newDisplay();
  return {
    update(figure: Figure): boolean {
      if (!slot) return false;
      displayOn(slot, figure, opts.format ?? 'png');
      return true;
    },
  };
}
