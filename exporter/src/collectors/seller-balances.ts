/**
 * Every seller's credit balance and lifecycle dates, kept in memory so a cycle reads only the sellers
 * whose row changed. Balances change in place with no timestamp, but every change writes a new row
 * version whose xmin is a transaction id that was running or not yet started when the previous read's
 * snapshot was taken, i.e. at or after that snapshot's xmin. So each cycle reads the row versions with
 * xmin >= the previous snapshot's xmin (plus a few that were already seen: harmless), and the table's
 * row count in the same scan; a deleted seller shows as a cache larger than the table, and is followed
 * by a full read.
 *
 * Where sellers.updated_at moves with every write (collection.seller_changes: updated_at), a cycle reads
 * instead the sellers written since the previous read's now() - settle_lag: an index range, so the
 * cost follows the sellers that changed, not the table (and a VIEW works too). What that read cannot
 * see, a write that kept updated_at, a row committed more than settle_lag after its stamp, or a deleted
 * seller, is caught by the periodic full read, which publishes the difference as rollup drift.
 */
import type { Db } from '../runtime/db';
import { nextRefreshAt, usToTimestamp, type WindowSettings, US } from './window-facts';

/** An exact decimal p / 10^k, from a number's shortest string form: the value `$1::numeric` sees. */
export interface ExactDecimal {
  num: bigint;
  den: bigint;
}

export function exactDecimal(x: number): ExactDecimal {
  // pg sends a JS number as String(x): "0.1", "0.333" or "1e-7"; numeric parses exactly that text.
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!m) throw new Error(`not a finite decimal: ${x}`);
  const [, sign, int, frac = '', exp = '0'] = m;
  const shift = frac.length - Number(exp);
  let num = BigInt(`${sign}${int}${frac}`);
  let den = 1n;
  if (shift >= 0) den = 10n ** BigInt(shift);
  else num *= 10n ** BigInt(-shift);
  return { num, den };
}

/** One seller's row: cents and epoch µs as float8 (see below), then the meta row's columns, NULL. */
const ROW_COLUMNS = `id::float8, (credits_total * 100)::float8, (credits_used * 100)::float8,
         (extract(epoch FROM approved_at) * 1000000)::float8, (extract(epoch FROM churned_at) * 1000000)::float8,
         NULL, NULL, NULL, NULL`;
/** The meta row (id NULL) of a read by updated_at: the count of what it is selected from, and now(). */
const META_ROW = `SELECT NULL::float8 AS id, NULL::float8 AS total_cents, NULL::float8 AS used_cents,
         NULL::float8 AS approved_us, NULL::float8 AS churned_us,
         count(*)::float8 AS n, (extract(epoch FROM now()) * 1000000)::float8 AS now_us,
         NULL::text AS snapshot_xmin, NULL::int4 AS prev_age`;

/**
 * Row versions written at or after `$1` (the 32-bit part of the previous read's snapshot xmin; NULL for
 * a full read), and one row with the table's count, now() and this snapshot's xmin. One statement, so
 * both scans see one snapshot. age(x) is (latest xid - x) in 32-bit modular arithmetic, so
 * age(xmin) <= age(prev) is xmin >= prev without wraparound trouble while prev is younger than 2^31
 * transactions; prev_age lets the caller check that. Frozen tuples keep their raw xmin (or show
 * FrozenTransactionId, whose age is INT_MAX): an old one at worst comes back once more. Two plain scans
 * cost less than one that aggregates the changed rows into arrays beside the count (bench_10m: 0.8
 * against 1.4-1.7 ms). Cents and epoch microseconds are exact in float8 (numeric(14,2) stays below
 * 10^14 cents; microseconds stay below 2^53 until the year 2255).
 */
export const SELLER_VERSIONS_SQL = `
  SELECT NULL::float8 AS id, NULL::float8 AS total_cents, NULL::float8 AS used_cents,
         NULL::float8 AS approved_us, NULL::float8 AS churned_us,
         count(*)::float8 AS n, (extract(epoch FROM now()) * 1000000)::float8 AS now_us,
         pg_snapshot_xmin(pg_current_snapshot())::text AS snapshot_xmin, (SELECT age($1::text::xid)) AS prev_age
    FROM sellers
  UNION ALL
  SELECT ${ROW_COLUMNS}
    FROM sellers
   WHERE $1::text IS NULL OR age(xmin) <= (SELECT age($1::text::xid))`;

/** Every seller, with the count and now() (a full read by updated_at: no row versions needed). */
export const SELLER_ROWS_SQL = `
  ${META_ROW} FROM sellers
  UNION ALL
  SELECT ${ROW_COLUMNS} FROM sellers`;

