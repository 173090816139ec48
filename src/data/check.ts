/**
 * `check-data`: load every dataset we can find and report what is there: counts per part, per-class
 * counts, SHA-256 of each file, and a sample sheet PNG per part so a person can see the images are upright
 * and the labels right.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { imageGrid } from '../plot/imageGrid';
import { Dataset, classCounts } from './dataset';
import { emnistAvailable, findEmnistFiles, loadEmnist, resolveEmnistLocation } from './emnist';
import { loadMnist, mnistDir, mnistFiles } from './mnist';

/** Options for `checkData`; EMNIST dir/split resolve like the loader (option > env > default). */
export interface CheckDataOptions {
  mnistDir?: string;
  emnistDir?: string;
  emnistSplit?: string;
  /** Where the sample sheets go; default `outputs`. */
  outDir?: string;
  /** Images per sample sheet; default 100 (10 x 10). */
  samples?: number;
}

/** One file the loader read, with its size and SHA-256 (hex). */
export interface FileCheck {
  file: string;
  bytes: number;
  sha256: string;
}

/** A class character and how many images it has. */
export interface ClassCount {
  label: string;
  count: number;
}

/** What one part (train or test) holds. */
export interface PartCheck {
  part: 'train' | 'test';
  count: number;
  /** Images per class, indexed by class. */
  classCounts: number[];
  min: ClassCount;
  max: ClassCount;
  /** Classes of the mapping with no image in this part (normally empty). */
  emptyClasses: string[];
  /** Mean pixel value (0..255), a cheap fingerprint of the image bytes. */
  pixelMean: number;
  /** The sample sheet PNG written for this part. */
  samplePng: string;
}

/** The check of one dataset. */
export interface DatasetCheck {
  name: string;
  dir: string;
  classes: string[];
  parts: PartCheck[];
  files: FileCheck[];
}

/** The result of `checkData`: datasets checked, and the ones not found (with why). */
export interface CheckReport {
  datasets: DatasetCheck[];
  skipped: { name: string; reason: string }[];
}

/** SHA-256 (hex) and size of a file. */
export function fileSha256(file: string): FileCheck {
  const bytes = fs.readFileSync(file);
  return { file, bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

/** Indices of `n` images spread evenly over the dataset (so the sheet is not just the first few writers). */
function sampleIndices(count: number, n: number): number[] {
  const k = Math.min(n, count);
  return Array.from({ length: k }, (_, i) => Math.floor((i * count) / k));
}

/** Writes a sample sheet (images with their class characters) for a dataset; returns the PNG path. */
export function writeSampleSheet(ds: Dataset, file: string, samples = 100): string {
  const size = ds.height * ds.width;
  const idx = sampleIndices(ds.count, samples);
  const pixels = new Uint8Array(idx.length * size); // [k, h, w]
  idx.forEach((src, i) => pixels.set(ds.images.subarray(src * size, (src + 1) * size), i * size));
  const figure = imageGrid(pixels, {
    height: ds.height,
    width: ds.width,
    cols: 10,
    labels: idx.map((i) => ds.classes[ds.labels[i]]),
    title: `${ds.name} ${ds.split}: ${idx.length} of ${ds.count.toLocaleString('en-US')} images, evenly spaced`,
  });
  figure.save(file);
  return file;
}

function checkPart(ds: Dataset, outDir: string, samples: number): PartCheck {
  const counts = classCounts(ds);
  let sum = 0;
  for (let i = 0; i < ds.images.length; i++) sum += ds.images[i];
  let lo = 0;
  let hi = 0;
  counts.forEach((c, k) => {
    if (c < counts[lo]) lo = k;
    if (c > counts[hi]) hi = k;
  });
  return {
    part: ds.split,
    count: ds.count,
    classCounts: counts,
    min: { label: ds.classes[lo], count: counts[lo] },
    max: { label: ds.classes[hi], count: counts[hi] },
    emptyClasses: ds.classes.filter((_, k) => counts[k] === 0),
    pixelMean: ds.images.length ? sum / ds.images.length : 0,
    samplePng: writeSampleSheet(ds, path.join(outDir, `samples-${ds.name}-${ds.split}.png`), samples),
  };
}

function checkDataset(parts: Dataset[], dir: string, files: string[], outDir: string, samples: number): DatasetCheck {
  return {
    name: parts[0].name,
    dir,
    classes: parts[0].classes,
    parts: parts.map((ds) => checkPart(ds, outDir, samples)),
    files: files.map(fileSha256),
  };
}

/** Checks MNIST and (if present) EMNIST; writes the sample sheets and returns the report. Throws on bad data. */
export function checkData(opts: CheckDataOptions = {}): CheckReport {
  const outDir = path.resolve(opts.outDir ?? 'outputs');
  const samples = opts.samples ?? 100;
  const report: CheckReport = { datasets: [], skipped: [] };

  const mnistOpts = { dir: opts.mnistDir };
  const mnist = loadMnist(mnistOpts);
  const mFiles = (['train', 'test'] as const).flatMap((p) => Object.values(mnistFiles(p, mnistOpts)));
  report.datasets.push(checkDataset([mnist.train, mnist.test], mnistDir(mnistOpts), mFiles, outDir, samples));

  const emnistOpts = { dir: opts.emnistDir, split: opts.emnistSplit };
  const where = resolveEmnistLocation(emnistOpts);
  if (emnistAvailable(emnistOpts)) {
    const f = findEmnistFiles(emnistOpts);
    const emnist = loadEmnist(emnistOpts);
    const eFiles = [f.train.images, f.train.labels, f.test.images, f.test.labels, f.mapping];
    report.datasets.push(checkDataset([emnist.train, emnist.test], f.dir, eFiles, outDir, samples));
  } else {
    report.skipped.push({
      name: `emnist-${where.split}`,
      reason: `not found in ${where.dir} (fetch it with \`npx hwr download --split ${where.split}\` or set EMNIST_DIR)`,
    });
  }
  return report;
}

/** Human-readable text of a check report (what the CLI prints). */
export function formatCheckReport(report: CheckReport): string {
  const out: string[] = [];
  for (const d of report.datasets) {
    out.push(`${d.name}  (${d.classes.length} classes, ${d.dir})`);
    for (const p of d.parts) {
      out.push(
        `  ${p.part.padEnd(5)} ${p.count.toLocaleString('en-US').padStart(9)} images; per class min ${p.min.count} ('${p.min.label}'), ` +
          `max ${p.max.count} ('${p.max.label}'); pixel mean ${p.pixelMean.toFixed(2)}; samples: ${p.samplePng}`,
      );
      if (p.emptyClasses.length) out.push(`  WARNING: no ${p.part} images for class(es) ${p.emptyClasses.join(' ')}`);
    }
    for (const f of d.files) out.push(`  sha256 ${f.sha256}  ${path.basename(f.file)} (${f.bytes.toLocaleString('en-US')} bytes)`);
  }
  for (const s of report.skipped) out.push(`${s.name}: skipped, ${s.reason}`);
  return out.join('\n');
}
