/**
 * active_users and revenue enabled together read one store of signed-in sessions (SharedWindowFacts):
 * both equal the full-window SQL through inserts, late commits and clock moves, in either order and
 * concurrently, while the new signed-in sessions are read once per pair of cycles; a reader whose
 * transaction began before the other's advance is still exact; the store is saved, restored and
 * published once; reloads that switch active_users rebuild revenue with its own copy and back.
 * The clock is pinned in the database.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M, WINDOWS } from '../../../shared/catalogue';
import { buildRuntime, reloadRuntime, scheduledCollectors } from '../../../exporter/src/app';
import { COLLECTOR_DEFAULTS } from '../../../exporter/src/collectors';
import {
  ACTIVE_SESSIONS_LOAD_SQL,
  ACTIVE_SESSIONS_READ_SQL,
  activeUsersByWindow,
  sharedActiveUserFacts,
} from '../../../exporter/src/collectors/active-users';
import type { Collector } from '../../../exporter/src/collectors/types';
import { windowSettings } from '../../../exporter/src/collectors/window-facts';
import type { Config } from '../../../exporter/src/config/load';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { type Db, withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger, type Logger } from '../../../exporter/src/runtime/logger';
import type { ScheduledCollector } from '../../../exporter/src/runtime/scheduler';
import { collectOnce, observed, seriesOf, testConfig } from '../../support/collect';
import { captureLogger } from '../../support/log';
import { pinnedDatabase } from '../../support/pinned-clock';
import * as ref from '../../support/reference';
import { mulberry32 } from '../../../exporter/src/demo/random';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SETTLE = 120;
const START = Date.UTC(2026, 2, 10, 12);
const db = pinnedDatabase(START);
const silent = createLogger('silent');
let stateDir = '';

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'pulse-shared-active-'));
  await db.tdb.pool.query(`
    INSERT INTO users (id, created_at) SELECT g, '2025-06-01' FROM generate_series(1, 25) g;
    INSERT INTO sellers (id, applied_at) VALUES (1, '2025-01-01');`);
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Only active_users and revenue (unless `collectors` says otherwise), on the pinned clock's database. */
function pairConfig(collectors: Record<string, unknown> = {}, collection: Record<string, unknown> = {}): Config {
  const off = Object.fromEntries(Object.keys(COLLECTOR_DEFAULTS).map((n) => [n, { enabled: false }]));
  return testConfig({
    database: { url: db.tdb.url },
    collection: { settle_lag: SETTLE, state_dir: stateDir, ...collection },
    collectors: { ...off, active_users: { enabled: true, interval: '1d' }, revenue: { enabled: true, interval: '1d' }, ...collectors },
  });
}

const r = mulberry32(0x5a4e);

const iso = (ms: number) => new Date(ms).toISOString();
async function session(user: number | null, atMs: number): Promise<void> {
  await db.tdb.pool.query(
    `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES ($1, $2, 'web', 'direct', $3)`,
    [user, `v${user ?? 'anon'}`, iso(atMs)],
  );
}
/** `n` sessions (a few anonymous) and orders with times in (from, to]. */
async function traffic(from: number, to: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const at = to - Math.floor(r() * (to - from));
    const user = r() < 0.85 ? 1 + Math.floor(r() * 25) : null;
    await session(user, at);
    if (user !== null && r() < 0.5) {
      await db.tdb.pool.query(
        `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency) VALUES ($1, 1, 'books', $2, 'paid', $3, $4)`,
        [user, iso(at), (1 + Math.floor(r() * 9000)) / 100, ['USD', 'EUR', 'JPY'][Math.floor(r() * 3)]],
      );
    }
  }
}

const named = (entries: readonly ScheduledCollector[], name: string) => entries.find((e) => e.collector.name === name)!;

/** One cycle of `c` as the scheduler runs it, each statement's text handed to `seen`. */
async function cycle(c: Collector, config: Config, seen: (sql: string) => void = () => undefined, log: Logger = silent): Promise<Sample[]> {
  const ctrl = new AbortController();
  return withReadOnly(db.clock.pool, 30, ctrl.signal, (db) =>
    c.collect({ db: observed(db, (sql) => seen(sql)), config, log, signal: ctrl.signal }),
  );
}

