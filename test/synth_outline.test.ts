import {
  Affine,
  PathCommand,
  Polygons,
  chainAffine,
  composeAffine,
  displacePolygons,
  fillPolygons,
  flattenPath,
  perimeter,
  rasterizePath,
  rotation,
  scaling,
  shearX,
  signedArea,
  translation,
} from '../src/synth/outline';

/** Non-zero winding number of (x, y) against polygons (the definition, crossing by crossing). */
function winding(p: Polygons, x: number, y: number): number {
  let w = 0;
  for (let ci = 0; ci < p.starts.length; ci++) {
    const s = p.starts[ci];
    const end = ci + 1 < p.starts.length ? p.starts[ci + 1] : p.xs.length;
    for (let i = s; i < end; i++) {
      const j = i + 1 < end ? i + 1 : s;
      const ya = p.ys[i];
      const yb = p.ys[j];
      if (ya <= y && yb > y) {
        const xc = p.xs[i] + ((y - ya) * (p.xs[j] - p.xs[i])) / (yb - ya);
        if (xc < x) w++;
      } else if (yb <= y && ya > y) {
        const xc = p.xs[i] + ((y - ya) * (p.xs[j] - p.xs[i])) / (yb - ya);
        if (xc < x) w--;
      }
    }
  }
  return w;
}

/** Brute-force coverage: fraction of n x n sample points per pixel with non-zero winding. */
function bruteCoverage(p: Polygons, width: number, height: number, n = 32): Float64Array {
  const out = new Float64Array(width * height);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      let inside = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          if (winding(p, px + (sx + 0.5) / n, py + (sy + 0.5) / n) !== 0) inside++;
        }
      }
      out[py * width + px] = inside / (n * n);
    }
  }
  return out;
}

const KAPPA = 0.5522847498; // cubic approximation of a quarter circle

function circle(cx: number, cy: number, r: number, clockwise: boolean): PathCommand[] {
  const k = KAPPA * r;
  const s = clockwise ? 1 : -1;
  return [
    { type: 'M', x: cx + r, y: cy },
    { type: 'C', x1: cx + r, y1: cy + s * k, x2: cx + k, y2: cy + s * r, x: cx, y: cy + s * r },
    { type: 'C', x1: cx - k, y1: cy + s * r, x2: cx - r, y2: cy + s * k, x: cx - r, y: cy },
    { type: 'C', x1: cx - r, y1: cy - s * k, x2: cx - k, y2: cy - s * r, x: cx, y: cy - s * r },
    { type: 'C', x1: cx + k, y1: cy - s * r, x2: cx + r, y2: cy - s * k, x: cx + r, y: cy },
    { type: 'Z' },
  ];
}

const SHAPES: Record<string, { commands: PathCommand[]; area?: number }> = {
  square: {
    commands: [
      { type: 'M', x: 2.3, y: 1.7 },
      { type: 'L', x: 9.6, y: 1.7 },
      { type: 'L', x: 9.6, y: 8.2 },
      { type: 'L', x: 2.3, y: 8.2 },
      { type: 'Z' },
    ],
    area: 7.3 * 6.5,
  },
  triangle: {
    commands: [
      { type: 'M', x: 1.2, y: 10.5 },
      { type: 'L', x: 6.7, y: 1.3 },
      { type: 'L', x: 11.4, y: 9.1 },
      { type: 'Z' },
    ],
    area: Math.abs((6.7 - 1.2) * (9.1 - 10.5) - (11.4 - 1.2) * (1.3 - 10.5)) / 2,
  },
  // Hole by winding: the inner circle turns the other way.
  ring: { commands: [...circle(7.3, 6.8, 5.2, true), ...circle(7.3, 6.8, 2.4, false)], area: Math.PI * (5.2 ** 2 - 2.4 ** 2) },
  // Same direction inside: non-zero fills it (even-odd would not).
  'nested same direction': { commands: [...circle(7.3, 6.8, 5.2, true), ...circle(7.6, 7.1, 2.4, true)], area: Math.PI * 5.2 ** 2 },
  // A parabolic segment closed by its chord: 2/3 of base (10) x height (7).
  quadratic: { commands: [{ type: 'M', x: 1, y: 11 }, { type: 'Q', x1: 6, y1: -3, x: 11, y: 11 }, { type: 'Z' }], area: (2 / 3) * 10 * 7 },
  // A cubic that loops over itself, closed by a line: windings 1 and -1 / 2 all occur.
  cubic: {
    commands: [
      { type: 'M', x: 1.5, y: 2.2 },
      { type: 'C', x1: 16, y1: 11, x2: -3, y2: 12.5, x: 11.2, y: 1.4 },
      { type: 'L', x: 6.1, y: 0.6 },
      { type: 'Z' },
    ],
  },
};

const SIZE = 13;

