/**
 * A character n-gram language model over a charset's class indices, for the CTC beam search: real
 * handwriting is ambiguous (rn/m, cl/d, u/v, O/0, l/1/I) and spelling patterns tell which reading
 * is likelier, for words never seen too (no lexicon). Pure (no fs): the web app bundles it.
 *
 * Symbols: the labels 0..V-1 of the charset (V = charset.length, the line models' blank index), and
 * one more, V, which is the line's start (only ever in a context) and its end (only ever predicted).
 * A line "ab" is scored as p(a | ^) p(b | ^ a) p($ | ^ a b): the start makes capitals and quotes
 * likely first, the end makes a prefix that stops mid-word unlikely.
 *
 * Estimation: interpolated Kneser-Ney (Chen & Goodman 1998, section 3), one discount per order
 * (Ney's estimate n1 / (n1 + 2 n2), from the counts of that order), lower orders on continuation
 * counts (how many different symbols precede an n-gram) except the highest order and n-grams that
 * begin at the line start, which nothing precedes (raw counts, as KenLM does); the unigram is
 * interpolated with the uniform distribution, so no symbol ever gets probability 0.
 *
 * Storage (ARPA's backoff form, which represents interpolated KN exactly): ln p(w | h) of every
 * stored n-gram hw, and a backoff weight ln b(h) of every stored context; a query backs off from the
 * longest context: p(w | h) = p*(hw) if hw is stored, else b(h) p(w | h minus its first symbol).
 * Pruning (n-grams seen fewer than `minCounts` times are dropped) keeps the stored probabilities and
 * recomputes each context's backoff so that every distribution still sums to 1 (as SRILM prunes).
 * ln p* is stored in steps of LOG_PROB_STEP (1/2048 nat: p off by 0.025% at most) and backoffs are
 * computed from the exact values, so every probability is within 0.025% of its KN value and every
 * distribution sums to 1 within that.
 * A context is one integer: its symbols as digits symbol+1 in base V+2, oldest first, so the digit
 * count is its length and no two lengths share a key (orders up to 5 fit 32 bits at V = 75).
 *
 * Serialised (`toJSON`), grouped by context (3 bytes an n-gram, 9 a context: 0.72 MB of base64 for
 * 120,000 n-grams in 20,000 contexts): JSON with base64 little-endian arrays of the contexts' keys
 * (Uint32), follower counts (Uint8) and ln b (Float32), and of the n-grams' last symbols (Uint8) and
 * quantised ln p* (Uint16).
 * The model read back (`fromJSON`) gives bit-identical log-probabilities.
 */

/** Format name and version of the JSON form; a different version is an error that says to rebuild. */
export const CHAR_LM_FORMAT = 'hwr-char-lm';
export const CHAR_LM_VERSION = 1;
/** Highest order supported: contexts of 4 symbols over 75 characters reach 77^4 < 2^32. */
export const CHAR_LM_MAX_ORDER = 5;
/** Quantisation step of the stored ln p, nats: ln p = -q * LOG_PROB_STEP for q in 0..65535 (down to p = 1e-14). */
export const LOG_PROB_STEP = 1 / 2048;

/** Options of `buildCharLm`. */
export interface CharLmBuildOptions {
  /** n of the n-grams: the next symbol is predicted from the n-1 before it. Default 4. */
  order?: number;
  /**
   * Minimum times an n-gram must be seen to be stored, per order (index 0 = unigrams, which are
   * always all kept); missing entries are 1 (keep everything seen). Must not decrease with the order.
   */
  minCounts?: number[];
  /** Fixed discount per order (0 < D <= 1); default Ney's estimate from the counts of each order. */
  discounts?: number[];
  /** How it was made (corpus, lines, seed, seconds), kept in the JSON form. */
  info?: Record<string, unknown>;
}