const ACTIVE_FAMILIES = [M.activeUsers, M.userActivationRatio, M.usageFrequency];
/** Both collectors' window series equal the full-window SQL at the pinned now. */
async function expectExact(au: Sample[] | null, rv: Sample[], config: Config, step: string): Promise<void> {
  const wantRv = await collectOnce(ref.revenue(config), db.clock.pool, config);
  const close = (got: Record<string, number>, want: Record<string, number>, what: string) => {
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) {
      if (Math.abs(got[k]! - want[k]!) > 1e-9 * Math.max(1, Math.abs(want[k]!)))
        throw new Error(`${step}: ${what}{${k}} = ${got[k]} but the full-window SQL says ${want[k]}`);
    }
  };
  if (au) {
    const wantAu = await collectOnce(ref.activeUsers(config), db.clock.pool, config);
    for (const m of ACTIVE_FAMILIES) close(seriesOf(au, m.name), seriesOf(wantAu, m.name), m.name);
  }
  close(seriesOf(rv, M.arpu.name), seriesOf(wantRv, M.arpu.name), M.arpu.name);
  // ARPU is not trivially 0: some window had both orders and active users.
  if (step !== 'first build') expect(Object.values(seriesOf(rv, M.arpu.name)).some((v) => v > 0)).toBe(true);
}

/** Statements of one pair of cycles that read signed-in sessions: the steady read, and a build's load. */
function sessionReads() {
  const n = { changed: 0, load: 0 };
  const seen = (sql: string) => {
    if (sql === ACTIVE_SESSIONS_READ_SQL) n.changed += 1;
    if (sql.includes(ACTIVE_SESSIONS_LOAD_SQL)) n.load += 1;
  };
  return { n, seen };
}

test('both enabled: one store of signed-in sessions, read once per pair of cycles in either order and concurrently, equal to the full-window SQL through inserts, late commits, clock moves and a full refresh', async () => {
  await db.clock.set(START);
  await traffic(START - 40 * DAY, START, 80);
  const config = pairConfig();
  const entries = scheduledCollectors(config);
  const au = named(entries, 'active_users').collector;
  const rv = named(entries, 'revenue').collector;
  // One store, listed (saved, published) by active_users only.
  expect(entries.flatMap((e) => (e.collector.windowStates ?? []).map((s) => s.name)).sort()).toEqual(['active_users', 'revenue']);

  const first = sessionReads();
  const [a0, r0] = await Promise.all([cycle(au, config, first.seen), cycle(rv, config, first.seen)]);
  await expectExact(a0, r0, config, 'first build');
  expect(first.n).toEqual({ changed: 0, load: 1 });

  let prev = db.clock.nowMs;
  let refreshes = 0;
  for (let step = 0; step < 15; step++) {
    // Late commits inside settle_lag, then the clock moves (minutes, or past a day and a full refresh).
    await traffic(prev - SETTLE * 1000 + 1, prev, 2);
    const next = prev + (step % 5 === 4 ? 26 * HOUR : Math.floor(1 + r() * 50 * MIN));
    await db.clock.set(next);
    await traffic(prev, next, 4);
    const reads = sessionReads();
    let a: Sample[];
    let b: Sample[];
    if (step % 3 === 0) {
      a = await cycle(au, config, reads.seen);
      b = await cycle(rv, config, reads.seen);
    } else if (step % 3 === 1) {
      b = await cycle(rv, config, reads.seen);
      a = await cycle(au, config, reads.seen);
    } else [a, b] = await Promise.all([cycle(au, config, reads.seen), cycle(rv, config, reads.seen)]);
    const at = `step ${step} at ${iso(next)}`;
    await expectExact(a, b, config, at);
    // One of the two reads the new sessions; a full refresh reloads the window, once too.
    expect({ step, ...reads.n }).toEqual({ step, changed: 1, load: reads.n.load > 0 ? 1 : 0 });
    refreshes += reads.n.load;
    prev = next;
  }
  // A full refresh came (26 h steps) and found nothing to correct; its drift is published once, by active_users.
  expect(refreshes).toBeGreaterThan(0);
  const last = await cycle(au, config);
  const lastRv = await cycle(rv, config);
  expect(last.filter((s) => s.metric === M.rollupDrift || s.metric === M.rollupStateBytes).map((s) => s.labels.collector)).toEqual([
    'active_users',
    'active_users',
  ]);
  expect(
    lastRv
      .filter((s) => s.metric === M.rollupDrift || s.metric === M.rollupStateBytes)
      .map((s) => s.labels.collector)
      .sort(),
  ).toEqual(['revenue', 'revenue', 'revenue_mrr']);
  expect(seriesOf(last, M.rollupDrift.name)).toEqual({ 'collector=active_users': 0 });
});

