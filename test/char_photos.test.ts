/**
 * Photos of single characters (src/synth/char_photos.ts): what a class may be written as, the same
 * seed giving the same pixels, balanced labels, no held-out font in training photos, and pictures a
 * trained digit model reads (the photos are characters, not noise).
 */
import * as fs from 'fs';
import { classCounts, concatDatasets, randomSubset } from '../src/data/dataset';
import { loadMnistPart } from '../src/data/mnist';
import { EMNIST_GEOMETRY, MNIST_GEOMETRY } from '../src/image/preprocess';
import { loadModel } from '../src/io/saved_model';
import { initBackend } from '../src/runtime/backend';
import { evaluate } from '../src/eval/evaluate';
import { charPhotoDataset, charPhotoTestSets, charactersByClass } from '../src/synth/char_photos';
import { TEST_FONT_FAMILIES } from '../src/synth/fonts';

const DEV47 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt'.split('');

describe('charactersByClass', () => {
  test('a merged class stands for both cases; a class with its own lower case only for itself', () => {
    const chars = charactersByClass(DEV47);
    expect(chars[DEV47.indexOf('C')]).toEqual(['C', 'c']);
    expect(chars[DEV47.indexOf('A')]).toEqual(['A']); // 'a' has its own class
    expect(chars[DEV47.indexOf('a')]).toEqual(['a']);
    expect(chars[DEV47.indexOf('7')]).toEqual(['7']);
    expect(charactersByClass(['A', 'a'])).toEqual([['A'], ['a']]);
  });
});

describe('charPhotoDataset', () => {
  test('the same seed gives the same pixels; labels go round the classes; images are 28x28 ink', () => {
    const opts = { split: 'test' as const, classes: DEV47, count: 94, geometry: EMNIST_GEOMETRY, seed: 3 };
    const a = charPhotoDataset(opts);
    const b = charPhotoDataset(opts);
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
    expect(Array.from(a.labels.subarray(0, 47))).toEqual(DEV47.map((_, k) => k));
    expect([a.count, a.height, a.width, a.classes.join('')]).toEqual([94, 28, 28, DEV47.join('')]);
    const other = charPhotoDataset({ ...opts, seed: 4 });
    expect(Buffer.from(a.images).equals(Buffer.from(other.images))).toBe(false);
    for (let i = 0; i < a.count; i++) {
      const img = a.images.subarray(i * 784, (i + 1) * 784);
      const ink = img.reduce((n, v) => n + (v > 128 ? 1 : 0), 0);
      expect(ink).toBeGreaterThan(10); // a character, not an empty frame
      // EMNIST geometry: the ink's box fits 24 px, so the outer 2-pixel frame is empty.
      for (let x = 0; x < 28; x++) expect(img[x] + img[27 * 28 + x]).toBe(0);
    }
  });

  test('classWeights: each class as often as its weight says (largest remainders), in a seeded order', () => {
    const opts = { split: 'test' as const, classes: ['0', '1', '7'], count: 10, geometry: MNIST_GEOMETRY, seed: 5, classWeights: [6, 3, 1] };
    const a = charPhotoDataset(opts);
    const counts = [0, 1, 2].map((k) => a.labels.filter((l) => l === k).length);
    expect(counts).toEqual([6, 3, 1]);
    expect(Array.from(charPhotoDataset(opts).labels)).toEqual(Array.from(a.labels));
    const thirds = charPhotoDataset({ ...opts, count: 7, classWeights: [1, 1, 1] });
    expect([0, 1, 2].map((k) => thirds.labels.filter((l) => l === k).length).sort()).toEqual([2, 2, 3]);
    expect(() => charPhotoDataset({ ...opts, classWeights: [0, 0, 0] })).toThrow(/no writable class a positive weight/);
  });

  test('training photos refuse the held-out fonts; glyph photos need images of the right split', () => {
    expect(() => charPhotoDataset({ split: 'train', classes: DEV47, count: 4, geometry: EMNIST_GEOMETRY, fonts: [TEST_FONT_FAMILIES[0]] }))
      .toThrow(/held-out test fonts \(allura\)/);
    const test = loadMnistPart('test');
    expect(() => charPhotoDataset({ split: 'train', classes: test.classes, count: 4, geometry: MNIST_GEOMETRY, source: 'glyphs', glyphs: test }))
      .toThrow(/train split only/);
    expect(() => charPhotoDataset({ split: 'test', classes: test.classes, count: 4, geometry: MNIST_GEOMETRY, source: 'glyphs' }))
      .toThrow(/needs glyphs/);
    expect(() => charPhotoDataset({ split: 'test', classes: test.classes, count: 0, geometry: MNIST_GEOMETRY })).toThrow(/count must be/);
  });

  test('the committed digit model reads photographed MNIST test digits and held-out-font digits (well above chance)', async () => {
    if (!fs.existsSync('saved_models/mnist/model.json')) return;
    await initBackend({ backend: 'wasm' });
    const { model } = await loadModel('saved_models/mnist');
    const sets = charPhotoTestSets(loadMnistPart('test'), MNIST_GEOMETRY, 200);
    // Measured: 96-97% on 2,000 of each; 200 leaves room for chance, and a broken photo path reads ~10-30%.
    expect(evaluate(model, sets.glyphs).accuracy).toBeGreaterThan(0.85);
    expect(evaluate(model, sets.fonts).accuracy).toBeGreaterThan(0.85);
    model.dispose();
  });
});

describe('randomSubset and classCounts', () => {
  test('n images drawn by the seed, kept in their original order; counts per class', () => {
    const ds = { name: 'd', split: 'train' as const, images: Uint8Array.from({ length: 10 }, (_, i) => i), labels: Uint8Array.from([0, 1, 1, 2, 2, 2, 0, 1, 2, 2]), count: 10, height: 1, width: 1, classes: ['a', 'b', 'c'] };
    expect(classCounts(ds)).toEqual([2, 3, 5]);
    const sub = randomSubset(ds, 4, 9);
    expect(sub.count).toBe(4);
    const picked = Array.from(sub.images);
    expect(picked).toEqual([...picked].sort((a, b) => a - b)); // original order
    expect(Array.from(sub.labels)).toEqual(picked.map((i) => ds.labels[i])); // labels follow their images
    expect(Array.from(randomSubset(ds, 4, 9).images)).toEqual(picked);
    expect(randomSubset(ds, 50, 9).count).toBe(10);
  });
});

describe('concatDatasets', () => {
  test('joins images and labels in order; refuses parts of another size or class list', () => {
    const part = (name: string, label: number, n: number, classes = ['0', '1']) => ({
      name, split: 'train' as const, images: new Uint8Array(n * 4).fill(label + 1), labels: new Uint8Array(n).fill(label), count: n, height: 2, width: 2, classes,
    });
    const joined = concatDatasets('both', [part('a', 0, 2), part('b', 1, 3)]);
    expect(joined.count).toBe(5);
    expect(Array.from(joined.labels)).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(joined.images.subarray(0, 8))).toEqual(new Array(8).fill(1));
    expect(Array.from(joined.images.subarray(8))).toEqual(new Array(12).fill(2));
    expect(() => concatDatasets('x', [part('a', 0, 1), part('c', 0, 1, ['0', '2'])])).toThrow(/c \(2x2, classes 02\) does not match a/);
    expect(() => concatDatasets('x', [])).toThrow(/no datasets/);
  });
});
