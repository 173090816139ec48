/**
 * A photo of a sheet with the desk around it: the sheet's photo (`putOnPaper`'s) placed on a plain,
 * grainy surface from dark brown to mid grey, with a margin of desk on each side. Not used in
 * training (training photos are all paper); bench:read's `fonts-desk` set measures readers on such
 * photos (image/sheet.ts is what lets the line model read them).
 */
import type { PixelBox } from '../image/gray';
import type { RgbaImage } from '../image/rgba';
import type { Rng } from '../util/rng';

/**
 * `photo` on a desk: 10-30% of its width of desk left and right, 20-60% of its height (12 px or
 * more) above and below. `sheet` is where the photo is in the new image.
 */
export function photoOnDesk(photo: RgbaImage, rng: Rng): { image: RgbaImage; sheet: PixelBox } {
  const side = (share: [number, number], of: number) => Math.max(12, Math.round(rng.uniform(share[0], share[1]) * of));
  const [left, right] = [side([0.1, 0.3], photo.width), side([0.1, 0.3], photo.width)];
  const [top, bottom] = [side([0.2, 0.6], photo.height), side([0.2, 0.6], photo.height)];
  const width = photo.width + left + right;
  const height = photo.height + top + bottom;
  // A desk from dark brown wood to a grey table top: one colour, a little grain.
  const level = rng.uniform(40, 140);
  const warmth = rng.uniform(0, 1);
  const colour = [level, level * (1 - 0.2 * warmth), level * (1 - 0.4 * warmth)];
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const grain = 16 * (rng.next() - 0.5);
    data[4 * p] = colour[0] + grain;
    data[4 * p + 1] = colour[1] + grain;
    data[4 * p + 2] = colour[2] + grain;
    data[4 * p + 3] = 255;
  }
  for (let y = 0; y < photo.height; y++) {
    data.set(photo.data.subarray(4 * y * photo.width, 4 * (y + 1) * photo.width), 4 * ((y + top) * width + left));
  }
  return { image: { width, height, data }, sheet: { x: left, y: top, width: photo.width, height: photo.height } };
}