/** The JSON form of a character LM (`CharLm.toJSON`, `CharLm.fromJSON`). */
export interface CharLmJson {
  format: typeof CHAR_LM_FORMAT;
  version: number;
  order: number;
  /** Class index -> character: the LM's labels; the model reading with it must have the same. */
  charset: string[];
  /** The discount of each order used in estimation (index 0 = unigrams). */
  discounts: number[];
  /** ln p = -logProbs[i] * logProbStep. */
  logProbStep: number;
  /**
   * Contexts, ascending (the empty one, key 0, first): keys (base64 Uint32 LE), how many stored
   * n-grams follow each (base64 Uint8) and ln b(h) (base64 Float32 LE).
   */
  contexts: { count: number; keys: string; followers: string; logBackoffs: string };
  /** Stored n-grams, context by context: the predicted symbol (base64 Uint8) and -ln p / logProbStep (base64 Uint16 LE). */
  ngrams: { count: number; symbols: string; logProbs: string };
  info?: Record<string, unknown>;
}

/**
 * A character n-gram LM. A line is scored symbol by symbol from a state (the last order-1 symbols):
 * `state = lm.start`, then `lm.logProb(state, c)` and `state = lm.next(state, c)` per label, and
 * `lm.logProb(state, lm.end)` for the end of the line.
 */
export class CharLm {
  /** The charset (class index -> character) the labels index. */
  readonly charset: readonly string[];
  readonly order: number;
  /** Labels 0..size-1 are characters; `size` itself is the end of a line (and, in contexts, its start). */
  readonly size: number;
  /** The end-of-line symbol (= size): `logProb(state, end)` is the probability that the line stops here. */
  readonly end: number;
  /** The state at the start of a line. */
  readonly start: number;
  readonly discounts: readonly number[];
  readonly info: Record<string, unknown> | undefined;
  /** The stored form (see CharLmJson), for toJSON. */
  private readonly stored: StoredLm;
  private readonly probs: Map<number, number>;
  private readonly backoffs: Map<number, number>;
  /** base = size + 2; pow[k] = base^k. */
  private readonly base: number;
  private readonly pow: number[];

  constructor(fields: {
    charset: readonly string[]; order: number; discounts: readonly number[]; info?: Record<string, unknown>;
    stored: StoredLm;
  }) {
    const { charset, order } = fields;
    checkOrder(order, 'CharLm');
    this.charset = [...charset];
    this.order = order;
    this.size = charset.length;
    this.end = charset.length;
    this.base = charset.length + 2;
    this.pow = powers(this.base, order);
    this.start = (charset.length + 1) % this.pow[order - 1]; // the start symbol's digit: a context of one symbol
    this.discounts = [...fields.discounts];
    this.info = fields.info;
    this.stored = fields.stored;
    const { contextKeys, followers, logBackoffs, symbols, logProbs } = this.stored;
    this.probs = new Map();
    this.backoffs = new Map();
    let j = 0;
    for (let i = 0; i < contextKeys.length; i++) {
      const h = contextKeys[i];
      this.backoffs.set(h, logBackoffs[i]);
      for (const stop = j + followers[i]; j < stop; j++) {
        if (symbols[j] > this.size) throw new Error(`CharLm: stored symbol ${symbols[j]} is outside 0..${this.size}; the model is damaged, rebuild it.`);
        this.probs.set(h * this.base + symbols[j] + 1, -logProbs[j] * LOG_PROB_STEP);
      }
    }
    if (j !== symbols.length) throw new Error(`CharLm: the contexts' follower counts add up to ${j}, not the ${symbols.length} n-grams stored; rebuild the model.`);
    for (let w = 1; w <= this.size + 1; w++) {
      if (!this.probs.has(w)) throw new Error(`CharLm: the unigram of symbol ${w - 1} is missing; every symbol needs one (rebuild the LM).`);
    }
  }

  /** Stored n-grams (all orders) and contexts: the size of the model. */
  get ngramCount(): number {
    return this.stored.symbols.length;
  }

  get contextCount(): number {
    return this.stored.contextKeys.length;
  }

  /** The state after `label` (0..size-1) follows `state`. */
  next(state: number, label: number): number {
    return (state * this.base + label + 1) % this.pow[this.order - 1];
  }

