/**
 * TFLite model metadata of character models, read back field by field with the flatbuffers
 * ByteBuffer and slot numbers typed here from tflite-support's metadata_schema.fbs (1.1.0) and
 * TensorFlow's schema.fbs (Model.metadata, the input tensor's shape), independently of the writer;
 * labels.txt unzipped from the file with src/data/zip.ts. By default the file reads RGB
 * [1, h, w, 3] (the only input the Task Library and MediaPipe ImageClassifier accept): LiteRT runs
 * it on gray images given as R = G = B and answers as the gray tfjs model does, and on colour
 * images as the gray model does on their mean.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flatbuffers from 'flatbuffers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { baselineCnn } from '../src/models/cnn';
import { exportTflite, grayToRgb, labelsText, lowerModel, rgbInputGraph, runInferenceGraph, tfliteBytes } from '../src/export';
import { LiteRtInterpreter } from '../src/export/tflite/litert_client';
import { extractZipEntry, readZipEntries } from '../src/data/zip';

const CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

let dir: string;
let interp: LiteRtInterpreter;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-tflite-meta-'));
  interp = await LiteRtInterpreter.start();
});
afterAll(async () => {
  await interp?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A reader of flatbuffer tables by slot number. */
function reader(bytes: Uint8Array) {
  const bb = new flatbuffers.ByteBuffer(bytes);
  const field = (t: number, slot: number) => bb.__offset(t, 4 + 2 * slot);
  const r = {
    bb,
    root: () => bb.readInt32(bb.position()) + bb.position(),
    identifier: () => String.fromCharCode(...bytes.subarray(4, 8)),
    has: (t: number, slot: number) => field(t, slot) !== 0,
    table: (t: number, slot: number) => bb.__indirect(t + field(t, slot)),
    tables: (t: number, slot: number) => {
      const o = field(t, slot);
      if (!o) return [] as number[];
      const v = bb.__vector(t + o);
      return Array.from({ length: bb.__vector_len(t + o) }, (_, i) => bb.__indirect(v + 4 * i));
    },
    str: (t: number, slot: number) => (field(t, slot) ? bb.__string(t + field(t, slot)) as string : undefined),
    i8: (t: number, slot: number) => (field(t, slot) ? bb.readInt8(t + field(t, slot)) : 0),
    u32: (t: number, slot: number) => (field(t, slot) ? bb.readUint32(t + field(t, slot)) : 0),
    floats: (t: number, slot: number) => {
      const o = field(t, slot);
      if (!o) return [] as number[];
      const v = bb.__vector(t + o);
      return Array.from({ length: bb.__vector_len(t + o) }, (_, i) => bb.readFloat32(v + 4 * i));
    },
    bytes: (t: number, slot: number) => {
      const o = field(t, slot);
      const v = bb.__vector(t + o);
      return bytes.subarray(v, v + bb.__vector_len(t + o));
    },
  };
  return r;
}

/** The TFLITE_METADATA buffer of a .tflite (schema.fbs: Model.buffers slot 4, Model.metadata slot 6, Metadata {name 0, buffer 1}, Buffer.data 0). */
function metadataBuffer(file: Uint8Array): Uint8Array | undefined {
  const m = reader(file);
  const root = m.root();
  const entry = m.tables(root, 6).find((t) => m.str(t, 0) === 'TFLITE_METADATA');
  if (entry === undefined) return undefined;
  const buffer = m.tables(root, 4)[m.u32(entry, 1)];
  return m.bytes(buffer, 0);
}

/** The input tensor's shape (schema.fbs: Model.subgraphs slot 2; SubGraph tensors 0, inputs 1; Tensor.shape 0). */
function inputTensorShape(file: Uint8Array): number[] {
  const m = reader(file);
  const [subgraph] = m.tables(m.root(), 2);
  const ints = (t: number, slot: number) => {
    const o = m.bb.__offset(t, 4 + 2 * slot);
    const v = m.bb.__vector(t + o);
    return Array.from({ length: m.bb.__vector_len(t + o) }, (_, i) => m.bb.readInt32(v + 4 * i));
  };
  const [input] = ints(subgraph, 1);
  return ints(m.tables(subgraph, 0)[input], 0);
}