/**
 * The sellers written at or after $1 (sellers_updated_at_idx), and one row with now(); its count is of
 * nothing (no scan of the table): deletes are the full read's to find.
 */
export const SELLER_STAMPED_SQL = `
  ${META_ROW} WHERE false
  UNION ALL
  SELECT ${ROW_COLUMNS} FROM sellers WHERE updated_at >= $1::timestamptz`;

interface VersionRow {
  id: number | null;
  total_cents: number;
  used_cents: number;
  approved_us: number | null;
  churned_us: number | null;
  n: number;
  now_us: number;
  snapshot_xmin: string;
  prev_age: number | null;
}

interface Versions {
  changed: VersionRow[];
  n: number;
  now_us: number;
  snapshot_xmin: string;
  prev_age: number | null;
}

export interface CreditTotals {
  /** Sums over live sellers, in currency units, as the numeric sum parsed to a double would give. */
  total: number;
  used: number;
  low: number;
}

/** Past this many transactions since the previous read, its xmin is not trusted: full read. */
const MAX_PREV_AGE = 2 ** 30;

/** |a - b| summed over the published values: the two sums, unallocated credits, the ratio and the low count. */
function driftOf(a: CreditTotals, b: CreditTotals): number {
  const ratio = (t: CreditTotals) => (t.total > 0 ? t.used / t.total : 0);
  return (
    Math.abs(a.total - b.total) +
    Math.abs(a.used - b.used) +
    Math.abs(a.total - a.used - (b.total - b.used)) +
    Math.abs(ratio(a) - ratio(b)) +
    Math.abs(a.low - b.low)
  );
}

export class SellerBalances {
  private slotOf = new Map<number, number>();
  private size = 0;
  private totalCents = new Float64Array(0);
  private usedCents = new Float64Array(0);
  private approvedUs = new Float64Array(0);
  private churnedUs = new Float64Array(0);
  private low = new Uint8Array(0);
  /** 32-bit part of the previous read's snapshot xmin; null until a full read succeeded. */
  private prevXmin: string | null = null;
  /** How many rows the last cycle read (for tests and benchmarks). */
  lastRead = 0;
  /** By updated_at: the previous read's now(), epoch µs (null until a full read), and the next full read. */
  private stampedNowUs: number | null = null;
  private nextFullUs = 0;
  /** By updated_at: |kept - read| over the published values at the last full read. */
  drift = 0;

  constructor(private readonly ratio: ExactDecimal) {}

  /** Forget everything: the next cycle reads every seller. */
  reset(): void {
    this.slotOf.clear();
    this.size = 0;
    this.prevXmin = null;
    this.stampedNowUs = null;
  }

  bytes(): number {
    return this.totalCents.byteLength * 4 + this.low.byteLength;
  }

  /** Reads the changed sellers (all of them the first time or when in doubt) and returns the totals. */
  async refresh(db: Db): Promise<CreditTotals> {
    let r = await this.read(db, SELLER_VERSIONS_SQL, [this.prevXmin]);
    this.lastRead = r.changed.length;
    const trusted = this.prevXmin === null || (r.prev_age !== null && r.prev_age >= 0 && r.prev_age <= MAX_PREV_AGE);
    if (trusted) this.upsert(r);
    if (!trusted || this.size !== r.n) {
      this.reset();
      r = await this.read(db, SELLER_VERSIONS_SQL, [null]);
      this.lastRead += r.changed.length;
      this.upsert(r);
      // Only ids that repeat (a partitioned table has no key across partitions) leave a full read short.
      if (this.size !== r.n) throw new Error('sellers.id is not unique: balances cannot be kept by seller');
    }
    this.prevXmin = String(BigInt(r.snapshot_xmin) & 0xffff_ffffn);
    return this.totals(r.now_us);
  }

  /**
   * By updated_at: reads the sellers written since the previous read's now() - settle_lag (all of them
   * the first time and at each full refresh, due every full_refresh at a phase of `name`) and returns
   * the totals.
   */
  async refreshByStamp(db: Db, s: WindowSettings, name: string): Promise<CreditTotals> {
    if (this.stampedNowUs === null) {
      const r = await this.readAll(db);
      this.lastRead = r.changed.length;
      this.nextFullUs = nextRefreshAt(name, r.now_us, s, true);
      return this.totals(r.now_us);
    }
    const since = this.stampedNowUs - s.settleLagSeconds * US;
    const r = await this.read(db, SELLER_STAMPED_SQL, [usToTimestamp(since)]);
    this.lastRead = r.changed.length;
    this.upsert(r);
    this.stampedNowUs = r.now_us;
    const kept = this.totals(r.now_us);
    if (r.now_us < this.nextFullUs) return kept;
    const full = await this.readAll(db);
    this.lastRead += full.changed.length;
    const fresh = this.totals(full.now_us);
    this.drift = driftOf(kept, fresh);
    this.nextFullUs = nextRefreshAt(name, full.now_us, s, false);
    return fresh;
  }

