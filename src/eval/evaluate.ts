import * as fs from 'fs';
import * as path from 'path';
import * as tfl from '@tensorflow/tfjs-layers';
import { Dataset } from '../data/dataset';
import { predictDataset } from './predict_dataset';
import { ClassMetrics, ConfusedPair, classMetrics, confusionMatrix, mostConfused } from './confusion';

/** One test image the model got wrong. */
export interface Misclassified {
  index: number;
  true: string;
  predicted: string;
  confidence: number;
}

/** Everything `evaluate` measures on one dataset. */
export interface EvaluationReport {
  dataset: string;
  split: string;
  count: number;
  accuracy: number;
  macroF1: number;
  perClass: ClassMetrics[];
  confusion: number[][];
  classes: string[];
  mostConfused: ConfusedPair[];
  /** Wrong predictions, the most confident mistakes first (capped by `maxMisclassified`). */
  misclassified: Misclassified[];
  misclassifiedCount: number;
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  batchSize?: number;
  /** How many misclassified examples to keep in the report. */
  maxMisclassified?: number;
  /** How many most-confused pairs to list. */
  topPairs?: number;
}

/** Accuracy, per-class metrics, confusion matrix, most-confused pairs and misclassified examples. */
export function evaluate(model: tfl.LayersModel, ds: Dataset, opts: EvaluateOptions = {}): EvaluationReport {
  const { batchSize = 1000, maxMisclassified = 100, topPairs = 10 } = opts;
  const { predicted, confidence } = predictDataset(model, ds, batchSize);
  const confusion = confusionMatrix(ds.labels, predicted, ds.classes.length);
  const perClass = classMetrics(confusion, ds.classes);
  const wrong: Misclassified[] = [];
  let correct = 0;
  for (let i = 0; i < ds.count; i++) {
    if (predicted[i] === ds.labels[i]) correct++;
    else wrong.push({ index: i, true: ds.classes[ds.labels[i]], predicted: ds.classes[predicted[i]], confidence: confidence[i] });
  }
  wrong.sort((a, b) => b.confidence - a.confidence);
  return {
    dataset: ds.name,
    split: ds.split,
    count: ds.count,
    accuracy: ds.count ? correct / ds.count : 0,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / perClass.length,
    perClass,
    confusion,
    classes: ds.classes,
    mostConfused: mostConfused(confusion, ds.classes, topPairs),
    misclassified: wrong.slice(0, maxMisclassified),
    misclassifiedCount: wrong.length,
  };
}

const pct = (x: number) => (100 * x).toFixed(2) + '%';

/** The report as a readable text table for a terminal or notebook. */
export function formatEvaluation(r: EvaluationReport): string {
  const lines = [
    `${r.dataset} ${r.split}: ${r.count.toLocaleString('en-US')} images, accuracy ${pct(r.accuracy)}, ` +
      `macro F1 ${r.macroF1.toFixed(4)}, ${r.misclassifiedCount} wrong`,
    '',
    'class  precision  recall     f1  support',
    ...r.perClass.map((c) =>
      `${c.label.padStart(5)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ` +
      `${c.f1.toFixed(4).padStart(5)}  ${String(c.support).padStart(7)}`),
    '',
    'most confused (true -> predicted):',
    ...r.mostConfused.map((p) => `  ${p.true} -> ${p.predicted}: ${p.count} (${pct(p.rate)} of ${p.true})`),
  ];
  return lines.join('\n');
}

/** Writes the report as JSON (creating the folder) and returns the path. */
export function saveEvaluation<R extends EvaluationReport>(r: R, file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(r, null, 1) + '\n');
  return file;
}
