/**
 * Do the fast wasm kernels change what training learns? (prints figures, not a test)
 *   npm run build && node dist/bench/equivalence.js [fast|reference] [--limit N]
 *
 * Trains the benchmark CNN (`baselineCnn`) for one epoch on MNIST with a fixed seed and reports
 * the test accuracy, in one of two modes:
 *  - fast: this project's wasm kernels (what `hwr train` uses);
 *  - reference: tfjs-wasm's stock kernels, plus the one gradient stock wasm lacks
 *    (Conv2DBackpropFilter) as a plain loop over the definition, i.e. the maths of the cpu backend
 *    without its cost (the cpu backend itself needs ~75 s per step here).
 * Run both and compare: the issue asks for the same accuracy within 0.3%.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { loadMnist } from '../src/data/mnist';
import { baselineCnn } from '../src/models/cnn';
import { train } from '../src/train/train';
import { evaluate } from '../src/eval/evaluate';
import { convGeometry, ConvAttrs } from '../src/kernels/conv_geometry';

/** dW[fh, fw, c, o] = sum over n, oh, ow of x[n, oh*s+fh-pt, ow*s+fw-pl, c] * dy[n, oh, ow, o]. */
function referenceFilterGrad(args: { inputs: { x: tf.TensorInfo; dy: tf.TensorInfo }; backend: BackendWasm; attrs: ConvAttrs & { filterShape: number[] } }): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const g = convGeometry('Conv2DBackpropFilter', inputs.x.shape, attrs.filterShape, attrs, false);
  const O = attrs.filterShape[3];
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  const x = backend.typedArrayFromHeap(inputs.x) as Float32Array;
  const dy = backend.typedArrayFromHeap(inputs.dy) as Float32Array;
  const dW = backend.typedArrayFromHeap(out) as Float32Array;
  dW.fill(0);
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((n * OH + oh) * OW + ow) * O;
        for (let fh = 0; fh < g.filterHeight; fh++) {
          const ih = oh * g.strideHeight + fh - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < g.filterWidth; fw++) {
            const iw = ow * g.strideWidth + fw - g.padLeft;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const wBase = (fh * g.filterWidth + fw) * C * O;
            for (let c = 0; c < C; c++) {
              const xv = x[xBase + c];
              const row = wBase + c * O;
              for (let o = 0; o < O; o++) dW[row + o] += xv * dy[dyBase + o];
            }
          }
        }
      }
    }
  }
  return out;
}

async function main(): Promise<void> {
  const mode = process.argv[2] === 'reference' ? 'reference' : 'fast';
  const limitAt = process.argv.indexOf('--limit');
  const limit = limitAt > 0 ? Number(process.argv[limitAt + 1]) : undefined;
  if (mode === 'fast') {
    const { initBackend } = await import('../src/runtime/backend');
    await initBackend({ backend: 'wasm' });
  } else {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: referenceFilterGrad as unknown as tf.KernelFunc });
    await tf.setBackend('wasm');
  }
  const { train: trainSet, test } = loadMnist();
  const model = baselineCnn({ numClasses: 10, seed: 7 });
  const started = Date.now();
  // One worker: this process's kernels are the ones being compared (workers would register the fast ones).
  const result = await train(model, trainSet, { epochs: 1, seed: 7, validationSplit: 0, limit, log: process.stderr, workers: 1 });
  const report = evaluate(model, test);
  console.log(JSON.stringify({
    mode, epochs: 1, trainImages: result.trainCount, seconds: Math.round((Date.now() - started) / 1000),
    trainLoss: result.history[0].loss, testAccuracy: report.accuracy,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
