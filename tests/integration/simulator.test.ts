/**
 * The demo simulator against a real PostgreSQL server: deterministic for a seed, plausible shares,
 * every label value present, visible seasonality, consistent rows, and live ticks landing at "now".
 */
import { LiveTraffic, seedHistory, type SimulationStats } from '../../exporter/src/demo/simulator';
import { TABLE_ORDER } from '../../exporter/src/demo/rows';
import { createTestDatabase, type TestDatabase } from '../support/db';

const END = new Date('2026-03-02T12:00:00Z');
const OPTS = { seed: 20260302, days: 21, sessionsPerDay: 1500, end: END };

let a: TestDatabase;
let b: TestDatabase;
let statsA: SimulationStats;
let statsB: SimulationStats;

beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabase('pulse_sim'), createTestDatabase('pulse_sim')]);
  const progress: number[] = [];
  statsA = await seedHistory(a.pool, { ...OPTS, onProgress: (p) => progress.push(p.day) });
  statsB = await seedHistory(b.pool, OPTS);
  expect(progress).toEqual(Array.from({ length: OPTS.days }, (_, i) => i + 1));
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.drop(), b?.drop()]);
});

async function rowCounts(db: TestDatabase): Promise<Record<string, number>> {
  const sql = `SELECT ${TABLE_ORDER.map((t) => `(SELECT count(*) FROM ${t})::int AS ${t}`).join(', ')}`;
  return (await db.pool.query(sql)).rows[0];
}

// Fingerprints of content, not just volume: amounts, ids, timestamps and label values.
const AGGREGATES = `
  SELECT (SELECT sum(total_amount)::text FROM orders) AS gmv,
         (SELECT md5(string_agg(provider || provider_ref || status || coalesce(failure_code, ''), ',' ORDER BY id)) FROM payments) AS payments,
         (SELECT md5(string_agg(visitor_id || platform || channel || started_at::text, ',' ORDER BY id)) FROM sessions) AS sessions,
         (SELECT sum(load_time_ms)::text FROM page_views) AS load_time,
         (SELECT md5(string_agg(type || occurred_at::text, ',' ORDER BY id)) FROM events) AS events`;

test('the same seed and end give identical databases', async () => {
  const [countsA, countsB] = await Promise.all([rowCounts(a), rowCounts(b)]);
  expect(countsA).toEqual(countsB);
  expect(statsA).toEqual(statsB);
  expect(countsA).toEqual(statsA); // the stats count exactly the rows written
  const [aggA, aggB] = await Promise.all([a.pool.query(AGGREGATES), b.pool.query(AGGREGATES)]);
  expect(aggA.rows[0]).toEqual(aggB.rows[0]);
  for (const t of TABLE_ORDER) expect(countsA[t]).toBeGreaterThan(0);
});

test('a different seed gives a different marketplace', async () => {
  const c = await createTestDatabase('pulse_sim');
  try {
    await seedHistory(c.pool, { ...OPTS, seed: OPTS.seed + 1, days: 3 });
    const [aggA, aggC] = await Promise.all([a.pool.query(AGGREGATES), c.pool.query(AGGREGATES)]);
    expect(aggC.rows[0].payments).not.toEqual(aggA.rows[0].payments);
  } finally {
    await c.drop();
  }
});

