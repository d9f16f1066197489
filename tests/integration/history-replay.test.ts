/**
 * The backfill replays history forward with one set of collectors whose incremental state (counter
 * horizons and totals, window facts, full refreshes) carries from instant to instant. At chosen
 * instants its samples must equal what fresh collectors compute at that same pinned instant from the
 * whole database: every metric the replay writes, every series, exactly. Real PostgreSQL, 35 days of
 * simulated history (longer than the 30-day windows, so facts leave them during the replay).
 */
import { M } from '../../shared/catalogue';
import { scheduledCollectors } from '../../exporter/src/app';
import { parseConfig } from '../../exporter/src/config/load';
import { seedHistory } from '../../exporter/src/demo/simulator';
import { labelKey } from '../../exporter/src/metrics/labels';
import { isHistogramSample, type Sample } from '../../exporter/src/metrics/sample';
import { historyInstants, replayConfig, simulateHistory } from '../../scripts/stack/history';
import { collectOnce } from '../support/collect';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { pinClock } from '../support/pinned-clock';

jest.setTimeout(600_000);

const END = new Date('2026-11-18T09:20:00Z');
const DAYS = 35;
const DAY = 86_400_000;

// Engine memory, not a business number: a replayed store grows by doubling, a fresh one is sized to
// its first load, so the bytes differ while the facts are the same.
const NOT_COMPARED = new Set<string>([M.rollupStateBytes.name]);

/**
 * Counts compare exactly. A money or seconds total accumulated over many increments differs from one
 * SQL sum in the last bits of a double (416.98599999999993 against 416.986): twelve significant
 * digits keep every count exact and every amount to far below a cent.
 */
const round = (v: number) => (Number.isInteger(v) ? v : Number(v.toPrecision(12)));

type Flat = Record<string, number | { buckets: readonly number[]; sum: number; count: number }>;

function flatten(samples: readonly Sample[]): Flat {
  const out: Flat = {};
  for (const s of samples) {
    if (NOT_COMPARED.has(s.metric.name)) continue;
    const key = `${s.metric.name}{${labelKey(s.labels)}}`;
    if (key in out) throw new Error(`duplicate series ${key}`);
    out[key] = isHistogramSample(s) ? { buckets: s.buckets, sum: round(s.sum), count: s.count } : round(s.value);
  }
  return out;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('pulse_replay');
});
afterAll(async () => {
  await db?.drop();
});

test('replayed samples equal fresh collectors at the same pinned instant, for every metric the replay writes', async () => {
  await seedHistory(db.pool, { seed: 11, days: DAYS, sessionsPerDay: 160, end: END });
  const config = parseConfig(
    { database: { url: db.url }, collection: { settle_lag: 0 }, demo: { mode: 'off' }, log: { level: 'silent' } },
    { env: {} },
  );
  // A 6-hour grid plus the minute-by-minute stretches of the real backfill (every 10 minutes here).
  const instants = historyInstants(END, DAYS, 6 * 3600, undefined, 600);
  const firstMs = instants[0]!.getTime();
  // The first instant, one inside the first day, the 1d/7d/30d edges after the start, one past 31
  // days (facts have left the 30-day window and full refreshes have run), a dense-stretch minute,
  // and the last.
  const wanted = [0, DAY / 4, DAY, 7 * DAY + 6 * 3600_000, 30 * DAY, 31 * DAY + 12 * 3600_000].map((off) => firstMs + off);
  const dense = instants.find((t) => t.getTime() > END.getTime() - 30 * DAY - 30 * 60_000 && t.getTime() % 3600_000 !== 0)!;
  const checks = new Set([...wanted, dense.getTime(), END.getTime()]);
  expect(instants.filter((t) => checks.has(t.getTime()))).toHaveLength(checks.size);

  const replayed = new Map<number, Map<string, Flat>>();
  const everyMetric = new Set<string>();
  const drift: string[] = [];
  const { text } = await simulateHistory({
    config,
    instants,
    job: 'pulse',
    instance: 'replay:9464',
    onInstant(at, produced) {
      for (const samples of produced.values()) {
        for (const s of samples) {
          everyMetric.add(s.metric.name);
          // The replay never diverges from a full refresh: published drift stays 0 all along.
          if (s.metric.name === M.rollupDrift.name && 'value' in s && s.value !== 0)
            drift.push(`${at.toISOString()} ${s.labels.collector}`);
        }
      }
      if (!checks.has(at.getTime())) return;
      replayed.set(at.getTime(), new Map([...produced].map(([name, samples]) => [name, flatten(samples)])));
    },
  });
  expect(drift).toEqual([]);
  expect(replayed.size).toBe(checks.size);

  const clock = await pinClock(db, firstMs);
  const compared = new Set<string>();
  let series = 0;
  try {
    for (const at of [...checks].sort((a, b) => a - b)) {
      await clock.set(at);
      // Fresh instances: no state, the first cycle reads the whole history up to the pinned now().
      // Built as the replay builds them (row versions and the open tail, not the seed's wall-clock stamps).
      const replaying = replayConfig(config);
      for (const e of scheduledCollectors(replaying).filter((x) => x.collector.usesDatabase)) {
        const fresh = flatten(await collectOnce(e.collector, clock.pool, replaying));
        const replay = replayed.get(at)!.get(e.collector.name);
        expect({ at: new Date(at).toISOString(), collector: e.collector.name, series: replay }).toEqual({
          at: new Date(at).toISOString(),
          collector: e.collector.name,
          series: fresh,
        });
        for (const key of Object.keys(fresh)) compared.add(key.slice(0, key.indexOf('{')));
        series += Object.keys(fresh).length;
      }
    }
  } finally {
    await clock.end();
  }
  // Every metric the replay wrote was compared, and the comparison was not vacuous.
  expect([...everyMetric].filter((m) => !NOT_COMPARED.has(m) && !compared.has(m))).toEqual([]);
  expect(series).toBeGreaterThan(500);
  for (const m of compared) expect(text).toContain(m.replace(/_total$/, ''));
  // Business numbers are non-trivial at the last instant (the comparison is not of empty sets).
  const last = replayed.get(END.getTime())!;
  const orders = Object.entries(last.get('orders')!).filter(([k]) => k.startsWith(`${M.ordersTotal.name}{`));
  expect(orders.reduce((n, [, v]) => n + (v as number), 0)).toBeGreaterThan(50);
});
