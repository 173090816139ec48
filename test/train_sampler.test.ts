import { balancedOrder, classHistogram, shuffledOrder } from '../src/train/sampler';
import { createRng, deriveSeed, permutation } from '../src/util/rng';

describe('rng', () => {
  test('same seed gives the same sequence, another seed a different one', () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  test('state continues the sequence and derived seeds differ by purpose and epoch', () => {
    const a = createRng(9);
    a.next();
    const resumed = createRng(a.state);
    expect(resumed.next()).toBe(a.next());
    const seeds = new Set([deriveSeed(1, 'order', 1), deriveSeed(1, 'order', 2), deriveSeed(1, 'augment', 1), deriveSeed(2, 'order', 1)]);
    expect(seeds.size).toBe(4);
  });

  test('permutation contains every index once', () => {
    const p = permutation(1000, createRng(5));
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('sampler', () => {
  // EMNIST dev47-like imbalance, scaled down: 47 classes with 34..623 images each.
  const counts = Array.from({ length: 47 }, (_, c) => Math.round(34 + (589 * c * c) / (46 * 46)));
  const labels = new Uint8Array(counts.flatMap((n, c) => new Array<number>(n).fill(c)));
  const indices = Int32Array.from(labels.keys());

  test('balanced order has a near-uniform class histogram on an unbalanced set', () => {
    const before = classHistogram(indices, labels, 47);
    expect(Math.max(...before) / Math.min(...before)).toBeGreaterThan(15);
    const order = balancedOrder(indices, labels, createRng(1));
    expect(order.length).toBe(indices.length);
    const after = classHistogram(order, labels, 47);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(1);
  });

  test('balanced order uses every image of a small class before repeating one', () => {
    const order = balancedOrder(indices, labels, createRng(2));
    const fromClass0 = Array.from(order).filter((i) => labels[i] === 0);
    expect(fromClass0.length).toBeGreaterThan(counts[0]);
    expect(new Set(fromClass0).size).toBe(counts[0]);
  });

  test('orders are seeded: same rng seed, same order', () => {
    expect(balancedOrder(indices, labels, createRng(3))).toEqual(balancedOrder(indices, labels, createRng(3)));
    expect(balancedOrder(indices, labels, createRng(3))).not.toEqual(balancedOrder(indices, labels, createRng(4)));
    const s = shuffledOrder(indices, createRng(3));
    expect(Array.from(s).sort((x, y) => x - y)).toEqual(Array.from(indices));
    expect(s).not.toEqual(indices);
  });
});
