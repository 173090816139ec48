/**
 * `findLineInk` where the paper's noise sets the threshold: faint writing blurred by the camera is
 * looked for through a blur (`NOISY_INK_BLUR`), so it is found whole, and blank noisy paper stays blank.
 */
import { createImage, FloatImage } from '../src/image/gray';
import { findLineInk } from '../src/image/line';
import { createRng } from '../src/util/rng';

const { exp, sqrt, log, cos, PI } = Math;

const [W, H] = [240, 60];
const PAPER = 0.8;
/** The bar's rows and columns: a stroke 6 px thick, 180 px long. */
const BAR = { x0: 30, x1: 210, y0: 27, y1: 33 };

/** Paper with per-pixel Gaussian noise of `noise` (gray), and, when `ink` > 0, a soft bar darker by `ink` at its core. */
function noisyPhoto(seed: number, noise: number, ink: number): FloatImage {
  const rng = createRng(seed);
  const img = createImage(W, H);
  const soft = (d: number) => exp(-(d * d) / 2); // the camera's blur, 1 px
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dy = y < BAR.y0 ? BAR.y0 - y : y >= BAR.y1 ? y - BAR.y1 + 1 : 0;
      const dx = x < BAR.x0 ? BAR.x0 - x : x >= BAR.x1 ? x - BAR.x1 + 1 : 0;
      const n = sqrt(-2 * log(1 - rng.next())) * cos(2 * PI * rng.next()); // Box-Muller
      img.data[y * W + x] = PAPER - ink * soft(dx) * soft(dy) + noise * n;
    }
  }
  return img;
}

/** Share of the bar's pixels in the mask, and of the paper's pixels 3 px or more from it. */
function coverage(mask: { data: Uint8Array }): { bar: number; paper: number } {
  let [bar, barN, paper, paperN] = [0, 0, 0, 0];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const m = mask.data[y * W + x];
      if (y >= BAR.y0 && y < BAR.y1 && x >= BAR.x0 && x < BAR.x1) [bar, barN] = [bar + m, barN + 1];
      else if (y < BAR.y0 - 3 || y >= BAR.y1 + 3 || x < BAR.x0 - 3 || x >= BAR.x1 + 3) [paper, paperN] = [paper + m, paperN + 1];
    }
  }
  return { bar: bar / barN, paper: paper / paperN };
}

describe('findLineInk in a noisy photo', () => {
  test('faint blurred writing under strong per-pixel noise is found whole through the blur, and not without it', () => {
    // Noise 4% of the gray range (5% of the paper's light), the bar 15% darker: under 4 sigma.
    for (const seed of [1, 2, 3]) {
      const photo = noisyPhoto(seed, 0.04, 0.12);
      const found = findLineInk(photo);
      expect(found.blank).toBe(false);
      const c = coverage(found.mask);
      expect(c.bar).toBeGreaterThan(0.9);
      expect(c.paper).toBeLessThan(0.002);
      const plain = findLineInk(photo, { denoise: false });
      expect(plain.blank || coverage(plain.mask).bar < 0.3).toBe(true);
    }
  });

  test('noisy blank paper stays blank, with the blur as without it', () => {
    for (const seed of [4, 5, 6]) {
      const photo = noisyPhoto(seed, 0.04, 0);
      expect(findLineInk(photo).blank).toBe(true);
      expect(findLineInk(photo, { denoise: false }).blank).toBe(true);
    }
  });

  test('writing well above the noise is found as before: the blur is not used', () => {
    const photo = noisyPhoto(7, 0.01, 0.4);
    const a = findLineInk(photo);
    const b = findLineInk(photo, { denoise: false });
    expect(Array.from(a.mask.data)).toEqual(Array.from(b.mask.data));
    expect(a.level).toBe(b.level);
  });
});
