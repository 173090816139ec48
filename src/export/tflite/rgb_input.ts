/**
 * An RGB input for a model that reads gray images: the first layer's weights replicated over three
 * input channels and divided by 3, so the model sees the mean of R, G and B. Exact for a gray image
 * (R = G = B: the three thirds add up to the original weight); for a colour photo the mean of RGB is
 * the gray the model reads. Why: Android's Task Library and MediaPipe ImageClassifier accept only
 * RGB inputs of 3 channels ("Only RGB color space is supported for now", image_tensor_specs.cc), so
 * a 1-channel file cannot be loaded by them as it is.
 *
 * The rest of the graph is unchanged, so every later step computes the same values as the gray
 * graph on a gray image, and int8 calibration ranges measured on the gray graph hold for this one.
 */
import type { InferenceGraph, InferenceStep } from '../inference_graph';

/** The channels a .tflite file reads: 'gray' 1 (the model's own input), 'rgb' 3 (their mean is the model's gray). */
export type TfliteInput = 'gray' | 'rgb';

export const TFLITE_INPUTS: readonly TfliteInput[] = ['gray', 'rgb'];

/** Kernel [..., 1, out] -> [..., 3, out]: each input weight copied to the three channels, divided by 3. */
function replicateInputChannel(kernel: Float32Array, rows: number, out: number): Float32Array {
  // rows: kh * kw positions (conv) or h * w pixels (dense after flatten); the channel axis sits between rows and out.
  const k = new Float32Array(rows * 3 * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      const w = kernel[r * out + o] / 3;
      k[(r * 3) * out + o] = w;
      k[(r * 3 + 1) * out + o] = w;
      k[(r * 3 + 2) * out + o] = w;
    }
  }
  return k;
}

/**
 * The graph of a gray model ([h, w, 1] input) reading [h, w, 3] RGB. The first step must be a
 * conv (kernel HWIO, input axis 2), or a flatten followed by a dense layer (NHWC flatten order:
 * pixel-major, channel-minor); anything else has no exact RGB form and throws.
 */
export function rgbInputGraph(graph: InferenceGraph): InferenceGraph {
  const [h, w, c] = graph.inputShape;
  if (c !== 1) throw new Error(`RGB input: model ${graph.name} reads ${c} channels, not 1 (gray); export it with --input gray (its own input).`);
  const [first, second] = graph.steps;
  const rest = graph.steps.slice(1);
  if (first?.kind === 'conv2d') {
    const [kh, kw, , cout] = first.kernelShape;
    const conv: InferenceStep = { ...first, kernel: replicateInputChannel(first.kernel, kh * kw, cout), kernelShape: [kh, kw, 3, cout] };
    return { ...graph, inputShape: [h, w, 3], steps: [conv, ...rest] };
  }
  if (first?.kind === 'flatten' && second?.kind === 'dense' && h > 0 && w > 0) {
    const [, out] = second.kernelShape;
    const flatten: InferenceStep = { ...first, outputShape: [h * w * 3] };
    const dense: InferenceStep = { ...second, kernel: replicateInputChannel(second.kernel, h * w, out), kernelShape: [h * w * 3, out] };
    return { ...graph, inputShape: [h, w, 3], steps: [flatten, dense, ...graph.steps.slice(2)] };
  }
  throw new Error(`RGB input: model ${graph.name} starts with ${first ? `a ${first.kind} step (${first.layers.join(' + ')})` : 'no step'}; ` +
    'only a first Conv2D, or Flatten + Dense, can read RGB exactly. Export it with --input gray.');
}

/**
 * Gray images [n, h, w] (any scale) as RGB [n, h, w, 3] with R = G = B: what an RGB file reads for
 * the same picture.
 */
export function grayToRgb(gray: Float32Array): Float32Array {
  const out = new Float32Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i];
    out[3 * i] = v;
    out[3 * i + 1] = v;
    out[3 * i + 2] = v;
  }
  return out;
}
