/**
 * Counter totals on disk: a restart resumes every counter from the saved horizon and totals, whether
 * the previous run saved at shutdown or crashed after a periodic save, and every counter stays equal
 * to the value computed in the test from the fixture rows it inserted. Rows older than the saved
 * horizon are deleted before one restart: a resumed state still counts them, a rescan could not.
 * A state file from another configuration, or a corrupt one, is discarded with one log line.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { scheduledCollectors, startExporter } from '../../../exporter/src/app';
import type { TotalsJson } from '../../../exporter/src/collectors/incremental';
import type { Config } from '../../../exporter/src/config/load';
import type { ScheduledCollector } from '../../../exporter/src/runtime/scheduler';
import { labelKey } from '../../../exporter/src/metrics/labels';
import { isHistogramSample, type Sample } from '../../../exporter/src/metrics/sample';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { eventually, exporterConfig } from '../../support/exporter';
import { pinClock, type PinnedClock } from '../../support/pinned-clock';

const T0 = Date.UTC(2026, 2, 3, 10, 0);
const MIN = 60_000;
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY'];
const CATEGORIES = ['electronics', 'books', 'lawnmowers'];
const PLATFORMS = ['web', 'ios', 'smart_fridge'];
const CHANNELS = ['organic', 'paid'];
const ORDER_BUCKETS = M.orderValue.buckets!;
const SESSION_BUCKETS = M.sessionDurationSeconds.buckets!;

interface OrderRow {
  at: number;
  amount: number;
  currency: string;
  category: string;
}
interface SessionRow {
  id: number;
  started: number;
  ended: number | null;
  platform: string;
  channel: string;
}

let tdb: TestDatabase;
let clock: PinnedClock;
let dir: string;
const orderRows: OrderRow[] = [];
const sessionRows: SessionRow[] = [];
/** Orders created at or before this were deleted from the database (after being counted). */
let deletedThrough = -Infinity;

