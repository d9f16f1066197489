/**
 * A first build streams its facts through a server-side cursor a batch at a time, and sizes its
 * arrays from the cursor's row count. With batches of a few rows (boundaries inside ties on the event
 * time), with the whole window in one batch, and through a connection that reports no row count (the
 * arrays grow instead), every window collector builds the same facts in the same (t, id) order and
 * publishes the same values; the window series also equal the full-window reference SQL.
 */
import { M } from '../../../shared/catalogue';
import type { Collector, CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { activeUsers } from '../../../exporter/src/collectors/active-users';
import { bounce } from '../../../exporter/src/collectors/bounce';
import { carts } from '../../../exporter/src/collectors/carts';
import { funnel } from '../../../exporter/src/collectors/funnel';
import { logins } from '../../../exporter/src/collectors/logins';
import { revenue } from '../../../exporter/src/collectors/revenue';
import { sellers } from '../../../exporter/src/collectors/sellers';
import { support } from '../../../exporter/src/collectors/support';
import { visitors } from '../../../exporter/src/collectors/visitors';
import { setLoadBatchRows } from '../../../exporter/src/collectors/window-facts';
import { type Db, withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { labelKey } from '../../../exporter/src/metrics/labels';
import * as ref from '../../support/reference';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { testConfig } from '../../support/collect';
import { pinClock, type PinnedClock } from '../../support/pinned-clock';

const T0 = Date.UTC(2026, 6, 3, 14, 20);
const config = testConfig();

const PAIRS: { name: string; factory: CollectorFactory; reference: CollectorFactory }[] = [
  { name: 'funnel', factory: funnel, reference: ref.funnel },
  { name: 'bounce', factory: bounce, reference: ref.bounce },
  { name: 'visitors', factory: visitors, reference: ref.visitors },
  { name: 'active_users', factory: activeUsers, reference: ref.activeUsers },
  { name: 'revenue', factory: revenue, reference: ref.revenue },
  { name: 'carts', factory: carts, reference: ref.carts },
  { name: 'logins', factory: logins, reference: ref.logins },
  { name: 'support', factory: support, reference: ref.support },
  { name: 'sellers', factory: sellers, reference: ref.sellers },
];

let tdb: TestDatabase;
let clock: PinnedClock;
beforeAll(async () => {
  tdb = await createTestDatabase();
  clock = await pinClock(tdb, T0);
  // 40 days of traffic; started_at repeats every three sessions (ties on t, ordered by id), and the
  // 1,300 sessions of the 30-day window are more than a store's initial room (1,024 facts).
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) SELECT g, to_timestamp(${T0 / 1000}) - interval '60 days' FROM generate_series(1, 40) g;
    INSERT INTO sellers (id, applied_at, approved_at, churned_at)
    SELECT g, to_timestamp(${T0 / 1000}) - g * interval '1 day',
           CASE WHEN g % 3 <> 0 THEN to_timestamp(${T0 / 1000}) - g * interval '1 day' + interval '2 hours' END,
           CASE WHEN g % 7 = 0 THEN to_timestamp(${T0 / 1000}) - interval '3 days' END
      FROM generate_series(1, 45) g;
    INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at, ended_at)
    SELECT g, CASE WHEN g % 4 <> 0 THEN g % 40 + 1 END, 'v' || (g % 97), 'web', (ARRAY['organic', 'paid', 'direct'])[g % 3 + 1],
           to_timestamp(${T0 / 1000}) - (g / 3) * interval '37 minutes', to_timestamp(${T0 / 1000}) - (g / 3) * interval '37 minutes' + interval '5 minutes'
      FROM generate_series(1, 4700) g;
    INSERT INTO page_views (session_id, viewed_at, path, http_status)
    SELECT s.id, s.started_at + k * interval '1 minute', '/p', 200
      FROM sessions s, generate_series(1, 2) k WHERE k = 1 OR s.id % 2 = 0;
    INSERT INTO events (session_id, type, occurred_at)
    SELECT id, (ARRAY['product_view', 'add_to_cart', 'checkout'])[id % 3 + 1], started_at + interval '1 minute' FROM sessions WHERE id % 2 = 0;
    INSERT INTO carts (user_id, session_id, created_at, status, abandoned_at)
    SELECT user_id, id, started_at, (ARRAY['open', 'converted', 'abandoned'])[id % 3 + 1],
           CASE WHEN id % 3 = 2 THEN started_at + interval '1 hour' END
      FROM sessions WHERE id % 5 = 0;
    INSERT INTO orders (user_id, seller_id, session_id, category, created_at, status, total_amount, currency)
    SELECT id % 40 + 1, id % 45 + 1, id, 'books', started_at + interval '2 minutes', 'paid', 10 + id % 17, (ARRAY['USD', 'EUR', 'XXX'])[id % 3 + 1]
      FROM sessions WHERE id % 3 = 0;
    INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at, succeeded_at)
    SELECT id, 'stripe', 'succeeded', total_amount, currency, created_at, created_at, created_at FROM orders WHERE id % 2 = 0;
    INSERT INTO login_events (user_id, occurred_at, success, failure_reason)
    SELECT g % 40 + 1, to_timestamp(${T0 / 1000}) - (g / 2) * interval '29 minutes', g % 4 = 0, CASE WHEN g % 4 <> 0 THEN 'bad_password' END
      FROM generate_series(1, 2000) g;
    INSERT INTO support_tickets (opened_at, closed_at, csat_score)
    SELECT to_timestamp(${T0 / 1000}) - (g / 2) * interval '3 hours', to_timestamp(${T0 / 1000}) - (g / 2) * interval '3 hours' + interval '1 hour', g % 5 + 1
      FROM generate_series(1, 300) g;
    INSERT INTO reviews (order_id, rating, created_at) SELECT id, id % 5 + 1, created_at + interval '1 day' FROM orders WHERE id % 4 = 0;`);
});
afterAll(async () => {
  setLoadBatchRows(8192);
  await clock.end();
  await tdb.drop();
});

/** One first cycle in a read-only transaction; `withoutRowCount` hides the row count from the collector. */
async function firstCycle(factory: CollectorFactory, withoutRowCount = false): Promise<{ collector: Collector; samples: Sample[] }> {
  const collector = factory(config);
  const ctrl = new AbortController();
  const samples = await withReadOnly(clock.pool, 60, ctrl.signal, (db) => {
    const used: Db = withoutRowCount ? { query: (text, params) => db.query(text, params) } : db;
    return collector.collect({ db: used, config, log: createLogger('silent'), signal: ctrl.signal });
  });
  return { collector, samples };
}

/** Every fact of every window state, column by column, in store order. */
function facts(c: Collector): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const state of c.windowStates ?? []) {
    const { t, id, cols } = state.store!.view();
    out[`${state.name}.t`] = [...t];
    out[`${state.name}.id`] = [...id];
    for (const [col, a] of Object.entries(cols)) out[`${state.name}.${col}`] = [...a];
  }
  return out;
}

const SELF = new Set<string>([M.rollupDrift.name, M.rollupStateBytes.name]);
function values(samples: Sample[], only?: Collector): Record<string, number> {
  const names = only ? new Set(only.metrics.map((m) => m.name)) : null;
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (SELF.has(s.metric.name) || (names && !names.has(s.metric.name)) || !('value' in s)) continue;
    if (only && s.metric.type !== 'gauge') continue;
    out[`${s.metric.name}{${labelKey(s.labels)}}`] = s.value;
  }
  return out;
}

describe('first build streamed in batches', () => {
  test.each(PAIRS)(
    '$name: batches of 3 rows, one batch and no row count build the same facts and values',
    async ({ factory, reference }) => {
      setLoadBatchRows(1_000_000);
      const whole = await firstCycle(factory);
      setLoadBatchRows(3);
      const small = await firstCycle(factory);
      const growing = await firstCycle(factory, true);

      const expected = facts(whole.collector);
      const sizes = (whole.collector.windowStates ?? []).map((s) => s.store!.size);
      // Enough facts for batch boundaries everywhere (and, for sessions, growth past the initial room).
      expect(Math.min(...sizes)).toBeGreaterThan(6);
      for (const [key, column] of Object.entries(expected)) {
        if (!key.endsWith('.t')) continue;
        const ids = expected[key.replace(/\.t$/, '.id')]!;
        for (let i = 1; i < column.length; i++)
          expect(column[i - 1]! < column[i]! || (column[i - 1] === column[i] && ids[i - 1]! < ids[i]!)).toBe(true);
      }
      expect(facts(small.collector)).toEqual(expected);
      expect(facts(growing.collector)).toEqual(expected);
      expect(values(small.samples)).toEqual(values(whole.samples));
      expect(values(growing.samples)).toEqual(values(whole.samples));

      // Ground truth: the full-window SQL the collector replaced.
      const refCollector = reference(config);
      const ctrl = new AbortController();
      const refSamples = await withReadOnly(clock.pool, 60, ctrl.signal, (db) =>
        refCollector.collect({ db, config, log: createLogger('silent'), signal: ctrl.signal }),
      );
      expect(values(small.samples, refCollector)).toEqual(values(refSamples, refCollector));
    },
  );

  test('a build sized from the row count allocates its arrays once, with an eighth spare', async () => {
    setLoadBatchRows(50);
    const { collector } = await firstCycle(visitors);
    const store = collector.windowStates![0]!.store!;
    const n = store.size;
    expect(n).toBeGreaterThan(1024);
    // visitors: t, id, next, first (4 × f64) and the visitor's key (2 × u32) per fact.
    expect(store.bytes()).toBe((n + Math.max(1024, n >> 3)) * 40);
  });
});
