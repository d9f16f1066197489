/**
 * Continuous aggregates for window gauges (DESIGN §3, CONVENTIONS 17). A window collector keeps one
 * compact fact per entity of its longest window (a session, a cart, an order) in typed arrays sorted
 * by event time: the finest bucket there is, so every 1d/7d/30d edge is exact to the microsecond
 * without re-reading the edge from the database. Each cycle reads only
 *   - entities whose fact may have changed since the previous horizon (new rows, or child rows such
 *     as events and payments whose own event time is new), the last `settle_lag` re-read so late
 *     commits land; upserts by (time, id) make re-reading idempotent;
 *   - for facts that change without a timestamp (cart status), the open tail of `mutable_horizon`;
 * and drops facts that left the longest window. Changes older than that are caught by the periodic
 * full refresh, whose difference from the incremental value is published as rollup drift. Linked
 * facts (sessions and orders with their entity's next and first row) also hold their entity's key,
 * and the engine keeps an EntityIndex of them (key → latest fact) so that a new row finds its previous
 * one in memory (readLinked, ./entity-index.ts).
 */
import { M, type MetricDef, type Window, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/load';
import { readBinaryStateFile, writeBinaryStateFile } from '../runtime/durable-file';
import type { Logger } from '../runtime/logger';
import type { Db } from '../runtime/db';
import type { Sample } from '../metrics/sample';
import { EntityIndex } from './entity-index';

export type ColumnKind = 'f64' | 'u32' | 'u8';
/** One fact: `t` event time in epoch microseconds, `id` the entity's primary key, then its columns. */
export type FactRow<C extends string> = { t: number; id: number } & Record<C, number>;

/** Receives the facts of a load as they arrive; `expect` announces how many will, when that is known. */
export interface FactSink<C extends string> {
  add(row: FactRow<C>): void;
  expect?(rows: number): void;
}

/** Sets one column of an existing fact, e.g. "the previous session of this visitor now has a next". */
export interface FactPatch<C extends string> {
  t: number;
  id: number;
  col: C;
  value: number;
}

type Arr = Float64Array | Uint32Array | Uint8Array;

const ARRAY_OF = { f64: Float64Array, u32: Uint32Array, u8: Uint8Array } as const;

/** Facts per block of BlockSums; a power of two so the block of an index is a shift. */
const BLOCK_SHIFT = 12;

/**
 * Facts sorted by (t, id) in growable typed arrays: 16 bytes per fact plus its columns. Rows live at
 * physical positions [start, start + n): pruning the oldest facts only moves `start`, and every write
 * stamps the block it lands in, so BlockSums re-adds only blocks that changed.
 */
export class FactStore<C extends string> {
  private n = 0;
  private start = 0;
  private t: Float64Array;
  private id: Float64Array;
  private cols: Record<C, Arr>;
  private readonly names: C[];
  /** Per block of BLOCK physical rows: `version` when it was last written. */
  private changed: Float64Array;
  private version = 1;

  constructor(kinds: Readonly<Record<C, ColumnKind>>, capacity = 1024) {
    this.t = new Float64Array(capacity);
    this.id = new Float64Array(capacity);
    this.cols = {} as Record<C, Arr>;
    this.names = Object.keys(kinds) as C[];
    for (const c of this.names) this.cols[c] = new ARRAY_OF[kinds[c]](capacity);
    this.changed = new Float64Array((capacity >> BLOCK_SHIFT) + 1).fill(this.version);
  }

  get size(): number {
    return this.n;
  }

  /** Read-only views for evaluation: rows [0, size). */
  view(): { n: number; t: Float64Array; id: Float64Array; cols: Readonly<Record<C, Arr>> } {
    const a = this.start;
    const b = a + this.n;
    const cols = {} as Record<C, Arr>;
    for (const c of Object.keys(this.cols) as C[]) cols[c] = this.cols[c].subarray(a, b);
    return { n: this.n, t: this.t.subarray(a, b), id: this.id.subarray(a, b), cols };
  }

  bytes(): number {
    let b = this.t.byteLength + this.id.byteLength;
    for (const c of Object.values<Arr>(this.cols)) b += c.byteLength;
    return b;
  }

  /** Physical index of (t, id), or -(physical insertion point) - 1. */
  private find(t: number, id: number): number {
    let lo = this.start;
    const end = this.start + this.n;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mt = this.t[mid]!;
      if (mt < t || (mt === t && this.id[mid]! < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo < end && this.t[lo] === t && this.id[lo] === id ? lo : -lo - 1;
  }

  private touch(from: number, to = from): void {
    const v = ++this.version;
    for (let j = from >> BLOCK_SHIFT; j <= to >> BLOCK_SHIFT; j++) this.changed[j] = v;
  }

  /** Moves the rows to position 0, into arrays of `cap` rows (more room, or reclaimed pruned rows). */
  private relayout(cap: number): void {
    const g = <A extends Arr>(a: A): A => {
      const b = cap === a.length ? a : new (a.constructor as { new (n: number): A })(cap);
      if (b === a) a.copyWithin(0, this.start, this.start + this.n);
      else b.set(a.subarray(this.start, this.start + this.n));
      return b;
    };
    this.t = g(this.t);
    this.id = g(this.id);
    for (const c of Object.keys(this.cols) as C[]) this.cols[c] = g(this.cols[c]);
    this.start = 0;
    this.changed = new Float64Array((cap >> BLOCK_SHIFT) + 1).fill(++this.version);
  }

  /** Ensures room for `rows` more facts after the last one (a build announcing its count). */
  reserve(rows: number): void {
    if (this.start + this.n + rows > this.t.length) this.makeRoom(rows);
  }

  /**
   * Pruned rows are reclaimed in place while that leaves a sixteenth of the facts spare; otherwise
   * the arrays are reallocated with an eighth spare. Not doubled: a store holds at most ~12.5 % unused
   * room, and appends still cost O(1) amortized.
   */
  private makeRoom(rows: number): void {
    const live = this.n + rows;
    this.relayout(live + (live >> 4) <= this.t.length ? this.t.length : live + Math.max(1024, live >> 3));
  }

  upsert(row: FactRow<C>): void {
    const last = this.start + this.n - 1;
    const lastT = this.n > 0 ? this.t[last]! : -Infinity;
    // Rows in (t, id) order (a first build) append without a search.
    let i = row.t > lastT || (row.t === lastT && row.id > this.id[last]!) ? -(last + 1) - 1 : this.find(row.t, row.id);
    if (i < 0) {
      if (this.start + this.n === this.t.length) {
        this.makeRoom(1);
        i = this.find(row.t, row.id);
      }
      i = -i - 1;
      const end = this.start + this.n;
      // New facts arrive at (or near) the end: the shift is short.
      if (i < end) {
        this.t.copyWithin(i + 1, i, end);
        this.id.copyWithin(i + 1, i, end);
        for (const c of Object.values<Arr>(this.cols)) c.copyWithin(i + 1, i, end);
      }
      this.touch(i, end);
      this.n += 1;
      this.t[i] = row.t;
      this.id[i] = row.id;
    } else this.touch(i);
    for (const c of this.names) this.cols[c][i] = row[c];
  }

  /** Column `col` of fact (t, id), or undefined when the store has no such fact. */
  get(t: number, id: number, col: C): number | undefined {
    const i = this.find(t, id);
    return i >= 0 ? this.cols[col][i] : undefined;
  }

  patch(p: FactPatch<C>): void {
    const i = this.find(p.t, p.id);
    if (i >= 0) {
      this.cols[p.col][i] = p.value;
      this.touch(i);
    }
  }

  /** Drops facts with t <= minT (they left the longest window). */
  pruneThrough(minT: number): void {
    let lo = this.start;
    let hi = this.start + this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! <= minT) lo = mid + 1;
      else hi = mid;
    }
    this.n -= lo - this.start;
    this.start = lo;
  }

  /** For BlockSums: physical offset of row 0, and the write stamps of blocks. */
  layout(): { start: number; changed: Float64Array; version: number } {
    return { start: this.start, changed: this.changed, version: this.version };
  }

  /**
   * The used part of every array, as views (no copy) for the state file: t, id, then the columns in
   * the order of `kinds`.
   */
  dump(): { n: number; sections: Arr[] } {
    const used = (a: Arr) => a.subarray(this.start, this.start + this.n);
    return { n: this.n, sections: [used(this.t), used(this.id), ...this.names.map((c) => used(this.cols[c]))] };
  }

  /**
   * Restoring `n` facts: byte views of where `dump`'s sections go, in the new store's own arrays (the
   * state file is read straight into them), and `finish` to call once they are filled.
   */
  static restoring<C extends string>(
    kinds: Readonly<Record<C, ColumnKind>>,
    n: number,
  ): { targets: Uint8Array[]; finish: () => FactStore<C> } {
    const s = new FactStore(kinds, Math.max(1024, n));
    const arrays: Arr[] = [s.t, s.id, ...s.names.map((c) => s.cols[c])];
    return {
      targets: arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT)),
      finish: () => {
        // The checksum proves the bytes are those written; this proves they are a valid store (binary
        // searches and window edges rely on the order). A few ms for a million facts.
        const { t, id } = s;
        for (let i = 1; i < n; i++) {
          if (t[i - 1]! > t[i]! || (t[i - 1] === t[i] && id[i - 1]! >= id[i]!)) throw new Error('facts are not sorted');
        }
        s.n = n;
        return s;
      },
    };
  }
}

