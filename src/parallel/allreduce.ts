/**
 * The gradient exchange of data-parallel training, in shared memory: each replica writes its
 * shard's gradients into its own slot, waits at a barrier for the others, and averages every slot
 * itself. No gradients travel through messages or the coordinating thread, so a step costs the
 * slowest replica's compute plus a copy and a sum, not two message round trips.
 *
 * Slots are double-buffered by step parity: a fast replica writing step s+1 cannot overwrite
 * step s's gradients while a slow one still reads them, because it cannot pass step s+1's barrier
 * before the slow one has finished reading and arrived there.
 */

/** The shared buffers of one exchange; sent to every worker in its init message. */
export interface ExchangeBuffers {
  /** [2 parities][replicas][size] float32 gradients. */
  slots: SharedArrayBuffer;
  /**
   * Int32 [arrived, generation, aborted, reached[0], ..., reached[replicas - 1]]: the barrier, the
   * abort flag, and per replica 1 + the last step whose exchange it reached (a watchdog reads it).
   */
  control: SharedArrayBuffer;
  replicas: number;
  size: number;
}

const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
const REACHED = 3;
/** How often a waiting replica wakes to see whether the run was aborted (ms). */
const WAIT_SLICE_MS = 200;

/** Allocates the exchange for `replicas` replicas of `size` trainable values. */
export function createExchange(replicas: number, size: number): ExchangeBuffers {
  return {
    slots: new SharedArrayBuffer(2 * replicas * size * Float32Array.BYTES_PER_ELEMENT),
    control: new SharedArrayBuffer((REACHED + replicas) * Int32Array.BYTES_PER_ELEMENT),
    replicas,
    size,
  };
}

/** Wakes every replica waiting at the barrier and makes it (and every later exchange) throw. */
export function abortExchange(buffers: ExchangeBuffers): void {
  const control = new Int32Array(buffers.control);
  Atomics.store(control, ABORTED, 1);
  Atomics.notify(control, GENERATION);
}

/**
 * Which replicas have reached the exchange of `step` (0-based, counted as `average` counts it), read
 * by the coordinating thread: a replica missing long after the others is hung, not slow.
 */
export function reachedExchange(buffers: ExchangeBuffers, step: number): boolean[] {
  const control = new Int32Array(buffers.control);
  return Array.from({ length: buffers.replicas }, (_, r) => Atomics.load(control, REACHED + r) > step);
}

/** One replica's side of the exchange. */
export interface ExchangeMember {
  /**
   * Publishes this replica's gradients for step parity `step % 2`, waits for every replica, and
   * returns sum over replicas r (in order) of shares[r] x gradients[r]: the same float32 values in every replica.
   * The returned array is reused by the next call.
   */
  average(grads: Float32Array, step: number, shares: number[]): Float32Array;
}

/** Joins the exchange as replica `replica` (0-based). */
export function joinExchange(buffers: ExchangeBuffers, replica: number): ExchangeMember {
  const { replicas, size } = buffers;
  if (!(replica >= 0 && replica < replicas)) throw new Error(`exchange: replica ${replica} of ${replicas}`);
  const control = new Int32Array(buffers.control);
  const slot = (parity: number, r: number) => new Float32Array(buffers.slots, ((parity * replicas + r) * size) * 4, size);
  const slots = [0, 1].map((parity) => Array.from({ length: replicas }, (_, r) => slot(parity, r)));
  const avg = new Float32Array(size);

  const checkAborted = () => {
    if (Atomics.load(control, ABORTED)) throw new Error('exchange aborted: another replica failed');
  };
  const barrier = () => {
    checkAborted();
    const generation = Atomics.load(control, GENERATION);
    if (Atomics.add(control, ARRIVED, 1) === replicas - 1) {
      Atomics.store(control, ARRIVED, 0);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
      return;
    }
    while (Atomics.load(control, GENERATION) === generation) {
      Atomics.wait(control, GENERATION, generation, WAIT_SLICE_MS);
      checkAborted();
    }
  };

  return {
    average(grads, step, shares) {
      if (grads.length !== size) throw new Error(`exchange: got ${grads.length} gradient values, expected ${size}`);
      if (shares.length !== replicas) throw new Error(`exchange: got ${shares.length} shares for ${replicas} replicas`);
      const mine = slots[step % 2];
      mine[replica].set(grads);
      Atomics.store(control, REACHED + replica, step + 1);
      barrier();
      // Summed in replica order with float32 rounding after each add, so every replica gets the same bits.
      avg.fill(0);
      mine.forEach((g, r) => {
        const w = shares[r];
        for (let j = 0; j < size; j++) avg[j] += w * g[j];
      });
      return avg;
    },
  };
}
