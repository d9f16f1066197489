/**
 * Entity key → the time of that entity's latest fact in a FactStore, so that a linked read (./window-facts.ts,
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
 * - Memory (bench_10m: 566k visitors, 298k signed-in users, 273k buyers): a slot holds the key and the
 *   time only, 16 bytes; the fact's id is found in the store by that time (WindowFacts.latestOf: a
 *   binary search, for the few hundred rows of a cycle). A build is sized for the entities it will
 *   hold (counted first: the facts whose next row is later than the index reaches), at most 0.85 full
 *   (any size: the home slot is a multiply-shift, not a mask); it grows by half past 0.9 full, and
 *   shrinks back after a build left it under half full.
 * Open addressing with linear probing over typed arrays (no Map of objects), deletion by backward shift
 * (no tombstones, so lookups do not slow down with churn). An empty slot has t = NaN.
 */

/** Past this load the table grows by half. */
export const MAX_LOAD = 0.9;
/**
 * The load a table is sized for when built or compacted. Linear probing at 0.85 costs a few more probes
 * a lookup than at 0.7 (a cycle makes a few hundred), and 1.2× less memory: at 10M the three indexes
 * are ≈ 1.1M entities, and RSS has a 200 MiB target.
 */
const TIGHT_LOAD = 0.85;

const capacityFor = (entities: number) => Math.max(16, Math.ceil(entities / TIGHT_LOAD));

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

/** Home slot of a key in a table of `capacity` slots (exact: the product stays below 2^53). */
export const homeOf = (hi: number, lo: number, capacity: number): number => Math.floor((mix(hi, lo) * capacity) / 2 ** 32);

export class EntityIndex {
  private hi!: Uint32Array;
  private lo!: Uint32Array;
  private t!: Float64Array;
  private cap = 0;
  private count = 0;

  /** Room for `entities` without growing. */
  constructor(entities = 0) {
    this.alloc(capacityFor(entities));
  }

  private alloc(cap: number): void {
    this.cap = cap;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.t = new Float64Array(cap).fill(Number.NaN);
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  bytes(): number {
    return this.hi.byteLength + this.lo.byteLength + this.t.byteLength;
  }

  /** Slot of the key, or -1. */
  find(hi: number, lo: number): number {
    for (let i = homeOf(hi, lo, this.cap); ; i = i + 1 === this.cap ? 0 : i + 1) {
      if (Number.isNaN(this.t[i]!)) return -1;
      if (this.lo[i] === lo && this.hi[i] === hi) return i;
    }
  }

  /** Time of the latest fact of the entity in `slot` (from find). */
  tAt(slot: number): number {
    return this.t[slot]!;
  }

  /** Records a fact at `t` for the key unless the entity's recorded fact is later. */
  setIfLater(hi: number, lo: number, t: number): void {
    let i = homeOf(hi, lo, this.cap);
    for (; !Number.isNaN(this.t[i]!); i = i + 1 === this.cap ? 0 : i + 1) {
      if (this.lo[i] === lo && this.hi[i] === hi) {
        if (t > this.t[i]!) this.t[i] = t;
        return;
      }
    }
    if (this.count + 1 > this.cap * MAX_LOAD) {
      this.rehash(Math.ceil(this.cap * 1.5));
      this.setIfLater(hi, lo, t);
      return;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.t[i] = t;
    this.count += 1;
  }

  /**
   * Forgets the key if its recorded fact is at `t`: its facts at or before `t` left the store, and
   * they were its latest.
   */
  deleteIf(hi: number, lo: number, t: number): boolean {
    const i = this.find(hi, lo);
    if (i < 0 || this.t[i] !== t) return false;
    this.removeAt(i);
    return true;
  }

  /** After a build: a table left under half full is rebuilt at the load it is sized for. */
  compact(): void {
    if (this.count < this.cap / 2 && capacityFor(this.count) < this.cap) this.rehash(capacityFor(this.count));
  }

  /**
   * Backward-shift deletion: every later entry of the probe run whose home slot is not inside the
   * (cyclic) gap (hole, j] moves into the hole, so a lookup still meets no empty slot before its key.
   */
  private removeAt(slot: number): void {
    const n = this.cap;
    let hole = slot;
    for (let j = slot + 1 === n ? 0 : slot + 1; !Number.isNaN(this.t[j]!); j = j + 1 === n ? 0 : j + 1) {
      const home = homeOf(this.hi[j]!, this.lo[j]!, n);
      // Distances along the probe direction: the entry at j may move back to the hole unless its home
      // lies after the hole (between hole and j).
      if ((j - home + n) % n >= (j - hole + n) % n) {
        this.hi[hole] = this.hi[j]!;
        this.lo[hole] = this.lo[j]!;
        this.t[hole] = this.t[j]!;
        hole = j;
      }
    }
    this.t[hole] = Number.NaN;
    this.count -= 1;
  }

  private rehash(cap: number): void {
    const { hi, lo, t } = this;
    this.alloc(cap);
    for (let i = 0; i < t.length; i++) if (!Number.isNaN(t[i]!)) this.setIfLater(hi[i]!, lo[i]!, t[i]!);
  }
}