/**
 * Adds fact `i` (an index into the arrays of FactStore.view()) to `acc[0..width)` as seen at `nowUs`,
 * and returns until when (exclusive, µs) that contribution stays the same: Infinity when it does not
 * depend on the clock.
 */
export type AddFact = (acc: Float64Array, i: number, nowUs: number) => number;

/**
 * Window sums over a FactStore without walking the window: per-block partial sums are kept and
 * re-added only for blocks written since (or whose contribution expired), so a window costs a few
 * hundred block additions plus the facts of its two edge blocks. Exact: the block sums are the same
 * additions, in the same per-fact terms (use it for counts; float sums may round differently).
 */
export class BlockSums<C extends string> {
  private store: FactStore<C> | null = null;
  private sums = new Float64Array(0);
  private builtAt = new Float64Array(0);
  private fromUs = new Float64Array(0);
  private untilUs = new Float64Array(0);

  constructor(readonly width: number) {}

  /** Adds facts [a, b) of `store`, as seen at `nowUs`, into `out[0..width)`. */
  sum(store: FactStore<C>, a: number, b: number, nowUs: number, out: Float64Array, add: AddFact): Float64Array {
    const { start, changed, version } = store.layout();
    if (store !== this.store || this.builtAt.length !== changed.length) {
      this.store = store;
      this.sums = new Float64Array(changed.length * this.width);
      this.builtAt = new Float64Array(changed.length);
      this.fromUs = new Float64Array(changed.length);
      this.untilUs = new Float64Array(changed.length);
    }
    const w = this.width;
    let p = start + a;
    const end = start + b;
    while (p < end) {
      const j = p >> BLOCK_SHIFT;
      const blockEnd = (j + 1) << BLOCK_SHIFT;
      if (p !== j << BLOCK_SHIFT || blockEnd > end) {
        // Edge of the range: the block is only partly inside, add its facts one by one.
        for (const stop = Math.min(blockEnd, end); p < stop; p++) add(out, p - start, nowUs);
        continue;
      }
      const acc = this.sums.subarray(j * w, (j + 1) * w);
      if (this.builtAt[j]! < changed[j]! || nowUs < this.fromUs[j]! || nowUs >= this.untilUs[j]!) {
        acc.fill(0);
        let until = Infinity;
        for (let i = p; i < blockEnd; i++) until = Math.min(until, add(acc, i - start, nowUs));
        this.builtAt[j] = version;
        this.fromUs[j] = nowUs;
        this.untilUs[j] = until;
      }
      for (let k = 0; k < w; k++) out[k] += acc[k]!;
      p = blockEnd;
    }
    return out;
  }
}

/** What a window collector tells the engine about its facts. */
export interface WindowSpec<C extends string> {
  readonly columns: Readonly<Record<C, ColumnKind>>;
  /** How far back facts are kept (the longest window), in seconds. */
  readonly retainSeconds: number;
  /**
   * Complete facts of the entities whose event time lies in (from, to] (first load, refresh, tail),
   * handed to `sink` one by one, preferably in (t, id) order (streamFacts does), so that a build
   * appends them straight into its store without holding the window as row objects.
   */
  loadRange(db: Db, fromUs: number, toUs: number, sink: FactSink<C>): Promise<void>;
  /**
   * Facts of entities in (minT, to] that may have changed in (from, to], with patches to other facts.
   * Omitted when a fact can only change inside `mutable_horizon` (then the tail is re-read instead).
   */
  readChanged?(
    db: Db,
    fromUs: number,
    toUs: number,
    minTUs: number,
    tail?: {
      store: FactStore<C>;
      fromUs: number;
      /** With `entityKey`: the entity's latest fact in the index (WindowFacts.latestOf). */
      latestOf?: (hi: number, lo: number) => { t: number; id: number } | undefined;
    },
  ): Promise<{ rows: FactRow<C>[]; patches?: FactPatch<C>[] }>;
  /**
   * The columns holding each fact's entity key (two u32 words, see readLinked) and its next row's time:
   * the engine then keeps an EntityIndex of the store, key → latest fact, for readChanged.
   */
  readonly entityKey?: { hi: C; lo: C; next: C };
  /** Re-read the whole `mutable_horizon` tail every cycle (facts that change without a timestamp). */
  readonly mutableTail?: boolean;
  /**
   * Raised when what a saved state holds changes meaning (part of the fingerprint): a state saved
   * before is discarded and rebuilt, with one log line, rather than resumed.
   */
  readonly stateVersion?: number;
}

