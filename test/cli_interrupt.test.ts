/**
 * Ctrl-C during `hwr train`, for real: a SIGINT sent to a child process stops training after the
 * current step, writes the checkpoint, prints the exact resume command and exits non-zero; running
 * that command ends with the same weights as an uninterrupted run with the same number of workers.
 * Needs the compiled CLI (dist/), which `npm ci`/`npm run build` produce.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

/** Runs the CLI; `onStderr` sees stderr as it arrives (to send a signal at the right moment). */
function runCli(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, TFJS_BACKEND: 'wasm' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      onStderr?.(err, child);
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err }));
  });
}

test('SIGINT stops after the step, saves a checkpoint and the printed resume command finishes the same run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-sigint-'));
  try {
    const common = ['--dataset', 'mnist', '--model', 'baseline', '--limit', '2400', '--epochs', '2', '--batch-size', '64', '--patience', '5'];
    const interruptedArgs = ['train', ...common, '--out', path.join(dir, 'a'), '--checkpoint', path.join(dir, 'ckpt-a')];

    let sent = false;
    const first = await runCli(interruptedArgs, (text, child) => {
      // Plain progress lines (stderr is not a TTY) come every few batches: interrupt at the first.
      if (!sent && /epoch 1\/2 \d+\/\d+/.test(text)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(first.err).toMatch(/Ctrl-C: stopping after the current step/);
    expect(first.code).toBe(130);
    expect(fs.existsSync(path.join(dir, 'a'))).toBe(false); // no model saved from a half run
    const ckpt = JSON.parse(fs.readFileSync(path.join(dir, 'ckpt-a', 'checkpoint.json'), 'utf8'));
    expect(ckpt.epoch).toBe(0);
    expect(ckpt.position.batch).toBeGreaterThan(0);

    // The printed command, run as printed (npx hwr -> this checkout's CLI).
    const printed = /resume with:\n\s+(.+)\n/.exec(first.err)?.[1];
    // Environment settings that shaped the run come first (this test sets TFJS_BACKEND=wasm).
    expect(printed).toMatch(/^TFJS_BACKEND=wasm npx hwr train .*--workers \d+ --resume$/);
    const resumeArgs = printed!.replace(/^.*npx hwr /, '').split(' ');
    const resumed = await runCli(resumeArgs);
    expect(resumed.err).toMatch(/resuming after epoch 0, batch \d+/);
    expect(resumed.code).toBe(0);

    const workers = /--workers (\d+)/.exec(printed!)![1];
    const straight = await runCli(['train', ...common, '--workers', workers, '--out', path.join(dir, 'b'), '--checkpoint', path.join(dir, 'ckpt-b')]);
    expect(straight.code).toBe(0);
    const a = fs.readFileSync(path.join(dir, 'a', 'weights.bin'));
    const b = fs.readFileSync(path.join(dir, 'b', 'weights.bin'));
    expect(a.equals(b)).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
