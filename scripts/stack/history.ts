/**
 * Simulated history for Prometheus: the real collectors are run against a seeded database at past
 * instants (the database's `now()` is moved by a clock table that shadows pg_catalog.now() through
 * search_path), each exposition is stamped with its instant, and the result is written as OpenMetrics
 * for `promtool tsdb create-blocks-from openmetrics`. Only for databases the product owns (demo, tests):
 * it creates a schema, so it never runs against a marketplace database.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type pg from 'pg';
import { scheduledCollectors } from '../../exporter/src/app';
import { catalogue, M } from '../../shared/catalogue';
import type { Config } from '../../exporter/src/config/load';
import { createRegistries } from '../../exporter/src/metrics/registry';
import { MetricStore } from '../../exporter/src/metrics/store';
import { createPool, withReadOnly } from '../../exporter/src/runtime/db';
import { createLogger } from '../../exporter/src/runtime/logger';
import { LiveTraffic } from '../../exporter/src/demo/simulator';
import { RUNTIME_OWNER } from '../../exporter/src/runtime/scheduler';

const CLOCK_SCHEMA = 'pulse_clock';
const SEARCH_PATH = `${CLOCK_SCHEMA}, public, pg_catalog`;

/** Installs the clock: `now()` in sessions using SEARCH_PATH returns the instant in the clock table. */
export async function installClock(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE SCHEMA IF NOT EXISTS ${CLOCK_SCHEMA};
    CREATE TABLE IF NOT EXISTS ${CLOCK_SCHEMA}.instant (t timestamptz NOT NULL);
    CREATE OR REPLACE FUNCTION ${CLOCK_SCHEMA}.now() RETURNS timestamptz LANGUAGE sql STABLE AS 'SELECT t FROM ${CLOCK_SCHEMA}.instant';`);
}

export async function removeClock(pool: pg.Pool): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${CLOCK_SCHEMA} CASCADE`);
}

async function setClock(pool: pg.Pool, at: Date): Promise<void> {
  await pool.query(`DELETE FROM ${CLOCK_SCHEMA}.instant`);
  await pool.query(`INSERT INTO ${CLOCK_SCHEMA}.instant (t) VALUES ($1)`, [at.toISOString()]);
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
  onProgress?(done: number, total: number): void;
}

/** Runs every enabled collector at each instant and returns the OpenMetrics text (with `# EOF`). */
export async function simulateHistory(opts: HistoryOptions): Promise<{ text: string; samples: number }> {
  // Database collectors only: provider pollers report the provider's present, not a past instant.
  const entries = scheduledCollectors(opts.config).filter((e) => e.collector.usesDatabase);
  const store = new MetricStore(opts.config);
  const registries = createRegistries(catalogue, store, {});
  const pool = createPool(opts.config, { max: 2 });
  pool.on('connect', (c) => void c.query(`SET search_path = ${SEARCH_PATH}`).catch(() => undefined));
  const admin = createPool(opts.config, { max: 1 });
  const log = createLogger('silent');
  const signal = new AbortController().signal;
  const families = new Map<string, Family>();
  const extra = `job="${opts.job}",instance="${opts.instance}"`;
  let samples = 0;
  try {
    await installClock(admin);
    for (const [i, at] of opts.instants.entries()) {
      await setClock(admin, at);
      // The collectors themselves, as the scheduler runs them (read-only transaction, statement
      // timeout); a failure is an error here, since history must not silently miss a collector.
      for (const e of entries) {
        await e.collector.prefetch?.({ config: opts.config, log, signal });
        const samples = await withReadOnly(pool, Math.max(e.timeout, 60), signal, (db) =>
          e.collector.collect({ db, config: opts.config, log, signal }),
        );
        store.replace(e.collector.name, samples);
      }
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
      opts.onProgress?.(i + 1, opts.instants.length);
    }
  } finally {
    await removeClock(admin).catch(() => undefined);
    await pool.end();
    await admin.end();
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
  // Day-sized blocks: the default 2h would make one block per coarse sample.
  await promisify(execFile)(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', openMetricsFile, tsdbDir], {
    maxBuffer: 64 * 1024 * 1024,
  });
}
