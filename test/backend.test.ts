/** The backend ladder: automatic choice, forcing by option and TFJS_BACKEND, errors, idempotency. */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, describeBackend, initBackend } from '../src/runtime/backend';

// tfjs-node cannot install on this machine (CI included), so the ladder must fall to wasm.
const hasTfjsNode = (() => { try { require.resolve('@tensorflow/tfjs-node'); return true; } catch { return false; } })();

describe('initBackend', () => {
  test('importing the module already registers the wasm training kernels (for direct tf.setBackend users)', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  test('auto: picks the first backend that loads and records why the others were skipped', async () => {
    const report = await initBackend({ env: {} });
    expect(report.source).toBe('auto');
    expect(tf.getBackend()).toBe(report.name);
    if (!hasTfjsNode) {
      expect(report.name).toBe('wasm');
      expect(report.tried[0]).toMatchObject({ name: 'tensorflow', ok: false });
      expect(report.tried[0].error).toMatch(/tfjs-node/);
      expect(describeBackend(report)).toMatch(/^backend wasm .*skipped tensorflow: /);
    }
  });

  test('is idempotent: a repeat call returns the same report without re-initialising', async () => {
    const first = await initBackend({ env: {} });
    const again = await initBackend({ env: {} });
    expect(again).toBe(first); // an initialisation builds a new report object
  });

  test('TFJS_BACKEND forces a backend; the option wins over it', async () => {
    const fromEnv = await initBackend({ env: { TFJS_BACKEND: 'cpu' } });
    expect(fromEnv).toMatchObject({ name: 'cpu', source: 'env' });
    expect(tf.getBackend()).toBe('cpu');
    const fromOption = await initBackend({ backend: 'wasm', env: { TFJS_BACKEND: 'cpu' } });
    expect(fromOption).toMatchObject({ name: 'wasm', source: 'option' });
    expect(tf.getBackend()).toBe('wasm');
    expect(fromOption.reason).toMatch(/forced/);
  });

  test('an unknown name is an error naming the value and the valid choices', async () => {
    await expect(initBackend({ env: { TFJS_BACKEND: 'webgpu' } })).rejects.toThrow(/'webgpu'.*TFJS_BACKEND.*tensorflow, wasm, cpu/);
    await expect(initBackend({ backend: 'gpu' })).rejects.toThrow(/'gpu'.*valid choices: tensorflow, wasm, cpu/);
  });

  (hasTfjsNode ? test.skip : test)('forcing a backend that cannot load is an error, not a silent fallback', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(/'tensorflow'.*failed to load.*Valid choices: tensorflow, wasm, cpu/);
  });

  test('the wasm backend gets the training kernels', async () => {
    await initBackend({ backend: 'wasm' });
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
    expect(BACKEND_NAMES).toEqual(['tensorflow', 'wasm', 'cpu']);
  });
});
