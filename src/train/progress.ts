import { BatchLogs, EpochLogs } from './logs';

/** Where progress goes: process.stderr, or any object with write() (a fake one in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  /** True for a terminal: the bar is then rewritten in place. */
  isTTY?: boolean;
}

/** Options of `createProgress`. */
export interface ProgressOptions {
  stream: ProgressStream;
  /** Total planned epochs, shown as "epoch 3/10". */
  epochs: number;
  /** Override the stream's isTTY (e.g. force plain lines). */
  tty?: boolean;
  /** Plain-line mode: one line every this many batches; 0 (default) means about 5 lines an epoch. */
  every?: number;
  /** TTY mode: minimum milliseconds between redraws (default 100), so printing never slows training. */
  minIntervalMs?: number;
  /** Clock in milliseconds, injectable for tests. */
  now?: () => number;
}

/** Receives the loop's reports and writes them to the stream. */
export interface Progress {
  batch(logs: BatchLogs): void;
  epoch(logs: EpochLogs, isBest: boolean): void;
  /** A free-form line (e.g. "early stopping"), written without breaking the bar. */
  message(text: string): void;
  /** Ends a bar left mid-epoch (training failed) with a newline, so the next output starts clean. */
  end(): void;
}

const BAR_WIDTH = 20;

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
/** "  acc 93.10%", or nothing for a model that has no accuracy (a line model). */
const accPart = (name: string, x: number | null | undefined) => (x == null ? '' : `  ${name} ${pct(x)}`);
const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} img/s`;

/** The in-place progress line: "epoch 2/10 [#####---] 120/469 loss 0.2345 acc 93.10% 1,234 img/s ETA 0:42". */
export function formatBatchLine(logs: BatchLogs, epochs: number, withBar: boolean): string {
  const filled = Math.round((BAR_WIDTH * logs.batch) / Math.max(1, logs.batches));
  const bar = withBar ? ` [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]` : '';
  return (
    `epoch ${logs.epoch}/${epochs}${bar} ${logs.batch}/${logs.batches}` +
    `  loss ${logs.meanLoss.toFixed(4)}${accPart('acc', logs.meanAcc)}` +
    `  ${rate(logs.imagesPerSec)}  ETA ${formatDuration(logs.etaSeconds)}`
  );
}

/** The end-of-epoch summary line. */
export function formatEpochLine(logs: EpochLogs, epochs: number, isBest: boolean): string {
  const val = logs.valLoss === null ? ''
    : `  val_loss ${logs.valLoss.toFixed(4)}${accPart('val_acc', logs.valAcc)}${accPart('val_cer', logs.valCer)}`;
  return (
    `epoch ${logs.epoch}/${epochs}  loss ${logs.loss.toFixed(4)}${accPart('acc', logs.acc)}${val}` +
    `  lr ${logs.lr.toExponential(2)}  ${logs.seconds.toFixed(1)}s  ${rate(logs.imagesPerSec)}${isBest ? '  (best)' : ''}`
  );
}

/**
 * A progress display: on a TTY, one bar rewritten in place ("\r" + clear line) and a permanent line
 * per epoch; elsewhere (CI logs, notebooks) plain lines every few batches and per epoch.
 */
export function createProgress(opts: ProgressOptions): Progress {
  const { stream, epochs, every = 0, minIntervalMs = 100, now = () => Date.now() } = opts;
  const tty = opts.tty ?? stream.isTTY === true;
  let lastDraw = -Infinity;
  let barShown = false;
  const clearBar = () => {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
  };
  return {
    batch(logs) {
      if (tty) {
        const t = now();
        if (logs.batch < logs.batches && t - lastDraw < minIntervalMs) return;
        lastDraw = t;
        stream.write(`\r${formatBatchLine(logs, epochs, true)}\x1b[K`);
        barShown = true;
      } else {
        const n = every > 0 ? every : Math.max(1, Math.ceil(logs.batches / 5));
        // The epoch line already reports the last batch.
        if (logs.batch % n === 0 && logs.batch < logs.batches) stream.write(formatBatchLine(logs, epochs, false) + '\n');
      }
    },
    epoch(logs, isBest) {
      clearBar();
      stream.write(formatEpochLine(logs, epochs, isBest) + '\n');
    },
    message(text) {
      clearBar();
      stream.write(text + '\n');
    },
    end() {
      if (barShown) stream.write('\n');
      barShown = false;
    },
  };
}
