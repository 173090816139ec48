/**
 * EMNIST loader for any split in NIST's official layout:
 *   emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte[.gz] and emnist-<split>-mapping.txt
 * or, when a file is not there under its official name, under the same name without the `emnist-`
 * prefix (<split>-train-images-idx3-ubyte.gz ...), as repacked splits such as emnist62 ship.
 * Images come out upright: NIST stores each 28x28 image transposed, so we transpose on load.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Dataset, datasetFromIdx } from './dataset';
import { readIdxPair } from './idx';

/** Where to find EMNIST. Each option wins over its env var (EMNIST_DIR, EMNIST_SPLIT), which wins over the default. */
export interface EmnistOptions {
  /** Directory with the split's files; default `data/emnist` under the current directory. */
  dir?: string;
  /** Split name: balanced, byclass, bymerge, letters, digits, mnist, or a custom one like dev47; default balanced. */
  split?: string;
}

/** The default EMNIST directory, relative to the current working directory. */
export const DEFAULT_EMNIST_DIR = path.join('data', 'emnist');
/** The default EMNIST split. */
export const DEFAULT_EMNIST_SPLIT = 'balanced';

/** The resolved directory and split (option > env var > default), the directory made absolute. */
export function resolveEmnistLocation(opts: EmnistOptions = {}): { dir: string; split: string } {
  const dir = path.resolve(opts.dir || process.env.EMNIST_DIR || DEFAULT_EMNIST_DIR);
  const split = opts.split || process.env.EMNIST_SPLIT || DEFAULT_EMNIST_SPLIT;
  // The split becomes part of file names: refuse anything that could point outside `dir`.
  if (!/^[a-z0-9_-]+$/i.test(split)) {
    throw new Error(`EMNIST split '${split}' is not a valid split name (letters, digits, '-' and '_' only)`);
  }
  return { dir, split };
}

/** File names (without .gz) of one split, in NIST's naming, or without its `emnist-` prefix when `short`. */
export function emnistFileNames(split: string, short = false) {
  const base = short ? split : `emnist-${split}`;
  return {
    mapping: `${base}-mapping.txt`,
    train: { images: `${base}-train-images-idx3-ubyte`, labels: `${base}-train-labels-idx1-ubyte` },
    test: { images: `${base}-test-images-idx3-ubyte`, labels: `${base}-test-labels-idx1-ubyte` },
  };
}

/** Absolute paths of a split's five files. */
export interface EmnistFiles {
  dir: string;
  split: string;
  mapping: string;
  train: { images: string; labels: string };
  test: { images: string; labels: string };
}

function findIdx(dir: string, name: string): string | null {
  for (const candidate of [name, name + '.gz']) {
    const p = path.join(dir, candidate);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** Splits present in a directory (by their mapping files), for error messages and check-data. */
export function listEmnistSplits(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^(?:emnist-)?(.+)-mapping\.txt$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[1])
    .filter((split, i, all) => all.indexOf(split) === i)
    .sort();
}

/** Locates a split's files; throws an error listing what is missing, where, and how to get it. */
export function findEmnistFiles(opts: EmnistOptions = {}): EmnistFiles {
  const { dir, split } = resolveEmnistLocation(opts);
  const names = emnistFileNames(split);
  const short = emnistFileNames(split, true);
  const missing: string[] = [];
  // The official name first, then the short one.
  const need = (pick: (n: typeof names) => string, idx: boolean): string => {
    for (const name of [pick(names), pick(short)]) {
      const found = idx ? findIdx(dir, name) : fs.existsSync(path.join(dir, name)) ? path.join(dir, name) : null;
      if (found) return found;
    }
    const shown = (name: string) => (idx ? `${name}[.gz]` : name);
    missing.push(`${shown(pick(names))} (or ${shown(pick(short))})`);
    return path.join(dir, pick(names));
  };
  const files: EmnistFiles = {
    dir,
    split,
    mapping: need((n) => n.mapping, false),
    train: { images: need((n) => n.train.images, true), labels: need((n) => n.train.labels, true) },
    test: { images: need((n) => n.test.images, true), labels: need((n) => n.test.labels, true) },
  };
  if (missing.length > 0) {
    const present = listEmnistSplits(dir);
    throw new Error(
      `EMNIST split '${split}' not found: looked in ${dir} for\n` +
        missing.map((m) => `  ${m}\n`).join('') +
        (present.length ? `That directory holds split(s): ${present.join(', ')} (set EMNIST_SPLIT or pass split).\n` : '') +
        `Fetch it with \`npx hwr download --split ${split} --dir ${dir}\` (NIST's gzip.zip, ~562 MB), ` +
        'or set EMNIST_DIR to a directory that already holds these files.',
    );
  }
  return files;
}

/** True when all five files of the split exist (no parsing). */
export function emnistAvailable(opts: EmnistOptions = {}): boolean {
  try {
    findEmnistFiles(opts);
    return true;
  } catch {
    return false;
  }
}

/** Parses a mapping file (`<label> <ascii code>` a line) into class characters indexed by label. */
export function readEmnistMapping(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const classes: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) throw new Error(`EMNIST mapping ${file}:${i + 1}: expected '<label> <ascii code>', got '${line}'`);
    const label = Number(m[1]);
    if (classes[label] !== undefined) throw new Error(`EMNIST mapping ${file}:${i + 1}: label ${label} appears twice`);
    classes[label] = String.fromCharCode(Number(m[2]));
  });
  for (let k = 0; k < classes.length; k++) {
    if (classes[k] === undefined) throw new Error(`EMNIST mapping ${file}: label ${k} is missing (labels must be 0..${classes.length - 1})`);
  }
  if (classes.length === 0) throw new Error(`EMNIST mapping ${file}: no classes`);
  return classes;
}

/** Transposes each square image in place ([count, size, size]); NIST stores EMNIST images this way. */
export function transposeImagesInPlace(pixels: Uint8Array, count: number, size: number): void {
  const area = size * size;
  for (let n = 0; n < count; n++) {
    const base = n * area;
    for (let r = 0; r < size; r++) {
      for (let c = r + 1; c < size; c++) {
        const a = base + r * size + c;
        const b = base + c * size + r;
        const t = pixels[a];
        pixels[a] = pixels[b];
        pixels[b] = t;
      }
    }
  }
}

/** Loads one part (train or test) of an EMNIST split, images upright, labels checked against the mapping. */
export function loadEmnistPart(part: 'train' | 'test', opts: EmnistOptions = {}): Dataset {
  const files = findEmnistFiles(opts);
  return loadPart(files, part, readEmnistMapping(files.mapping));
}

function loadPart(files: EmnistFiles, part: 'train' | 'test', classes: string[]): Dataset {
  const { images, labels } = files[part];
  const pair = readIdxPair(images, labels);
  // The pixel view belongs to a buffer we just read, so transposing in place costs no copy.
  transposeImagesInPlace(pair.pixels, pair.count, pair.height);
  return datasetFromIdx(`emnist-${files.split}`, part, pair, classes, labels, files.mapping);
}

/** Loads an EMNIST split (train and test), e.g. `loadEmnist({ split: 'dev47' })`. */
export function loadEmnist(opts: EmnistOptions = {}): { train: Dataset; test: Dataset } {
  const files = findEmnistFiles(opts);
  const classes = readEmnistMapping(files.mapping);
  return { train: loadPart(files, 'train', classes), test: loadPart(files, 'test', classes) };
}
