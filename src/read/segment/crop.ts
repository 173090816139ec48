/** A candidate character cut out of a line image and put into a character model's geometry (EMNIST's by default). */
import { FloatImage, createImage } from '../../image/gray';
import { centreByBox, centreByMass, fitInBox } from '../../image/geometry';
import { EMNIST_GEOMETRY, PreprocessOptions } from '../../image/preprocess';
import { SegmentLineImage, LineLayout, Piece } from './layout';

// Local bindings: jest runs code in a vm context where each global lookup (Math) is ~100x slower.
const { max, min } = Math;

/**
 * The ink of `pieces` (only the pixels their components own, so an overlapping neighbour's strokes
 * stay out), cropped to its bounding box, longest side scaled to `box` and centred in a size x size
 * canvas by `centring` (EMNIST: 24 px, box centre, 28x28). Writes [size * size] floats 0..1 into
 * `out` at `offset`; returns the ink box's size before scaling, or null (and writes zeros) when the
 * pieces hold no ink.
 */
export function cropCharacter(
  line: SegmentLineImage,
  layout: LineLayout,
  pieces: readonly Piece[],
  out: Float32Array,
  offset = 0,
  geometry: PreprocessOptions = EMNIST_GEOMETRY,
): { width: number; height: number } | null {
  const size = geometry.size ?? 28;
  const box = geometry.box ?? 20;
  const { width } = line;
  let x0 = Infinity;
  let x1 = -1;
  let y0 = Infinity;
  let y1 = -1;
  for (const p of pieces) {
    const [r0, r1] = layout.rows[p.component];
    for (let y = r0; y < r1; y++) {
      for (let x = p.x0; x < p.x1; x++) {
        if (layout.owner[y * width + x] !== p.component) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  out.fill(0, offset, offset + size * size);
  if (x1 < 0) return null;
  const crop = createImage(x1 - x0 + 1, y1 - y0 + 1);
  for (const p of pieces) {
    const [r0, r1] = layout.rows[p.component];
    for (let y = max(r0, y0); y < min(r1, y1 + 1); y++) {
      for (let x = max(p.x0, x0); x < min(p.x1, x1 + 1); x++) {
        const q = y * width + x;
        if (layout.owner[q] === p.component) crop.data[(y - y0) * crop.width + (x - x0)] = line.pixels[q] / 255;
      }
    }
  }
  const fitted: FloatImage = fitInBox(crop, box);
  const placed = geometry.centring === 'box' ? centreByBox(fitted, size) : centreByMass(fitted, size);
  out.set(placed.data, offset);
  return { width: crop.width, height: crop.height };
}
