import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const repo = path.resolve(__dirname, '..');

describe('README', () => {
  test('its results table is the one generated from saved_models/*/metadata.json', () => {
    // Throws (exit 1) when a figure in README differs from the committed models' metadata.
    const out = execFileSync(process.execPath, [path.join(repo, 'scripts/results-table.js'), '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/matches/);
  });

  test('commands in README, docs and model metadata use relative paths, never a path of one machine', () => {
    const files = ['README.md', 'docs/ARCHITECTURE.md', ...fs.readdirSync(path.join(repo, 'saved_models'))
      .map((n) => `saved_models/${n}/metadata.json`).filter((f) => fs.existsSync(path.join(repo, f)))];
    for (const file of files) {
      const text = fs.readFileSync(path.join(repo, file), 'utf8');
      expect({ file, machinePaths: text.match(/(^|[\s=`'"(])\/(work|root|home|tmp|Users)\/\S*/gm) ?? [] }).toEqual({ file, machinePaths: [] });
    }
  });

  test('every committed model records the command that made it and its test accuracy', () => {
    const dir = path.join(repo, 'saved_models');
    const models = fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'metadata.json')));
    expect(models.length).toBeGreaterThan(0);
    for (const name of models) {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, name, 'metadata.json'), 'utf8'));
      expect(typeof meta.command).toBe('string');
      expect(meta.classes.length).toBeGreaterThanOrEqual(10);
      // A line model (task 'lines') records its character error rate on test lines instead.
      const score = meta.task === 'lines' ? meta.testCer : meta.testAccuracy;
      expect(score).toBeGreaterThanOrEqual(meta.task === 'lines' ? 0 : Number.MIN_VALUE);
      expect(score).toBeLessThanOrEqual(1);
    }
  });
});
