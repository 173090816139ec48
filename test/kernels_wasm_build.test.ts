/**
 * The committed wasm module is what its source compiles to: scripts/build-wasm.js --check rebuilds
 * src/kernels/wasm/assembly/kernels.ts with the pinned AssemblyScript and compares it byte for byte
 * with src/kernels/wasm/kernels_wasm.ts (and checks it owns no memory: no data, globals, stack).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

test('src/kernels/wasm/kernels_wasm.ts is the build of its AssemblyScript source', () => {
  const root = path.join(__dirname, '..');
  const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-wasm.js'), '--check'], { cwd: root, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/matches its source/);
});
