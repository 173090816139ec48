import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes a folder so that readers see either the old one or the complete new one: `fill` writes into
 * a temporary sibling, which then replaces `dir`. If `fill` throws, the temporary folder is removed
 * and `dir` is left as it was.
 */
export function writeDirAtomically(dir: string, fill: (tmp: string) => void): void {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.tmp-`));
  try {
    fill(tmp);
    // A directory cannot be renamed over a non-empty one: move the old one aside first.
    const old = fs.existsSync(target) ? `${tmp}.old` : null;
    if (old) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
