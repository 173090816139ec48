/**
 * Conv kernels one by one, in GFLOP/s and as a share of the 128-bit SIMD FMA peak (prints figures,
 * not a test):
 *   npm run build && node dist/bench/conv_kernels.js [--set lines|cnn|all] [--reps 5] [--batch 32]
 *
 * For each conv layer of the benchmark CNN (batch 128) and of the lines recipe's model (batch 32, lines
 * 400 px wide): Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput as training calls them, each
 * the fastest of `reps` calls by this process's CPU time (other jobs on a shared machine do not
 * count; wall time is printed beside it). FLOPs are the direct convolution's, 2 per multiply-add,
 * whatever algorithm ran: a Winograd kernel shows as more GFLOP/s than the hardware does.
 * HWR_WINOGRAD=0 turns the Winograd kernels off, for before/after pairs in one build.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend';
import { clockGHz, cpuDescription, simdPeakGflops } from './cpu';
import { numberArg, stringArg } from './argv';
import { recipeFor } from '../src/train/recipes';

/** One conv layer: input and filter shapes, padding, and whether training asks for its input gradient. */
export interface ConvLayer { layer: string; x: [number, number, number, number]; f: [number, number, number, number]; pad: 'same' | 'valid'; inputGrad: boolean }

/** The benchmark CNN's conv layers at batch 128. */
export function cnnConvLayers(batch = 128): ConvLayer[] {
  return [
    { layer: 'cnn conv1', x: [batch, 28, 28, 1], f: [3, 3, 1, 32], pad: 'valid', inputGrad: true },
    { layer: 'cnn conv2', x: [batch, 13, 13, 32], f: [3, 3, 32, 64], pad: 'valid', inputGrad: true },
  ];
}

/**
 * The lines recipe's conv layers (src/train/recipes.ts; height 40, `width` px): each block's 3x3
 * convs at its input size (pooling 2x2 after the first two blocks, 2x1 after the others), the
 * collapse of the remaining rows, and the 1-D head (one entry for its `headLayers` equal layers).
 */
export function lineConvLayers(batch = 32, width = 400): ConvLayer[] {
  const recipe = recipeFor('lines');
  const { blocks = [], features = 128, headUnits = 128, headKernel = 5, headLayers = 1 } = recipe.crnn ?? {};
  const layers: ConvLayer[] = [];
  let [h, w, c] = [recipe.lines!.height, width, 1];
  blocks.forEach((block, b) => {
    for (const filters of block) {
      layers.push({ layer: `line 3x3 ${c}->${filters}`, x: [batch, h, w, c], f: [3, 3, c, filters], pad: 'same', inputGrad: layers.length > 0 });
      c = filters;
    }
    h = Math.floor(h / 2);
    if (b < 2) w /= 2;
  });
  layers.push({ layer: `line ${h}x1 ${c}->${features}`, x: [batch, h, w, c], f: [h, 1, c, features], pad: 'valid', inputGrad: true });
  layers.push({ layer: `line 1x${headKernel} ${features}->${headUnits} (x${headLayers})`, x: [batch, 1, w, features], f: [1, headKernel, features, headUnits], pad: 'same', inputGrad: true });
  return layers;
}

/** Times of one call, fastest of several. */
export interface KernelTiming { kernel: string; cpuMs: number; wallMs: number; gflops: number; peakShare: number }

/** Multiply-adds of the direct convolution (the same for the forward pass and both gradients). */
export function convMacs(l: ConvLayer): number {
  const [n, h, w] = l.x;
  const [fh, fw, c, o] = l.f;
  const oh = l.pad === 'same' ? h : h - fh + 1;
  const ow = l.pad === 'same' ? w : w - fw + 1;
  return n * oh * ow * o * fh * fw * c;
}

/** Times Conv2D and its two gradients at one layer's shapes. */
export function timeConvLayer(l: ConvLayer, reps: number, ghz: number): KernelTiming[] {
  const x = tf.randomUniform(l.x, -1, 1, 'float32', 1);
  const filter = tf.randomUniform(l.f, -1, 1, 'float32', 2);
  const y = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, l.pad);
  const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 3);
  const attrs = { strides: 1, pad: l.pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined };
  const flop = 2 * convMacs(l);
  const fastest = (kernel: string, run: () => tf.Tensor): KernelTiming => {
    let cpu = Infinity;
    let wall = Infinity;
    for (let i = 0; i < reps + 1; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const out = run(); // wasm kernels are synchronous
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      out.dispose();
      if (i === 0) continue; // first call: set-up
      cpu = Math.min(cpu, (c.user + c.system) / 1000);
      wall = Math.min(wall, ms);
    }
    const gflops = flop / (cpu * 1e6);
    return { kernel, cpuMs: cpu, wallMs: wall, gflops, peakShare: gflops / simdPeakGflops(ghz) };
  };
  const out = [
    fastest('Conv2D', () => tf.engine().runKernel('Conv2D', { x, filter }, attrs as never) as tf.Tensor),
    fastest('Conv2DBackpropFilter', () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: l.f } as never) as tf.Tensor),
  ];
  if (l.inputGrad) out.push(fastest('Conv2DBackpropInput', () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: l.x } as never) as tf.Tensor));
  tf.dispose([x, filter, y, dy]);
  return out;
}

async function main(): Promise<void> {
  const set = stringArg('set', 'all');
  const reps = numberArg('reps', 5);
  const batch = numberArg('batch', 32);
  await initBackend({ backend: 'wasm' });
  const ghz = clockGHz();
  console.log(`${cpuDescription()}; load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; HWR_WINOGRAD=${process.env.HWR_WINOGRAD ?? '(default)'}`);
  const layers = [...(set !== 'lines' ? cnnConvLayers() : []), ...(set !== 'cnn' ? lineConvLayers(batch) : [])];
  console.log(`${'layer'.padEnd(24)} ${'x'.padEnd(18)} ${'filter'.padEnd(14)} kernel                 CPU ms   wall ms  GFLOP/s  of peak`);
  for (const l of layers) {
    for (const t of timeConvLayer(l, reps, ghz)) {
      console.log(`${l.layer.padEnd(24)} ${`[${l.x}]`.padEnd(18)} ${`[${l.f}]`.padEnd(14)} ${t.kernel.padEnd(21)} ${t.cpuMs.toFixed(1).padStart(7)} ${t.wallMs.toFixed(1).padStart(9)} ${t.gflops.toFixed(1).padStart(8)} ${(100 * t.peakShare).toFixed(0).padStart(7)}%`);
    }
  }
  console.log(`load average at the end ${os.loadavg()[0].toFixed(2)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