  /** The state after the labels of a line's start (`labels` from its first character). */
  stateOf(labels: ArrayLike<number>): number {
    let s = this.start;
    for (let i = 0; i < labels.length; i++) s = this.next(s, labels[i]);
    return s;
  }

  /** ln p(label | state): label 0..size-1 a character, `end` the end of the line. */
  logProb(state: number, label: number): number {
    const { base, pow, probs, backoffs } = this;
    let k = 0; // symbols in the state
    while (k < this.order - 1 && state >= pow[k]) k++;
    const w = label + 1;
    let acc = 0;
    for (; k >= 0; k--) {
      const context = state % pow[k];
      const p = probs.get(context * base + w);
      if (p !== undefined) return acc + p;
      acc += backoffs.get(context) ?? 0;
    }
    throw new Error(`CharLm.logProb: label ${label} is outside 0..${this.end} (the characters and the end of the line).`);
  }

  /** ln p(next | the line so far = labels). */
  logProbAfter(labels: ArrayLike<number>, next: number): number {
    return this.logProb(this.stateOf(labels), next);
  }

  /** ln p(line): every character given the ones before it, then the end. */
  lineLogProb(labels: ArrayLike<number>): number {
    let s = this.stateOf([]);
    let sum = 0;
    for (let i = 0; i < labels.length; i++) {
      sum += this.logProb(s, labels[i]);
      s = this.next(s, labels[i]);
    }
    return sum + this.logProb(s, this.end);
  }

  toJSON(): CharLmJson {
    return {
      format: CHAR_LM_FORMAT,
      version: CHAR_LM_VERSION,
      order: this.order,
      charset: [...this.charset],
      discounts: [...this.discounts],
      logProbStep: LOG_PROB_STEP,
      contexts: {
        count: this.stored.contextKeys.length,
        keys: encodeWords(this.stored.contextKeys, 4),
        followers: bytesToBase64(this.stored.followers),
        logBackoffs: encodeWords(this.stored.logBackoffs, 4),
      },
      ngrams: { count: this.stored.symbols.length, symbols: bytesToBase64(this.stored.symbols), logProbs: encodeWords(this.stored.logProbs, 2) },
      ...(this.info ? { info: this.info } : {}),
    };
  }

  /** Reads the JSON form; `source` (a file name or URL) names it in errors. */
  static fromJSON(json: unknown, source = 'the language model'): CharLm {
    const j = json as Partial<CharLmJson> | null;
    if (j === null || typeof j !== 'object' || j.format !== CHAR_LM_FORMAT) {
      throw new Error(`${source} is not a character language model (no format '${CHAR_LM_FORMAT}'); build one with scripts/build-line-lm.js.`);
    }
    if (j.version !== CHAR_LM_VERSION) {
      throw new Error(`${source} is a character LM of version ${String(j.version)}; this code reads version ${CHAR_LM_VERSION}: rebuild it with scripts/build-line-lm.js.`);
    }
    if (!Array.isArray(j.charset) || !Array.isArray(j.discounts) || !j.ngrams || !j.contexts || typeof j.order !== 'number') {
      throw new Error(`${source}: a field of the character LM is missing (order, charset, discounts, ngrams, contexts); rebuild it.`);
    }
    if (j.logProbStep !== LOG_PROB_STEP) throw new Error(`${source}: logProbStep ${String(j.logProbStep)} is not ${LOG_PROB_STEP}; rebuild the LM.`);
    const read = <T>(decode: (s: string, n: number) => T, s: unknown, n: unknown, what: string): T => {
      if (typeof s !== 'string' || !(Number.isInteger(n) && (n as number) >= 0)) throw new Error(`${source}: ${what} is not base64 with a count; rebuild the LM.`);
      try {
        return decode(s, n as number);
      } catch (e) {
        throw new Error(`${source}: ${what}: ${(e as Error).message}; the file is damaged, rebuild it.`);
      }
    };
    return new CharLm({
      charset: j.charset, order: j.order, discounts: j.discounts, info: j.info,
      stored: {
        contextKeys: read((s, n) => new Uint32Array(decodeWords(s, n, 4)), j.contexts.keys, j.contexts.count, 'contexts.keys'),
        followers: read((s, n) => base64ToBytes(s, n), j.contexts.followers, j.contexts.count, 'contexts.followers'),
        logBackoffs: read((s, n) => new Float32Array(decodeWords(s, n, 4)), j.contexts.logBackoffs, j.contexts.count, 'contexts.logBackoffs'),
        symbols: read((s, n) => base64ToBytes(s, n), j.ngrams.symbols, j.ngrams.count, 'ngrams.symbols'),
        logProbs: read((s, n) => new Uint16Array(decodeWords(s, n, 2)), j.ngrams.logProbs, j.ngrams.count, 'ngrams.logProbs'),
      },
    });
  }
}

