/**
 * Simulated history for Prometheus: the real collectors replay a seeded database forward through
 * past instants (the database's `now()` is moved by a clock table that shadows pg_catalog.now()
 * through search_path), each exposition is stamped with its instant, and the result is written as
 * OpenMetrics for `promtool tsdb create-blocks-from openmetrics`. One set of collector instances
 * lives for the whole replay, exactly as in a running exporter: each instant's cycle reads only the
 * rows since the previous instant (counters through IncrementalState, window gauges through
 * window-facts), so the cost grows with the history once, not once per instant. Only for databases
 * the product owns (demo, tests): it creates a schema, so it never runs against a marketplace database.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { scheduledCollectors } from '../../exporter/src/app';
import { catalogue, M } from '../../shared/catalogue';
import type { Config } from '../../exporter/src/config/load';
import type { Sample } from '../../exporter/src/metrics/sample';
import { createRegistries } from '../../exporter/src/metrics/registry';
import { MetricStore } from '../../exporter/src/metrics/store';
import { createPool, type Db, withReadOnly } from '../../exporter/src/runtime/db';
import { createLogger } from '../../exporter/src/runtime/logger';
import { LiveTraffic } from '../../exporter/src/demo/simulator';
import { RUNTIME_OWNER } from '../../exporter/src/runtime/scheduler';
import { PreparedStatements } from './pglite-statements';

const CLOCK_SCHEMA = 'pulse_clock';
const SEARCH_PATH = `${CLOCK_SCHEMA}, public, pg_catalog`;
const CLOCK_SQL = `
    CREATE SCHEMA IF NOT EXISTS ${CLOCK_SCHEMA};
    CREATE TABLE IF NOT EXISTS ${CLOCK_SCHEMA}.instant (t timestamptz NOT NULL);
    CREATE OR REPLACE FUNCTION ${CLOCK_SCHEMA}.now() RETURNS timestamptz LANGUAGE sql STABLE AS 'SELECT t FROM ${CLOCK_SCHEMA}.instant';
    DELETE FROM ${CLOCK_SCHEMA}.instant;
    INSERT INTO ${CLOCK_SCHEMA}.instant VALUES ('-infinity');`;

/** Installs the clock: `now()` in sessions using SEARCH_PATH returns the instant in the clock table. */
export async function installClock(pool: pg.Pool): Promise<void> {
  await pool.query(CLOCK_SQL);
}