export interface WindowSettings {
  settleLagSeconds: number;
  mutableHorizonSeconds: number;
  fullRefreshSeconds: number;
  /** Where the state is persisted (collection.state_dir), if anywhere. */
  stateDir?: string;
  /** Hash of the settings a saved state depends on: a state built under others is refused. */
  configFingerprint: string;
}

export function windowSettings(config: Config): WindowSettings {
  const c = config.collection;
  const relevant = JSON.stringify({
    allow_lists: config.allow_lists,
    thresholds: config.thresholds,
    settle_lag: c.settle_lag,
    mutable_horizon: c.mutable_horizon,
  });
  return {
    settleLagSeconds: c.settle_lag,
    mutableHorizonSeconds: c.mutable_horizon,
    fullRefreshSeconds: c.full_refresh,
    stateDir: c.state_dir,
    configFingerprint: createHash('sha256').update(relevant).digest('hex'),
  };
}

/**
 * Identity of the database the facts come from: a state file from another database (or another
 * cluster restored under the same name) is refused. Readable by an unprivileged role.
 */
export const DB_IDENTITY_SQL = `
  SELECT current_database() || '/' || d.oid || '/' || coalesce(host(inet_server_addr()), 'local') || ':' || coalesce(inet_server_port(), 0) AS identity
    FROM pg_database d WHERE d.datname = current_database()`;

/** This database's identity (DB_IDENTITY_SQL): part of every saved state's fingerprint. */
export async function dbIdentity(db: Db): Promise<string> {
  const [row] = await db.query<{ identity: string }>(DB_IDENTITY_SQL);
  return row!.identity;
}

/**
 * Version 1 was JSON with base64 columns (`<name>.window-state.json`), version 2 linked facts without
 * their entity's key (which the entity index is built from): such a file is refused and rebuilt.
 */
export const WINDOW_STATE_FORMAT = { format: 'window-facts', version: 3 } as const;

type WindowStateHeader = z.infer<typeof windowStateHeaderSchema>;

/** Where a window state lives in `collection.state_dir`. */
export const windowStateFile = (dir: string, name: string): string => path.join(dir, `${name}.window-state.bin`);
/** The header of the binary state file; the columns follow as raw sections (FactStore.dump). */
export const windowStateHeaderSchema = z.strictObject({
  fingerprint: z.string(),
  horizonUs: z.number(),
  nextRefreshUs: z.number(),
  facts: z.number().int().nonnegative(),
  /** Section names and kinds, for whoever inspects a file: the fingerprint already covers them. */
  columns: z.array(z.tuple([z.string(), z.enum(['f64', 'u32', 'u8'])])),
});

/** Microseconds per second: facts, horizons and clocks are epoch µs. */
export const US = 1_000_000;
/** How often (database time) a window state is written: a restart re-reads at most this much. */
const SAVE_EVERY_US = 300 * US;

/** The database's clock in epoch microseconds (exact: timestamptz has microsecond resolution). */
export async function dbNowUs(db: Db): Promise<number> {
  const [r] = await db.query<{ us: number }>(`SELECT ${usOf('now()')} AS us`);
  return Number(r!.us);
}

/** Epoch microseconds → a timestamptz literal with all six decimals (no float rounding). */
export function usToTimestamp(us: number): string {
  if (!Number.isFinite(us)) return us < 0 ? '-infinity' : 'infinity';
  const s = Math.floor(us / US);
  const frac = us - s * US;
  return `${new Date(s * 1000).toISOString().slice(0, 19)}.${String(frac).padStart(6, '0')}Z`;
}

/**
 * SQL expression for a timestamptz column as epoch microseconds, exact before 2106-02-07: date_part's
 * epoch is the stored µs count as a float8 divided by 10^6, correctly rounded, so × 10^6 is within
 * 0.49 µs of the count while |epoch| < 2^32 s, and the cast rounds it back (tests/integration/
 * epoch-microseconds.test.ts; later instants, sentinels such as 9999-12-31, can be off by a few µs,
 * and are never inside a window that ends now). It is float8 arithmetic where extract() builds a
 * numeric (PostgreSQL 14+): 0.90× the time of visitors' read of a busy minute and 0.94× bounce's
 * (EXPLAIN ANALYZE, 60 runs each alternated).
 */
export const usOf = (col: string) => `(date_part('epoch', ${col}) * 1000000)::int8`;

/** A stable phase in [0, 1) per collector, so full refreshes are spread, never all at once. */
function phaseOf(name: string): number {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h / 2 ** 32;
}

/**
 * When the full refresh after a build or refresh at `nowUs` is due: full_refresh later. The first after
 * a (re)build is offset by a per-collector phase: collectors that started together do not all rescan
 * together a day later.
 */
export function nextRefreshAt(name: string, nowUs: number, s: WindowSettings, first: boolean): number {
  const period = s.fullRefreshSeconds * US;
  return nowUs + (first ? period * (0.5 + phaseOf(name)) : period);
}

/**
 * Engine state of one window collector. `cycle` stages every read first and applies it only when all
 * of them succeeded, so a failed or timed-out cycle leaves the state as it was. One read by two
 * collectors (active_users' signed-in sessions, revenue's ARPU) is cycled through SharedWindowFacts.
 */
export class WindowFacts<C extends string> {
  store: FactStore<C> | null = null;
  horizonUs = 0;
  nextRefreshUs = 0;
  /** Sum over the collector's series of |incremental - refreshed| at the last full refresh. */
  drift = 0;
  /** The store holds every fact after this instant (the minT of the last cycle's prune or load). */
  keptAfterUs = Infinity;
  /**
   * With `spec.entityKey`: each entity's latest fact among the store's facts dated at or before
   * `indexedThroughUs`, which is the latest horizon (settled time) any cycle reached. Facts after it
   * are re-read by the next cycle anyway (its read starts at the horizon), so they are linked within
   * that read and enter the index once settled; a clock moved back leaves the index ahead of the
   * read's start, which readLinked sees as rows out of order (probed).
   */
  entities: EntityIndex | null = null;
  indexedThroughUs = -Infinity;

  constructor(
    readonly name: string,
    readonly spec: WindowSpec<C>,
  ) {}

  /**
   * Brings the facts up to the database's now and returns it. `evaluate` turns facts into samples; it
   * is needed here to measure drift when a full refresh replaces the incremental facts. `shared`
   * (SharedWindowFacts): the transaction's now, already read, and an earlier instant whose window's
   * facts are kept too.
   */
  async cycle(
    db: Db,
    s: WindowSettings,
    evaluate: (store: FactStore<C>, nowUs: number) => Sample[],
    log?: Logger,
    shared?: { nowUs: number; keepFromUs: number },
  ): Promise<number> {
    if (!this.store && s.stateDir && !this.triedState) {
      this.triedState = true;
      await this.restoreFrom(db, s, log);
    }
    const nowUs = await this.advance(db, s, evaluate, shared);
    if (s.stateDir && nowUs - this.savedAtUs >= SAVE_EVERY_US) {
      try {
        await this.save(db, s);
        this.savedAtUs = nowUs;
      } catch (e) {
        log?.warn({ collector: this.name, err: (e as Error).message }, 'window state not saved');
      }
    }
    return nowUs;
  }

