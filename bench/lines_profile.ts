/**
 * Where a line model's training step goes, kernel by kernel (prints figures, not a test):
 *   npm run build && node dist/bench/lines_profile.js [--width 400] [--batch 32] [--steps 3] [--reps 0] [--model recipe|old]
 *
 * The model is the lines recipe's crnn (src/train/recipes.ts; conv blocks 16/48/96/128 at height 40,
 * a 4-layer 1-D conv head, 77 classes, CTC), or with `--model old` the older stack the first speed
 * figures of docs/BENCHMARKS.md were taken with (bench/synthetic_lines.ts: [16], [32], [64, 64], [96]); trained by one replica on the wasm backend with the project's
 * kernels. The batch is synthetic (seeded noise strokes and random labels of ~1 character per
 * 3 frames): a step's cost depends on shapes, not on what the pixels show.
 *
 * Prints the kernels by time (tf.profile; each kernel's fastest over the profiled steps, other
 * load only ever adds time), then with --reps N the median wall time and CPU time of this process
 * of N unprofiled steps, with the load average (the machine may be shared: compare only figures
 * taken back to back, CPU time rather than wall). HWR_FUSED_BATCHNORM=0 and HWR_WINOGRAD=0 turn
 * the fused batch norm and the Winograd convolutions off, for before/after pairs in one build.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '../src/runtime/backend';
import { createReplica } from '../src/engine/replica';
import { createOptimizer } from '../src/engine/optimizer';
import { cpuDescription } from './cpu';
import { nextLineModel, recipeLineModel, syntheticLineBatch } from './synthetic_lines';
import { numberArg, stringArg } from './argv';

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Kernels by time, largest first (op wrappers such as fusedConv2d__op count their kernels again). */
function printProfile(byName: Map<string, { ms: number; calls: number }>, wall: number[], batchSize: number, width: number): void {
  const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, e]) => s + e.ms, 0);
  console.log(`batch ${batchSize} x [40, ${width}]: profiled step ${median(wall).toFixed(0)} ms wall (median of ${wall.length}), kernels ${total.toFixed(0)} ms:`);
  for (const [name, e] of rows.slice(0, 25)) {
    console.log(`  ${name.padEnd(30)} ${e.ms.toFixed(2).padStart(9)} ms ${String(e.calls).padStart(4)} calls ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`);
  }
}

async function main(): Promise<void> {
  const width = numberArg('width', 400);
  const batchSize = numberArg('batch', 32);
  const steps = numberArg('steps', 3);
  const reps = numberArg('reps', 0);
  console.log(describeBackend(await initBackend({ backend: 'wasm' })));
  console.log(`${cpuDescription()}; load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const which = stringArg('model', 'recipe');
  if (which !== 'recipe' && which !== 'old') throw new Error(`lines_profile: --model must be 'recipe' or 'old', got '${which}'.`);
  const model = which === 'recipe' ? recipeLineModel() : nextLineModel();
  console.log(`model: ${which === 'recipe' ? "the lines recipe's crnn" : 'the older stack 16/32/64,64/96'}, ${model.countParams().toLocaleString('en-US')} parameters`);
  const classes = 77;
  const replica = createReplica(model, createOptimizer(1e-3), { kind: 'ctc', blank: classes - 1 });
  const batch = syntheticLineBatch(batchSize, width, classes, 7);
  replica.step(batch, 1e-3); // kernel set-up, first allocations
  const byName = new Map<string, { ms: number; calls: number }>();
  const wall: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const info = await tf.profile(() => { replica.step(batch, 1e-3); });
    wall.push(performance.now() - t0);
    const step = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const e = step.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += Number(k.kernelTimeMs);
      e.calls++;
      step.set(k.name, e);
    }
    for (const [name, e] of step) {
      const prev = byName.get(name);
      if (!prev || e.ms < prev.ms) byName.set(name, e);
    }
  }
  if (steps > 0) printProfile(byName, wall, batchSize, width);
  if (reps > 0) {
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      replica.step(batch, 1e-3);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      times.push(performance.now() - t0);
    }
    console.log(`unprofiled step: median ${median(times).toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms CPU of this process, over ${reps} steps (wall ${times.map((t) => t.toFixed(0)).join(', ')}); load average ${os.loadavg()[0].toFixed(2)}`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
