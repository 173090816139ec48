/**
 * CTC decoders on hand-made posteriors (collapse rules, a case where the most probable labelling
 * is not the best path's), against brute-force labelling probabilities, and the label <-> text map.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend';
import {
  beamSearchDecode, ctcDecodeBatch, ctcForwardBackward, greedyDecode, labelsToText, textToLabels,
} from '../src/ctc';
import { buildCharLm } from '../src/ctc/char_lm';
import { collapse, forEachPath, logSoftmaxRows, randomLogits } from './ctc_helpers';

// Classes of the hand-made posteriors: a = 0, b = 1, blank = 2 (the last).
const A = 0;
const B = 1;
const BLANK = 2;

/** Frames where `winner` has probability p and the other two share the rest: [T * 3] probabilities. */
function peaked(winners: number[], p = 0.9): Float32Array {
  const out = new Float32Array(winners.length * 3);
  winners.forEach((w, t) => { for (let k = 0; k < 3; k++) out[t * 3 + k] = k === w ? p : (1 - p) / 2; });
  return out;
}

/** p(labelling | x) for every labelling, by summing all paths: Map key 'l1,l2,...' -> probability. */
function allLabellings(logProbs: Float64Array, T: number, C: number, blank: number): Map<string, number> {
  const out = new Map<string, number>();
  forEachPath(T, C, (path) => {
    const key = collapse(path, blank).join(',');
    let lp = 0;
    path.forEach((k, t) => { lp += logProbs[t * C + k]; });
    out.set(key, (out.get(key) ?? 0) + Math.exp(lp));
  });
  return out;
}

describe('greedyDecode', () => {
  test('collapses repeats, keeps repeats split by a blank, drops blanks', () => {
    const decode = (w: number[]) => greedyDecode(peaked(w), w.length, 3, { input: 'probs' }).labels;
    expect(decode([A, A, BLANK, A])).toEqual([A, A]);
    expect(decode([A, A, A])).toEqual([A]);
    expect(decode([BLANK, B, BLANK, BLANK, A, B, B])).toEqual([B, A, B]);
    expect(decode([BLANK, BLANK])).toEqual([]);
    expect(decode([])).toEqual([]);
  });

  test('confidence is the best path probability (product of the chosen frame probabilities)', () => {
    const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.5, 0.4, 0.1]);
    const r = greedyDecode(probs, 3, 3, { input: 'probs' });
    expect(r.labels).toEqual([A, A]);
    expect(r.confidence).toBeCloseTo(0.7 * 0.6 * 0.5, 6);
    expect(r.logProb).toBeCloseTo(Math.log(0.7 * 0.6 * 0.5), 6);
  });

  test('logits and probabilities give the same answer (log-softmax inside)', () => {
    const logits = randomLogits(7 * 5, 3, 3);
    const probs = Float64Array.from(logSoftmaxRows(logits, 7, 5), Math.exp);
    const fromLogits = greedyDecode(logits, 7, 5);
    const fromProbs = greedyDecode(probs, 7, 5, { input: 'probs' });
    expect(fromLogits.labels).toEqual(fromProbs.labels);
    expect(fromLogits.confidence).toBeCloseTo(fromProbs.confidence, 10);
  });

  test('a blank other than the last class', () => {
    // classes: blank = 0, a = 1, b = 2
    expect(greedyDecode(peaked([1, 0, 1, 2, 2]), 5, 3, { input: 'probs', blank: 0 }).labels).toEqual([1, 1, 2]);
  });
});

