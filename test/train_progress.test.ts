import { createProgress, formatDuration } from '../src/train/progress';
import { BatchLogs, EpochLogs } from '../src/train/logs';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

const batch = (b: number, batches = 10): BatchLogs => ({
  epoch: 2, batch: b, batches, step: 10 + b, loss: 0.5, acc: 0.8, meanLoss: 0.4567, meanAcc: 0.875,
  lr: 1e-3, imagesPerSec: 1234.4, etaSeconds: 65,
});
const epochLogs: EpochLogs = {
  epoch: 2, loss: 0.4, acc: 0.9, valLoss: 0.3, valAcc: 0.95, lr: 5e-4, seconds: 12.34, imagesPerSec: 1000,
};

describe('progress', () => {
  test('TTY: one bar rewritten in place, throttled, then a permanent epoch line', () => {
    let t = 0;
    const s = fakeStream(true);
    const p = createProgress({ stream: s, epochs: 5, now: () => t });
    p.batch(batch(1));
    t = 50;
    p.batch(batch(2)); // within 100 ms: skipped
    t = 200;
    p.batch(batch(3));
    p.batch(batch(10)); // last batch always drawn
    p.epoch(epochLogs, true);
    expect(s.chunks.filter((c) => c.startsWith('\r')).length).toBe(4); // 3 bars + 1 clear
    expect(s.chunks[0]).toContain('epoch 2/5 [##------------------] 1/10');
    expect(s.chunks[0]).toContain('loss 0.4567  acc 87.50%  1,234 img/s  ETA 1:05');
    expect(s.text()).not.toContain('2/10');
    p.end(); // nothing to end after an epoch line
    expect(s.chunks[s.chunks.length - 1]).toBe(
      'epoch 2/5  loss 0.4000  acc 90.00%  val_loss 0.3000  val_acc 95.00%  lr 5.00e-4  12.3s  1,000 img/s  (best)\n');
  });

  test('TTY: a bar left by a failed epoch is ended with a newline', () => {
    const s = fakeStream(true);
    const p = createProgress({ stream: s, epochs: 5, now: () => 0 });
    p.batch(batch(1));
    p.end();
    expect(s.text().endsWith('ETA 1:05\x1b[K\n')).toBe(true);
  });

  test('not a TTY: plain lines every N batches, no escape codes', () => {
    const s = fakeStream(false);
    const p = createProgress({ stream: s, epochs: 5, every: 3 });
    for (let b = 1; b <= 10; b++) p.batch(batch(b));
    p.epoch({ ...epochLogs, valLoss: null, valAcc: null }, false);
    const lines = s.text().trimEnd().split('\n');
    expect(lines.length).toBe(4); // batches 3, 6, 9 + the epoch line
    expect(lines[0]).toMatch(/^epoch 2\/5 3\/10  loss/);
    expect(lines[3]).not.toContain('val_loss');
    expect(s.text()).not.toMatch(/\r|\x1b/);
  });

  test('durations', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
  });
});
