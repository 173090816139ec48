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
    const docs = fs.readdirSync(path.join(repo, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`);
    const files = ['README.md', ...docs, ...fs.readdirSync(path.join(repo, 'saved_models'))
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
      // A committed model is a good one: characters above 85% (EMNIST's look-alike classes cap it near
      // 90%), line models (task 'lines') below 10% character error rate on their test lines.
      if (meta.task === 'lines') expect({ name, testCer: meta.testCer }).toEqual({ name, testCer: expect.any(Number) });
      if (meta.task === 'lines') expect(meta.testCer).toBeLessThan(0.1);
      else expect(meta.testAccuracy).toBeGreaterThan(0.85);
    }
  });

  test('README stays a one-sitting read, and every link in README and docs/ points at a file that exists', () => {
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    const pages = ['README.md', ...fs.readdirSync(path.join(repo, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];
    const broken: string[] = [];
    for (const page of pages) {
      const text = fs.readFileSync(path.join(repo, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)|src="([^"]+)"/g)) {
        const target = m[1] ?? m[3];
        if (/^[a-z]+:/.test(target)) continue; // a web address
        if (!fs.existsSync(path.join(repo, path.dirname(page), target))) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