describe('beamSearchDecode', () => {
  test('finds a labelling more probable than the best path: p("a") = 0.64 > p(blank blank) = 0.36', () => {
    // Each frame: a 0.4, blank 0.6. Best path: blank blank -> "" (0.36). "a" = aa + a- + -a = 0.16 + 0.24 + 0.24.
    const probs = Float32Array.from([0.4, 0, 0.6, 0.4, 0, 0.6]);
    const greedy = greedyDecode(probs, 2, 3, { input: 'probs' });
    expect(greedy.labels).toEqual([]);
    expect(greedy.confidence).toBeCloseTo(0.36, 6);
    const beam = beamSearchDecode(probs, 2, 3, { input: 'probs' });
    expect(beam.labels).toEqual([A]);
    expect(beam.confidence).toBeCloseTo(0.64, 6);
  });

  test('returns the most probable labelling of all (brute force) and its exact probability', () => {
    for (let seed = 0; seed < 12; seed++) {
      const T = 5;
      const C = 3;
      const logits = randomLogits(T * C, 900 + seed, 1.5);
      const logProbs = logSoftmaxRows(logits, T, C);
      const all = allLabellings(logProbs, T, C, BLANK);
      const best = Math.max(...all.values());
      // A beam wider than the number of prefixes prunes nothing, so the search is exact.
      const beam = beamSearchDecode(logits, T, C, { beamWidth: 64, minCharProb: 0 });
      expect(beam.confidence).toBeCloseTo(best, 10);
      expect(all.get(beam.labels.join(','))).toBeCloseTo(best, 10);
      // Its confidence is p(labels | x), the same number the CTC loss computes.
      expect(beam.confidence).toBeCloseTo(Math.exp(-ctcForwardBackward(logProbs, T, C, beam.labels, BLANK).nll), 10);
    }
  });

  test('repeated characters: a blank between them keeps both, adjacent frames merge', () => {
    expect(beamSearchDecode(peaked([A, BLANK, A]), 3, 3, { input: 'probs' }).labels).toEqual([A, A]);
    expect(beamSearchDecode(peaked([A, A, BLANK, B, B]), 5, 3, { input: 'probs' }).labels).toEqual([A, B]);
  });

  test('beamWidth 1 behaves sanely: one prefix, a valid labelling, greedy on clear posteriors', () => {
    const clear = peaked([BLANK, A, A, BLANK, B, BLANK, B]);
    const narrow = beamSearchDecode(clear, 7, 3, { input: 'probs', beamWidth: 1 });
    expect(narrow.labels).toEqual(greedyDecode(clear, 7, 3, { input: 'probs' }).labels);
    expect(narrow.confidence).toBeGreaterThan(0);
    expect(narrow.confidence).toBeLessThanOrEqual(beamSearchDecode(clear, 7, 3, { input: 'probs' }).confidence + 1e-12);
    // On the 0.6/0.4 case the single prefix never leaves "", as best path does.
    const ambiguous = Float32Array.from([0.4, 0, 0.6, 0.4, 0, 0.6]);
    const one = beamSearchDecode(ambiguous, 2, 3, { input: 'probs', beamWidth: 1 });
    expect(one.labels).toEqual([]);
    expect(one.confidence).toBeCloseTo(0.36, 6);
    expect(() => beamSearchDecode(ambiguous, 2, 3, { beamWidth: 0 })).toThrow(/beamWidth 0 must be a positive integer/);
  });

  test('no frames: empty labels with confidence 1', () => {
    expect(beamSearchDecode(new Float32Array(0), 0, 3)).toEqual({ labels: [], confidence: 1, logProb: 0 });
    expect(greedyDecode(new Float32Array(0), 0, 3)).toEqual({ labels: [], confidence: 1, logProb: 0 });
  });
});

