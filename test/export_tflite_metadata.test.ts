/**
 * TFLite model metadata of character models, read back field by field with the flatbuffers
 * ByteBuffer and slot numbers typed here from tflite-support's metadata_schema.fbs (1.1.0) and
 * TensorFlow's schema.fbs (Model.metadata), independently of the writer; labels.txt unzipped from
 * the file with src/data/zip.ts; the file still loads and runs in LiteRT with the same outputs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flatbuffers from 'flatbuffers';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { baselineCnn } from '../src/models/cnn';
import { exportTflite, labelsText, tfliteBytes } from '../src/export';
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

describe('a character model exported to TFLite carries its metadata', () => {
  let model: tfl.LayersModel;
  let file: string;
  beforeAll(() => {
    model = baselineCnn({ numClasses: 10, seed: 4 });
    file = path.join(dir, 'digits', 'digits.tflite');
    exportTflite(model, CLASSES, file, { quantize: 'none' });
  });

  test('a TFLITE_METADATA buffer holds a ModelMetadata flatbuffer (M001): image input normalised 0..255 -> 0..1, labels on the output', () => {
    const meta = metadataBuffer(new Uint8Array(fs.readFileSync(file)));
    expect(meta).toBeDefined();
    const m = parseModelMetadata(meta!);
    expect(m.identifier).toBe('M001');
    expect(m.name).toBe('handwriting-tfjs character classifier');
    expect(m.description).toMatch(/white ink on black/);
    expect(m.version).toBe('1');
    expect(m.minParserVersion).toBe('1.0.0');
    expect([m.inputs, m.outputs]).toEqual([1, 1]);
    // input: ImageProperties (union member 2), GRAYSCALE (2), 28x28, NormalizationOptions (1) mean 0 std 255, range 0..1
    expect(m.input).toMatchObject({ name: 'image', contentType: 2, colorSpace: 2, width: 28, height: 28, min: [0], max: [1] });
    expect(m.input.units).toEqual([{ type: 1, mean: [0], std: [255] }]);
    // The normalisation maps the pixel range onto the model's input range.
    const norm = (x: number) => (x - m.input.units[0].mean[0]) / m.input.units[0].std[0];
    expect([norm(0), norm(255)]).toEqual([m.input.min[0], m.input.max[0]]);
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
    const plain = tfliteBytes(model, { quantize: 'none' });
    const written = fs.readFileSync(file);
    expect(written.length).toBeGreaterThan(plain.length);
    expect(written.subarray(4, 8).toString('latin1')).toBe('TFL3');
  });

  test('LiteRT loads and runs the file with metadata: the same outputs as the file without it', async () => {
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const input = x.dataSync() as Float32Array;
    const withMeta = await interp.run(file, input, 3);
    const without = await interp.run(tfliteBytes(model, { quantize: 'none' }), input, 3);
    expect(withMeta.outputShape).toEqual([1, 10]);
    expect(Array.from(withMeta.output)).toEqual(Array.from(without.output));
    x.dispose();
  });

  test('int8 and float16 files carry the same metadata and run', async () => {
    const calibration = tf.randomUniform([16, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    for (const quantize of ['float16', 'int8'] as const) {
      const out = path.join(dir, quantize, 'm.tflite');
      exportTflite(model, CLASSES, out, { quantize, calibration });
      const m = parseModelMetadata(metadataBuffer(new Uint8Array(fs.readFileSync(out)))!);
      expect(m.input.units).toEqual([{ type: 1, mean: [0], std: [255] }]);
      expect(unzip(out)['labels.txt']).toBe(labelsText(CLASSES));
      const r = await interp.run(out, new Float32Array(784), 1);
      expect(r.output.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 1);
    }
    calibration.dispose();
  });
});

test('a model that is not a classifier (scores per time step) gets no classifier metadata', () => {
  const lineModel = tfl.sequential({ layers: [
    tfl.layers.conv2d({ inputShape: [2, null, 1], filters: 3, kernelSize: [2, 1] }),
    tfl.layers.reshape({ targetShape: [-1, 3] }),
  ] });
  const out = path.join(dir, 'line', 'line.tflite');
  exportTflite(lineModel, ['a', 'b'], out, { quantize: 'none' });
  expect(metadataBuffer(new Uint8Array(fs.readFileSync(out)))).toBeUndefined();
  expect(() => unzip(out)).toThrow(/no end-of-central-directory/);
  expect(() => tfliteBytes(lineModel, { classifier: { classes: ['a', 'b', 'c'] } })).toThrow(/does not end in one score per class/);
});
