/**
 * Entity key → that entity's latest fact (t, id) in a FactStore, so that a linked read (./window-facts.ts,
 * readLinked) finds a new row's previous row in memory instead of probing the (key, time, id) index:
 * on bench_busy_1m 92–95 % of a cycle's new sessions and orders are of a visitor, user or buyer with a
 * fact kept. What was chosen, and why:
 * - The key is 64 bits held as two u32 words (hi, lo), in two u32 columns of every fact (8 bytes), so
 *   the index can be built from the store alone (first load, full refresh, restore from the state file,
 *   whose format version went to 3 with them) and an entity dropped when its latest fact is pruned. An
 *   int8 id is split exactly (negative and > 2^53 ids included, nothing truncated or refused); one u32
 *   column where ids fit would save 4 bytes a fact (≈ 2 MB at 10M) at the price of a second layout.
 *   A text key (visitor_id) is its 64-bit hashtextextended: two visitors sharing a hash (odds ≈ n²/2⁶⁵,
 *   10⁻⁸ for a million kept) would be linked until the next full refresh, which shows it as drift.
 * - It holds the latest fact dated at or before the horizon (WindowFacts.indexedThroughUs): later facts
 *   are re-read by the next cycle, which links them among its own rows. So its answer is always older
 *   than the read's rows, except after the clock moved back: a row dated before its entity's indexed
 *   fact is then probed in the database (exactness first), as are rows of entities it does not hold.
 * - `next_t` is not its business: rows after now (future-dated, or a history replayed at a past instant
 *   by the backfill) are still found by linkedRangeSql's `later` scan, as before.
 * - It belongs to the store's WindowFacts, so active_users and revenue, which share one store of
 *   signed-in sessions (./shared-window-facts.ts), share one index; its bytes count in
 *   rollup_state_bytes.
 * Open addressing with linear probing over typed arrays (no Map of objects: 24 bytes a slot, ≤ 3/4
 * full, doubled when it would be fuller), deletion by backward shift (no tombstones, so lookups do not
 * slow down with churn). An empty slot has t = NaN.
 */

/** Slots are at most this full; past it the table doubles. */
const MAX_LOAD = 0.75;

/** murmur3's 32-bit finalizer over both words: sequential ids spread over the table. */
export function mix(hi: number, lo: number): number {
  let h = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class EntityIndex {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private t: Float64Array;
  private id: Float64Array;
  private mask: number;
  private count = 0;

  /** Room for `entities` without growing. */
  constructor(entities = 0) {
    let cap = 16;
    while (cap * MAX_LOAD < entities) cap *= 2;
    this.mask = cap - 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.t = new Float64Array(cap).fill(Number.NaN);
    this.id = new Float64Array(cap);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  bytes(): number {
    return this.hi.byteLength + this.lo.byteLength + this.t.byteLength + this.id.byteLength;
  }

  /** Slot of the key, or -1. */
  find(hi: number, lo: number): number {
    const m = this.mask;
    for (let i = mix(hi, lo) & m; ; i = (i + 1) & m) {
      if (Number.isNaN(this.t[i]!)) return -1;
      if (this.lo[i] === lo && this.hi[i] === hi) return i;
    }
  }

  /** Latest fact of the entity in `slot` (from find). */
  tAt(slot: number): number {
    return this.t[slot]!;
  }

  idAt(slot: number): number {
    return this.id[slot]!;
  }

  /** Records fact (t, id) for the key unless the entity's recorded fact is later in (t, id) order. */
  setIfLater(hi: number, lo: number, t: number, id: number): void {
    const m = this.mask;
    let i = mix(hi, lo) & m;
    for (; !Number.isNaN(this.t[i]!); i = (i + 1) & m) {
      if (this.lo[i] === lo && this.hi[i] === hi) {
        const ti = this.t[i]!;
        if (t > ti || (t === ti && id > this.id[i]!)) {
          this.t[i] = t;
          this.id[i] = id;
        }
        return;
      }
    }
    if (this.count + 1 > (m + 1) * MAX_LOAD) {
      this.grow();
      this.setIfLater(hi, lo, t, id);
      return;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.t[i] = t;
    this.id[i] = id;
    this.count += 1;
  }

  /** Forgets the key if its recorded fact is (t, id): that fact left the store, and it was the latest. */
  deleteIf(hi: number, lo: number, t: number, id: number): boolean {
    const i = this.find(hi, lo);
    if (i < 0 || this.t[i] !== t || this.id[i] !== id) return false;
    this.removeAt(i);
    return true;
  }

  /**
   * Backward-shift deletion: every later entry of the probe run whose home slot is not inside the
   * (cyclic) gap (hole, j] moves into the hole, so a lookup still meets no empty slot before its key.
   */
  private removeAt(slot: number): void {
    const m = this.mask;
    let hole = slot;
    for (let j = (slot + 1) & m; !Number.isNaN(this.t[j]!); j = (j + 1) & m) {
      const home = mix(this.hi[j]!, this.lo[j]!) & m;
      // Distances along the probe direction: the entry at j may move back to the hole unless its home
      // lies after the hole (between hole and j).
      if (((j - home) & m) >= ((j - hole) & m)) {
        this.hi[hole] = this.hi[j]!;
        this.lo[hole] = this.lo[j]!;
        this.t[hole] = this.t[j]!;
        this.id[hole] = this.id[j]!;
        hole = j;
      }
    }
    this.t[hole] = Number.NaN;
    this.count -= 1;
  }

  private grow(): void {
    const { hi, lo, t, id } = this;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.t = new Float64Array(cap).fill(Number.NaN);
    this.id = new Float64Array(cap);
    this.count = 0;
    for (let i = 0; i < t.length; i++) if (!Number.isNaN(t[i]!)) this.setIfLater(hi[i]!, lo[i]!, t[i]!, id[i]!);
  }
}