  /** Replaces the kept balances with every seller's row. */
  private async readAll(db: Db): Promise<Versions> {
    const r = await this.read(db, SELLER_ROWS_SQL, []);
    this.reset();
    this.upsert(r);
    if (this.size !== r.n) throw new Error('sellers.id is not unique: balances cannot be kept by seller');
    this.stampedNowUs = r.now_us;
    return r;
  }

  private async read(db: Db, sql: string, params: unknown[]): Promise<Versions> {
    const rows = await db.query<VersionRow & Record<string, unknown>>(sql, params);
    const meta = rows.find((r) => r.id === null);
    if (!meta) throw new Error('seller versions query returned no count');
    return {
      changed: rows.filter((r) => r.id !== null),
      n: meta.n,
      now_us: meta.now_us,
      snapshot_xmin: meta.snapshot_xmin,
      prev_age: meta.prev_age,
    };
  }

  private upsert(r: Versions): void {
    // At most this many new slots; a quarter more leaves room for sellers still to come.
    const need = this.size + r.changed.length;
    if (need > this.low.length) this.grow(Math.max(1024, Math.ceil(need * 1.25)));
    for (const row of r.changed) {
      const id = row.id!;
      const total = row.total_cents;
      const used = row.used_cents;
      // The sums below rely on whole cents: a sellers table with finer amounts is not the contract's.
      if (!Number.isSafeInteger(total) || !Number.isSafeInteger(used)) throw new Error(`seller ${id}: credits are not whole cents`);
      let slot = this.slotOf.get(id);
      if (slot === undefined) {
        slot = this.size++;
        this.slotOf.set(id, slot);
      }
      this.totalCents[slot] = total;
      this.usedCents[slot] = used;
      this.approvedUs[slot] = row.approved_us ?? Number.NaN; // NULL: never approved, never live
      this.churnedUs[slot] = row.churned_us ?? Number.POSITIVE_INFINITY;
      this.low[slot] = isLow(total, used, this.ratio) ? 1 : 0;
    }
  }

  private grow(capacity: number): void {
    const widen = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.totalCents = widen(this.totalCents);
    this.usedCents = widen(this.usedCents);
    this.approvedUs = widen(this.approvedUs);
    this.churnedUs = widen(this.churnedUs);
    const low = new Uint8Array(capacity);
    low.set(this.low);
    this.low = low;
  }

  /** Live at nowUs: approved_at <= now AND (churned_at IS NULL OR churned_at > now), as the SQL has it. */
  private totals(nowUs: number): CreditTotals {
    let total = 0;
    let used = 0;
    let low = 0;
    for (let i = 0; i < this.size; i++) {
      if (!(this.approvedUs[i]! <= nowUs && this.churnedUs[i]! > nowUs)) continue;
      total += this.totalCents[i]!;
      used += this.usedCents[i]!;
      low += this.low[i]!;
    }
    // Whole cents add exactly while the sum stays within 2^53 (the addends are non-negative, so no
    // partial sum exceeded it either); beyond that, add them again as BigInt.
    if (total > Number.MAX_SAFE_INTEGER || used > Number.MAX_SAFE_INTEGER) return { ...this.bigTotals(nowUs), low };
    // An exact integer divided by 100 is the double nearest to the decimal: what parsing the numeric
    // sum's text gives.
    return { total: total / 100, used: used / 100, low };
  }

  private bigTotals(nowUs: number): { total: number; used: number } {
    let total = 0n;
    let used = 0n;
    for (let i = 0; i < this.size; i++) {
      if (!(this.approvedUs[i]! <= nowUs && this.churnedUs[i]! > nowUs)) continue;
      total += BigInt(this.totalCents[i]!);
      used += BigInt(this.usedCents[i]!);
    }
    return { total: Number(`${total}e-2`), used: Number(`${used}e-2`) };
  }
}

/**
 * (total - used) < ratio * total with ratio = num/den, exactly: used * den > total * (den - num),
 * in BigInt because cents (< 10^14) times a den of up to 10^17 leave the doubles' exact range.
 */
export function isLow(totalCents: number, usedCents: number, ratio: ExactDecimal): boolean {
  if (totalCents <= 0) return false;
  return BigInt(usedCents) * ratio.den > BigInt(totalCents) * (ratio.den - ratio.num);
}