/** The stored form of a model: contexts ascending, their n-grams after each other in the same order. */
interface StoredLm {
  contextKeys: Uint32Array;
  followers: Uint8Array;
  logBackoffs: Float32Array;
  symbols: Uint8Array;
  /** -ln p / LOG_PROB_STEP. */
  logProbs: Uint16Array;
}

function checkOrder(order: number, fn: string): void {
  if (!(Number.isInteger(order) && order >= 1 && order <= CHAR_LM_MAX_ORDER)) {
    throw new Error(`${fn}: order ${order} must be an integer 1..${CHAR_LM_MAX_ORDER}.`);
  }
}

/** [base^0, base^1, ..., base^order]. */
function powers(base: number, order: number): number[] {
  const pow = [1];
  for (let k = 1; k <= order; k++) pow.push(pow[k - 1] * base);
  if (pow[order - 1] > 2 ** 32 || base > 256) {
    throw new Error(`CharLm: ${base - 2} characters at order ${order} do not fit 32-bit contexts and byte symbols; use a lower order or a smaller charset.`);
  }
  return pow;
}

/**
 * Estimates an interpolated Kneser-Ney LM (see the module comment) from lines of labels (each a
 * class index 0..charset.length-1; empty lines are skipped).
 */
export function buildCharLm(lines: Iterable<ArrayLike<number>>, charset: readonly string[], opts: CharLmBuildOptions = {}): CharLm {
  const { floor, max, min, log, exp, round, fround } = Math;
  const N = opts.order ?? 4;
  checkOrder(N, 'buildCharLm');
  const V = charset.length;
  const B = V + 2;
  const pow = powers(B, N);
  const START = V + 1; // digit of the start / end symbol
  const minCounts = Array.from({ length: N }, (_, k) => (k === 0 ? 1 : opts.minCounts?.[k] ?? 1));
  for (let k = 1; k < N; k++) {
    if (!(Number.isInteger(minCounts[k]) && minCounts[k] >= 1 && minCounts[k] >= minCounts[k - 1])) {
      throw new Error(`buildCharLm: minCounts ${JSON.stringify(opts.minCounts)} must be integers >= 1 that do not decrease with the order.`);
    }
  }
  const orderOf = (key: number): number => {
    let k = 1;
    while (key >= pow[k]) k++;
    return k;
  };

  // Raw counts of every n-gram of orders 1..N, all in one map (a key's digit count is its order).
  const raw = new Map<number, number>();
  const digits = new Int32Array(1024);
  let nLines = 0;
  for (const line of lines) {
    const L = line.length;
    if (L === 0) continue;
    nLines++;
    const seq = L + 2 <= digits.length ? digits : new Int32Array(L + 2);
    seq[0] = START;
    for (let i = 0; i < L; i++) {
      const c = line[i];
      if (!(Number.isInteger(c) && c >= 0 && c < V)) throw new Error(`buildCharLm: label ${c} in line ${nLines} is outside 0..${V - 1} (the charset).`);
      seq[i + 1] = c + 1;
    }
    seq[L + 1] = START; // the end
    for (let i = 1; i <= L + 1; i++) {
      let key = 0;
      for (let k = 1; k <= N && i - k + 1 >= 0; k++) {
        key += seq[i - k + 1] * pow[k - 1];
        raw.set(key, (raw.get(key) ?? 0) + 1);
      }
    }
  }
  if (nLines === 0) throw new Error('buildCharLm: no non-empty lines to count.');

  // Adjusted counts: raw for the highest order and for n-grams at the line start, else how many
  // different symbols precede the n-gram.
  // (A unigram's digit START is the end: the start is never predicted.)
  const startsAtLineStart = (key: number, k: number): boolean => k >= 2 && floor(key / pow[k - 1]) === START;
  const adjusted = new Map<number, number>();
  for (const [key, c] of raw) {
    const k = orderOf(key);
    if (k === N || startsAtLineStart(key, k)) adjusted.set(key, c);
  }
  for (const key of raw.keys()) {
    const k = orderOf(key);
    if (k < 2) continue;
    const suffix = key % pow[k - 1];
    adjusted.set(suffix, (adjusted.get(suffix) ?? 0) + 1);
  }

  // Discounts per order (Ney: n1 / (n1 + 2 n2) of the adjusted counts), and per context the total
  // adjusted count and the number of different followers.
  const n1 = new Array<number>(N + 1).fill(0);
  const n2 = new Array<number>(N + 1).fill(0);
  const total = new Map<number, number>();
  const distinct = new Map<number, number>();
  for (const [key, a] of adjusted) {
    const k = orderOf(key);
    if (a === 1) n1[k]++;
    else if (a === 2) n2[k]++;
    const context = floor(key / B);
    total.set(context, (total.get(context) ?? 0) + a);
    distinct.set(context, (distinct.get(context) ?? 0) + 1);
  }
  const discounts = Array.from({ length: N }, (_, i) => {
    const fixed = opts.discounts?.[i];
    if (fixed !== undefined) {
      if (!(fixed > 0 && fixed <= 1)) throw new Error(`buildCharLm: discount ${fixed} of order ${i + 1} must be in (0, 1].`);
      return fixed;
    }
    const k = i + 1;
    return n1[k] > 0 ? n1[k] / (n1[k] + 2 * n2[k]) : 0.5;
  });

  // Interpolated KN probabilities of every seen n-gram, lowest order first (the lower-order
  // n-gram of a seen one is seen, so its probability is already there); unigrams of every symbol.
  const pKn = new Map<number, number>();
  const lambda = (context: number, k: number): number => (discounts[k - 1] * distinct.get(context)!) / total.get(context)!;
  const uniform = 1 / (V + 1);
  for (let w = 1; w <= V + 1; w++) {
    const a = adjusted.get(w) ?? 0;
    pKn.set(w, max(a - discounts[0], 0) / total.get(0)! + lambda(0, 1) * uniform);
  }
  const byOrder: number[][] = Array.from({ length: N + 1 }, () => []);
  for (const key of adjusted.keys()) byOrder[orderOf(key)].push(key);
  for (let k = 2; k <= N; k++) {
    for (const key of byOrder[k]) {
      const context = floor(key / B);
      const lower = pKn.get(key % pow[k - 1]);
      if (lower === undefined) throw new Error(`buildCharLm: internal error, the lower-order n-gram of ${key} has no probability.`);
      pKn.set(key, max(adjusted.get(key)! - discounts[k - 1], 0) / total.get(context)! + lambda(context, k) * lower);
    }
  }

  // Pruning, then each context's backoff: the mass its unstored followers get, over what the lower
  // order gives them, so p(. | h) sums to 1 (= lambda(h) exactly when nothing is pruned).
  const lm = {
    /** n-gram key -> -ln p / LOG_PROB_STEP, rounded: what is stored. */
    quantised: new Map<number, number>(),
    /** n-gram key -> ln p, exact: backoffs are computed from these, so unstored n-grams get their exact KN value. */
    probs: new Map<number, number>(),
    backoffs: new Map<number, number>([[0, 0]]),
  };
  const store = (key: number, p: number): void => {
    lm.quantised.set(key, min(65535, round(-log(p) / LOG_PROB_STEP)));
    lm.probs.set(key, log(p));
  };
  for (let w = 1; w <= V + 1; w++) store(w, pKn.get(w)!);
  const query = (context: number, k: number, w: number): number => {
    // ln p(w | context of k symbols) in the model built so far (orders up to k + 1 complete).
    let acc = 0;
    for (let j = k; j >= 0; j--) {
      const h = context % pow[j];
      const p = lm.probs.get(h * B + w);
      if (p !== undefined) return acc + p;
      acc += lm.backoffs.get(h) ?? 0;
    }
    throw new Error(`buildCharLm: internal error, no unigram for symbol ${w - 1}.`);
  };
  for (let k = 2; k <= N; k++) {
    const kept = byOrder[k].filter((key) => raw.get(key)! >= minCounts[k - 1]).sort((a, b) => a - b);
    for (const key of kept) store(key, pKn.get(key)!);
    // kept is sorted, so each context's followers are adjacent.
    for (let i = 0; i < kept.length;) {
      const context = floor(kept[i] / B);
      let stored = 0;
      let lower = 0;
      for (; i < kept.length && floor(kept[i] / B) === context; i++) {
        const w = kept[i] % B;
        stored += exp(lm.probs.get(kept[i])!);
        lower += exp(query(context % pow[k - 2], k - 2, w));
      }
      const num = 1 - stored;
      const den = 1 - lower;
      // Every follower stored: the backoff is never used.
      lm.backoffs.set(context, num > 1e-12 && den > 1e-12 ? fround(log(num / den)) : 0);
    }
  }

  // Ascending keys group the n-grams by context (key = context * B + symbol digit), contexts ascending.
  const ngramKeys = [...lm.quantised.keys()].sort((a, b) => a - b);
  const contextKeys = [...lm.backoffs.keys()].sort((a, b) => a - b);
  const followers = new Uint8Array(contextKeys.length);
  const position = new Map(contextKeys.map((h, i) => [h, i]));
  for (const key of ngramKeys) followers[position.get(floor(key / B))!]++;
  return new CharLm({
    charset, order: N, discounts, info: opts.info,
    stored: {
      contextKeys: Uint32Array.from(contextKeys),
      followers,
      logBackoffs: Float32Array.from(contextKeys, (h) => lm.backoffs.get(h)!),
      symbols: Uint8Array.from(ngramKeys, (key) => (key % B) - 1),
      logProbs: Uint16Array.from(ngramKeys, (key) => lm.quantised.get(key)!),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// base64 of little-endian typed arrays (no Buffer, no atob: the browser bundle uses it too)

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const n = (a << 16) | (b << 8) | c;
    chunk += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

function base64ToBytes(s: string, n: number): Uint8Array {
  if (s.length % 4 !== 0) throw new Error(`base64 length ${s.length} is not a multiple of 4`);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const len = (s.length / 4) * 3 - pad;
  if (len !== n) throw new Error(`${len} bytes of base64, expected ${n}`);
  const out = new Uint8Array(len);
  for (let i = 0, o = 0; i < s.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const ch = s.charCodeAt(i + j);
      const d = ch === 61 /* = */ ? 0 : ch < 128 ? B64_INDEX[ch] : -1;
      if (d < 0) throw new Error(`character ${JSON.stringify(s[i + j])} at ${i + j} is not base64`);
      v = (v << 6) | d;
    }
    if (o < len) out[o++] = (v >> 16) & 255;
    if (o < len) out[o++] = (v >> 8) & 255;
    if (o < len) out[o++] = v & 255;
  }
  return out;
}

/** A Uint32/Float32 (width 4) or Uint16 (width 2) array as base64 of its little-endian bytes. */
function encodeWords(a: Uint32Array | Float32Array | Uint16Array, width: 2 | 4): string {
  const native = new Uint8Array(a.buffer, a.byteOffset, a.length * width);
  return bytesToBase64(LITTLE_ENDIAN ? native : swapBytes(native, width));
}

/** The little-endian bytes of n words of `width` bytes in base64, as a buffer in this platform's order. */
function decodeWords(s: string, n: number, width: 2 | 4): ArrayBuffer {
  const bytes = base64ToBytes(s, width * n);
  return (LITTLE_ENDIAN ? bytes : swapBytes(bytes, width)).buffer;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k];
  return out;
}