  private savedAtUs = -Infinity;

  private async advance(
    db: Db,
    s: WindowSettings,
    evaluate: (store: FactStore<C>, nowUs: number) => Sample[],
    shared?: { nowUs: number; keepFromUs: number },
  ): Promise<number> {
    const nowUs = shared?.nowUs ?? (await dbNowUs(db));
    const minT = Math.min(nowUs, shared?.keepFromUs ?? nowUs) - this.spec.retainSeconds * US;
    const nextHorizon = nowUs - s.settleLagSeconds * US;
    if (!this.store) {
      this.store = await this.load(db, minT, nowUs);
      this.reindex(nextHorizon);
      this.nextRefreshUs = nextRefreshAt(this.name, nowUs, s, true);
      this.horizonUs = nextHorizon;
      this.keptAfterUs = minT;
      return nowUs;
    }
    const readFromUs = Math.max(this.horizonUs, minT);
    const staged = await this.readIncrement(db, s, minT, nowUs);
    if (nowUs < this.nextRefreshUs) {
      this.apply(this.store, staged, minT, { fromUs: readFromUs, throughUs: nextHorizon });
      this.horizonUs = nextHorizon;
      this.keptAfterUs = minT;
      return nowUs;
    }
    const fresh = await this.load(db, minT, nowUs);
    this.apply(this.store, staged, minT);
    this.drift = driftBetween(evaluate(this.store, nowUs), evaluate(fresh, nowUs));
    this.store = fresh;
    this.reindex(nextHorizon);
    this.nextRefreshUs = nextRefreshAt(this.name, nowUs, s, false);
    this.horizonUs = nextHorizon;
    this.keptAfterUs = minT;
    return nowUs;
  }

  private async load(db: Db, minT: number, nowUs: number): Promise<FactStore<C>> {
    // A build groups and sorts the whole window once: room to do it in memory rather than in temp
    // files (the default 4MB spills); LOCAL ends with this cycle's read-only transaction.
    await db.query(`SET LOCAL work_mem = '64MB'`);
    const store = new FactStore(this.spec.columns);
    // Facts arrive in (t, id) order, so every upsert is an append (no shifting, no search), into
    // arrays sized once when the count is announced.
    await this.spec.loadRange(db, minT, nowUs, { add: (r) => store.upsert(r), expect: (rows) => store.reserve(rows) });
    return store;
  }

  private async readIncrement(db: Db, s: WindowSettings, minT: number, nowUs: number) {
    // The tail starts a mutable horizon before the previous horizon, so a fact that just left the
    // tail gets one last read covering the time since it was last read.
    const tailFrom = Math.max(minT, Math.min(this.horizonUs, nowUs) - s.mutableHorizonSeconds * US);
    const changed = this.spec.readChanged
      ? await this.spec.readChanged(db, Math.max(this.horizonUs, minT), nowUs, minT, {
          store: this.store!,
          fromUs: tailFrom,
          latestOf: this.entities ? (hi, lo) => this.latestOf(hi, lo) : undefined,
        })
      : { rows: [] };
    const tail: FactRow<C>[] = [];
    if (this.spec.mutableTail) await this.spec.loadRange(db, tailFrom, nowUs, { add: (r) => tail.push(r) });
    return { rows: [...changed.rows, ...tail], patches: changed.patches ?? [] };
  }

  /**
   * Upserts the rows, applies the patches and prunes facts through minT. `index`: the entity index
   * then takes the facts of (read start, horizon], and forgets an entity whose latest fact is pruned.
   */
  private apply(
    store: FactStore<C>,
    staged: { rows: FactRow<C>[]; patches: FactPatch<C>[] },
    minT: number,
    index?: { fromUs: number; throughUs: number },
  ): void {
    staged.rows.sort(byTimeThenId);
    for (const r of staged.rows) if (r.t > minT) store.upsert(r);
    for (const p of staged.patches) store.patch(p);
    if (index && this.entities && this.spec.entityKey) {
      // Normally (previous horizon, this horizon]; after the clock moved back, from the read's start
      // (its rows may be older than facts already indexed: set-if-later keeps each entity's latest).
      const through = Math.max(this.indexedThroughUs, index.throughUs);
      this.indexRange(store, Math.min(this.indexedThroughUs, index.fromUs), through);
      this.indexedThroughUs = through;
      const { t, cols } = store.view();
      const { hi, lo } = this.spec.entityKey;
      for (let i = 0; i < t.length && t[i]! <= minT; i++) this.entities.deleteIf(cols[hi][i]!, cols[lo][i]!, t[i]!);
    }
    store.pruneThrough(minT);
  }

  /** Builds the entity index of the store's facts dated at or before `throughUs`. */
  private reindex(throughUs: number): void {
    if (!this.spec.entityKey || !this.store) return;
    const { n, t, cols } = this.store.view();
    // Sized for its entities: each has one latest fact by throughUs, the one whose next row is later
    // (or none). Not for every fact: at 10M that table was 1.3× larger, all of it at the RSS peak.
    const m = firstAfterIn(t, n, throughUs);
    const next = cols[this.spec.entityKey.next];
    let entities = 0;
    for (let i = 0; i < m; i++) if (next[i]! > throughUs) entities += 1;
    this.entities = new EntityIndex(entities);
    this.indexRange(this.store, -Infinity, throughUs);
    this.entities.compact();
    this.indexedThroughUs = throughUs;
  }

  /**
   * The entity's latest indexed fact (t, id), if any: the index holds its time, and the fact with the
   * largest id among those of the entity at that time is the latest.
   */
  latestOf(hi: number, lo: number): { t: number; id: number } | undefined {
    const slot = this.entities?.find(hi, lo) ?? -1;
    if (slot < 0 || !this.store || !this.spec.entityKey) return undefined;
    const at = this.entities!.tAt(slot);
    const { n, t, id, cols } = this.store.view();
    const khi = cols[this.spec.entityKey.hi];
    const klo = cols[this.spec.entityKey.lo];
    let found: number | undefined;
    for (let i = firstAfterIn(t, n, at, true); i < n && t[i] === at; i++) if (khi[i] === hi && klo[i] === lo) found = id[i];
    return found === undefined ? undefined : { t: at, id: found };
  }

  /** Records the store's facts dated in (fromUs, throughUs] in the entity index. */
  private indexRange(store: FactStore<C>, fromUs: number, throughUs: number): void {
    const { n, t, cols } = store.view();
    const { hi, lo } = this.spec.entityKey!;
    const khi = cols[hi];
    const klo = cols[lo];
    const [a, b] = [firstAfterIn(t, n, fromUs), firstAfterIn(t, n, throughUs)];
    for (let i = a; i < b; i++) this.entities!.setIfLater(khi[i]!, klo[i]!, t[i]!);
  }