export async function removeClock(pool: pg.Pool): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${CLOCK_SCHEMA} CASCADE`);
}

/** Runs one collector cycle inside a read-only transaction that sees the database at the pinned instant. */
export type CycleRunner = <R>(timeoutSeconds: number, fn: (db: Db) => Promise<R>) => Promise<R>;

/** The database a replay reads, with the clock it moves. */
export interface ReplayDatabase {
  /** Pins `now()` at `at` (instants only move forward) and runs `fn`, whose cycles see that instant. */
  at<T>(at: Date, fn: (cycle: CycleRunner) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

/**
 * A replay through a `pg` pool (a real PostgreSQL server), each cycle in its own read-only
 * transaction with the collector's statement timeout, exactly as the scheduler runs it.
 */
export async function pgReplayDatabase(config: Config): Promise<ReplayDatabase> {
  // One connection kept open for the whole replay: clock, search_path and cycles share one session,
  // and cycles run one at a time. A cycle that fails destroys it, which ends the replay anyway.
  const pool = createPool(config, { max: 1, idleTimeoutMillis: 0 });
  const signal = new AbortController().signal;
  const reads = sameInstantReads();
  try {
    await installClock(pool);
    await pool.query(`SET search_path = ${SEARCH_PATH}`);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return {
    async at(at, fn) {
      reads.nextInstant();
      await pool.query(`UPDATE ${CLOCK_SCHEMA}.instant SET t = $1`, [at.toISOString()]);
      return fn((timeout, f) => withReadOnly(pool, timeout, signal, (db) => f(reads.through(db))));
    },
    async end() {
      await removeClock(pool).catch(() => undefined);
      await pool.end();
    },
  };
}

// The types `pg` hands the collectors (runtime/db.ts): BIGINT and NUMERIC as numbers.
const PG_LIKE_PARSERS = { 20: Number, 1700: Number };

/** Statements that only read (the replay's transactions are read-only anyway). */
const READ = /^\s*(SELECT|WITH)\b/i;

/**
 * Within one instant, identical reads (same text, same parameters) give identical rows: nothing
 * writes during a replay and the clock stands still. So each is run once per instant; most repeats
 * are the clock itself (the settled horizon and `now()` that every incremental collector reads, ≈ 30
 * of the ≈ 70 queries of an instant). Callers get their own copies of the rows.
 */
export function sameInstantReads(): { through(db: Db): Db; nextInstant(): void } {
  let seen = new Map<string, Promise<Record<string, unknown>[]>>();
  return {
    through: (db) => ({
      async query<R extends Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]> {
        // Only reads: a `SET LOCAL` (say) belongs to the transaction that runs it.
        if (!READ.test(text)) return db.query<R>(text, params);
        const key = `${text}\u0000${JSON.stringify(params ?? [])}`;
        let rows = seen.get(key);
        if (!rows) {
          rows = db.query(text, params);
          seen.set(key, rows);
          // A failed read is not remembered (the replay stops on it anyway).
          rows.catch(() => seen.delete(key));
        }
        return (await rows).map((r) => ({ ...r }) as R);
      },
    }),
    nextInstant() {
      seen = new Map();
    },
  };
}

/**
 * A replay straight into the embedded PGlite database, in process. Through its socket server every
 * message of the extended protocol is a separate call into the WASM engine (≈ 10 ms per query against
 * ≈ 2 ms in process), and a cycle makes several queries: a 35-day backfill spent most of its time
 * there. Queries run as prepared statements (./pglite-statements.ts), and identical reads of one
 * instant once. Each instant runs all its cycles in one READ ONLY transaction (the history is written
 * before the replay starts and nothing writes during it, so they see what separate transactions
 * would); statement timeouts are left out, since PGlite runs a query to its end on the one thread
 * anyway.
 */
export async function pgliteReplayDatabase(pglite: PGlite): Promise<ReplayDatabase> {
  await pglite.exec(`${CLOCK_SQL} SET search_path = ${SEARCH_PATH};`);
  // Prepared after search_path is set, so `now()` in every statement is the clock's.
  const statements = new PreparedStatements(pglite, PG_LIKE_PARSERS);
  const reads = sameInstantReads();
  const db = reads.through({ query: (text, params) => statements.query(text, params) });
  return {
    async at(at, fn) {
      reads.nextInstant();
      // The instant is an ISO string of a Date, never input text.
      await pglite.exec(`UPDATE ${CLOCK_SCHEMA}.instant SET t = '${at.toISOString()}'; BEGIN READ ONLY;`);
      try {
        const [ro] = (await pglite.query<{ ro: string }>(`SELECT current_setting('transaction_read_only') AS ro`)).rows;
        if (ro?.ro !== 'on') throw new Error('the replay transaction is not read-only; refusing to run queries');
        const out = await fn((_timeout, f) => f(db));
        await pglite.exec('COMMIT');
        return out;
      } catch (e) {
        await pglite.exec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
    async end() {
      await statements.close();
      await pglite.exec(`SET search_path = public, pg_catalog; DROP SCHEMA IF EXISTS ${CLOCK_SCHEMA} CASCADE;`);
    },
  };
}

/**
 * Instants to sample: a coarse grid over the whole history plus one-minute stretches over the last
 * hour and around the week-over-week and month-over-month offsets of `end`, so hourly increases and
 * `offset 1w` / `offset 30d` panels find samples within Prometheus' 5-minute lookback when they are
 * evaluated within half an hour after `end`.
 */
export function historyInstants(
  end: Date,
  days: number,
  stepSeconds: number,
  denseOffsetsSeconds: number[] = [0, 7 * 86_400, 30 * 86_400],
  denseStepSeconds = 60,
): Date[] {
  const endS = Math.floor(end.getTime() / 1000);
  const set = new Set<number>();
  for (let t = endS - days * 86_400; t <= endS; t += stepSeconds) set.add(t);
  for (const off of denseOffsetsSeconds) {
    for (let t = endS - off - 70 * 60; t <= endS - off + 30 * 60; t += denseStepSeconds) set.add(t);
  }
  set.add(endS);
  return [...set]
    .filter((t) => t >= endS - days * 86_400 && t <= endS)
    .sort((a, b) => a - b)
    .map((t) => new Date(t * 1000));
}

export interface BusyTailOptions {
  seed: number;
  /** The tail covers (end - minutes, end]. */
  end: Date;
  minutes: number;
  /**
   * Sessions per minute on an average hour. The simulator's daily curve still applies (its 03:00
   * trough is about a sixth of the average), so this is chosen for the trough, not for the evening.
   */
  sessionsPerMinute: number;
}

/**
 * Writes the last `minutes` before `end` as minute-by-minute live traffic on a simulated clock, at a
 * rate that leaves every hour of the tail busy whatever the time of day `end` falls on: panels over
 * `increase(…[1h])` then always have orders and payments to show, at 03:00 as at 18:30. Returns the
 * number of rows written.
 */
export async function writeBusyTail(pool: pg.Pool, o: BusyTailOptions): Promise<number> {
  const endMs = o.end.getTime();
  let now = endMs - o.minutes * 60_000;
  const traffic = new LiveTraffic(pool, { seed: o.seed, sessionsPerMinute: o.sessionsPerMinute, clock: () => now, intervalMs: 60_000 });
  let rows = 0;
  for (; now <= endMs; now += 60_000) {
    const stats = await traffic.tick();
    rows += Object.values(stats).reduce((a, b) => a + b, 0);
  }
  return rows;
}

interface Family {
  header: string[];
  /** series key -> lines (already timestamped), in time order. */
  series: Map<string, string[]>;
}

/** Adds job/instance labels and a timestamp to one OpenMetrics sample line. */
function stamp(line: string, extra: string, ts: number): { key: string; line: string } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$/.exec(line);
  if (!m) throw new Error(`unexpected exposition line: ${line}`);
  const [, name, labels, value] = m;
  const inner = labels ? labels.slice(1, -1) : '';
  const all = inner ? `${inner},${extra}` : extra;
  // Histogram points (buckets, sum, count of one label set) stay together: the key drops `le`.
  const key = (inner.replace(/,?le="[^"]*"/, '') || '-').replace(/^,/, '');
  return { key, line: `${name}{${all}} ${value} ${ts}` };
}

export interface HistoryOptions {
  config: Config;
  instants: Date[];
  /** Labels Prometheus would attach when scraping this exporter. */
  job: string;
  instance: string;
  /** Where to replay; default a pg pool on config.database.url. Ended by the replay. */
  database?: ReplayDatabase;
  onProgress?(done: number, total: number): void;
  /** Every collector's samples at each instant, as the replay produced them (for tests). */
  onInstant?(at: Date, samples: ReadonlyMap<string, readonly Sample[]>): void;
}

/**
 * The configuration a replay runs: seeded rows were stamped (sellers.updated_at, carts.updated_at by
 * their triggers) by the wall clock, after every replayed instant, so a read by stamp would return all
 * of them at every instant. Row versions and the open tail follow the replayed clock; values are the same.
 */
export function replayConfig(config: Config): Config {
  return { ...config, collection: { ...config.collection, seller_changes: 'row_versions', cart_changes: 'open_tail' } };
}

/**
 * Replays every enabled database collector forward through the instants (in time order) and returns
 * the OpenMetrics text (with `# EOF`).
 */
