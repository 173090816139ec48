import * as fs from 'fs';
import * as path from 'path';

/** One file to write: its final path and its contents. */
export interface FileToWrite {
  path: string;
  data: Uint8Array | string;
}

/**
 * Writes several files so that none is half-written: each goes to a temporary sibling first and
 * all are renamed into place only once every one was written. On any failure the temporaries are
 * removed and the error names the path and what to do; files already at the targets are untouched
 * (unless the failure is in the final renames, which only fail on a vanishing folder).
 */
export function writeFilesAtomically(files: FileToWrite[]): void {
  const temps: { tmp: string; target: string }[] = [];
  try {
    for (const f of files) {
      const target = path.resolve(f.path);
      const dir = path.dirname(target);
      if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
        throw new Error(`${f.path} is a folder: pass a file path (e.g. ${path.join(f.path, 'model.tflite')}).`);
      }
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new Error(`Cannot create folder ${dir} for ${f.path}: ${(e as Error).message}. Choose an output path you can write to.`);
      }
      const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${temps.length}`);
      temps.push({ tmp, target });
      try {
        fs.writeFileSync(tmp, f.data);
      } catch (e) {
        throw new Error(`Cannot write ${f.path}: ${(e as Error).message}. Choose an output path you can write to.`);
      }
    }
    for (const { tmp, target } of temps) fs.renameSync(tmp, target);
  } catch (err) {
    for (const { tmp } of temps) fs.rmSync(tmp, { force: true });
    throw err;
  }
}
