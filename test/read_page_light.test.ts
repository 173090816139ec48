/**
 * `readPage` under light a smooth surface cannot follow: a shadow's sharp edge across a line of
 * faint red writing on grey paper, with camera noise and specks of dust. Page layout finds the line
 * (it turns to 'local' lighting there); the line recipe, reading it with a smooth fit, took the
 * shadow for ink. Read with the committed line model.
 */
import * as path from 'path';
import { editDistance } from '../src/eval/text_metrics';
import { withLineLighting } from '../src/image/line';
import { RgbaImage, rgbaToGray } from '../src/image/rgba';
import { LoadedLineModel, loadLineModel } from '../src/lines/read';
import { readPage } from '../src/read/page';
import { initBackend } from '../src/runtime/backend';
import { renderFontLine } from '../src/synth/font_line';
import { InkLine, createInkLine } from '../src/synth/ink';
import { LightingLook, drawPaperLook, renderPaper } from '../src/synth/paper';
import { createRng } from '../src/util/rng';

const TEXT = 'subsidy to American';

/** `ink` on grey paper in red, a shadow's edge crossing it a third of the way along. */
function shadowedPhoto(ink: InkLine): RgbaImage {
  const look = drawPaperLook(ink, createRng(2), { strength: 0 });
  const lighting: LightingLook = {
    gradient: 0, radial: false, gradientAngle: 0, centre: [0, 0], vignette: 0,
    shadow: 0.5, shadowAngle: 0.3, shadowOffset: -0.35, shadowSoftness: 0.15,
  };
  Object.assign(look, {
    paper: [0.67, 0.69, 0.67], ink: [0.8, 0.22, 0.24], inkOpacity: 0.9, lighting, rules: null,
    neighbours: { above: null, below: null }, margins: { left: 0.8, right: 0.8, top: 0.6, bottom: 0.6 },
    saltPepper: 0.004, noise: 0.02, blur: 0.05, jpegQuality: null, scale: 1,
  });
  return renderPaper(ink, look).image;
}

describe('readPage across the sharp edge of a shadow', () => {
  let loaded: LoadedLineModel;
  beforeAll(async () => {
    await initBackend();
    loaded = await loadLineModel(path.join(__dirname, '..', 'saved_models', 'lines'));
  });
  afterAll(() => loaded.model.dispose());

  test("reads the line in 'local' lighting, as page layout found it; a smooth fit took the shadow for ink", async () => {
    const { model, metadata, lm } = loaded;
    const ink = renderFontLine(TEXT, 'caveat', createRng(1), { bodyHeight: [14, 14], style: { slant: 10, penOffset: 0.06 } });
    const photo = shadowedPhoto(ink);
    const cer = (text: string) => editDistance(text, TEXT) / TEXT.length;
    const now = readPage(model, metadata, photo, { decoder: 'beam', lm });
    expect(now.lines).toHaveLength(1);
    expect(cer(now.text)).toBeLessThanOrEqual(0.1);
    // The smooth fit alone, as the recipe read every line before.
    const smooth = readPage(model, metadata, photo, { decoder: 'beam', lm, preprocess: { lighting: 'quadratic' } });
    expect(cer(smooth.text)).toBeGreaterThan(0.5);
  }, 60000);

  test('blank paper under the same shadow still reads as nothing', async () => {
    const { model, metadata, lm } = loaded;
    const photo = shadowedPhoto(createInkLine(300, 40, 28, 14, ''));
    const read = readPage(model, metadata, photo, { decoder: 'beam', lm });
    expect(read.text).toBe('');
  }, 60000);
});

describe('withLineLighting: the lighting the reader and the line generator read a line photo in', () => {
  const ink = renderFontLine(TEXT, 'caveat', createRng(1), { bodyHeight: [14, 14], style: { slant: 10, penOffset: 0.06 } });
  const gray = (rgba: RgbaImage) => rgbaToGray(rgba, { maxSide: 2048 }).image;

  test("'local' across a shadow's sharp edge", () => {
    expect(withLineLighting(gray(shadowedPhoto(ink)), { height: 40 })).toEqual({ height: 40, lighting: 'local' });
  });

  test('the options as given on evenly lit paper, or when the lighting is chosen', () => {
    const even = renderPaper(ink, { ...drawPaperLook(ink, createRng(2), { strength: 0 }), rules: null }).image;
    const opts = { height: 40 };
    expect(withLineLighting(gray(even), opts)).toBe(opts);
    const chosen = { height: 40, lighting: 'quadratic' as const };
    expect(withLineLighting(gray(shadowedPhoto(ink)), chosen)).toBe(chosen);
  });
});
