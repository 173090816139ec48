/** Definitional references for the CTC tests: log-softmax in Float64 and brute-force alignment sums. */
import { createRng } from '../src/util/rng';

/** Seeded logits uniform in (-scale, scale), [n]. */
export function randomLogits(n: number, seed: number, scale = 2): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

/** Per-row log-softmax of logits [T * C], in Float64. */
export function logSoftmaxRows(logits: ArrayLike<number>, T: number, C: number): Float64Array {
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    let z = 0;
    for (let k = 0; k < C; k++) z += Math.exp(logits[t * C + k]);
    for (let k = 0; k < C; k++) out[t * C + k] = logits[t * C + k] - Math.log(z);
  }
  return out;
}

/** CTC's many-to-one map: merge repeated classes, then drop blanks. */
export function collapse(path: number[], blank: number): number[] {
  const out: number[] = [];
  path.forEach((k, t) => { if (k !== blank && (t === 0 || path[t - 1] !== k)) out.push(k); });
  return out;
}

/** Calls visit on every path of length T over C classes (C^T of them). */
export function forEachPath(T: number, C: number, visit: (path: number[]) => void): void {
  const path = new Array<number>(T).fill(0);
  const total = C ** T;
  for (let i = 0; i < total; i++) {
    let r = i;
    for (let t = 0; t < T; t++) { path[t] = r % C; r = Math.floor(r / C); }
    visit(path);
  }
}

/** p(label | x) by summing the probability of every path that collapses to the label. */
export function bruteForceProb(logProbs: ArrayLike<number>, T: number, C: number, label: number[], blank: number): number {
  let p = 0;
  const key = label.join(',');
  forEachPath(T, C, (path) => {
    if (collapse(path, blank).join(',') !== key) return;
    let lp = 0;
    path.forEach((k, t) => { lp += logProbs[t * C + k]; });
    p += Math.exp(lp);
  });
  return p;
}

/** -log p(label | x) by brute force, summed in log space (exact even when p underflows); Infinity when no path collapses to the label. */
export function bruteForceNll(logProbs: ArrayLike<number>, T: number, C: number, label: number[], blank: number): number {
  const key = label.join(',');
  const pathLogProbs: number[] = [];
  forEachPath(T, C, (path) => {
    if (collapse(path, blank).join(',') !== key) return;
    let lp = 0;
    path.forEach((k, t) => { lp += logProbs[t * C + k]; });
    pathLogProbs.push(lp);
  });
  if (pathLogProbs.length === 0) return Infinity;
  const max = Math.max(...pathLogProbs);
  return -(max + Math.log(pathLogProbs.reduce((s, lp) => s + Math.exp(lp - max), 0)));
}

/**
 * -log p(label | x) by the forward recursion over the label with blanks interleaved, summed in log
 * space state by state (the definition of the CTC forward variable): a reference for lines too long
 * to brute-force. Infinity when no alignment exists.
 */
export function forwardRecursionNll(logProbs: ArrayLike<number>, T: number, C: number, label: number[], blank: number): number {
  const ext = label.flatMap((k) => [blank, k]).concat([blank]);
  const S = ext.length;
  const lse = (xs: number[]): number => {
    const m = Math.max(...xs);
    return m === -Infinity ? m : m + Math.log(xs.reduce((acc, x) => acc + Math.exp(x - m), 0));
  };
  let alpha = ext.map((k, s) => (s < 2 ? logProbs[k] : -Infinity));
  for (let t = 1; t < T; t++) {
    alpha = ext.map((k, s) => {
      const from = [alpha[s]];
      if (s >= 1) from.push(alpha[s - 1]);
      if (s >= 2 && k !== blank && k !== ext[s - 2]) from.push(alpha[s - 2]);
      return lse(from) + logProbs[t * C + k];
    });
  }
  return -lse(S > 1 ? [alpha[S - 1], alpha[S - 2]] : [alpha[0]]);
}
