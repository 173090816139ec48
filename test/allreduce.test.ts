/**
 * The shared-memory gradient exchange (src/parallel/allreduce.ts) across real threads: every
 * replica gets the same weighted average, bit for bit, over several steps (both buffer parities),
 * and an abort wakes a replica waiting at the barrier. Uses the compiled module in dist/.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { ExchangeBuffers, abortExchange, createExchange, joinExchange, reachedExchange } from '../src/parallel/allreduce';

const compiled = path.join(__dirname, '..', 'dist', 'src', 'parallel', 'allreduce.js');

/** A thread that joins the exchange as `replica`, runs `steps` averages of its own values, and posts what it got. */
function member(buffers: ExchangeBuffers, replica: number, steps: number, shares: number[]): Promise<Float32Array[] | string> {
  const code = `
    const { parentPort, workerData: d } = require('worker_threads');
    const { joinExchange } = require(d.compiled);
    const m = joinExchange(d.buffers, d.replica);
    const out = [];
    try {
      for (let s = 0; s < d.steps; s++) {
        const g = Float32Array.from({ length: d.buffers.size }, (_, j) => (d.replica + 1) * (s + 1) + j / 7);
        out.push(m.average(g, s, d.shares).slice());
      }
      parentPort.postMessage(out);
    } catch (e) { parentPort.postMessage(String(e.message)); }`;
  const w = new Worker(code, { eval: true, workerData: { compiled, buffers, replica, steps, shares } });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
  });
}

test('every replica gets the same weighted average of all replicas, step after step', async () => {
  const size = 5;
  const shares = [0.25, 0.5, 0.25];
  const buffers = createExchange(3, size);
  const results = (await Promise.all([0, 1, 2].map((r) => member(buffers, r, 4, shares)))) as Float32Array[][];
  for (let s = 0; s < 4; s++) {
    // Reference: replica r sent (r + 1)(s + 1) + j/7.
    const want = Array.from({ length: size }, (_, j) => shares.reduce((sum, w, r) => sum + w * ((r + 1) * (s + 1) + j / 7), 0));
    results.forEach((steps) => steps[s].forEach((v, j) => expect(v).toBeCloseTo(want[j], 5)));
    expect(Array.from(results[1][s])).toEqual(Array.from(results[0][s]));
    expect(Array.from(results[2][s])).toEqual(Array.from(results[0][s]));
  }
});

test('an aborted exchange wakes a waiting replica with an error', async () => {
  const buffers = createExchange(2, 3);
  const waiting = member(buffers, 0, 1, [0.5, 0.5]); // replica 1 never comes
  setTimeout(() => abortExchange(buffers), 300);
  expect(await waiting).toMatch(/exchange aborted/);
});

test('reachedExchange shows which replicas are waiting at a step and which never came', async () => {
  const buffers = createExchange(2, 3);
  expect(reachedExchange(buffers, 0)).toEqual([false, false]);
  const waiting = member(buffers, 1, 1, [0.5, 0.5]); // replica 0 never comes
  const deadline = Date.now() + 5000;
  while (!reachedExchange(buffers, 0)[1] && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(reachedExchange(buffers, 0)).toEqual([false, true]);
  expect(reachedExchange(buffers, 1)).toEqual([false, false]);
  abortExchange(buffers);
  expect(await waiting).toMatch(/exchange aborted/);
});

test('a single replica averages alone, and bad arguments are refused', () => {
  const m = joinExchange(createExchange(1, 2), 0);
  expect(Array.from(m.average(Float32Array.from([2, 4]), 0, [1]))).toEqual([2, 4]);
  expect(() => m.average(Float32Array.from([1]), 1, [1])).toThrow(/expected 2/);
  expect(() => joinExchange(createExchange(2, 2), 2)).toThrow(/replica 2 of 2/);
});