/** A read-only transaction on the pinned clock with a snapshot per transaction (now() fixed at its start). */
function readOnly<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  return withReadOnly(db.clock.pool, 30, new AbortController().signal, fn, undefined, 'repeatable read');
}

/**
 * Reader A's transaction takes its snapshot (and so its now) at t1; reader B's starts at t2 and reads
 * first; then A reads. Returns both results.
 */
async function readInterleaved<T>(read: (db: Db) => Promise<T>, t1: number, t2: number): Promise<{ a: T; b: T }> {
  await db.clock.set(t1);
  let began!: () => void;
  const aBegan = new Promise<void>((res) => (began = res));
  let bDone!: () => void;
  const bRead = new Promise<void>((res) => (bDone = res));
  const a = readOnly(async (db) => {
    await db.query('SELECT now()');
    began();
    await bRead;
    return read(db);
  });
  await aBegan;
  await db.clock.set(t2);
  const b = await readOnly(read);
  bDone();
  return { a: await a, b };
}

/**
 * Sessions around `t1`: user 24's only session leaves the 30-day window a minute after t1, users 25 and 23
 * start 2 and 3 minutes after it. Returns a fresh shared store of signed-in sessions to read them with.
 */
async function crossingAt(t1: number) {
  await db.tdb.pool.query(`DELETE FROM sessions WHERE user_id IN (23, 24, 25)`);
  await session(24, t1 - 30 * DAY + 60_000);
  await session(25, t1 + 2 * MIN);
  await session(23, t1 + 3 * MIN);
  return { s: windowSettings(pairConfig({}, { state_dir: undefined })), shared: sharedActiveUserFacts(), byWindow: activeUsersByWindow() };
}

test('a reader whose transaction began before the other advanced the store evaluates at its own now, its 30-day window kept whole', async () => {
  const t0 = db.clock.nowMs + DAY;
  const t1 = t0 + 10 * MIN;
  const t2 = t1 + 5 * MIN;
  const { s, shared, byWindow } = await crossingAt(t1);
  const read = (db: Db) => shared.read(db, s, (store, nowUs) => ({ nowUs, active: Object.fromEntries(byWindow(store, nowUs)) }));

  await db.clock.set(t0);
  await readOnly(read);
  // A's snapshot (and so its now) is taken at t1; B's transaction starts at t2 and advances first.
  const { a: gotA, b } = await readInterleaved(read, t1, t2);
  expect(b.nowUs).toBe(t2 * 1000);
  expect(gotA.nowUs).toBe(t1 * 1000);

  const truth = async (at: number) => {
    await db.clock.set(at);
    const samples = await collectOnce(ref.activeUsers(pairConfig()), db.clock.pool, pairConfig());
    return Object.fromEntries(WINDOWS.map((w) => [w, seriesOf(samples, M.activeUsers.name)[`window=${w}`]]));
  };
  const want1 = await truth(t1);
  const want2 = await truth(t2);
  // The two instants differ in every window (users 23 and 25), in 30d less user 24.
  expect(want1['30d']).not.toBe(want2['30d']);
  expect(Object.fromEntries(WINDOWS.map((w) => [w, gotA.active[w]!.active]))).toEqual(want1);
  expect(Object.fromEntries(WINDOWS.map((w) => [w, b.active[w]!.active]))).toEqual(want2);
});

test('a reader whose window starts before what the first build kept is evaluated at the store’s now', async () => {
  const t1 = db.clock.nowMs + DAY;
  const t2 = t1 + 5 * MIN;
  const { s, shared, byWindow } = await crossingAt(t1);
  const read = (db: Db) => shared.read(db, s, (store, nowUs) => ({ nowUs, active: byWindow(store, nowUs).get('30d')!.active }));
  // A's snapshot is taken at t1, before any build; B's transaction starts at t2 and builds the store first.
  const { a: gotA, b } = await readInterleaved(read, t1, t2);
  expect(gotA).toEqual(b);
  expect(gotA.nowUs).toBe(t2 * 1000);
  const samples = await collectOnce(ref.activeUsers(pairConfig()), db.clock.pool, pairConfig());
  expect(gotA.active).toBe(seriesOf(samples, M.activeUsers.name)['window=30d']);
});