describe('beamSearchDecode with a character LM', () => {
  // Four characters + blank (the last class); the LM is built on short lines of them.
  const CHARS = ['c', 'a', 'o', 't'];
  const [c, a, o, t] = [0, 1, 2, 3];
  const LM_BLANK = 4;
  const lm = buildCharLm([[c, a, t], [c, a, t], [t, a, c, o], [a, t], [o, c, t, a], [c, a, t, o]], CHARS, { order: 3 });

  test('alpha = 0, beta = 0: exactly the search without an LM, on random scores and beam widths', () => {
    for (let seed = 0; seed < 20; seed++) {
      const T = 4 + (seed % 9);
      const logits = randomLogits(T * 5, 300 + seed, 2.5);
      for (const beamWidth of [1, 3, 10]) {
        const plain = beamSearchDecode(logits, T, 5, { beamWidth });
        const zero = beamSearchDecode(logits, T, 5, { beamWidth, lm: { model: lm, alpha: 0, beta: 0 } });
        expect(zero).toEqual(plain);
      }
    }
  });

  test('an ambiguous frame (o 0.5, a 0.4 between c and t) reads as the likelier word "cat" with the LM', () => {
    const frames = [[c, 0.9], [LM_BLANK, 0.9], [o, 0.5, a, 0.4], [LM_BLANK, 0.9], [t, 0.9]] as number[][];
    const probs = new Float32Array(frames.length * 5);
    frames.forEach((f, i) => {
      let rest = 1;
      for (let j = 0; j < f.length; j += 2) { probs[i * 5 + f[j]] = f[j + 1]; rest -= f[j + 1]; }
      const others = [0, 1, 2, 3, 4].filter((k) => !f.some((x, j) => j % 2 === 0 && x === k));
      for (const k of others) probs[i * 5 + k] = rest / others.length;
    });
    const opts = { input: 'probs' as const, beamWidth: 16, minCharProb: 0 };
    const plain = beamSearchDecode(probs, frames.length, 5, opts);
    expect(plain.labels).toEqual([c, o, t]);
    const withLm = beamSearchDecode(probs, frames.length, 5, { ...opts, lm: { model: lm, alpha: 1, beta: 0 } });
    expect(withLm.labels).toEqual([c, a, t]);
    // Its confidence is still the CTC p(labels | x) of "cat", the LM not included.
    const logProbs = Float64Array.from(probs, Math.log);
    expect(withLm.confidence).toBeCloseTo(Math.exp(-ctcForwardBackward(logProbs, frames.length, 5, [c, a, t], LM_BLANK).nll), 10);
    expect(withLm.confidence).toBeLessThan(plain.confidence);
  });

  test('an exact search (no pruning) returns the labelling of highest CTC + alpha * LM + beta * length (brute force)', () => {
    for (let seed = 0; seed < 8; seed++) {
      const T = 5;
      const logits = randomLogits(T * 5, 700 + seed, 2);
      const logProbs = logSoftmaxRows(logits, T, 5);
      const alpha = 0.3 + 0.2 * (seed % 4);
      const beta = seed % 2 === 0 ? 0.5 : -0.5;
      let best = -Infinity;
      let bestKey = '';
      for (const [key, p] of allLabellings(logProbs, T, 5, LM_BLANK)) {
        const labels = key === '' ? [] : key.split(',').map(Number);
        const value = Math.log(p) + alpha * lm.lineLogProb(labels) + beta * labels.length;
        if (value > best) { best = value; bestKey = key; }
      }
      const beam = beamSearchDecode(logits, T, 5, { beamWidth: 5 ** T, minCharProb: 0, lm: { model: lm, alpha, beta } });
      expect(beam.labels.join(',')).toBe(bestKey);
    }
  });

  test('an LM for another charset, or a blank that is not last, is an error', () => {
    const logits = randomLogits(3 * 6, 1);
    expect(() => beamSearchDecode(logits, 3, 6, { lm: { model: lm, alpha: 1, beta: 0 } })).toThrow(/the language model has 4 labels but the scores have 5 classes/);
    expect(() => beamSearchDecode(randomLogits(15, 1), 3, 5, { blank: 0, lm: { model: lm, alpha: 1, beta: 0 } })).toThrow(/blank 0, must be the last/);
    expect(() => beamSearchDecode(randomLogits(15, 1), 3, 5, { lm: { model: lm, alpha: NaN, beta: 0 } })).toThrow(/alpha NaN/);
  });
});

describe('labelsToText / textToLabels', () => {
  const charset = 'abc 01';

  test('round trip', () => {
    expect(textToLabels('ab 10c', charset)).toEqual([0, 1, 3, 5, 4, 2]);
    expect(labelsToText([0, 1, 3, 5, 4, 2], charset)).toBe('ab 10c');
    expect(labelsToText([], charset)).toBe('');
    expect(textToLabels('', charset)).toEqual([]);
  });

  test('a character outside the charset is an error naming it and the text', () => {
    expect(() => textToLabels('cab!', charset)).toThrow(/character '!' \(U\+0021\) at position 3 of "cab!" is not in the charset "abc 01"/);
    expect(() => labelsToText([0, 6], charset)).toThrow(/label 6 at position 1 has no character/);
  });
});

describe.each(['wasm', 'cpu'])('ctcDecodeBatch on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  test('decodes each example up to its length, with text from the charset', () => {
    const rows = [[A, A, BLANK, A, B, B], [B, BLANK, B, A, A, A]];
    // Logits: log of the peaked probabilities, [2, 6, 3].
    const scores = tf.tensor3d(Float32Array.from([...peaked(rows[0]), ...peaked(rows[1])], Math.log), [2, 6, 3]);
    const greedy = ctcDecodeBatch(scores, { lengths: [6, 3], charset: 'ab' });
    expect(greedy.map((d) => d.text)).toEqual(['aab', 'bb']);
    expect(greedy[1].confidence).toBeCloseTo(0.9 ** 3, 5);
    const beam = ctcDecodeBatch(scores, { method: 'beam', beamWidth: 4, charset: 'ab' });
    expect(beam.map((d) => d.text)).toEqual(['aab', 'bba']);
    expect(ctcDecodeBatch(scores)[0].text).toBeUndefined();
    expect(() => ctcDecodeBatch(scores, { lengths: [7, 1] })).toThrow(/lengths\[0\] = 7 is outside 0..6/);
  });
});
