/**
 * TFLite model metadata for image classifiers: what Android's metadata extractor, codegen and Task
 * Library read from a .tflite instead of a side file. Two parts, by tflite-support's convention:
 * - a ModelMetadata flatbuffer (file identifier "M001") in a model buffer that the model's
 *   `metadata` list names "TFLITE_METADATA": the input (image properties, normalisation mean/std,
 *   value range) and the output (value range, the labels file as TENSOR_AXIS_LABELS);
 * - the associated files (labels.txt) in a zip archive appended to the .tflite bytes, entries
 *   stored uncompressed, offsets counted from the start of the file (as minizip writes an archive
 *   created after existing data, which is what the populator does).
 *
 * Slots and enum values typed by hand from tensorflow/tflite-support
 * tensorflow_lite_support/metadata/metadata_schema.fbs, schema version 1.1.0 (file identifier
 * "M001"; later versions only append fields and union members, so these stay valid). Every field
 * written here exists since 1.0.0, so min_parser_version is "1.0.0" (metadata_version.cc's rule).
 */
import * as flatbuffers from 'flatbuffers';
import { crc32 } from '../../data/zip';
import { float32Vector, offsetVector } from './flatbuffer';
import type { InferenceGraph } from '../inference_graph';

export const METADATA_FILE_IDENTIFIER = 'M001';
/** Name of the TFLite Model.metadata entry whose buffer holds the ModelMetadata flatbuffer. */
export const METADATA_BUFFER_NAME = 'TFLITE_METADATA';
/** Oldest metadata parser that understands every field written here. */
export const MIN_PARSER_VERSION = '1.0.0';

/** enum ColorSpaceType : byte */
export const ColorSpaceType = { UNKNOWN: 0, RGB: 1, GRAYSCALE: 2 } as const;
/** enum AssociatedFileType : byte */
export const AssociatedFileType = { UNKNOWN: 0, DESCRIPTIONS: 1, TENSOR_AXIS_LABELS: 2, TENSOR_VALUE_LABELS: 3 } as const;
/** union ContentProperties: 1-based member position (0 = NONE). */
export const ContentPropertiesType = { NONE: 0, FeatureProperties: 1, ImageProperties: 2, BoundingBoxProperties: 3 } as const;
/** union ProcessUnitOptions: 1-based member position (0 = NONE). */
export const ProcessUnitOptionsType = { NONE: 0, NormalizationOptions: 1, ScoreCalibrationOptions: 2, ScoreThresholdingOptions: 3 } as const;

/** Field slots per table (a union takes two: `<name>_type`, then `<name>`). */
export const MetadataSlots = {
  ModelMetadata: { name: 0, description: 1, version: 2, subgraph_metadata: 3, author: 4, license: 5, associated_files: 6, min_parser_version: 7, count: 8 },
  SubGraphMetadata: { name: 0, description: 1, input_tensor_metadata: 2, output_tensor_metadata: 3, associated_files: 4, input_process_units: 5, output_process_units: 6, count: 7 },
  TensorMetadata: { name: 0, description: 1, dimension_names: 2, content: 3, process_units: 4, stats: 5, associated_files: 6, count: 7 },
  Content: { content_properties_type: 0, content_properties: 1, range: 2, count: 3 },
  ImageProperties: { color_space: 0, default_size: 1, count: 2 },
  ImageSize: { width: 0, height: 1, count: 2 },
  ProcessUnit: { options_type: 0, options: 1, count: 2 },
  NormalizationOptions: { mean: 0, std: 1, count: 2 },
  Stats: { max: 0, min: 1, count: 2 },
  AssociatedFile: { name: 0, description: 1, type: 2, locale: 3, count: 4 },
} as const;

/** One tensor's description. */
export interface TensorDescription {
  name: string;
  description: string;
  /** Value range of the tensor as the model sees it (after normalisation for an input). */
  min?: number[];
  max?: number[];
}

/** What an image classifier's metadata says. */
export interface ImageClassifierMetadata {
  name: string;
  description: string;
  version: string;
  author?: string;
  license?: string;
  input: TensorDescription & {
    colorSpace: keyof typeof ColorSpaceType;
    /** Input height and width, pixels. */
    size: { width: number; height: number };
    /** model input = (pixel - mean) / std, per channel (one value for all). */
    mean: number[];
    std: number[];
  };
  output: TensorDescription & {
    /** Probabilities (FeatureProperties) per class; the labels file names each class, one per line. */
    labelsFile: string;
    labelsDescription: string;
  };
}

type Builder = flatbuffers.Builder;

function stats(b: Builder, t: TensorDescription): flatbuffers.Offset {
  if (!t.min && !t.max) return 0;
  const S = MetadataSlots.Stats;
  const max = t.max ? float32Vector(b, t.max) : 0;
  const min = t.min ? float32Vector(b, t.min) : 0;
  b.startObject(S.count);
  if (max) b.addFieldOffset(S.max, max, 0);
  if (min) b.addFieldOffset(S.min, min, 0);
  return b.endObject();
}

