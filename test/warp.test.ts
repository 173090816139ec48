/**
 * The column warp that lays drifting lines along rows (src/image/warp.ts), against its definition:
 * each track's pixels land on the track's own row, rows between tracks are shifted by the
 * interpolated amount, and tracks that cross cannot be laid along rows.
 */
import { createImage } from '../src/image/gray';
import { Mask } from '../src/image/threshold';
import { Track, straighteningWarp, trackRow, warpImage, warpMask } from '../src/image/warp';

/** A mask with each track drawn one pixel thick from its left to its right end. */
function drawTracks(tracks: Track[], width: number, height: number): Mask {
  const mask: Mask = { width, height, data: new Uint8Array(width * height) };
  for (const t of tracks) for (let x = t.left; x <= t.right; x++) mask.data[Math.round(trackRow(t, x)) * width + x] = 1;
  return mask;
}

describe('straighteningWarp', () => {
  const W = 200;
  const H = 120;
  // A line rising 3 degrees to the right, a level one, one falling 2 degrees; the first ends early.
  const tracks: Track[] = [
    { x0: 60, y0: 30, slope: -Math.tan((3 * Math.PI) / 180), left: 10, right: 120 },
    { x0: 100, y0: 60, slope: 0, left: 5, right: 195 },
    { x0: 100, y0: 95, slope: Math.tan((2 * Math.PI) / 180), left: 20, right: 180 },
  ];

  test('trackRow: along the course between its ends, level beyond them', () => {
    const t = tracks[0];
    expect(trackRow(t, 60)).toBeCloseTo(30, 9);
    expect(trackRow(t, 120)).toBeCloseTo(30 + t.slope * 60, 9);
    expect(trackRow(t, 190)).toBeCloseTo(trackRow(t, 120), 9);
    expect(trackRow(t, 0)).toBeCloseTo(trackRow(t, 10), 9);
  });

  test('each track\'s pixels land on its own row (y0 + pad) in every column', () => {
    const warp = straighteningWarp(tracks, W, H)!;
    expect(warp).toBeDefined();
    expect(warp.height).toBe(H + 2 * warp.pad);
    const out = warpMask(drawTracks(tracks, W, H), warp);
    for (const t of tracks) {
      const row = Math.round(t.y0) + warp.pad;
      for (let x = t.left; x <= t.right; x++) {
        let hit = -1;
        for (let y = 0; y < out.height; y++) if (out.data[y * W + x] && Math.abs(y - row) <= 1) hit = y;
        expect({ x, hit: hit >= 0 }).toEqual({ x, hit: true });
      }
    }
  });

  test('between two tracks the shift is interpolated; above the first and below the last it is theirs', () => {
    const warp = straighteningWarp(tracks, W, H)!;
    const x = 150; // the first track has ended: level at its right end's row
    const src = (y: number) => warp.srcRow[(y + warp.pad) * W + x];
    const shift = tracks.map((t) => trackRow(t, x) - t.y0);
    expect(src(0) - 0).toBeCloseTo(shift[0], 4);
    expect(src(30) - 30).toBeCloseTo(shift[0], 4);
    expect(src(45) - 45).toBeCloseTo((shift[0] + shift[1]) / 2, 4);
    expect(src(60) - 60).toBeCloseTo(shift[1], 4);
    expect(src(110) - 110).toBeCloseTo(shift[2], 4);
  });

  test('level tracks: the image only moves down by the pad, pixel for pixel', () => {
    const img = createImage(30, 20);
    for (let p = 0; p < img.data.length; p++) img.data[p] = (p * 7919) % 13 / 13;
    const warp = straighteningWarp([{ x0: 15, y0: 5, slope: 0, left: 0, right: 29 }, { x0: 15, y0: 14, slope: 0, left: 0, right: 29 }], 30, 20)!;
    expect(warp.pad).toBe(0);
    expect(Array.from(warpImage(img, warp).data)).toEqual(Array.from(img.data));
  });

  test('tracks that cross (or touch) in some column, or would share a row, cannot both be rows: undefined', () => {
    const crossing: Track[] = [
      { x0: 50, y0: 40, slope: 0.2, left: 0, right: 199 },
      { x0: 50, y0: 50, slope: 0, left: 0, right: 199 },
    ];
    expect(straighteningWarp(crossing, W, H)).toBeUndefined();
    // Parallel, 2.7 rows apart in every column, but measured at different columns both would lie along row 40.
    const sameRow: Track[] = [
      { x0: 40, y0: 40, slope: -0.02, left: 0, right: 199 },
      { x0: 150, y0: 40.5, slope: -0.02, left: 0, right: 199 },
    ];
    expect(straighteningWarp(sameRow, W, H)).toBeUndefined();
  });
});
