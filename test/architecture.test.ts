/**
 * The layering docs/ARCHITECTURE.md describes, checked on the code: every import inside src/ goes to
 * the same room or to a room lower in LAYERS, and no file imports itself back through others.
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.resolve(__dirname, '..', 'src');

/** Rooms from the bottom up: a room may import rooms before it in this list (and itself). */
const LAYERS = [
  'util', 'kernels', 'runtime', 'plot', 'data', 'image', 'ctc', 'io', 'models', 'eval',
  'synth', 'engine', 'parallel', 'train', 'lines', 'read', 'export', 'web', 'cli',
];
/** Files at the top of src/: the public API and the CLI entry, above every room. */
const TOP = new Set(['index', 'cli']);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'assembly') sourceFiles(p, out); // AssemblyScript, not TypeScript imports
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative imports (static, dynamic, re-exports) of a file, resolved to .ts files. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (target) out.push(target);
  }
  return out;
}

function roomOf(file: string): string {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length === 1 ? parts[0].replace(/\.ts$/, '') : parts[0];
}

describe('architecture', () => {
  const files = sourceFiles(SRC);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  test('every room of src/ is in LAYERS (a new folder needs a place in docs/ARCHITECTURE.md)', () => {
    const rooms = new Set(files.map(roomOf).filter((r) => !TOP.has(r)));
    expect([...rooms].filter((r) => !LAYERS.includes(r)).sort()).toEqual([]);
  });

  test('imports run down the layers, never up', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = roomOf(file);
      if (TOP.has(from)) continue;
      for (const target of targets) {
        const to = roomOf(target);
        if (to !== from && (TOP.has(to) || LAYERS.indexOf(to) > LAYERS.indexOf(from))) {
          upward.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  test('no import cycles between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const g of graph.get(f) ?? []) {
        if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g].map((x) => path.relative(SRC, x)).join(' -> '));
        else if (!state.has(g)) visit(g);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  test('the checker sees an upward import (a fixture that breaks the rule)', () => {
    // Guards the regex and resolution above: a test that could never fail would prove nothing.
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'arch-'));
    const file = path.join(dir, 'x.ts');
    fs.writeFileSync(path.join(dir, 'y.ts'), '');
    fs.writeFileSync(file, "import { a } from './y';\nexport * from './y';\nconst z = import('./y');\n");
    expect(importsOf(file)).toEqual([path.join(dir, 'y.ts'), path.join(dir, 'y.ts'), path.join(dir, 'y.ts')]);
    expect(LAYERS.indexOf('train')).toBeGreaterThan(LAYERS.indexOf('parallel'));
  });
});