  /** One cycle, then the window's samples and the self-metrics: what most window collectors publish. */
  async samples(db: Db, config: Config, evaluate: (store: FactStore<C>, nowUs: number) => Sample[], log?: Logger): Promise<Sample[]> {
    const nowUs = await this.cycle(db, windowSettings(config), evaluate, log);
    return [...evaluate(this.store!, nowUs), ...this.selfSamples()];
  }

  /** Self-metrics every window collector publishes next to its own series. */
  selfSamples(): Sample[] {
    return [
      { metric: M.rollupDrift, labels: { collector: this.name }, value: this.drift },
      { metric: M.rollupStateBytes, labels: { collector: this.name }, value: (this.store?.bytes() ?? 0) + (this.entities?.bytes() ?? 0) },
    ];
  }

  private triedState = false;
  /** Database identity seen by the last cycle: part of the saved state's fingerprint. */
  private identity: string | null = null;

  private fingerprint(s: WindowSettings, identity: string): string {
    return createHash('sha256')
      .update(
        `${identity}|${this.name}|${JSON.stringify(this.spec.columns)}|${s.configFingerprint}${this.spec.stateVersion ? `|v${this.spec.stateVersion}` : ''}`,
      )
      .digest('hex');
  }

  /** Resumes from the saved state when it is intact and was built from this database and config. */
  private async restoreFrom(db: Db, s: WindowSettings, log?: Logger): Promise<void> {
    this.identity = await dbIdentity(db);
    const fingerprint = this.fingerprint(s, this.identity);
    // The columns are read straight into the new store's arrays, once the header proved it ours.
    let restoring: { finish: () => FactStore<C> } | undefined;
    const into = (h: WindowStateHeader) => {
      if (h.fingerprint !== fingerprint) throw new Error('built from another database or configuration');
      const r = FactStore.restoring(this.spec.columns, h.facts);
      restoring = r;
      return r.targets;
    };
    let file = windowStateFile(s.stateDir!, this.name);
    let read = readBinaryStateFile(file, WINDOW_STATE_FORMAT, windowStateHeaderSchema, into);
    if (read.kind === 'missing') {
      // A state saved by a version before the binary format: refused (moved aside) with one line.
      file = path.join(s.stateDir!, `${this.name}.window-state.json`);
      read = readBinaryStateFile(file, WINDOW_STATE_FORMAT, windowStateHeaderSchema, into);
    }
    if (read.kind === 'missing') return;
    let reason = read.kind === 'refused' ? read.reason : 'no columns read';
    if (read.kind === 'ok' && restoring) {
      const h = read.value.payload;
      try {
        this.store = restoring.finish();
        this.horizonUs = h.horizonUs;
        this.reindex(h.horizonUs);
        this.nextRefreshUs = h.nextRefreshUs;
        // The file on disk is this state: the next save is due SAVE_EVERY_US after it was written
        // (at or after its horizon), not at once, which would rewrite every file before /readyz.
        this.savedAtUs = this.horizonUs;
        log?.info({ collector: this.name, facts: this.store.size }, 'window state restored');
        return;
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    log?.warn({ collector: this.name, file, reason }, 'window state discarded; rebuilding from the database');
  }

  /** Writes the state (atomic, fsync, checksummed); the caller decides how often. */
  async save(db: Db, s: WindowSettings): Promise<void> {
    if (!s.stateDir || !this.store) return;
    this.identity ??= await dbIdentity(db);
    const { n, sections } = this.store.dump();
    const header: WindowStateHeader = {
      fingerprint: this.fingerprint(s, this.identity),
      horizonUs: this.horizonUs,
      nextRefreshUs: this.nextRefreshUs,
      facts: n,
      columns: [['t', 'f64'], ['id', 'f64'], ...Object.entries<ColumnKind>(this.spec.columns)],
    };
    writeBinaryStateFile(windowStateFile(s.stateDir, this.name), WINDOW_STATE_FORMAT, header, sections);
  }
}

const byTimeThenId = (a: { t: number; id: number }, b: { t: number; id: number }) => a.t - b.t || a.id - b.id;

function driftBetween(a: Sample[], b: Sample[]): number {
  const key = (s: Sample) => `${s.metric.name}|${JSON.stringify(s.labels)}`;
  const val = (s: Sample) => ('value' in s ? s.value : s.count);
  const mb = new Map(b.map((s) => [key(s), val(s)]));
  let d = 0;
  const seen = new Set<string>();
  for (const s of a) {
    const k = key(s);
    seen.add(k);
    d += Math.abs(val(s) - (mb.get(k) ?? 0));
  }
  for (const s of b) if (!seen.has(key(s))) d += Math.abs(val(s));
  return d;
}

/** Each 1d/7d/30d window as the rows [a, b) of facts inside (since, now]. */
export function* windowSlices(
  t: Float64Array,
  n: number,
  nowUs: number,
): Generator<{ window: Window; a: number; b: number; since: number }> {
  for (const window of WINDOWS) {
    const [a, b] = windowRange(t, n, nowUs, WINDOW_SECONDS[window]);
    yield { window, a, b, since: nowUs - WINDOW_SECONDS[window] * US };
  }
}

/** Count of facts per window: index of the first fact inside (now - W, now] and the end. */
export function windowRange(t: Float64Array, n: number, nowUs: number, windowSeconds: number): [number, number] {
  return [firstAfterIn(t, n, nowUs - windowSeconds * US), firstAfterIn(t, n, nowUs)];
}

/**
 * Index of the first of the sorted values t[0, n) after `x`, or with `orAt` at or after it (times; ids
 * in factOfSession and sellers.ts).
 */
export function firstAfterIn(t: Float64Array, n: number, x: number, orAt = false): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < x || (!orAt && t[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Which rows are linked to their entity's neighbours: `key` (user_id, visitor_id) orders rows by `time`. */
export interface LinkedRows {
  table: string;
  key: string;
  time: string;
  /** Columns carried into each fact. */
  extra: string[];
  /** Extra condition on the rows, starting with AND. */
  where?: string;
  /** Also the entity's first row (`first_t`). */
  first: boolean;
  /** The key's type: an int8 id is split into its two words exactly, a text key is hashed to 64 bits. */
  keyKind: 'int8' | 'text';
}

/**
 * The key in `col` as two u32 words `k_hi`, `k_lo` (the entity index's key): an int8
 * as it is, two's complement; a text key's 64-bit hashtextextended.
 */
function keyWords(o: LinkedRows, col: string): string {
  const h = o.keyKind === 'text' ? `hashtextextended(${col}, 0)` : `${col}::int8`;
  return `(${h} >> 32) & 4294967295 AS k_hi, ${h} & 4294967295 AS k_lo`;
}

/**
 * The previous row of `s` under its key in (time, id) order, as `prev` (`prev.id`, `prev.<time>`): one
 * probe a row. The contract's index is (key, time, id) (sessions_visitor_started_id_idx,
 * sessions_user_started_id_idx, orders_user_created_id_idx): the (time, id) bound is its index condition,
 * so the probe starts at the previous entry instead of at the row itself, and reads it from the index
 * alone where the page is all-visible (a copy of bench_busy_1m, the 139 sessions of its last minute, each
 * probed: visitors' read 839 → 436 buffer pages, 6 → 3 a probe; see schema.sql for the steady cycle).
 * The previous one is the largest id among the rows at the latest earlier time (WITH TIES reads that
 * group, usually one row, and one entry past it), not ORDER BY (time, id) LIMIT 1, which is one entry
 * fewer with this index but, on a database still indexed (key, time) as the contract used to say, reads
 * and sorts every earlier row of the entity.
 */
export function prevLateral(o: LinkedRows): string {
  const { table, key, time } = o;
  return `LEFT JOIN LATERAL (
      SELECT * FROM (
        SELECT p.id, p.${time} FROM ${table} p
         WHERE p.${key} = s.${key} AND (p.${time}, p.id) < (s.${time}, s.id)
         ORDER BY p.${time} DESC FETCH FIRST 1 ROWS WITH TIES
      ) latest ORDER BY latest.id DESC LIMIT 1
    ) prev ON true`;
}

/**
 * `first_t` of row `s` given its `prev` (prevLateral): without a previous row this row is the first
 * (every other row of the entity sorts after it, so none starts earlier); with one older than every
 * fact (at or before `minT`), the entity's first row, probed; with one after `minT`, NULL: that row has
 * a fact, and resolveFirst copies its first.
 */
export function firstCase(o: LinkedRows, minT: string): string {
  const { table, key, time } = o;
  return `CASE WHEN prev.id IS NULL THEN ${usOf(`s.${time}`)}
              WHEN prev.${time} > ${minT}::timestamptz THEN NULL
              ELSE (SELECT ${usOf(`min(p.${time})`)} FROM ${table} p WHERE p.${key} = s.${key}) END AS first_t`;
}

/** Rows after now beyond which a linked read probes per entity rather than scanning them all. */
const CROWDED_FUTURE = 1000;

/**
 * For the rows of ($1, $2]: per key, the earliest row after $2 (`later`), which is the `next_t` of the
 * key's last row in the range. A row's next one is either in ($1, $2] too, and then read in the same
 * cycle, where its prev patch sets this row's `next` (patches apply after the rows), or dated after $2
 * (after now: rare), found by one range scan of the rows after $2 for the whole read. Where those are
 * many (a history replayed at a past instant: every later row is "after now"), the (key, time) index
 * is probed once per entity of the read instead.
 */
export function laterCte(o: LinkedRows): string {
  const { table, key, time } = o;
  return `WITH crowded AS MATERIALIZED (
    SELECT count(*) >= ${CROWDED_FUTURE} AS yes
      FROM (SELECT FROM ${table} s WHERE s.${time} > $2::timestamptz ${o.where ?? ''} LIMIT ${CROWDED_FUTURE}) f
  ), later AS MATERIALIZED (
    SELECT s.${key} AS k, min(s.${time}) AS at FROM ${table} s
     WHERE NOT (SELECT yes FROM crowded) AND s.${time} > $2::timestamptz ${o.where ?? ''}
     GROUP BY s.${key}
    UNION ALL
    SELECT r.k, (SELECT min(p.${time}) FROM ${table} p WHERE p.${key} = r.k AND p.${time} > $2::timestamptz)
      FROM (SELECT DISTINCT s.${key} AS k FROM ${table} s
             WHERE s.${time} > $1::timestamptz AND s.${time} <= $2::timestamptz ${o.where ?? ''}) r
     WHERE (SELECT yes FROM crowded)
  )`;
}

/**
 * A cycle's read of linked facts: the rows of `table` with `time` in ($1, $2], each with `next_t`
 * (epoch µs of the entity's first row after $2, NULL when none: laterCte; a row whose next one is in
 * the read gets it from that row's patch), the raw key `k` (to link rows of the same read) and its
 * words `k_hi`, `k_lo` (the entity index's key). "Counted in a window" is then "in the window and
 * next_t is after now": one fact per entity per window, distinct and exact. No per-row probe: a row's
 * previous one comes from the same read or the entity index, or from linkedPrevSql for the rows neither
 * can answer (readLinked; tested, like the all-in-SQL reference that probes every row,
 * tests/support/reference/linked-changed.ts, in linked-facts.test.ts).
 */
export function linkedRangeSql(o: LinkedRows): string {
  const { table, key, time } = o;
  const extra = o.extra.map((c) => `, s.${c}`).join('');
  return `
  ${laterCte(o)}
  SELECT s.id, ${usOf(`s.${time}`)} AS t${extra}, ${usOf('later.at')} AS next_t, s.${key}::text AS k, ${keyWords(o, `s.${key}`)}
    FROM ${table} s
    LEFT JOIN later ON later.k = s.${key}
   WHERE s.${time} > $1::timestamptz AND s.${time} <= $2::timestamptz ${o.where ?? ''}`;
}

/**
 * The previous row (`prev_id`, `prev_t`, prevLateral) and, with `first` ($4 is minT), `first_t`
 * (firstCase) of the rows given as arrays of key $1, time $2 and id $3: the rows of a read that the
 * entity index cannot answer (readLinked). The rows come from the read itself, so each probe descends
 * the (key, time, id) index alone, without first fetching its row by id
 * (tests/integration/linked-probe-index.test.ts checks the plan).
 */
export function linkedPrevSql(o: LinkedRows): string {
  return `
  SELECT s.id, prev.id AS prev_id, ${usOf(`prev.${o.time}`)} AS prev_t${o.first ? `, ${firstCase(o, '$4')}` : ''}
    FROM unnest($1::${o.keyKind}[], $2::timestamptz[], $3::int8[]) AS s(${o.key}, ${o.time}, id)
    ${prevLateral(o)}`;
}

/** The first row of the entity of each row whose id is in $1 (`id`, `first_t`): resolveFirst's fallback. */
export function linkedFirstSql(o: LinkedRows): string {
  return `
  SELECT s.id, (SELECT ${usOf(`min(p.${o.time})`)} FROM ${o.table} p WHERE p.${o.key} = s.${o.key}) AS first_t
    FROM ${o.table} s
   WHERE s.id = ANY($1::int8[])`;
}

/** The entity key words of a linked row (linkedRangeSql, linkedLoadSql) as the fact's `khi`, `klo`. */
export const keyOf = (r: Record<string, unknown>): { khi: number; klo: number } => ({ khi: Number(r.k_hi), klo: Number(r.k_lo) });

/** `next_t` as a fact column: no next session is +Infinity. */
export const nextOf = (r: Record<string, unknown>): number => (r.next_t === null || r.next_t === undefined ? Infinity : Number(r.next_t));

/** The patch making a changed session its predecessor's next. */
export function prevPatch<C extends string>(r: Record<string, unknown>, col: C): FactPatch<C>[] {
  return r.prev_id === null || r.prev_id === undefined ? [] : [{ id: Number(r.prev_id), t: Number(r.prev_t), col, value: Number(r.t) }];
}

/**
 * Set-based first load of linked facts (used instead of per-row neighbour probes, which made a first
 * build 5-30× slower than the old full-window query): `next_t` from lead() over the rows after $1, and
 * with `first`, `first_t` = the entity's first row, or $1 itself when the entity had a row at or
 * before $1 — every window start is later than $1, so "at or before the window start" is unchanged.
 * One index probe per distinct entity, not per row.
 */
export function linkedLoadSql(o: LinkedRows): string {
  const extra = o.extra.map((c) => `s.${c}`).join(', ');
  return `
  WITH s AS MATERIALIZED (
    SELECT s.id, s.${o.key} AS k, s.${o.time} AS at${extra ? `, ${extra}` : ''},
           lead(s.${o.time}) OVER (PARTITION BY s.${o.key} ORDER BY s.${o.time}, s.id) AS next_at
           ${o.first ? `, min(s.${o.time}) OVER (PARTITION BY s.${o.key}) AS first_in` : ''}
      FROM ${o.table} s
     WHERE s.${o.time} > $1::timestamptz ${o.where ?? ''}
  )${
    o.first
      ? `,
  f AS MATERIALIZED (
    SELECT d.k, EXISTS (SELECT 1 FROM ${o.table} p WHERE p.${o.key} = d.k AND p.${o.time} <= $1::timestamptz) AS before
      FROM (SELECT DISTINCT k FROM s WHERE at <= $2::timestamptz) d
  )`
      : ''
  }
  SELECT s.id, ${usOf('s.at')} AS t, ${usOf('s.next_at')} AS next_t, ${keyWords(o, 's.k')}${o.extra.length ? `, ${o.extra.map((c) => `s.${c}`).join(', ')}` : ''}
         ${o.first ? `, CASE WHEN f.before THEN ${usOf('$1::timestamptz')} ELSE ${usOf('s.first_in')} END AS first_t` : ''}
    FROM s ${o.first ? 'JOIN f ON f.k = s.k' : ''}
   WHERE s.at <= $2::timestamptz`;
}

/** How long a window collector keeps its facts: the longest window. */
export const LONGEST_WINDOW_SECONDS = Math.max(...WINDOWS.map((w) => WINDOW_SECONDS[w]));

/** Runs `sql` with the µs instants as its first timestamptz parameters (then `more`) and maps rows to facts. */
export async function queryFacts<C extends string>(
  db: Db,
  sql: string,
  instantsUs: readonly number[],
  toFact: (r: Record<string, unknown>) => FactRow<C>,
  more: readonly unknown[] = [],
): Promise<FactRow<C>[]> {
  return (await db.query(sql, [...instantsUs.map(usToTimestamp), ...more])).map(toFact);
}

/** Rows per FETCH of streamFacts; settable so that a test puts batch boundaries inside a few facts. */
let loadBatchRows = 8192;

/** Sets the rows per FETCH of streamFacts and returns the previous value (tests). */
export function setLoadBatchRows(rows: number): number {
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`batch rows must be a positive integer, got ${rows}`);
  const previous = loadBatchRows;
  loadBatchRows = rows;
  return previous;
}

let cursorSeq = 0;

/**
 * Like queryFacts, but hands the facts to `sink` in (t, id) order through a server-side cursor in the
 * cycle's read-only transaction, a batch at a time: a first build (a whole 30-day window, ~10⁶ rows)
 * holds one batch of `pg` row objects at a time instead of all of them, which was most of the
 * exporter's peak memory. A build's sink wants the count (to size its arrays once): when the
 * connection reports row counts, the cursor is scrollable and counted first: MOVE walks the sorted
 * result the server already holds, and rewinds. A sink that does not ask for the count is not a build
 * and gets one plain query. `sql` must return `t` and `id` columns.
 */
export async function streamFacts<C extends string>(
  db: Db,
  sql: string,
  instantsUs: readonly number[],
  toFact: (r: Record<string, unknown>) => FactRow<C>,
  sink: FactSink<C>,
  more: readonly unknown[] = [],
): Promise<void> {
  const ordered = `SELECT * FROM (${sql}) f ORDER BY t, id`;
  const params = [...instantsUs.map(usToTimestamp), ...more];
  if (!sink.expect) {
    // Not a build: the caller keeps every row anyway (the mutable tail, hours rather than a window),
    // so a cursor would only add round trips to every steady cycle.
    for (const r of await db.query(ordered, params)) sink.add(toFact(r));
    return;
  }
  const cursor = `pulse_facts_${++cursorSeq}`;
  // Every row is read: plan for all of them, not for the first 10 % (the cursor default).
  await db.query(`SET LOCAL cursor_tuple_fraction = 1`);
  const count = db.rowCount;
  await db.query(`DECLARE ${cursor} ${count ? '' : 'NO '}SCROLL CURSOR FOR ${ordered}`, params);
  if (count) {
    sink.expect(await db.rowCount!(`MOVE FORWARD ALL IN ${cursor}`));
    await db.query(`MOVE ABSOLUTE 0 IN ${cursor}`);
  }
  for (;;) {
    const batch = loadBatchRows;
    const rows = await db.query(`FETCH ${batch} FROM ${cursor}`);
    for (const r of rows) sink.add(toFact(r));
    if (rows.length < batch) break;
  }
  // On an error the transaction ends, and the cursor with it.
  await db.query(`CLOSE ${cursor}`);
}

/** Where linked facts with `first` find it: the column, the facts so far, and the fallback query. */
export interface LinkedFirst<C extends string> {
  col: C;
  /** Oldest fact bound (minT): a previous row after it has a fact, in `store` or in the same read. */
  minTUs: number;
  store: FactStore<C> | undefined;
  /** linkedFirstSql of the same rows. */
  byIdSql: string;
}

/**
 * Fills `first_t` where the read left it NULL (a previous row after minT: it has a fact) with the first
 * of the previous row's fact: from the same read when it is there (rows are taken in (time, id)
 * order, so a previous row's own `first_t` is settled first), else from the store. The first of an
 * entity only moves earlier through a row that is read (in the read range), and every later row of
 * the entity is then read with it, so the copied value is the one a probe would find; a fact loaded
 * with the load's lower bound as its first (linkedLoadSql) passes that bound on, which is equally at
 * or before every later window start. A previous row the store lacks (committed after settle_lag) is
 * probed by id instead.
 */
export async function resolveFirst<C extends string>(db: Db, rows: Record<string, unknown>[], f: LinkedFirst<C>): Promise<void> {
  const ordered = [...rows].sort((a, b) => Number(a.t) - Number(b.t) || Number(a.id) - Number(b.id));
  const inRead = new Set(rows.map((r) => Number(r.id)));
  const stored = (r: Record<string, unknown>) => f.store?.get(Number(r.prev_t), Number(r.prev_id), f.col);
  const missing = ordered.filter((r) => r.first_t === null && !inRead.has(Number(r.prev_id)) && stored(r) === undefined);
  const probed = new Map<number, number>();
  if (missing.length > 0) {
    const ids = missing.map((r) => Number(r.id));
    for (const r of await db.query(f.byIdSql, [ids])) probed.set(Number(r.id), Number(r.first_t));
  }
  const firstOf = new Map<number, number>();
  for (const r of ordered) {
    const id = Number(r.id);
    if (r.first_t === null) r.first_t = firstOf.get(Number(r.prev_id)) ?? stored(r) ?? probed.get(id)!;
    firstOf.set(id, Number(r.first_t));
  }
}

/**
 * readChanged of linked facts with an entity index (WindowFacts keeps it when the spec names its
 * `entityKey`): the rows of ($1, $2] are read without per-row probes (linkedRangeSql), and each row's
 * previous one is
 *   - the previous row of the same key in the read, when there is one: the read holds every row of
 *     the range, so nothing of that key lies between the two;
 *   - else the entity's latest indexed fact, when it is after minT and before the row in (time, id)
 *     order: the index holds the store's facts up to an instant at or before the read's start (see
 *     WindowFacts.indexedThroughUs), and the rows between that instant and the row's are all in the read;
 *   - else, for an entity with no fact kept after minT (new, lapsed past the longest window, or its
 *     facts pruned), without `first` (active users): none. Its previous row, if any, has no fact that
 *     outlives this cycle, so there is nothing to patch;
 *   - else (with `first`: such an entity's first row; and a late row dated before the entity's latest
 *     indexed fact, e.g. after the clock moved back) probed in the database (linkedPrevSql, those rows
 *     only).
 * `first` then comes from the probe, or from the previous row's fact, in the read or the store
 * (resolveFirst). tests/integration/collectors/linked-facts.test.ts checks the facts and patches
 * against neighbours computed from the rows, as it checks the all-in-SQL reference that probes every
 * row (tests/support/reference/linked-changed.ts).
 * A text key is matched by its 64-bit hash: two visitors sharing one (odds ≈ n²/2⁶⁵, 10⁻⁸ for a
 * million visitors kept) would be linked until the next full refresh rebuilds the facts, which
 * publishes the difference as drift. Rows of one read are linked by the key itself.
 */
export function readLinked<C extends string>(
  o: LinkedRows,
  toFact: (r: Record<string, unknown>) => FactRow<C>,
  next: C,
  first?: C,
): NonNullable<WindowSpec<C>['readChanged']> {
  const rangeSql = linkedRangeSql(o);
  const prevSql = linkedPrevSql(o);
  const byIdSql = linkedFirstSql(o);
  return async (db, from, to, minT, tail) => {
    const rows = await db.query(rangeSql, [usToTimestamp(from), usToTimestamp(to)]);
    for (const r of rows) {
      r.t = Number(r.t);
      r.id = Number(r.id);
    }
    rows.sort((a, b) => (a.t as number) - (b.t as number) || (a.id as number) - (b.id as number));
    const latestOf = tail?.latestOf;
    const lastOfKey = new Map<string, Record<string, unknown>>();
    const probe: Record<string, unknown>[] = [];
    for (const r of rows) {
      const before = lastOfKey.get(r.k as string);
      lastOfKey.set(r.k as string, r);
      r.first_t = null;
      if (before) {
        r.prev_id = before.id;
        r.prev_t = before.t;
        continue;
      }
      if (!latestOf) {
        probe.push(r);
        continue;
      }
      const latest = latestOf(Number(r.k_hi), Number(r.k_lo));
      const t = r.t as number;
      const pt = latest?.t ?? Number.NaN;
      const pid = latest?.id ?? Number.NaN;
      const olderThanRow = !latest || pt < t || (pt === t && pid < (r.id as number));
      if (olderThanRow && pt > minT) {
        r.prev_id = pid;
        r.prev_t = pt;
      } else if (olderThanRow && !o.first) {
        // No fact of the entity before this row outlives this cycle's prune (the index would hold
        // it): its previous row, if any, has no fact to patch. Only `first` needs the database.
        r.prev_id = null;
        r.prev_t = null;
      } else probe.push(r);
    }
    if (probe.length > 0) {
      const params: unknown[] = [probe.map((r) => r.k), probe.map((r) => usToTimestamp(r.t as number)), probe.map((r) => r.id)];
      if (o.first) params.push(usToTimestamp(minT));
      const found = new Map((await db.query(prevSql, params)).map((p) => [Number(p.id), p]));
      for (const r of probe) {
        const p = found.get(r.id as number);
        r.prev_id = p?.prev_id ?? null;
        r.prev_t = p?.prev_t ?? null;
        r.first_t = p?.first_t ?? null;
      }
    }
    if (first) await resolveFirst(db, rows, { col: first, minTUs: minT, store: tail?.store, byIdSql });
    return { rows: rows.map(toFact), patches: rows.flatMap((r) => prevPatch(r, next)) };
  };
}

/** Per window, `metric` = acc[1] / acc[0] of a two-slot BlockSums (0 when acc[0] is 0). */
export function ratioByWindow<C extends string>(
  sums: BlockSums<C>,
  store: FactStore<C>,
  nowUs: number,
  add: AddFact,
  metric: MetricDef,
): Sample[] {
  const { n, t } = store.view();
  return WINDOWS.map((window) => {
    const [a, b] = windowRange(t, n, nowUs, WINDOW_SECONDS[window]);
    const [den, num] = sums.sum(store, a, b, nowUs, new Float64Array(2), add);
    return { metric, labels: { window }, value: den! > 0 ? num! / den! : 0 };
  });
}

/**
 * How many facts either side of where a binary search by id lands are looked at. Ids follow start
 * times, nearly (sessions committed out of their start order, a batch inserted at once): within that
 * disorder the search lands next to the fact; past it the fact is not found and the session is looked
 * up in the database instead, so the answer is exact either way.
 */
let idReach = 256;

/** Sets idReach and returns the previous value (tests: 0 sends most sessions, in bounce and funnel, to the database). */
export function setFactSearchReach(facts: number): number {
  if (!Number.isInteger(facts) || facts < 0) throw new Error(`reach must be a non-negative integer, got ${facts}`);
  const previous = idReach;
  idReach = facts;
  return previous;
}

/**
 * Index of the fact of session `id` among facts sorted by start time, or -1 when not found near: how
 * bounce and funnel find the fact of an older session a page view or a step row names, without looking
 * the session up in the database for its start time.
 */
export function factOfSession(ids: Float64Array, id: number): number {
  const lo = firstAfterIn(ids, ids.length, id, true);
  for (let d = 0; d <= idReach; d++) {
    if (lo + d < ids.length && ids[lo + d] === id) return lo + d;
    if (d > 0 && lo - d >= 0 && ids[lo - d] === id) return lo - d;
  }
  return -1;
}