beforeAll(async () => {
  tdb = await createTestDatabase();
  clock = await pinClock(tdb, T0);
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-counter-state-'));
  await tdb.pool.query(`INSERT INTO users (id, created_at) VALUES (1, '2026-01-01');
    INSERT INTO sellers (id, applied_at) VALUES (1, '2026-01-01');`);
});
afterAll(async () => {
  await clock.end();
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Deterministic pseudo-random numbers (the test never depends on Math.random). */
let seed = 12345;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
const iso = (ms: number) => new Date(ms).toISOString();

/** Inserts a batch of orders and sessions at or before the pinned now; ends some open sessions. */
async function insertBatch(nowMs: number): Promise<void> {
  for (let i = 0; i < 1 + Math.floor(rnd() * 8); i++) {
    const o = {
      at: nowMs - Math.floor(rnd() * 5) * MIN,
      amount: 1 + Math.floor(rnd() * 3000),
      currency: pick(CURRENCIES),
      category: pick(CATEGORIES),
    };
    orderRows.push(o);
    await tdb.pool.query(
      `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency) VALUES (1, 1, $1, $2, 'paid', $3, $4)`,
      [o.category, iso(o.at), o.amount, o.currency],
    );
  }
  for (let i = 0; i < Math.floor(rnd() * 6); i++) {
    const s: SessionRow = {
      id: 0,
      started: nowMs - Math.floor(rnd() * 4) * MIN,
      ended: null,
      platform: pick(PLATFORMS),
      channel: pick(CHANNELS),
    };
    const { rows } = await tdb.pool.query<{ id: string }>(
      `INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('v', $1, $2, $3) RETURNING id`,
      [s.platform, s.channel, iso(s.started)],
    );
    s.id = Number(rows[0]!.id);
    sessionRows.push(s);
  }
  for (const s of sessionRows) {
    if (s.ended !== null || rnd() < 0.5) continue;
    // Whole seconds, never after now: the duration sum is exact in floating point.
    s.ended = Math.max(s.started, nowMs - Math.floor(rnd() * 30) * 1000);
    await tdb.pool.query('UPDATE sessions SET ended_at = $1 WHERE id = $2', [iso(s.ended), s.id]);
  }
}

const other = (v: string, allowed: string[]) => (allowed.includes(v) ? v : 'other');

/** Every counter and histogram of orders and sessions, computed from the fixture rows (ground truth). */
function expected(nowMs: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const inc = (k: string, by: number) => (out[k] = ((out[k] as number | undefined) ?? 0) + by);
  for (const o of orderRows) {
    if (o.at > nowMs) continue;
    const c = { currency: other(o.currency, ['USD', 'EUR', 'GBP']) };
    inc(`${M.ordersTotal.name}{${labelKey(c)}}`, 1);
    inc(`${M.gmvTotal.name}{${labelKey(c)}}`, o.amount);
    inc(`${M.highValueOrdersTotal.name}{${labelKey(c)}}`, o.amount >= 500 ? 1 : 0);
    inc(`${M.ordersByCategoryTotal.name}{${labelKey({ category: other(o.category, ['electronics', 'books']) })}}`, 1);
    const hk = `${M.orderValue.name}{${labelKey(c)}}`;
    const h = (out[hk] as Hist | undefined) ?? { buckets: ORDER_BUCKETS.map(() => 0), sum: 0, count: 0 };
    out[hk] = h;
    for (const [i, b] of ORDER_BUCKETS.entries()) if (o.amount <= b) h.buckets[i]! += 1;
    h.sum += o.amount;
    h.count += 1;
  }
  for (const s of sessionRows) {
    if (s.started <= nowMs)
      inc(`${M.sessionsTotal.name}{${labelKey({ platform: other(s.platform, ['web', 'ios']), channel: s.channel })}}`, 1);
  }
  // Published from the first cycle on, zero until a session ends.
  const h: Hist = { buckets: SESSION_BUCKETS.map(() => 0), sum: 0, count: 0 };
  for (const s of sessionRows) {
    if (s.ended === null || s.ended > nowMs) continue;
    const d = (s.ended - s.started) / 1000;
    for (const [i, b] of SESSION_BUCKETS.entries()) if (d <= b) h.buckets[i]! += 1;
    h.sum += d;
    h.count += 1;
  }
  out[`${M.sessionDurationSeconds.name}{${labelKey({})}}`] = h;
  return out;
}
interface TotalsJsonFile {
  totals: TotalsJson;
}
interface Hist {
  buckets: number[];
  sum: number;
  count: number;
}

function asRecord(samples: Sample[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of samples) {
    const k = `${s.metric.name}{${labelKey(s.labels)}}`;
    out[k] = isHistogramSample(s) ? { buckets: [...s.buckets], sum: s.sum, count: s.count } : s.value;
  }
  return out;
}

/** A fresh exporter's collectors (as after a restart) with a log that keeps its lines. */
function boot(config: Config, lines: string[]): ScheduledCollector[] {
  return scheduledCollectors(config, createLogger('info', { write: (l: string) => void lines.push(l) }));
}

async function collectAll(entries: ScheduledCollector[], config: Config): Promise<Record<string, unknown>> {
  const ctrl = new AbortController();
  const all: Sample[] = [];
  for (const e of entries) {
    all.push(
      ...(await withReadOnly(clock.pool, 30, ctrl.signal, (db) =>
        e.collector.collect({ db, config, log: createLogger('silent'), signal: ctrl.signal }),
      )),
    );
  }
  return asRecord(all);
}

function configFor(extra: Record<string, unknown> = {}): Config {
  return exporterConfig({ url: tdb.url, only: ['orders', 'sessions'], extra: { collection: { settle_lag: 0, state_dir: dir }, ...extra } });
}

test('restarts mid-stream (shutdown save, crash after a periodic save, pruned history) keep every counter exact', async () => {
  const config = configFor();
  let lines: string[] = [];
  let entries = boot(config, lines);
  expect(Object.fromEntries(entries.map((e) => [e.collector.name, e.counters?.length]))).toEqual({ orders: 1, sessions: 2 });
  for (let step = 1; step <= 24; step++) {
    await clock.set(T0 + step * 7 * MIN);
    await insertBatch(clock.nowMs);
    const got = await collectAll(entries, config);
    expect(got).toEqual(expected(clock.nowMs));
    if (step === 6 || step === 18) {
      // Shutdown: the exporter saves every state after its last cycle, then a new process starts.
      for (const e of entries) for (const c of e.counters ?? []) c.save();
      lines = [];
      entries = boot(config, lines);
      if (step === 18) {
        // Rows before the saved horizon disappear (retention job, partition drop): only a resumed
        // state still counts them, so equality below proves nothing was re-read.
        deletedThrough = clock.nowMs;
        await tdb.pool.query(`DELETE FROM orders WHERE created_at <= $1`, [iso(deletedThrough)]);
      }
    }
    if (step === 12) {
      // Crash: no shutdown save. The files hold the last periodic save (at most a minute of database
      // time apart; here every cycle, the clock moves 7 minutes per step).
      lines = [];
      entries = boot(config, lines);
    }
    if (step === 7 || step === 13 || step === 19) {
      expect(lines.filter((l) => l.includes('counter state restored'))).toHaveLength(3);
      expect(lines.filter((l) => l.includes('discarded'))).toHaveLength(0);
    }
  }
});

test('a resumed counter state is not rewritten by its first cycle when no periodic save is due', async () => {
  const config = configFor();
  await collectAll(boot(config, []), config);
  const file = path.join(dir, 'orders.counter-state.json');
  const written = statSync(file).ino;
  const lines: string[] = [];
  // Same database clock: the saved horizon is the one this cycle reaches.
  expect(await collectAll(boot(config, lines), config)).toEqual(expected(clock.nowMs));
  expect(lines.filter((l) => l.includes('counter state restored'))).toHaveLength(3);
  expect(statSync(file).ino).toBe(written);
});

test('a state file from another configuration or a corrupt one is discarded with one log line, counts rebuilt exactly', async () => {
  const config = configFor();
  let entries = boot(config, []);
  await collectAll(entries, config);
  for (const e of entries) for (const c of e.counters ?? []) c.save();

  // Another allow-list folds labels differently: the saved totals do not apply.
  const lines: string[] = [];
  const otherConfig = configFor({ allow_lists: { currencies: ['USD'] } });
  entries = boot(otherConfig, lines);
  const got = await collectAll(entries, otherConfig);
  expect(lines.filter((l) => l.includes('counter state discarded'))).toHaveLength(3);
  // Rebuilt from what the database still holds: the fixture rows not deleted.
  const usd = orderRows.filter((o) => o.currency === 'USD' && o.at > deletedThrough && o.at <= clock.nowMs).length;
  expect(usd).toBeGreaterThan(0);
  expect(got[`${M.ordersTotal.name}{${labelKey({ currency: 'USD' })}}`]).toBe(usd);

  const file = path.join(dir, 'orders.counter-state.json');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(/"value":(\d)/, (_m, d: string) => `"value":${d === '1' ? '2' : '1'}`),
  );
  const lines2: string[] = [];
  entries = boot(otherConfig, lines2);
  const again = await collectAll(entries, otherConfig);
  expect(lines2.filter((l) => l.includes('counter state discarded') && l.includes('checksum mismatch'))).toHaveLength(1);
  expect(again).toEqual(got);
});

test('stopping the exporter saves the counters of its last cycle (not only the periodic save)', async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'pulse-counter-stop-'));
  try {
    const config = exporterConfig({
      url: tdb.url,
      only: ['orders'],
      extra: { collection: { settle_lag: 0, start_jitter: 0, state_dir: stateDir }, collectors: { orders: { interval: 1 } } },
    });
    const e = await startExporter({ config, log: createLogger('silent') });
    let first = 0;
    const file = path.join(stateDir, 'orders.counter-state.json');
    const usdInFile = () => {
      const scalars = (JSON.parse(readFileSync(file, 'utf8')) as { payload: TotalsJsonFile }).payload.totals.scalars;
      return scalars.find((s) => s.metric === M.ordersTotal.name && s.labels.currency === 'USD')?.value ?? 0;
    };
    const usdLine = `${M.ordersTotal.name}{currency="USD"}`;
    const scraped = async () =>
      Number(
        (await (await fetch(`${e.url}/metrics`)).text())
          .split('\n')
          .find((l) => l.startsWith(usdLine))
          ?.split(' ')[1] ?? 0,
      );
    try {
      await e.ready();
      first = usdInFile(); // written by the first cycle
      // New rows are counted by a later cycle, less than a minute of database time after the first
      // one: no periodic save happens, only the one at shutdown can hold them.
      await clock.set(clock.nowMs + 30_000);
      for (let i = 0; i < 3; i++) {
        orderRows.push({ at: clock.nowMs, amount: 42, currency: 'USD', category: 'books' });
        await tdb.pool.query(
          `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency) VALUES (1, 1, 'books', $1, 'paid', 42, 'USD')`,
          [iso(clock.nowMs)],
        );
      }
      await eventually('the new orders counted', async () => (await scraped()) === first + 3);
      expect(usdInFile()).toBe(first);
    } finally {
      await e.stop();
    }
    expect(usdInFile()).toBe(first + 3);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