/** ModelMetadata, read with metadata_schema.fbs's slots. */
function parseModelMetadata(bytes: Uint8Array) {
  const r = reader(bytes);
  const root = r.root();
  const tensor = (t: number) => {
    const content = r.table(t, 3); // TensorMetadata.content
    const props = r.table(content, 1); // Content.content_properties
    const units = r.tables(t, 4).map((u) => ({ type: r.i8(u, 0), mean: r.floats(r.table(u, 1), 0), std: r.floats(r.table(u, 1), 1) }));
    const stats = r.has(t, 5) ? r.table(t, 5) : undefined;
    return {
      name: r.str(t, 0), description: r.str(t, 1), contentType: r.i8(content, 0), props,
      units, max: stats ? r.floats(stats, 0) : [], min: stats ? r.floats(stats, 1) : [],
      files: r.tables(t, 6).map((f) => ({ name: r.str(f, 0), description: r.str(f, 1), type: r.i8(f, 2) })),
    };
  };
  const [subgraph] = r.tables(root, 3);
  const [input] = r.tables(subgraph, 2).map(tensor);
  const [output] = r.tables(subgraph, 3).map(tensor);
  const size = r.table(input.props, 1); // ImageProperties.default_size
  return {
    identifier: r.identifier(), name: r.str(root, 0), description: r.str(root, 1), version: r.str(root, 2), minParserVersion: r.str(root, 7),
    inputs: r.tables(subgraph, 2).length, outputs: r.tables(subgraph, 3).length,
    input: { ...input, colorSpace: r.i8(input.props, 0), width: r.u32(size, 0), height: r.u32(size, 1) }, output,
  };
}

function unzip(file: string): Record<string, string> {
  const fd = fs.openSync(file, 'r');
  try {
    const entries = readZipEntries(fd, fs.fstatSync(fd).size, file);
    return Object.fromEntries(entries.map((e) => [e.name, extractZipEntry(fd, e, file).toString('utf8')]));
  } finally {
    fs.closeSync(fd);
  }
}

/** Largest |a - b|. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Index of the largest score in each row of [n, k]. */
function argmaxRows(x: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: x.length / k }, (_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (x[i * k + c] > x[i * k + best]) best = c;
    return best;
  });
}

