/**
 * What machine a speed figure comes from: the CPU model (/proc/cpuinfo, else os.cpus()), its clock
 * as measured here, and the 128-bit SIMD peak at that clock. Figures from different CPUs (an AMD
 * EPYC and an Intel Xeon in this project's history) differ by more than most optimisations, so
 * every benchmark prints this line next to its numbers.
 *
 * The clock is measured, not read: a VM's "cpu MHz" is often the nominal frequency, not what the
 * core runs at. A chain of dependent 32-bit integer adds retires one add per cycle on every x86
 * and Arm core of the last 15 years (one cycle latency, and each add needs the previous result),
 * so adds per second = cycles per second. The chain runs in a tiny hand-assembled wasm function
 * (V8 compiles it to one `add` per wasm add; JavaScript's JIT might fold or overflow-check them).
 */
import * as fs from 'fs';
import * as os from 'os';

/** FLOP per cycle per core of 128-bit SIMD with fused multiply-add: 4 float32 lanes x 2 (mul + add) x 2 FMA pipes. */
export const SIMD128_FMA_FLOP_PER_CYCLE = 16;

/** The CPU model name: /proc/cpuinfo's 'model name' on Linux, else what Node reports. */
export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/** /proc/cpuinfo's 'cpu MHz' of the first core (often nominal under a VM), if any. */
export function reportedMHz(): number | undefined {
  try {
    const m = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  const speed = os.cpus()[0]?.speed;
  return speed ? speed : undefined;
}

/** Dependent adds per loop iteration (the loop's own counter and branch run beside the chain). */
const CHAIN = 200;

/** A wasm module exporting adds(n, y): x += y, CHAIN times per iteration, n iterations; returns x. */
function chainModuleBytes(): Uint8Array {
  const body = [
    0x01, 0x01, 0x7f, // one local: x (i32)
    0x03, 0x40, // loop
    0x20, 0x02, // local.get x
    ...Array.from({ length: CHAIN }, () => [0x20, 0x01, 0x6a]).flat(), // (local.get y, i32.add) x CHAIN
    0x21, 0x02, // local.set x
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, // n = n - 1 (local.tee n)
    0x0d, 0x00, // br_if 0: again while n != 0
    0x0b, // end loop
    0x20, 0x02, // local.get x
    0x0b, // end
  ];
  const leb = (v: number): number[] => {
    const out: number[] = [];
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    return out;
  };
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const fnBody = [...leb(body.length), ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]), // type (i32, i32) -> i32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, 0x04, 0x61, 0x64, 0x64, 0x73, 0x00, 0x00]), // export "adds"
    ...section(10, [0x01, ...fnBody]),
  ]);
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * The core clock in GHz, measured: dependent adds per CPU-second over `rounds` runs of
 * ~`msPerRound` ms each. Under load a core may also run slower (shared caches, turbo limits):
 * the figure is the clock this process got.
 */
export function measureClockGHz(rounds = 9, msPerRound = 30): number {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const adds = new api.Instance(new api.Module(chainModuleBytes()), {}).exports.adds as (n: number, y: number) => number;
  let n = 1000;
  // Warm up (tier-up to the optimising compiler) and size a round.
  for (;;) {
    const t0 = performance.now();
    adds(n, 3);
    const ms = performance.now() - t0;
    if (ms > msPerRound / 4) {
      n = Math.max(1, Math.round((n * msPerRound) / ms));
      break;
    }
    n *= 4;
  }
  // Per second of this process's CPU time, not of the wall clock: time the scheduler gave other
  // jobs does not count. The median of the rounds: a round can still be slowed (a migration, a
  // cold cache), and the CPU-time clock's granularity can make one look fast.
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    adds(n, r + 1);
    const c = process.cpuUsage(c0);
    rates.push((n * CHAIN) / ((c.user + c.system) / 1e6));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] / 1e9;
}

/** Peak GFLOP/s of one core at `ghz` with 128-bit SIMD FMA. */
export function simdPeakGflops(ghz: number): number {
  return ghz * SIMD128_FMA_FLOP_PER_CYCLE;
}

let measured: number | undefined;

/** The measured clock, measured once per process. */
export function clockGHz(): number {
  measured ??= measureClockGHz();
  return measured;
}

/** One line: model, cores, measured and reported clock, and the SIMD128 FMA peak per core. */
export function cpuDescription(): string {
  const ghz = clockGHz();
  const mhz = reportedMHz();
  return `${cpuModel()}, ${os.cpus().length} cores, measured ${ghz.toFixed(2)} GHz` +
    `${mhz ? ` (cpuinfo says ${(mhz / 1000).toFixed(2)})` : ''}, 128-bit SIMD FMA peak ${simdPeakGflops(ghz).toFixed(1)} GFLOP/s per core`;
}