test('payment failures are 2–5 % and their columns are consistent', async () => {
  const { rows } = await a.pool.query(`
    SELECT count(*) FILTER (WHERE status = 'failed')::float8 / count(*) AS failed_share,
           count(*) FILTER (WHERE status = 'failed' AND (failure_code IS NULL OR failed_at IS NULL OR succeeded_at IS NOT NULL))::int AS bad_failed,
           count(*) FILTER (WHERE status IN ('succeeded', 'refunded', 'disputed') AND succeeded_at IS NULL)::int AS bad_succeeded,
           count(*) FILTER (WHERE status = 'refunded' AND refunded_at IS NULL)::int AS bad_refunded,
           count(*) FILTER (WHERE status = 'disputed' AND disputed_at IS NULL)::int AS bad_disputed,
           count(*) FILTER (WHERE succeeded_at > created_at + interval '1 minute')::int AS late_successes,
           count(*) FILTER (WHERE updated_at < greatest(created_at, succeeded_at, failed_at, refunded_at, disputed_at))::int AS stale_updated,
           count(*) FILTER (WHERE provider = 'stripe' AND provider_ref !~ '^ch_[A-Za-z0-9]{24}$')::int AS bad_stripe_ref,
           count(*) FILTER (WHERE provider = 'paypal' AND provider_ref !~ '^[A-Z0-9]{17}$')::int AS bad_paypal_ref,
           count(DISTINCT failure_code)::int AS failure_codes
      FROM payments`);
  const r = rows[0];
  expect(r.failed_share).toBeGreaterThanOrEqual(0.02);
  expect(r.failed_share).toBeLessThanOrEqual(0.05);
  expect(r).toMatchObject({
    bad_failed: 0,
    bad_succeeded: 0,
    bad_refunded: 0,
    bad_disputed: 0,
    stale_updated: 0,
    bad_stripe_ref: 0,
    bad_paypal_ref: 0,
  });
  expect(r.late_successes).toBeGreaterThan(0); // pending → succeeded minutes later
  expect(r.failure_codes).toBeGreaterThanOrEqual(3);
  const refunds = await a.pool.query(`
    SELECT count(*)::int AS n,
           count(*) FILTER (WHERE p.refunded_at IS NULL OR p.refunded_at <> r.created_at OR r.amount > p.amount OR r.currency <> p.currency)::int AS bad
      FROM refunds r JOIN payments p ON p.id = r.payment_id`);
  expect(refunds.rows[0].n).toBeGreaterThan(0);
  expect(refunds.rows[0].bad).toBe(0);
});

test('every currency, provider, platform and channel is present, plus rare unknown values', async () => {
  const distinct = async (sql: string) => (await a.pool.query<{ v: string }>(sql)).rows.map((r) => r.v.trim()).sort();
  expect(await distinct(`SELECT DISTINCT currency AS v FROM orders`)).toEqual(['EUR', 'GBP', 'USD']);
  expect(await distinct(`SELECT DISTINCT provider AS v FROM payments`)).toEqual(['paypal', 'stripe']);
  expect(await distinct(`SELECT DISTINCT platform AS v FROM sessions`)).toEqual(expect.arrayContaining(['android', 'ios', 'web']));
  expect(await distinct(`SELECT DISTINCT channel AS v FROM sessions`)).toEqual(
    expect.arrayContaining(['direct', 'email', 'organic', 'paid', 'referral', 'social']),
  );
  expect(await distinct(`SELECT DISTINCT type AS v FROM events`)).toEqual(
    expect.arrayContaining(['add_to_cart', 'checkout', 'click', 'product_view', 'search', 'wishlist']),
  );
  expect(await distinct(`SELECT DISTINCT status AS v FROM carts`)).toEqual(expect.arrayContaining(['abandoned', 'converted']));
  // Values outside the default allow-lists, so the demo shows folding into `other`.
  const unknown = await a.pool.query(`
    SELECT (SELECT count(*) FROM sessions WHERE platform NOT IN ('web', 'ios', 'android'))::int AS platforms,
           (SELECT count(*) FROM sessions WHERE channel NOT IN ('direct', 'organic', 'paid', 'social', 'email', 'referral'))::int AS channels,
           (SELECT count(*) FROM events WHERE type NOT IN ('click', 'search', 'product_view', 'add_to_cart', 'checkout', 'wishlist'))::int AS events,
           (SELECT count(*) FROM orders WHERE category NOT IN ('electronics', 'fashion', 'home', 'beauty', 'sports', 'toys', 'books', 'grocery'))::int AS categories`);
  for (const n of Object.values(unknown.rows[0])) expect(n).toBeGreaterThan(0);
});