function tensorTable(b: Builder, t: TensorDescription, content: flatbuffers.Offset, processUnits: flatbuffers.Offset, files: flatbuffers.Offset): flatbuffers.Offset {
  const S = MetadataSlots.TensorMetadata;
  const name = b.createString(t.name);
  const description = b.createString(t.description);
  const st = stats(b, t);
  b.startObject(S.count);
  b.addFieldOffset(S.name, name, 0);
  b.addFieldOffset(S.description, description, 0);
  b.addFieldOffset(S.content, content, 0);
  if (processUnits) b.addFieldOffset(S.process_units, processUnits, 0);
  if (st) b.addFieldOffset(S.stats, st, 0);
  if (files) b.addFieldOffset(S.associated_files, files, 0);
  return b.endObject();
}

function content(b: Builder, type: number, properties: flatbuffers.Offset): flatbuffers.Offset {
  const S = MetadataSlots.Content;
  b.startObject(S.count);
  b.addFieldInt8(S.content_properties_type, type, 0);
  b.addFieldOffset(S.content_properties, properties, 0);
  return b.endObject();
}

/** The ModelMetadata flatbuffer (identifier "M001") of an image classifier. */
export function imageClassifierMetadataBytes(m: ImageClassifierMetadata): Uint8Array {
  const { input, output } = m;
  if (input.mean.length !== input.std.length || input.mean.length === 0 || input.std.some((s) => s === 0)) {
    throw new Error(`TFLite metadata: normalisation needs as many mean as std values, none zero (got mean ${input.mean}, std ${input.std}).`);
  }
  const b = new flatbuffers.Builder(1024);

  // Input: image properties, normalisation, range.
  const size = (() => {
    const S = MetadataSlots.ImageSize;
    b.startObject(S.count);
    b.addFieldInt32(S.width, input.size.width, 0);
    b.addFieldInt32(S.height, input.size.height, 0);
    return b.endObject();
  })();
  const image = (() => {
    const S = MetadataSlots.ImageProperties;
    b.startObject(S.count);
    b.addFieldInt8(S.color_space, ColorSpaceType[input.colorSpace], 0);
    b.addFieldOffset(S.default_size, size, 0);
    return b.endObject();
  })();
  const inputContent = content(b, ContentPropertiesType.ImageProperties, image);
  const normalization = (() => {
    const S = MetadataSlots.NormalizationOptions;
    const mean = float32Vector(b, input.mean);
    const std = float32Vector(b, input.std);
    b.startObject(S.count);
    b.addFieldOffset(S.mean, mean, 0);
    b.addFieldOffset(S.std, std, 0);
    return b.endObject();
  })();
  const unit = (() => {
    const S = MetadataSlots.ProcessUnit;
    b.startObject(S.count);
    b.addFieldInt8(S.options_type, ProcessUnitOptionsType.NormalizationOptions, 0);
    b.addFieldOffset(S.options, normalization, 0);
    return b.endObject();
  })();
  const inputTable = tensorTable(b, input, inputContent, offsetVector(b, [unit]), 0);

  // Output: probabilities per class, named by the labels file.
  const feature = (() => { b.startObject(0); return b.endObject(); })();
  const outputContent = content(b, ContentPropertiesType.FeatureProperties, feature);
  const labels = (() => {
    const S = MetadataSlots.AssociatedFile;
    const name = b.createString(output.labelsFile);
    const description = b.createString(output.labelsDescription);
    b.startObject(S.count);
    b.addFieldOffset(S.name, name, 0);
    b.addFieldOffset(S.description, description, 0);
    b.addFieldInt8(S.type, AssociatedFileType.TENSOR_AXIS_LABELS, 0);
    return b.endObject();
  })();
  const outputTable = tensorTable(b, output, outputContent, 0, offsetVector(b, [labels]));

  const subgraph = (() => {
    const S = MetadataSlots.SubGraphMetadata;
    const inputs = offsetVector(b, [inputTable]);
    const outputs = offsetVector(b, [outputTable]);
    b.startObject(S.count);
    b.addFieldOffset(S.input_tensor_metadata, inputs, 0);
    b.addFieldOffset(S.output_tensor_metadata, outputs, 0);
    return b.endObject();
  })();

  const S = MetadataSlots.ModelMetadata;
  const name = b.createString(m.name);
  const description = b.createString(m.description);
  const version = b.createString(m.version);
  const subgraphs = offsetVector(b, [subgraph]);
  const author = m.author ? b.createString(m.author) : 0;
  const license = m.license ? b.createString(m.license) : 0;
  const minParser = b.createString(MIN_PARSER_VERSION);
  b.startObject(S.count);
  b.addFieldOffset(S.name, name, 0);
  b.addFieldOffset(S.description, description, 0);
  b.addFieldOffset(S.version, version, 0);
  b.addFieldOffset(S.subgraph_metadata, subgraphs, 0);
  if (author) b.addFieldOffset(S.author, author, 0);
  if (license) b.addFieldOffset(S.license, license, 0);
  b.addFieldOffset(S.min_parser_version, minParser, 0);
  b.finish(b.endObject(), METADATA_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

/** A file packed into the model. */
export interface AssociatedFile {
  name: string;
  data: Uint8Array;
}

/**
 * `model` followed by a zip archive of `files` (stored, no compression), every offset counted
 * from the start of the returned bytes: the layout tflite-support's populator writes, which zip
 * readers open as an archive with a prefix (and src/data/zip.ts reads at those offsets).
 */
export function appendAssociatedFiles(model: Uint8Array, files: AssociatedFile[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [model];
  let at = model.length;
  const central: Uint8Array[] = [];
  // Fixed DOS date 1980-01-01 00:00: the same model gives the same bytes.
  const DOS_DATE = (0 << 9) | (1 << 5) | 1;
  for (const f of files) {
    const name = enc.encode(f.name);
    if (name.length > 0xffff || f.data.length >= 0xffffffff) throw new Error(`TFLite metadata: associated file ${f.name} is too large for a zip entry.`);
    const crc = crc32(f.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true); // local file header
    lv.setUint16(4, 10, true); // version needed: 1.0 (stored)
    lv.setUint16(8, 0, true); // method: stored
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, f.data.length, true);
    lv.setUint32(22, f.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const c = new Uint8Array(46 + name.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true); // central directory header
    cv.setUint16(4, 10, true); // made by
    cv.setUint16(6, 10, true); // needed
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, f.data.length, true);
    cv.setUint32(24, f.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, at, true); // local header offset from the start of the file
    c.set(name, 46);
    central.push(c);
    parts.push(local, f.data);
    at += local.length + f.data.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); // end of central directory
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, at, true);
  const out = new Uint8Array(at + cdSize + end.length);
  let p = 0;
  for (const part of [...parts, ...central, end]) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** What `tfliteBytes` needs to describe a character classifier. */
export interface ClassifierInfo {
  /** Class index -> label, one per output (written as labels.txt, one per line). */
  classes: string[];
  /** Default 'handwriting-tfjs character classifier'. */
  name?: string;
  /** The model's version (e.g. the commit it was trained at); default '1'. */
  version?: string;
  /** Default: what the input must be and what the output means. */
  description?: string;
}

/**
 * The metadata of a character model whose graph reads [h, w, 1] gray or [h, w, 3] RGB images in
 * 0..1 and ends in one vector of class scores: 0..255 pixels normalised by (x - 0) / 255 (per
 * channel for RGB), the labels as labels.txt. Probabilities (range 0..1) when the graph ends in
 * softmax, logits otherwise. The description states the polarity plainly: the Task Library only
 * resizes and normalises, so an app that does not invert a photo of dark ink on paper gets nonsense.
 */
export function characterClassifierMetadata(graph: InferenceGraph, info: ClassifierInfo): ImageClassifierMetadata {
  const [height, width, channels] = graph.inputShape;
  const last = graph.steps[graph.steps.length - 1];
  if (!last || last.outputShape.length !== 1 || last.outputShape[0] !== info.classes.length) {
    throw new Error(`TFLite metadata: model ${graph.name} does not end in one score per class (${info.classes.length} classes, output [${last?.outputShape ?? graph.inputShape}]); only image classifiers get classifier metadata.`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`TFLite metadata: model ${graph.name} reads ${channels} channels; image metadata describes 1 (grayscale) or 3 (RGB).`);
  const probabilities = last.kind === 'softmax';
  const rgb = channels === 3;
  const perChannel = (v: number) => Array.from({ length: channels }, () => v);
  return {
    name: info.name ?? 'handwriting-tfjs character classifier',
    description: info.description ?? `Reads one handwritten character: a ${height}x${width} image of WHITE ink on a BLACK background ` +
      '(the MNIST/EMNIST convention), the character centred and scaled as in EMNIST. A loader that only resizes and normalises ' +
      '(the TFLite Task Library, MediaPipe) does not do this: invert a photo of dark ink on paper (255 - pixel) and crop it to the ' +
      `character first (handwriting-tfjs's character recipe does both). ${rgb ? 'The model reads the mean of R, G and B. ' : ''}` +
      `Output: ${probabilities ? 'the probability' : 'the logit'} of each class in labels.txt.`,
    version: info.version ?? '1',
    author: 'handwriting-tfjs',
    input: {
      name: 'image',
      description: `${height}x${width} ${rgb ? 'RGB' : 'grayscale'} image, white ink (255) on black (0)${rgb ? '; the model reads the mean of R, G and B' : ''}`,
      colorSpace: rgb ? 'RGB' : 'GRAYSCALE', size: { width, height },
      // The model was trained on pixel / 255: (x - 0) / 255 maps 0..255 to its 0..1, in every channel.
      mean: perChannel(0), std: perChannel(255), min: perChannel(0), max: perChannel(1),
    },
    output: {
      name: probabilities ? 'probabilities' : 'logits',
      description: probabilities ? 'Probability of each class, in the order of labels.txt.' : 'Logit of each class, in the order of labels.txt.',
      ...(probabilities ? { min: [0], max: [1] } : {}),
      labelsFile: 'labels.txt', labelsDescription: 'The classes the model recognises, one per line, in output order.',
    },
  };
}
