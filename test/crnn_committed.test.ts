/**
 * The committed line model saved_models/lines is what its metadata and the README say: it reads the
 * 75 line characters at height 40 with the body-height recipe, it trained within the 3 hours a
 * committed line model may take (at its quiet-machine rate when it trained on a shared machine),
 * its held-out test fonts are the five of src/synth/fonts.ts, and re-read on the same held-out-font
 * and English-prose test lines it gives the recorded greedy CER (and beam+lm CER on the fonts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../src/runtime/backend';
import { evaluateLines } from '../src/lines/evaluate';
import { loadLineModel } from '../src/lines/read';
import { lineTestSources } from '../src/lines/test_sets';
import { LINE_CHARSET } from '../src/synth/charset';
import { TEST_FONT_FAMILIES } from '../src/synth/fonts';

const dir = path.resolve(__dirname, '..', 'saved_models', 'lines');
const present = fs.existsSync(path.join(dir, 'metadata.json'));

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

(present ? describe : describe.skip)('saved_models/lines', () => {
  test('records its training: command, commit, time within 3 hours, machine, workers, the test figures', async () => {
    const { metadata: m } = await loadLineModel(dir);
    expect(m).toMatchObject({ family: 'crnn', task: 'lines', height: 40, downsample: 4, body: { height: 14, baseline: 26 } });
    expect(m.charset).toEqual([...LINE_CHARSET]);
    expect(m.blank).toBe(LINE_CHARSET.length);
    expect(m.command).toMatch(/hwr train --dataset lines/);
    expect(m.gitCommit).toMatch(/^[0-9a-f]{7,}/);
    expect(m.trainingSeconds).toBeGreaterThan(0);
    // Within the 3 hours a committed line model may take, counting the run it was fine-tuned from
    // (--init): each run by its own clock, or, when it trained on a machine shared with other work
    // (recorded, with the recipe's rate measured on the quiet machine and the command that measured
    // it), at that rate.
    type Run = { epochs: number; trainingSeconds: number; sharedMachine?: { quietLinesPerSec: number[]; command: string } };
    const seconds = (run: Run): number => {
      const shared = run.sharedMachine;
      if (!shared) return run.trainingSeconds;
      expect(shared.command).toMatch(/hwr train --dataset lines .*--lines-per-epoch/);
      return (run.epochs * (m.lines as { linesPerEpoch: number }).linesPerEpoch) / Math.min(...shared.quietLinesPerSec);
    };
    const init = m.initFrom as (Run & { command: string }) | undefined;
    if (init) expect(init.command).toMatch(/hwr train --dataset lines/);
    expect(seconds(m as unknown as Run) + (init ? seconds(init) : 0)).toBeLessThanOrEqual(3 * 3600);
    expect(m.workers).toBeGreaterThanOrEqual(1);
    expect((m.machine as { cpu: string; cores: number }).cores).toBeGreaterThanOrEqual(1);
    expect((m.lines as { testFonts: string[] }).testFonts).toEqual([...TEST_FONT_FAMILIES]);
    expect(m.testLines).toBe(1000);
    for (const k of ['testCer', 'testCerBeam', 'testCerLoose', 'testWer', 'testCerEmnist', 'testCerRandom']) expect(typeof m[k]).toBe('number');
    // A model that reads: far from an untrained one's ~100% on every set.
    expect(m.testCer as number).toBeLessThan(0.1);
    expect(m.testCerEmnist as number).toBeLessThan(0.1);
  });

  test('re-reads its 1,000 held-out-font test lines to the recorded greedy CER', async () => {
    const { model, metadata } = await loadLineModel(dir);
    const info = metadata.lines as { lineSeed: number; sharedWords: number };
    const geometry = { height: metadata.height, bodyHeight: metadata.body!.height, baselineRow: metadata.body!.baseline };
    const fonts = lineTestSources({ seed: info.lineSeed, geometry, sharedWords: info.sharedWords }).fonts!;
    const report = evaluateLines(model, metadata, fonts, { n: metadata.testLines as number, beam: false });
    // Another CPU can round a borderline frame differently; here (the machine that trained it) it is exact.
    expect(Math.abs(report.greedy.cer - (metadata.testCer as number))).toBeLessThanOrEqual(2e-4);
    model.dispose();
  }, 300000);

  test('its character LM: tuned on validation lines, and re-read with it the test lines give the recorded beam+lm CER', async () => {
    const { model, metadata, lm } = await loadLineModel(dir);
    expect(lm).not.toBeNull();
    const rec = metadata.lm as unknown as { valCer: { beam: number; beamLm: number }; test: { lines: number; cer: Record<string, number> }; command: string };
    expect(rec.command).toMatch(/^node scripts\/build-line-lm\.js --model saved_models\/lines/);
    // The LM earns its place: better than the same beam search without it, on validation and test lines.
    expect(rec.valCer.beamLm).toBeLessThan(rec.valCer.beam);
    expect(rec.test.cer.fonts).toBeLessThan(metadata.testCerBeam as number);
    const info = metadata.lines as { lineSeed: number; sharedWords: number };
    const geometry = { height: metadata.height, bodyHeight: metadata.body!.height, baselineRow: metadata.body!.baseline };
    const fonts = lineTestSources({ seed: info.lineSeed, geometry, sharedWords: info.sharedWords }).fonts!;
    const report = evaluateLines(model, metadata, fonts, { n: rec.test.lines, beam: false, lm });
    expect(Math.abs(report.beamLm!.cer - rec.test.cer.fonts)).toBeLessThanOrEqual(2e-4);
    model.dispose();
  }, 300000);

  test('re-reads its English prose test lines to the recorded greedy CER, and the LM helps most there', async () => {
    const { model, metadata } = await loadLineModel(dir);
    const rec = metadata.lm as unknown as { test: { lines: number; cer: Record<string, number>; greedy?: Record<string, number> } };
    const recorded = (metadata.testCerProse as number | undefined) ?? rec.test.greedy?.prose;
    expect(typeof recorded).toBe('number');
    const info = metadata.lines as { lineSeed: number; sharedWords: number };
    const geometry = { height: metadata.height, bodyHeight: metadata.body!.height, baselineRow: metadata.body!.baseline };
    const prose = lineTestSources({ seed: info.lineSeed, geometry, sharedWords: info.sharedWords }).prose!;
    const report = evaluateLines(model, metadata, prose, { n: rec.test.lines, beam: false });
    // 5e-4, not 2e-4: one of these lines (295) is made differently since the recorded figure was
    // read (the line recipe's second look for faint writing under noise, docs/LINES.md) and reads
    // 16 edits better, 3.8e-4 of the set; any other drift still shows.
    expect(Math.abs(report.greedy.cer - recorded!)).toBeLessThanOrEqual(5e-4);
    // Real words in their order: the LM takes off a larger share of the errors than on the held-out-font lines.
    expect(rec.test.cer.prose / recorded!).toBeLessThan(rec.test.cer.fonts / (metadata.testCer as number));
    model.dispose();
  }, 300000);
});