test('business shapes: returning and signed-in visits, bounces, high-value orders, low-credit sellers, security noise', async () => {
  const { rows } = await a.pool.query(`
    SELECT (SELECT count(*) FROM (SELECT visitor_id FROM sessions GROUP BY visitor_id HAVING count(*) > 1) v)::int AS returning_visitors,
           (SELECT count(*) FILTER (WHERE user_id IS NULL)::float8 / count(*) FROM sessions) AS anonymous_share,
           (SELECT count(*)::float8 / (SELECT count(*) FROM sessions) FROM (SELECT session_id FROM page_views GROUP BY session_id HAVING count(*) = 1) s) AS bounce_share,
           (SELECT count(*) FILTER (WHERE load_time_ms > 2000)::float8 / count(*) FROM page_views) AS slow_share,
           (SELECT count(*) FILTER (WHERE http_status >= 500)::int FROM page_views) AS errors_5xx,
           (SELECT count(*) FILTER (WHERE total_amount >= 500)::int FROM orders) AS high_value,
           (SELECT count(*) FILTER (WHERE credits_used > 0.9 * credits_total)::int FROM sellers) AS low_credit,
           (SELECT count(*) FILTER (WHERE churned_at IS NOT NULL)::int FROM sellers) AS churned,
           (SELECT count(*) FILTER (WHERE closed_at IS NOT NULL AND csat_score IS NULL)::int FROM support_tickets) AS unscored,
           (SELECT count(*) FILTER (WHERE NOT success)::int FROM login_events) AS failed_logins,
           (SELECT max(n)::int FROM (SELECT count(*) AS n FROM login_events WHERE NOT success AND user_id IS NOT NULL GROUP BY user_id, date_trunc('hour', occurred_at)) x) AS worst_account_hour,
           (SELECT count(*)::int FROM profile_changes WHERE field = 'payout_account') AS payout_changes,
           (SELECT count(DISTINCT action)::int FROM audit_log WHERE action IN ('export', 'bulk_delete', 'role_change')) AS audit_actions,
           (SELECT count(*)::int FROM incidents WHERE severity = 'minor') AS minor_incidents`);
  const r = rows[0];
  expect(r.returning_visitors).toBeGreaterThan(100);
  expect(r.anonymous_share).toBeGreaterThan(0.2);
  expect(r.anonymous_share).toBeLessThan(0.9);
  expect(r.bounce_share).toBeGreaterThan(0.2);
  expect(r.bounce_share).toBeLessThan(0.6);
  expect(r.slow_share).toBeGreaterThan(0.01);
  expect(r.slow_share).toBeLessThan(0.2);
  expect(r.errors_5xx).toBeGreaterThan(0);
  expect(r.high_value).toBeGreaterThan(0);
  expect(r.low_credit).toBeGreaterThan(0);
  expect(r.churned).toBeGreaterThan(0);
  expect(r.unscored).toBeGreaterThan(0);
  expect(r.failed_logins).toBeGreaterThan(0);
  expect(r.worst_account_hour).toBeGreaterThanOrEqual(20); // a credential-stuffing burst against one account
  expect(r.payout_changes).toBeGreaterThan(0);
  expect(r.audit_actions).toBe(3);
  expect(r.minor_incidents).toBeGreaterThan(0);
});

test('seasonality: the evening peak hour has far more sessions than the night trough', async () => {
  const { rows } = await a.pool.query<{ h: number; n: number }>(
    `SELECT extract(hour FROM started_at AT TIME ZONE 'UTC')::int AS h, count(*)::int AS n FROM sessions GROUP BY 1 ORDER BY 1`,
  );
  const byHour = new Map(rows.map((r) => [r.h, r.n]));
  const peak = Math.max(...rows.map((r) => r.n));
  const trough = Math.min(...rows.map((r) => r.n));
  expect(peak).toBeGreaterThan(3 * trough);
  expect(byHour.get(20)!).toBeGreaterThan(3 * byHour.get(3)!);
});

test('rows are consistent with each other and nothing lies after the end of the history', async () => {
  const { rows } = await a.pool.query(`
    SELECT (SELECT count(*) FROM sessions WHERE ended_at < started_at)::int AS sessions_backwards,
           (SELECT count(*) FROM page_views v JOIN sessions s ON s.id = v.session_id WHERE v.viewed_at < s.started_at)::int AS views_before_session,
           (SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.created_at < u.created_at)::int AS orders_before_signup,
           (SELECT count(*) FROM orders o JOIN sellers s ON s.id = o.seller_id WHERE s.approved_at IS NULL OR o.created_at < s.approved_at)::int AS orders_unapproved_seller,
           (SELECT count(*) FROM carts WHERE (status = 'abandoned') <> (abandoned_at IS NOT NULL))::int AS carts_inconsistent,
           (SELECT count(*) FROM orders o WHERE (SELECT count(*) FROM payments p WHERE p.order_id = o.id) <> 1)::int AS orders_without_one_payment,
           (SELECT count(*) FROM orders o JOIN payments p ON p.order_id = o.id WHERE (o.status = 'cancelled') <> (p.status = 'failed'))::int AS order_payment_mismatch,
           (SELECT count(*) FROM sellers WHERE credits_used > credits_total)::int AS overspent,
           (SELECT count(*) FROM support_tickets WHERE closed_at IS NULL AND csat_score IS NOT NULL)::int AS open_scored,
           (SELECT greatest(
              (SELECT max(started_at) FROM sessions), (SELECT max(ended_at) FROM sessions), (SELECT max(viewed_at) FROM page_views),
              (SELECT max(created_at) FROM refunds), (SELECT max(created_at) FROM returns), (SELECT max(succeeded_at) FROM payments),
              (SELECT max(closed_at) FROM support_tickets), (SELECT max(resolved_at) FROM incidents), (SELECT max(churned_at) FROM sellers))) AS latest`);
  const r = rows[0];
  expect(r).toMatchObject({
    sessions_backwards: 0,
    views_before_session: 0,
    orders_before_signup: 0,
    orders_unapproved_seller: 0,
    carts_inconsistent: 0,
    orders_without_one_payment: 0,
    order_payment_mismatch: 0,
    overspent: 0,
    open_scored: 0,
  });
  expect(new Date(r.latest).getTime()).toBeLessThanOrEqual(END.getTime());
});

