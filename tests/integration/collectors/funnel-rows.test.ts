/**
 * Funnel's cycle reads only the step rows dated in its range and ORs their bits into the facts it
 * holds. These cases are the ones where a session's rows are not all in the range that first sees the
 * session: a step dated before the session's start, read while the session still lies after now (by a
 * running collector, and by one whose first load comes after the row); a new session re-read in the
 * settle_lag overlap, its earlier step no longer in the range; and a state saved before facts after
 * now were kept, which is discarded rather than resumed. And steps dated after now, which count at
 * once: read with the range while they are few, and through a full probe of the new sessions where
 * they are many (a history replayed at a past instant). Each is checked against the full-window
 * reference (tests/support/reference/funnel.ts) on a pinned clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { funnel } from '../../../exporter/src/collectors/funnel';
import type { Collector } from '../../../exporter/src/collectors/types';
import type { Config } from '../../../exporter/src/config/load';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import * as ref from '../../support/reference';
import { build, collectOnce, seriesOf, testConfig, valueOf } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';

const T0 = Date.UTC(2026, 5, 3, 12, 0);
const MIN = 60_000;
const STEPS = ['visit', 'product_view', 'add_to_cart', 'checkout', 'paid'] as const;
const db = pinnedDatabase(T0);
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  await db.tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, '2026-01-01');
    INSERT INTO sellers (id, applied_at) VALUES (1, '2026-01-01');
    INSERT INTO sessions (visitor_id, platform, channel, started_at)
    SELECT 'old' || g, 'web', 'organic', to_timestamp(${T0 / 1000}) - g * interval '3 hours' FROM generate_series(1, 20) g;
    INSERT INTO events (session_id, type, occurred_at) SELECT id, 'product_view', started_at FROM sessions WHERE id % 2 = 0;`);
});

/** Funnel steps (1d) as published. */
const steps = (s: Sample[]) => STEPS.map((step) => valueOf(s, M.funnelSessions.name, { step, window: '1d' })!);

/** The collector's funnel and conversion series equal the reference's; its 1d steps are returned. */
async function exact(c: Collector, config: Config): Promise<number[]> {
  const got = await collectOnce(c, db.clock.pool, config);
  const want = await collectOnce(ref.funnel(config), db.clock.pool, config);
  const series = (samples: Sample[]) => ({
    ...seriesOf(samples, M.funnelSessions.name),
    ...Object.fromEntries(Object.entries(seriesOf(samples, M.conversionRatio.name)).map(([k, v]) => [`conversion ${k}`, v])),
  });
  expect(series(got)).toEqual(series(want));
  return steps(got);
}

async function session(startMs: number, visitor: string): Promise<number> {
  const { rows } = await db.tdb.pool.query(
    `INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ($1, 'web', 'paid', $2) RETURNING id`,
    [visitor, iso(startMs)],
  );
  return Number(rows[0].id);
}
/** An order of the session created at `createdMs`, with a payment that succeeded at `paidMs` unless null. */
async function order(sid: number, createdMs: number, paidMs: number | null): Promise<void> {
  const { rows } = await db.tdb.pool.query(
    `INSERT INTO orders (user_id, seller_id, session_id, category, created_at, status, total_amount, currency)
     VALUES (1, 1, $1, 'books', $2, 'paid', 5, 'USD') RETURNING id`,
    [sid, iso(createdMs)],
  );
  if (paidMs !== null)
    await db.tdb.pool.query(
      `INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at, succeeded_at)
       VALUES ($1, 'stripe', 'succeeded', 5, 'USD', $2, $2, $2)`,
      [rows[0].id, iso(paidMs)],
    );
}
const event = (sid: number, type: string, atMs: number) =>
  db.tdb.pool.query(`INSERT INTO events (session_id, type, occurred_at) VALUES ($1, $2, $3)`, [sid, type, iso(atMs)]);

test('a step dated before its session starts, read while the session lies after now, counts once it starts', async () => {
  const config = testConfig();
  const running = build(funnel, config);
  await db.clock.set(T0);
  const before = await exact(running, config);
  // Sessions starting at T0 + 10 min, committed now, each with one kind of step row dated T0 + 1 min:
  // a checkout; an order; a payment success of an order created once the session started.
  const early = T0 + MIN;
  const withEvent = await session(T0 + 10 * MIN, 'later-event');
  await event(withEvent, 'checkout', early);
  await order(await session(T0 + 10 * MIN, 'later-order'), early, null);
  await order(await session(T0 + 10 * MIN, 'later-payment'), T0 + 11 * MIN, early);
  // The rows are read now; the sessions are counted in no window yet.
  await db.clock.set(T0 + 2 * MIN);
  expect(await exact(running, config)).toEqual(before);
  // A collector whose first load is now, after the rows were dated: it holds the sessions too.
  const loadedLater = build(funnel, config);
  expect(await exact(loadedLater, config)).toEqual(before);
  // The sessions have started; of their rows only the last order (T0 + 11 min) is in this range.
  await db.clock.set(T0 + 15 * MIN);
  const gained = [3, 0, 0, 1, 1]; // visit, product_view, add_to_cart, checkout, paid
  expect(await exact(running, config)).toEqual(before.map((v, i) => v + gained[i]!));
  expect(await exact(loadedLater, config)).toEqual(before.map((v, i) => v + gained[i]!));
});