test('the shared store is saved in one file and restored once; a restart stays exact', async () => {
  for (const f of readdirSync(stateDir)) rmSync(path.join(stateDir, f));
  const config = pairConfig();
  await db.clock.set(db.clock.nowMs + HOUR);
  let entries = scheduledCollectors(config);
  await cycle(named(entries, 'active_users').collector, config);
  await cycle(named(entries, 'revenue').collector, config);
  for (const e of entries) e.saveState?.();
  const windowFiles = () =>
    readdirSync(stateDir)
      .filter((f) => f.endsWith('.window-state.bin'))
      .sort();
  expect(windowFiles()).toEqual(['active_users.window-state.bin', 'revenue.window-state.bin']);

  await traffic(db.clock.nowMs - MIN, db.clock.nowMs, 4);
  await db.clock.set(db.clock.nowMs + 20 * MIN);
  await traffic(db.clock.nowMs - 20 * MIN, db.clock.nowMs, 4);
  const { log, lines } = captureLogger();
  entries = scheduledCollectors(config);
  const reads = sessionReads();
  // revenue first: it restores the shared store, which active_users then finds advanced.
  const b = await cycle(named(entries, 'revenue').collector, config, reads.seen, log);
  const a = await cycle(named(entries, 'active_users').collector, config, reads.seen, log);
  await expectExact(a, b, config, 'after the restart');
  const restored = lines.filter((l) => l.includes('window state restored')).map((l) => JSON.parse(l).collector as string);
  expect(restored.sort()).toEqual(['active_users', 'revenue']);
  expect(reads.n).toEqual({ changed: 1, load: 0 });
  expect(windowFiles()).toEqual(['active_users.window-state.bin', 'revenue.window-state.bin']);
});

test('reloads: a new interval for active_users keeps both; switching active_users off gives revenue its own copy, on again shares; the self-metrics of every store are exposed once', async () => {
  const base = pairConfig({}, { state_dir: undefined });
  await db.clock.set(db.clock.nowMs + HOUR);
  const rt = buildRuntime(base, silent, db.clock.pool);
  /** The instances the scheduler runs: the kept ones, or a reload's new ones (promoted by their cycle). */
  let running = new Map(rt.entries.map((e) => [e.collector.name, e]));
  const exposed = async () => (await rt.state.exposition.renderBytes(false, false)).body.toString('utf8');
  const check = async (step: string) => {
    await traffic(db.clock.nowMs - MIN, db.clock.nowMs, 3);
    await db.clock.set(db.clock.nowMs + 7 * MIN);
    await traffic(db.clock.nowMs - 7 * MIN, db.clock.nowMs, 3);
    for (const e of running.values()) await rt.scheduler.runOnce(e);
    expect(rt.scheduler.pendingReloads()).toEqual([]);
    const published = (name: string) => rt.store.samplesFor(name);
    const config = rt.config;
    const au = running.has('active_users') ? ACTIVE_FAMILIES.flatMap((m) => published(m.name)) : null;
    const rv = published(M.arpu.name);
    await expectExact(au, rv, config, step);
    // Every exposed series once: the shared store's self-metrics are not published twice.
    const text = await exposed();
    const series = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(new Set(series.map((l) => l.slice(0, l.lastIndexOf(' ')))).size).toBe(series.length);
    return series
      .filter((l) => l.startsWith(`${M.rollupStateBytes.name}{`))
      .map((l) => /collector="([^"]+)"/.exec(l)![1]!)
      .sort();
  };
  const reload = (next: Config) => {
    const before = new Map([...running].map(([n, e]) => [n, e.key]));
    reloadRuntime(rt, next, silent);
    running = new Map(
      rt.entries.map((e) => [e.collector.name, before.get(e.collector.name) === e.key ? running.get(e.collector.name)! : e]),
    );
    return rt.entries;
  };
  try {
    expect(await check('built')).toEqual(['active_users', 'revenue']);
    const kept = [...running.values()];
    reload(pairConfig({ active_users: { enabled: true, interval: '2d', timeout: 20 } }, { state_dir: undefined }));
    for (const [i, e] of [...running.values()].entries()) expect(e).toBe(kept[i]);
    expect(await check('active_users interval changed')).toEqual(['active_users', 'revenue']);

    reload(pairConfig({ active_users: { enabled: false } }, { state_dir: undefined }));
    expect(running.get('revenue')).not.toBe(kept[1]);
    expect(running.get('revenue')!.collector.windowStates!.map((s) => s.name)).toEqual(['revenue', 'revenue_active_users']);
    expect(await check('active_users off')).toEqual(['revenue', 'revenue_active_users']);

    reload(pairConfig({}, { state_dir: undefined }));
    const rv = running.get('revenue')!;
    expect(rv.collector.windowStates!.map((s) => s.name)).toEqual(['revenue']);
    expect(await check('active_users on again')).toEqual(['active_users', 'revenue']);
  } finally {
    await rt.scheduler.stop();
  }
});
