/** Where the web app's files are: found from this module's location, whether run from src/ (tests) or dist/ (the CLI). */
import * as fs from 'fs';
import * as path from 'path';

/** The folder of this package's package.json (the repository root in a checkout). */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}: is this file inside the handwriting-tfjs package?`);
  }
}

/** The built web app (`npm run build:web` writes it): `<package>/dist/web`. */
export function defaultAppDir(): string {
  return path.join(packageRoot(), 'dist', 'web');
}

/** The web app's sources: `<package>/web`. */
export function webSourceDir(): string {
  return path.join(packageRoot(), 'web');
}
