import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as run } from './cli_helpers';

describe('hwr command line', () => {
  test('lists the commands, and each command has --help', async () => {
    const top = await run('--help');
    expect(top.code).toBe(0);
    for (const name of ['train', 'evaluate', 'predict', 'check-data', 'download']) {
      expect(top.out).toContain(name);
      const help = await run(name, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toMatch(new RegExp(`^Usage: hwr ${name}`));
    }
  });

  test('a mistake in the call exits 2 and points at --help', async () => {
    const unknown = await run('train', '--epochz', '3');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--epochz.*hwr train --help/s);
    const bad = await run('train', '--epochs', 'many');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--epochs must be a whole number/);
    const augment = await run('train', '--augment', '5,1');
    expect(augment.code).toBe(2);
    expect(augment.err).toMatch(/--augment takes rotation,shift,scale .* got '5,1'/);
    expect((await run('fly')).code).toBe(2);
    expect((await run('predict')).err).toMatch(/give one or more image files/);
  });

  test('train --dry-run trains, evaluates and saves a model; evaluate and predict read it back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-cli-'));
    try {
      const model = path.join(dir, 'model');
      const trained = await run('train', '--dry-run', '--model', 'baseline', '--photos', '50', '--out', model, '--checkpoint', path.join(dir, 'ckpt'), '--backend', 'wasm');
      expect(trained.err).not.toMatch(/Error/);
      expect(trained.code).toBe(0);
      const meta = JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8'));
      expect(meta).toMatchObject({ family: 'baseline', dataset: 'mnist', testCount: 500, epochs: 1, backend: 'wasm' });
      expect(meta.command).toContain('--dry-run');
      // 50 photos joined the training images; the photo test sets were measured (2 a class in a dry run).
      expect(meta.trainPhotos).toBe(50);
      expect(meta.photoTest).toMatchObject({ count: 20 });
      for (const k of ['fonts', 'glyphs']) expect(meta.photoTest[k]).toBeGreaterThanOrEqual(0);
      expect(trained.out).toMatch(/photos, held-out fonts: +20 images, accuracy/);
      expect(fs.existsSync(path.join(dir, 'ckpt', 'checkpoint.json'))).toBe(true);

      const evaluated = await run('evaluate', '--model', model, '--limit', '300', '--photos', '30', '--out', path.join(dir, 'eval.json'), '--backend', 'wasm');
      expect(evaluated.code).toBe(0);
      const report = JSON.parse(fs.readFileSync(path.join(dir, 'eval.json'), 'utf8'));
      expect(report.count).toBe(300);
      expect(report.photoTest.count).toBe(30);
      expect(evaluated.out).toMatch(/photos, test images on paper: 30 images/);

      const predicted = await run('predict', '--model', model, '--json', '--out', path.join(dir, 'grid.png'), 'data/samples', path.join(dir, 'missing.png'));
      expect(predicted.code).toBe(1); // one file is missing: reported, the others still predicted
      const rows = JSON.parse(predicted.out) as Array<{ file: string; label?: string; error?: string }>;
      expect(rows.filter((r) => r.label !== undefined).length).toBeGreaterThan(5);
      expect(rows.find((r) => r.file.endsWith('missing.png'))?.error).toMatch(/missing\.png/);
      expect(fs.existsSync(path.join(dir, 'grid.png'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a short run (--dry-run keeps 1,024 images) makes the recipe's photos in proportion", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-cli-'));
    try {
      const model = path.join(dir, 'model');
      const trained = await run('train', '--dry-run', '--model', 'baseline', '--out', model, '--checkpoint', path.join(dir, 'ckpt'), '--backend', 'wasm');
      expect(trained.code).toBe(0);
      // MNIST's recipe: 20,000 photos for 60,000 images -> 341 for 1,024 (not all 20,000).
      expect(JSON.parse(fs.readFileSync(path.join(model, 'metadata.json'), 'utf8')).trainPhotos).toBe(341);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