test('live traffic appends rows stamped around now, after a seeded history, without id collisions', async () => {
  const db = await createTestDatabase('pulse_sim');
  try {
    // History ends a minute ago, so the rows of the tick's 30 s window are the tick's own.
    await seedHistory(db.pool, { seed: 3, days: 2, sessionsPerDay: 800, end: new Date(Date.now() - 60_000) });
    // The first tick covers one interval: 30 s at 600 sessions/minute is dozens of sessions even at night.
    const live = new LiveTraffic(db.pool, { seed: 3, sessionsPerMinute: 600, intervalMs: 30_000 });
    const before = Date.now();
    const stats = await live.tick();
    const after = Date.now();
    await live.stop();
    expect(stats.sessions).toBeGreaterThan(0);
    expect(stats.page_views).toBeGreaterThan(0);
    const { rows } = await db.pool.query(
      `SELECT min(started_at) AS first, max(started_at) AS last, count(*)::int AS n FROM sessions WHERE started_at >= to_timestamp($1 / 1000.0) - interval '30 seconds'`,
      [before],
    );
    expect(rows[0].n).toBe(stats.sessions);
    expect(new Date(rows[0].first).getTime()).toBeGreaterThanOrEqual(before - 30_000);
    expect(new Date(rows[0].last).getTime()).toBeLessThanOrEqual(after);
    // Leftovers of the history were settled, so nothing waits forever.
    const pending = await db.pool.query(
      `SELECT count(*)::int AS n FROM payments WHERE status = 'pending' AND created_at < to_timestamp($1 / 1000.0) - interval '30 seconds'`,
      [before],
    );
    expect(pending.rows[0].n).toBe(0);
    // Sequences moved past the simulator's ids: a default-id insert does not collide.
    await db.pool.query(`INSERT INTO users (created_at) VALUES (now())`);
  } finally {
    await db.drop();
  }
});

test('live traffic finishes what it started: sessions end, carts settle, payments confirm as their moments pass', async () => {
  const db = await createTestDatabase('pulse_sim');
  try {
    let now = Date.parse('2026-03-04T19:00:00Z'); // evening traffic
    const live = new LiveTraffic(db.pool, { seed: 11, sessionsPerMinute: 100, intervalMs: 300_000, clock: () => now });
    const first = await live.tick();
    expect(first.sessions).toBeGreaterThan(100);
    const open = await db.pool.query(`SELECT count(*) FILTER (WHERE ended_at IS NULL)::int AS sessions FROM sessions`);
    expect(open.rows[0].sessions).toBeGreaterThan(0); // visits still going on when the tick ran

    const firstIds = await db.pool.query(`SELECT max(id)::int AS s FROM sessions`);
    now += 3 * 3_600_000;
    const second = await live.tick();
    expect(second.page_views).toBeGreaterThan(0);
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*) FROM sessions WHERE id <= $1 AND ended_at IS NULL)::int AS open_sessions,
              (SELECT count(*) FROM carts WHERE session_id <= $1 AND status = 'open')::int AS open_carts,
              (SELECT count(*) FROM carts WHERE session_id <= $1 AND status <> 'open')::int AS settled_carts,
              (SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.session_id <= $1 AND p.status = 'pending')::int AS pending_payments,
              (SELECT count(*) FROM orders o WHERE o.session_id <= $1)::int AS orders,
              (SELECT count(*) FROM sessions WHERE ended_at > to_timestamp($2 / 1000.0))::int AS from_the_future`,
      [firstIds.rows[0].s, now],
    );
    expect(rows[0]).toMatchObject({ open_sessions: 0, open_carts: 0, pending_payments: 0, from_the_future: 0 });
    expect(rows[0].settled_carts).toBeGreaterThan(0);
    expect(rows[0].orders).toBeGreaterThan(0);
    await live.stop();
  } finally {
    await db.drop();
  }
});