test('a new session re-read in the settle_lag overlap keeps a step dated before the overlap', async () => {
  const config = testConfig({ collection: { settle_lag: 120 } });
  const c = build(funnel, config);
  const t = T0 + 60 * MIN;
  await db.clock.set(t);
  const before = await exact(c, config);
  // Started at t + 150 s with an add to cart dated before it, at t + 60 s.
  const sid = await session(t + 150_000, 'overlap');
  await event(sid, 'add_to_cart', t + 60_000);
  await db.clock.set(t + 200_000);
  const gained = [1, 0, 1, 0, 0];
  expect(await exact(c, config)).toEqual(before.map((v, i) => v + gained[i]!));
  // The next range starts at t + 80 s (200 s - settle_lag): the session is new again, its step is not.
  await db.clock.set(t + 300_000);
  expect(await exact(c, config)).toEqual(before.map((v, i) => v + gained[i]!));
});

test('a step dated after now counts at once, for a new session and for an older one', async () => {
  const config = testConfig();
  const t = T0 + 2 * 60 * MIN;
  await db.clock.set(t);
  const older = await session(t - 10 * MIN, 'older');
  const c = build(funnel, config);
  const before = await exact(c, config);
  // An add to cart of the older session and a checkout of a new one, both dated hours after now; an
  // order created after now, and a payment of an order of now that succeeds after now.
  await event(older, 'add_to_cart', t + 60 * MIN);
  await event(await session(t + 30_000, 'new'), 'checkout', t + 120 * MIN);
  await order(await session(t + 30_000, 'ordered-later'), t + 60 * MIN, null);
  await order(await session(t + 30_000, 'paid-later'), t + 40_000, t + 60 * MIN);
  await db.clock.set(t + MIN);
  expect(await exact(c, config)).toEqual(before.map((v, i) => v + [3, 0, 1, 1, 1][i]!));
});

test('with many step rows dated after now (a replayed history), new sessions are probed in full', async () => {
  const config = testConfig();
  const t = T0 + 4 * 60 * MIN;
  await db.clock.set(t);
  const c = build(funnel, config);
  const before = await exact(c, config);
  // 1,000 product views dated after now (one future session's), and a new session with a paid order
  // whose payment succeeds after now.
  const crowd = await session(t + 600 * MIN, 'crowd');
  await db.tdb.pool.query(
    `INSERT INTO events (session_id, type, occurred_at) SELECT $1, 'product_view', $2::timestamptz + g * interval '1 second' FROM generate_series(1, 1000) g`,
    [crowd, iso(t + 601 * MIN)],
  );
  await order(await session(t + 30_000, 'paid-later'), t + 40_000, t + 90 * MIN);
  await db.clock.set(t + MIN);
  expect(await exact(c, config)).toEqual(before.map((v, i) => v + [1, 0, 0, 0, 1][i]!));
});

test('a funnel state saved before facts after now were kept is discarded with one log line and rebuilt', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-funnel-state-'));
  try {
    const config = testConfig({ collection: { settle_lag: 0, state_dir: dir } });
    const lines: string[] = [];
    const collect = (c: Collector) => {
      const log = createLogger('info', { write: (l: string) => void lines.push(l) });
      const ctrl = new AbortController();
      return withReadOnly(db.clock.pool, 30, ctrl.signal, (d) => c.collect({ db: d, config, log, signal: ctrl.signal }));
    };
    // The same collector as the previous version saved it: no state version in its fingerprint.
    const previous = build(funnel, config);
    const spec = previous.windowStates![0]!.spec as { stateVersion?: number };
    spec.stateVersion = undefined;
    await collect(previous);
    const resumed = build(funnel, config);
    await collect(resumed);
    const discarded = lines.filter(
      (l) => l.includes('window state discarded') && l.includes('built from another database or configuration'),
    );
    expect(discarded).toHaveLength(1);
    expect(lines.filter((l) => l.includes('window state restored'))).toHaveLength(0);
    // Its own state, saved by that cycle, is resumed by the next instance.
    await collect(build(funnel, config));
    expect(lines.filter((l) => l.includes('window state restored'))).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