describe('fillPolygons against point-in-polygon sampling', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    test(`${name}: every pixel within 0.05, total area within 1%`, () => {
      const got = rasterizePath(shape.commands, SIZE, SIZE);
      const reference = bruteCoverage(flattenPath(shape.commands, undefined, { tolerance: 0.002 }), SIZE, SIZE);
      let maxErr = 0;
      let sumGot = 0;
      let sumRef = 0;
      for (let i = 0; i < got.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(got[i] - reference[i]));
        sumGot += got[i];
        sumRef += reference[i];
      }
      expect(maxErr).toBeLessThan(0.05);
      expect(sumRef).toBeGreaterThan(10); // the shape is really inside the image
      expect(Math.abs(sumGot - sumRef) / sumRef).toBeLessThan(0.01);
      if (shape.area !== undefined) expect(Math.abs(sumGot - shape.area) / shape.area).toBeLessThan(0.01);
    });
  }

  test('a transformed, displaced shape matches sampling of the same transformed points', () => {
    const transform = chainAffine(translation(-6, -6), shearX(-0.3), rotation(0.4), scaling(1.1, 0.9), translation(7, 6.5));
    const polys = flattenPath(SHAPES.ring.commands, transform, { tolerance: 0.05, maxSegment: 0.5 });
    displacePolygons(polys, (x, y, out) => {
      out[0] = 0.4 * Math.sin(y * 0.7);
      out[1] = 0.3 * Math.cos(x * 0.5);
    });
    const image = { width: SIZE, height: SIZE, data: new Float32Array(SIZE * SIZE) };
    fillPolygons(image, polys);
    const reference = bruteCoverage(polys, SIZE, SIZE);
    let maxErr = 0;
    for (let i = 0; i < reference.length; i++) maxErr = Math.max(maxErr, Math.abs(image.data[i] - reference[i]));
    expect(maxErr).toBeLessThan(0.05);
  });

  test('shapes partly outside the image are clipped, not shifted', () => {
    const big = rasterizePath(SHAPES.ring.commands, SIZE, SIZE);
    const moved = rasterizePath(SHAPES.ring.commands, 8, 9, translation(-4, -3));
    for (let y = 0; y < 9; y++) {
      for (let x = 0; x < 8; x++) expect(moved[y * 8 + x]).toBeCloseTo(big[(y + 3) * SIZE + x + 4], 6);
    }
  });

  test('composite over unites two shapes: full where either is full, t + c - tc on edges', () => {
    const a = flattenPath(SHAPES.square.commands);
    const b = flattenPath(SHAPES.square.commands, translation(3.5, 2.25));
    const image = { width: SIZE + 4, height: SIZE + 4, data: new Float32Array((SIZE + 4) ** 2) };
    fillPolygons(image, a);
    const onlyA = Float32Array.from(image.data);
    fillPolygons(image, b);
    const onlyB = rasterizePath(SHAPES.square.commands, SIZE + 4, SIZE + 4, translation(3.5, 2.25));
    for (let i = 0; i < image.data.length; i++) {
      expect(image.data[i]).toBeCloseTo(onlyA[i] + onlyB[i] - onlyA[i] * onlyB[i], 5);
    }
  });
});

describe('flattenPath', () => {
  test('a circle of radius 40 px at tolerance 0.2 keeps its area to 0.5% and no segment beyond maxSegment', () => {
    const polys = flattenPath(circle(50, 50, 40, true), undefined, { tolerance: 0.2, maxSegment: 3 });
    expect(Math.abs(Math.abs(signedArea(polys)) - Math.PI * 1600) / (Math.PI * 1600)).toBeLessThan(0.005);
    expect(perimeter(polys)).toBeCloseTo(2 * Math.PI * 40, 0);
    for (let i = 0; i < polys.xs.length; i++) {
      const j = (i + 1) % polys.xs.length;
      expect(Math.hypot(polys.xs[j] - polys.xs[i], polys.ys[j] - polys.ys[i])).toBeLessThanOrEqual(3 + 1e-9);
      // Every point is on the (cubic approximation of the) circle.
      expect(Math.abs(Math.hypot(polys.xs[i] - 50, polys.ys[i] - 50) - 40)).toBeLessThan(0.02);
    }
  });

  test('coarser tolerance gives fewer points, and the chord error stays within the tolerance', () => {
    const fine = flattenPath(SHAPES.quadratic.commands, scaling(10), { tolerance: 0.05 });
    const coarse = flattenPath(SHAPES.quadratic.commands, scaling(10), { tolerance: 1 });
    expect(coarse.xs.length).toBeLessThan(fine.xs.length);
    // The scaled curve is B(t) = (10 + 100 t, 110 - 280 t + 280 t^2): x gives t back, so the curve point
    // halfway (in t) between two chord ends must lie within the tolerance of the chord.
    for (let i = 0; i + 1 < coarse.xs.length; i++) {
      const [xa, ya, xb, yb] = [coarse.xs[i], coarse.ys[i], coarse.xs[i + 1], coarse.ys[i + 1]];
      const t = ((xa + xb) / 2 - 10) / 100;
      const [cx, cy] = [10 + 100 * t, 110 - 280 * t + 280 * t * t];
      const distance = Math.abs((xb - xa) * (cy - ya) - (yb - ya) * (cx - xa)) / Math.hypot(xb - xa, yb - ya);
      expect(distance).toBeLessThanOrEqual(1 + 1e-9);
    }
    expect(coarse.xs.length).toBeGreaterThan(4);
  });

  test('affine helpers compose in the order they act', () => {
    const m: Affine = chainAffine(translation(1, 2), scaling(3));
    const apply = (t: Affine, x: number, y: number): [number, number] => [t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5]];
    expect(apply(m, 1, 1)).toEqual([6, 9]);
    expect(composeAffine(scaling(3), translation(1, 2))).toEqual(m);
    const [rx, ry] = apply(rotation(Math.PI / 2, 5, 5), 6, 5);
    expect(rx).toBeCloseTo(5, 12);
    expect(ry).toBeCloseTo(6, 12);
    expect(apply(shearX(-0.5, 10), 0, 0)).toEqual([5, 0]);
  });

  test('degenerate contours (fewer than 3 points) are dropped', () => {
    const polys = flattenPath([{ type: 'M', x: 0, y: 0 }, { type: 'L', x: 5, y: 5 }, { type: 'Z' }, ...SHAPES.triangle.commands]);
    expect(polys.starts).toEqual([0]);
    expect(polys.xs.length).toBe(3);
  });
});