describe('a character model exported to TFLite reads RGB and carries its metadata (the Task Library loads it as it is)', () => {
  let model: tfl.LayersModel;
  let file: string;
  let gray: tf.Tensor4D; // [4, 28, 28, 1] in 0..1
  beforeAll(() => {
    model = baselineCnn({ numClasses: 10, seed: 4 });
    file = path.join(dir, 'digits', 'digits.tflite');
    const r = exportTflite(model, CLASSES, file, { quantize: 'none' });
    expect([r.input, r.channels]).toEqual(['rgb', 3]);
    gray = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  });
  afterAll(() => gray.dispose());

  test('metadata (M001): RGB image of 3 channels, normalised 0..255 -> 0..1 in each channel, labels on the output', () => {
    const bytes = new Uint8Array(fs.readFileSync(file));
    // The Task Library checks the tensor itself: batch 1 and depth 3.
    expect(inputTensorShape(bytes)).toEqual([1, 28, 28, 3]);
    const meta = metadataBuffer(bytes);
    expect(meta).toBeDefined();
    const m = parseModelMetadata(meta!);
    expect(m.identifier).toBe('M001');
    expect(m.name).toBe('handwriting-tfjs character classifier');
    // Polarity said plainly: the Task Library only resizes and normalises.
    expect(m.description).toMatch(/WHITE ink on a BLACK background/);
    expect(m.description).toMatch(/invert a photo of dark ink on paper/);
    expect(m.description).toMatch(/mean of R, G and B/);
    expect(m.version).toBe('1');
    expect(m.minParserVersion).toBe('1.0.0');
    expect([m.inputs, m.outputs]).toEqual([1, 1]);
    // input: ImageProperties (union member 2), RGB (ColorSpaceType 1), 28x28, NormalizationOptions (1) per channel, range 0..1 per channel
    expect(m.input).toMatchObject({ name: 'image', contentType: 2, colorSpace: 1, width: 28, height: 28, min: [0, 0, 0], max: [1, 1, 1] });
    expect(m.input.units).toEqual([{ type: 1, mean: [0, 0, 0], std: [255, 255, 255] }]);
    // Each channel's normalisation maps the pixel range onto the model's input range.
    for (let c = 0; c < 3; c++) {
      const norm = (x: number) => (x - m.input.units[0].mean[c]) / m.input.units[0].std[c];
      expect([norm(0), norm(255)]).toEqual([m.input.min[c], m.input.max[c]]);
    }
    // output: FeatureProperties (1), probabilities 0..1, labels.txt as TENSOR_AXIS_LABELS (2)
    expect(m.output).toMatchObject({ name: 'probabilities', contentType: 1, min: [0], max: [1] });
    expect(m.output.files).toEqual([expect.objectContaining({ name: 'labels.txt', type: 2 })]);
  });

  test('labels.txt is packed in a zip at the end of the file, equal to the side file and the classes', () => {
    const files = unzip(file);
    expect(Object.keys(files)).toEqual(['labels.txt']);
    expect(files['labels.txt']).toBe(labelsText(CLASSES));
    expect(files['labels.txt'].split('\n').slice(0, -1)).toEqual(CLASSES);
    expect(fs.readFileSync(path.join(path.dirname(file), 'labels.txt'), 'utf8')).toBe(files['labels.txt']);
    // The zip follows the flatbuffer: the model bytes come first, unchanged.
    const plain = tfliteBytes(model, { quantize: 'none', input: 'rgb' });
    const written = fs.readFileSync(file);
    expect(written.length).toBeGreaterThan(plain.length);
    expect(written.subarray(4, 8).toString('latin1')).toBe('TFL3');
  });

  test('LiteRT on gray images given as R = G = B answers as the gray tfjs model, to 1e-4', async () => {
    const ref = (model.predict(gray) as tf.Tensor).dataSync() as Float32Array;
    const r = await interp.run(file, grayToRgb(gray.dataSync() as Float32Array), 4);
    expect(r.inputShape).toEqual([1, 28, 28, 3]);
    expect(r.outputShape).toEqual([1, 10]);
    expect(maxAbsDiff(r.output, ref)).toBeLessThan(1e-4);
    expect(argmaxRows(r.output, 10)).toEqual(argmaxRows(ref, 10));
  });

  test('on a colour image the file answers as the gray model on the mean of R, G and B', async () => {
    const rgb = tf.randomUniform([2, 28, 28, 3], 0, 1, 'float32', 9);
    const mean = tf.mean(rgb, 3, true);
    const ref = (model.predict(mean) as tf.Tensor).dataSync() as Float32Array;
    const r = await interp.run(file, rgb.dataSync() as Float32Array, 2);
    expect(maxAbsDiff(r.output, ref)).toBeLessThan(1e-4);
    tf.dispose([rgb, mean]);
  });

  test('float16 and int8 files read RGB with the same metadata and answer as their gray files do', async () => {
    const calibration = tf.randomUniform([16, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const x = gray.dataSync() as Float32Array;
    // float16: w/3 rounds differently from w (5.8e-6 seen); int8: the per-channel scales of w/3 are a third
    // of w's, so the int8 weights are the same ones (0 seen), at most one output step (1/256) apart.
    const tolerance = { float16: 1e-3, int8: 1 / 256 };
    for (const quantize of ['float16', 'int8'] as const) {
      const out = path.join(dir, quantize, 'm.tflite');
      exportTflite(model, CLASSES, out, { quantize, calibration });
      const bytes = new Uint8Array(fs.readFileSync(out));
      expect(inputTensorShape(bytes)).toEqual([1, 28, 28, 3]);
      const m = parseModelMetadata(metadataBuffer(bytes)!);
      expect(m.input.colorSpace).toBe(1);
      expect(m.input.units).toEqual([{ type: 1, mean: [0, 0, 0], std: [255, 255, 255] }]);
      expect(unzip(out)['labels.txt']).toBe(labelsText(CLASSES));
      const rgbOut = await interp.run(out, grayToRgb(x), 4);
      const grayOut = await interp.run(tfliteBytes(model, { quantize, calibration, input: 'gray' }), x, 4);
      expect(maxAbsDiff(rgbOut.output, grayOut.output)).toBeLessThanOrEqual(tolerance[quantize]);
    }
    calibration.dispose();
  });
});

test("input 'gray' keeps the 1-channel file with GRAYSCALE metadata (which the Task Library rejects)", () => {
  const model = baselineCnn({ numClasses: 10, seed: 4 });
  const out = path.join(dir, 'gray', 'digits.tflite');
  expect(exportTflite(model, CLASSES, out, { quantize: 'none', input: 'gray' })).toMatchObject({ input: 'gray', channels: 1 });
  const bytes = new Uint8Array(fs.readFileSync(out));
  expect(inputTensorShape(bytes)).toEqual([1, 28, 28, 1]);
  const m = parseModelMetadata(metadataBuffer(bytes)!);
  expect(m.input).toMatchObject({ colorSpace: 2, min: [0], max: [1] });
  expect(m.input.units).toEqual([{ type: 1, mean: [0], std: [255] }]);
  expect(unzip(out)['labels.txt']).toBe(labelsText(CLASSES));
});

describe('rgbInputGraph: the first layer reads the mean of three channels', () => {
  test('a first conv: on any RGB input it equals the gray graph on the mean (the definition)', () => {
    const model = baselineCnn({ numClasses: 10, seed: 2 });
    const g = lowerModel(model);
    const rgb = rgbInputGraph(g);
    expect(rgb.inputShape).toEqual([28, 28, 3]);
    expect(rgb.steps.slice(1)).toEqual(g.steps.slice(1));
    const x = tf.randomUniform([2, 28, 28, 3], 0, 1, 'float32', 3);
    const [a] = runInferenceGraph(rgb, x);
    const [b] = runInferenceGraph(g, tf.mean(x, 3, true));
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, a, b]);
  });

  test('flatten + dense (an MLP): the dense rows of each pixel become three rows of a third', () => {
    const model = tfl.sequential({ layers: [
      tfl.layers.flatten({ inputShape: [4, 5, 1] }),
      tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
    ] });
    const g = lowerModel(model);
    const rgb = rgbInputGraph(g);
    const x = tf.randomUniform([3, 4, 5, 3], 0, 1, 'float32', 4);
    const [a] = runInferenceGraph(rgb, x);
    const [b] = runInferenceGraph(g, tf.mean(x, 3, true));
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
  });

  test('a model that starts otherwise, or already reads 3 channels, is refused with what to do', () => {
    const pooled = tfl.sequential({ layers: [
      tfl.layers.maxPooling2d({ inputShape: [8, 8, 1], poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2 }),
    ] });
    expect(() => rgbInputGraph(lowerModel(pooled))).toThrow(/starts with a maxPool2d step.*--input gray/);
    const colour = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 })] });
    expect(() => rgbInputGraph(lowerModel(colour))).toThrow(/reads 3 channels, not 1/);
    expect(() => tfliteBytes(colour, { input: 'gray' })).toThrow(/reads 3 channels; it cannot be written with a gray input/);
  });
});

test('a model that is not a classifier (scores per time step) gets no classifier metadata and keeps its gray input', () => {
  const lineModel = tfl.sequential({ layers: [
    tfl.layers.conv2d({ inputShape: [2, null, 1], filters: 3, kernelSize: [2, 1] }),
    tfl.layers.reshape({ targetShape: [-1, 3] }),
  ] });
  const out = path.join(dir, 'line', 'line.tflite');
  expect(exportTflite(lineModel, ['a', 'b'], out, { quantize: 'none' })).toMatchObject({ input: 'gray', channels: 1 });
  const bytes = new Uint8Array(fs.readFileSync(out));
  expect(inputTensorShape(bytes)).toEqual([1, 2, 256, 1]);
  expect(metadataBuffer(bytes)).toBeUndefined();
  expect(() => unzip(out)).toThrow(/no end-of-central-directory/);
  expect(() => tfliteBytes(lineModel, { classifier: { classes: ['a', 'b', 'c'] } })).toThrow(/does not end in one score per class/);
});
