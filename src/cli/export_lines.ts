/**
 * `hwr export --format tflite` for a line model (task 'lines'): the .tflite (free width) with
 * labels.txt (the charset in class order; the CTC blank is the class after the last label), then
 * the check that matters for reading: the .tflite through LiteRT and the tfjs model read the same
 * synthetic test lines (greedy), texts equal on >= 99% of lines and CER within 0.2 points, else exit
 * 1. The thresholds hold for float32 and float16; int8 is reported and may miss them.
 */
import * as fs from 'fs';
import type * as tfl from '@tensorflow/tfjs-layers';
import { exportTflite, lowerModel, TfliteQuantization } from '../export';
import { LiteRtInterpreter } from '../export/tflite/litert_client';
import {
  compareLineReadings, lineAgreementVerdict, lineBatch, lineTfliteBuilder, syntheticLines, SyntheticLineOptions,
} from '../export/tflite/verify_lines';
import type { LineModelMetadata } from '../lines/line_model';
import { intOption, UsageError } from './args';

type Values = Record<string, string | boolean | undefined>;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Test lines read by default: enough for a 1% agreement step to mean two lines, quick on 2 cores. */
export const DEFAULT_VERIFY_LINES = 200;

/**
 * The LiteRT interpreter that verifies `file`, or undefined after saying why it did not start and
 * what to do (the caller exits 1: an unverified file must not look like a verified one).
 */
export async function startVerifier(file: string): Promise<LiteRtInterpreter | undefined> {
  try {
    return await LiteRtInterpreter.start();
  } catch (e) {
    console.error(`hwr export: ${file} is written but NOT verified: the LiteRT interpreter did not start (${(e as Error).message.trim()}). ` +
      'Install @litertjs/core (a dev dependency: npm ci in a checkout, npm install @litertjs/core elsewhere), or pass --no-verify to export without the check.');
    return undefined;
  }
}

/** Writes and verifies a line model's .tflite; returns the exit code. */
export async function exportLineModelTflite(
  model: tfl.LayersModel, metadata: LineModelMetadata, modelDir: string, out: string, quantize: TfliteQuantization, values: Values, command: string,
): Promise<number> {
  const source: SyntheticLineOptions = {
    emnistDir: values['emnist-dir'] as string | undefined,
    split: values.split as string | undefined,
  };
  if (values.input !== undefined && values.input !== 'gray') {
    throw new UsageError(`hwr export: a line model's .tflite reads gray lines (--input gray); got --input ${values.input}. ` +
      'The Task Library\'s RGB ImageClassifier does not read lines, so an RGB input would buy nothing.');
  }
  // A layer TFLite cannot run (e.g. the FusedBiLSTM of an --head lstm model) is named before any line is made.
  lowerModel(model);
  const verify = values['skip-eval'] !== true && values['no-verify'] !== true;
  let calibration;
  if (quantize === 'int8') {
    const n = intOption(values, 'calibration', 300);
    calibration = lineBatch(syntheticLines(metadata, 'train', n, source));
    console.log(`calibrating int8 ranges on ${n} synthetic training lines`);
  }
  const description = `handwriting-tfjs ${command} (source ${modelDir}, ${metadata.dataset}, line model, ${quantize}; input width free)`;
  const r = exportTflite(model, metadata.charset, out, { quantize, calibration, description, input: 'gray' });
  console.log(`wrote ${out} (${kb(r.bytes)}; input [1, ${metadata.height}, width, 1], any width) and ${r.labelsFile}`);
  if (!verify) {
    calibration?.dispose();
    console.log(`not verified (${values['no-verify'] === true ? '--no-verify' : '--skip-eval'}): ${out} was not run through LiteRT.`);
    return 0;
  }
  const builder = lineTfliteBuilder(model, quantize, { calibration, description });
  calibration?.dispose();
  // The verifier rebuilds the file at each line's width: the rebuild at the written width must be the file.
  if (!Buffer.from(builder.bytes()).equals(fs.readFileSync(out))) {
    throw new Error(`${out} differs from the graph the verifier runs; the export is not deterministic (a bug): do not ship it.`);
  }
  const interp = await startVerifier(out);
  if (!interp) return 1;
  try {
    const lines = syntheticLines(metadata, 'test', intOption(values, 'limit', DEFAULT_VERIFY_LINES), source);
    const a = await compareLineReadings(interp, model, metadata, (w) => builder.bytes(w), lines);
    const v = lineAgreementVerdict(a);
    const enforced = quantize !== 'int8';
    console.log(`LiteRT on ${a.count} synthetic test lines: texts equal on ${pct(a.agreement)} of lines, CER ${pct(a.referenceCer)} (tfjs) -> ` +
      `${pct(a.cer)} (tflite), max |d logit| ${a.maxAbsDiff.toExponential(2)} (logits up to ${a.maxAbsLogit.toFixed(0)}), ${a.msPerLine.toFixed(1)} ms/line: ` +
      `${v.pass ? 'pass' : enforced ? 'FAIL' : 'misses'} (${v.check}${enforced ? '' : '; reported, not enforced for int8'})`);
    for (const d of a.disagreements.slice(0, 3)) console.log(`  line ${d.line}: truth '${d.truth}', tfjs '${d.reference}', tflite '${d.candidate}'`);
    return v.pass || !enforced ? 0 : 1;
  } finally {
    await interp.close();
  }
}