export async function simulateHistory(given: HistoryOptions): Promise<{ text: string; samples: number }> {
  const opts = { ...given, config: replayConfig(given.config) };
  const instants = [...opts.instants].sort((a, b) => a.getTime() - b.getTime());
  // Database collectors only: provider pollers report the provider's present, not a past instant.
  // Built once: their incremental state carries from one instant to the next.
  const entries = scheduledCollectors(opts.config).filter((e) => e.collector.usesDatabase);
  const store = new MetricStore(opts.config);
  const registries = createRegistries(catalogue, store, {});
  const database = opts.database ?? (await pgReplayDatabase(opts.config));
  const log = createLogger('silent');
  const signal = new AbortController().signal;
  const families = new Map<string, Family>();
  const extra = `job="${opts.job}",instance="${opts.instance}"`;
  let samples = 0;
  try {
    for (const [i, at] of instants.entries()) {
      // Provider reads happen before the read-only transaction opens, as in the scheduler.
      for (const e of entries) await e.collector.prefetch?.({ config: opts.config, log, signal });
      // The collectors themselves, as the scheduler runs them (read-only transaction); a failure is
      // an error here, since history must not silently miss a collector.
      const produced = await database.at(at, async (cycle) => {
        const out = new Map<string, Sample[]>();
        for (const e of entries) {
          out.set(
            e.collector.name,
            await cycle(Math.max(e.timeout, 60), (db) => e.collector.collect({ db, config: opts.config, log, signal })),
          );
        }
        return out;
      });
      for (const [name, s] of produced) store.replace(name, s);
      opts.onInstant?.(at, produced);
      // The scheduler's self-metrics, as a live exporter publishes them: every collector succeeded at
      // this instant (reports read `collector_up` to tell "no rows yet" from "exporter down").
      const self = entries.flatMap((e) => [
        { metric: M.collectorUp, labels: { collector: e.collector.name }, value: 1 },
        { metric: M.collectorLastSuccessTimestampSeconds, labels: { collector: e.collector.name }, value: at.getTime() / 1000 },
      ]);
      store.replace(RUNTIME_OWNER, self, false);
      const ts = at.getTime() / 1000;
      let fam: Family | null = null;
      for (const line of (await registries.openMetrics.metrics()).split('\n')) {
        if (line === '' || line === '# EOF') continue;
        if (line.startsWith('#')) {
          const name = line.split(' ')[2]!;
          if (!name.startsWith('marketplace_')) {
            fam = null;
            continue;
          }
          fam = families.get(name) ?? null;
          if (!fam) {
            fam = { header: [], series: new Map() };
            families.set(name, fam);
          }
          if (fam.series.size === 0 && !fam.header.includes(line)) fam.header.push(line);
          continue;
        }
        if (!fam || line.includes('_created')) continue;
        const s = stamp(line, extra, ts);
        const list = fam.series.get(s.key) ?? [];
        list.push(s.line);
        fam.series.set(s.key, list);
        samples++;
      }
      opts.onProgress?.(i + 1, instants.length);
    }
  } finally {
    await database.end();
  }
  const out: string[] = [];
  for (const f of families.values()) {
    if (f.series.size === 0) continue;
    out.push(...f.header);
    for (const lines of f.series.values()) out.push(...lines);
  }
  out.push('# EOF');
  return { text: `${out.join('\n')}\n`, samples };
}

/** Writes the history as TSDB blocks into a Prometheus data directory (before Prometheus starts). */
export async function createBlocks(openMetricsFile: string, tsdbDir: string, text: string, promtool = 'promtool'): Promise<void> {
  writeFileSync(openMetricsFile, text);
  // Week-sized blocks: promtool reads the whole file once per block it writes, so 35 day-sized
  // blocks read 54 MB 36 times (11 s of CPU) where weeks read it 6 times (2 s). Retention still
  // drops the oldest history a week at a time.
  await promisify(execFile)(
    promtool,
    ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=168h', openMetricsFile, tsdbDir],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
}
