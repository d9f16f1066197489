/**
 * Bulk data for benchmarks: builds the reference schema in a real PostgreSQL database and fills it
 * server-side (INSERT … SELECT FROM generate_series), N orders at a constant daily rate, so 10M
 * orders means a longer history, not a busier today. Secondary indexes are built after the load.
 *
 *   npx tsx bench/generate-data.ts --url postgres://postgres:postgres@127.0.0.1:5432/bench_1m --orders 1000000
 *
 * Options: --orders-per-day (default 10000), --seed (default 42). Replaces the contract tables.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { TABLE_ORDER as TABLES } from '../exporter/src/demo/rows';
import { schemaParts } from './lib/schema';

/** Rows per INSERT statement: keeps each transaction moderate and gives progress on big tables. */
const CHUNK = 2_000_000;
const DAY = 86_400;

interface Plan {
  orders: number;
  days: number;
  end: number; // epoch seconds
  start: number;
  users: number;
  sellers: number;
  sessions: number;
}

function plan(orders: number, ordersPerDay: number): Plan {
  const days = Math.max(1, Math.ceil(orders / ordersPerDay));
  const end = Math.floor(Date.now() / 1000 / 60) * 60;
  return {
    orders,
    days,
    end,
    start: end - days * DAY,
    users: Math.ceil(orders / 5),
    sellers: Math.max(10, Math.ceil(orders / 1000)),
    sessions: 2 * orders,
  };
}

/** SQL snippets shared by the generators; every time is epoch seconds until to_timestamp(). */
function sqlHelpers(p: Plan) {
  const span = p.end - p.start;
  const userStart = p.start - 30 * DAY; // users and sellers predate the history a little
  const sellerStart = p.start - 90 * DAY;
  return {
    /**
     * Start of session `i`: sessions are spread evenly, so order k (session 2k) inherits its time.
     * The last ten minutes stay free so page views, orders and payments that follow still lie in the past.
     */
    sessionAt: (i: string) => `(${p.start} + (${i} - 0.5) * ${(span - 600) / p.sessions})`,
    /** Evenly spread moment of row `i` of `n`. */
    spread: (i: string, n: number) => `(${p.start} + (${i} - 0.5) * ${span / n})`,
    /** A user registered by time `t` (user ids are in signup order). */
    userAt: (t: string) => `(1 + floor(random() * greatest(1, floor((${t} - ${userStart}) / ${p.end - userStart} * ${p.users}))))::bigint`,
    userCreated: (u: string) => `to_timestamp(${userStart} + (${u} - 1) * ${(p.end - userStart) / p.users})`,
    /** A seller approved by `t`, skewed to older sellers so a few of them take most orders. */
    sellerAt: (t: string) =>
      `(1 + floor(random() ^ 2 * greatest(1, floor((${t} - ${sellerStart}) / ${p.end - sellerStart} * ${p.sellers}))))::bigint`,
    sellerApproved: (s: string) => `(${sellerStart} + (${s} - 1) * ${(p.end - sellerStart) / p.sellers})`,
    pick: (values: string[]) => `(ARRAY[${values.map((v) => `'${v}'`).join(',')}])[1 + floor(random() * ${values.length})::int]`,
    normal: `(sqrt(-2 * ln(greatest(random(), 1e-12))) * cos(2 * pi() * random()))`,
    ts: (x: string) => `to_timestamp(${x})`,
    end: p.end,
  };
}

interface TableLoad {
  table: string;
  rows: number;
  /** SQL inserting rows lo..hi ($1, $2). */
  sql: string;
}

function loads(p: Plan): TableLoad[] {
  const h = sqlHelpers(p);
  const N = p.orders;
  const carts = Math.round(1.6 * N);
  const platforms = ['web', 'web', 'web', 'web', 'web', 'ios', 'ios', 'ios', 'android', 'android'];
  const channels = ['direct', 'direct', 'direct', 'organic', 'organic', 'organic', 'paid', 'paid', 'social', 'email', 'referral'];
  const categories = ['electronics', 'fashion', 'fashion', 'home', 'beauty', 'sports', 'toys', 'books', 'grocery'];
  const currencies = ['USD', 'USD', 'USD', 'USD', 'EUR', 'EUR', 'EUR', 'GBP'];
  const small = (n: number) => Math.max(1, Math.round(n));
  return [
    {
      table: 'users',
      rows: p.users,
      sql: `INSERT INTO users (id, created_at) SELECT u, ${h.userCreated('u')} FROM generate_series($1::bigint, $2::bigint) u`,
    },
    {
      table: 'sellers',
      rows: p.sellers,
      sql: `INSERT INTO sellers (id, applied_at, approved_at, churned_at, credits_total, credits_used)
            SELECT s, ${h.ts(`${h.sellerApproved('s')} - 2 * ${DAY}`)}, ${h.ts(h.sellerApproved('s'))},
                   CASE WHEN random() < 0.05 THEN ${h.ts(`${h.end} - random() * 30 * ${DAY}`)} END, c, round((c * CASE WHEN random() < 0.1 THEN 0.95 ELSE 0.2 + random() * 0.7 END)::numeric, 2)
              FROM (SELECT s, (10 * (1 + floor(random() * 500)))::numeric AS c FROM generate_series($1::bigint, $2::bigint) s) x`,
    },
    {
      table: 'sessions',
      rows: p.sessions,
      sql: `INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at, ended_at)
            SELECT i, CASE WHEN random() < 0.55 THEN ${h.userAt('t')} END, 'v' || floor(random() * ${Math.ceil(0.8 * N)})::bigint,
                   ${h.pick(platforms)}, ${h.pick(channels)}, ${h.ts('t')}, ${h.ts(`least(t + 30 + random() * 1200, ${h.end})`)}
              FROM (SELECT i, ${h.sessionAt('i')} AS t FROM generate_series($1::bigint, $2::bigint) i) g`,
    },
    {
      table: 'page_views',
      rows: 3 * N,
      sql: `INSERT INTO page_views (id, session_id, viewed_at, path, load_time_ms, http_status)
            SELECT j, s, ${h.ts(`${h.sessionAt('s')} + (j % 3) * 20`)}, ${h.pick(['/', '/search', '/c/fashion', '/p/1', '/cart', '/checkout'])},
                   CASE WHEN random() < 0.02 THEN NULL ELSE (exp(ln(850) + 0.6 * ${h.normal}))::int END,
                   CASE WHEN random() < 0.003 THEN 500 WHEN random() < 0.008 THEN 404 ELSE 200 END
              FROM (SELECT j, 1 + floor((j - 1) * 2 / 3)::bigint AS s FROM generate_series($1::bigint, $2::bigint) j) g`,
    },
    {
      table: 'events',
      rows: 3 * N,
      sql: `INSERT INTO events (id, session_id, type, occurred_at)
            SELECT j, s, ${h.pick(['click', 'click', 'click', 'search', 'product_view', 'product_view', 'add_to_cart', 'checkout', 'wishlist'])}, ${h.ts(`${h.sessionAt('s')} + (j % 3) * 25`)}
              FROM (SELECT j, 1 + floor((j - 1) * 2 / 3)::bigint AS s FROM generate_series($1::bigint, $2::bigint) j) g`,
    },
    {
      table: 'carts',
      rows: carts,
      sql: `INSERT INTO carts (id, user_id, session_id, created_at, status, abandoned_at)
            SELECT c, CASE WHEN random() < 0.6 THEN ${h.userAt('t')} END, s, ${h.ts('t')}, st,
                   CASE WHEN st = 'abandoned' THEN ${h.ts(`least(t + 3600, ${h.end})`)} END
              FROM (SELECT c, s, ${h.sessionAt('s')} + 60 AS t, CASE WHEN r < 0.6 THEN 'converted' WHEN r < 0.97 THEN 'abandoned' ELSE 'open' END AS st
                      FROM (SELECT c, 1 + floor((c - 1) * ${p.sessions / carts})::bigint AS s, random() AS r FROM generate_series($1::bigint, $2::bigint) c) a) g`,
    },
    {
      table: 'orders',
      rows: N,
      sql: `INSERT INTO orders (id, user_id, seller_id, session_id, category, created_at, status, total_amount, currency)
            SELECT k, ${h.userAt('t')}, ${h.sellerAt('t')}, 2 * k, ${h.pick(categories)}, ${h.ts('t')},
                   CASE WHEN r < 0.035 THEN 'cancelled' WHEN r < 0.065 THEN 'refunded' WHEN r < 0.07 OR t > ${h.end - 600} THEN 'pending'
                        WHEN t < ${h.end - 7 * DAY} THEN 'delivered' WHEN t < ${h.end - 2 * DAY} THEN 'shipped' ELSE 'paid' END,
                   round((CASE WHEN random() < 0.025 THEN 500 + random() * 2000 ELSE exp(ln(45) + 0.8 * ${h.normal}) END)::numeric, 2),
                   ${h.pick(currencies)}
              FROM (SELECT k, ${h.sessionAt('2 * k')} + 90 AS t, random() AS r FROM generate_series($1::bigint, $2::bigint) k) g`,
    },
    {
      table: 'payments',
      rows: N,
      sql: `INSERT INTO payments (id, order_id, provider, provider_ref, status, failure_code, amount, currency, created_at, updated_at, succeeded_at, failed_at, refunded_at, disputed_at)
            SELECT id, id, provider,
                   CASE WHEN provider = 'stripe' THEN 'ch_3' || left(md5(id::text), 23) ELSE upper(left(md5('pp' || id), 17)) END,
                   st, CASE WHEN st = 'failed' THEN ${h.pick(['card_declined', 'card_declined', 'insufficient_funds', 'expired_card', 'incorrect_cvc', 'processing_error'])} END,
                   total_amount, currency, created, greatest(created, succ, fail, refd, disp), succ, fail, refd, disp
              FROM (SELECT id, provider, st, total_amount, currency, created,
                           CASE WHEN st IN ('succeeded', 'refunded', 'disputed') THEN created + interval '3 seconds' END AS succ,
                           CASE WHEN st = 'failed' THEN created + interval '5 seconds' END AS fail,
                           CASE WHEN st = 'refunded' THEN least(created + random() * interval '14 days', ${h.ts(String(h.end))}) END AS refd,
                           CASE WHEN st = 'disputed' THEN least(created + random() * interval '40 days', ${h.ts(String(h.end))}) END AS disp
                      FROM (SELECT o.id, o.total_amount, o.currency, o.created_at + interval '1 second' AS created,
                                   CASE WHEN random() < 0.68 THEN 'stripe' ELSE 'paypal' END AS provider,
                                   CASE o.status WHEN 'cancelled' THEN 'failed' WHEN 'refunded' THEN 'refunded' WHEN 'pending' THEN 'pending'
                                        ELSE CASE WHEN random() < 0.004 THEN 'disputed' ELSE 'succeeded' END END AS st
                              FROM orders o WHERE o.id BETWEEN $1 AND $2) a) b`,
    },
    {
      table: 'refunds',
      rows: N,
      sql: `INSERT INTO refunds (payment_id, amount, currency, reason, created_at)
            SELECT id, CASE WHEN random() < 0.75 THEN amount ELSE round(amount * 0.5, 2) END, currency,
                   ${h.pick(['damaged', 'not_as_described', 'late_delivery', 'changed_mind', 'fraud'])}, refunded_at
              FROM payments WHERE status = 'refunded' AND id BETWEEN $1 AND $2`,
    },
    {
      table: 'returns',
      rows: N,
      sql: `INSERT INTO returns (order_id, reason, created_at)
            SELECT id, ${h.pick(['damaged', 'wrong_size', 'not_as_described', 'changed_mind'])}, least(created_at + interval '6 days', ${h.ts(String(h.end))})
              FROM orders WHERE status = 'delivered' AND random() < 0.05 AND id BETWEEN $1 AND $2`,
    },
    {
      table: 'reviews',
      rows: N,
      sql: `INSERT INTO reviews (order_id, rating, created_at)
            SELECT id, (ARRAY[5, 5, 5, 5, 4, 4, 3, 2, 1])[1 + floor(random() * 9)::int], least(created_at + interval '7 days', ${h.ts(String(h.end))})
              FROM orders WHERE status = 'delivered' AND random() < 0.15 AND id BETWEEN $1 AND $2`,
    },
    {
      table: 'login_events',
      rows: N,
      sql: `INSERT INTO login_events (id, user_id, occurred_at, success, failure_reason)
            SELECT i, CASE WHEN r < 0.01 THEN NULL ELSE ${h.userAt('t')} END, ${h.ts('t')}, r >= 0.04,
                   CASE WHEN r < 0.01 THEN 'unknown_user' WHEN r < 0.04 THEN 'bad_password' END
              FROM (SELECT i, ${h.spread('i', N)} AS t, random() AS r FROM generate_series($1::bigint, $2::bigint) i) g`,
    },
    {
      table: 'profile_changes',
      rows: small(N / 20),
      sql: `INSERT INTO profile_changes (id, user_id, field, changed_at)
            SELECT i, ${h.userAt('t')}, ${h.pick(['email', 'password', 'phone', 'address', 'address', 'payout_account'])}, ${h.ts('t')}
              FROM (SELECT i, ${h.spread('i', small(N / 20))} AS t FROM generate_series($1::bigint, $2::bigint) i) g`,
    },
    {
      table: 'audit_log',
      rows: small(N / 100),
      sql: `INSERT INTO audit_log (id, actor_id, action, object_count, occurred_at)
            SELECT i, 1 + floor(random() * 25)::bigint, a, CASE WHEN a IN ('export', 'bulk_delete') THEN 100 + floor(random() * 5000)::int ELSE 1 END, ${h.ts('t')}
              FROM (SELECT i, ${h.spread('i', small(N / 100))} AS t,
                           CASE WHEN random() < 0.02 THEN 'export' WHEN random() < 0.01 THEN 'bulk_delete' WHEN random() < 0.005 THEN 'unauthorized_api'
                                WHEN random() < 0.3 THEN 'role_change' ELSE 'settings_update' END AS a
                      FROM generate_series($1::bigint, $2::bigint) i) g`,
    },
    {
      table: 'support_tickets',
      rows: small(N / 50),
      sql: `INSERT INTO support_tickets (id, opened_at, closed_at, csat_score)
            SELECT i, ${h.ts('t')}, CASE WHEN closed <= ${h.end} THEN ${h.ts('closed')} END,
                   CASE WHEN closed <= ${h.end} AND random() < 0.7 THEN (ARRAY[5, 5, 5, 4, 4, 3, 2, 1])[1 + floor(random() * 8)::int] END
              FROM (SELECT i, ${h.spread('i', small(N / 50))} AS t, ${h.spread('i', small(N / 50))} + random() * 2 * ${DAY} + CASE WHEN random() < 0.08 THEN 1e12 ELSE 0 END AS closed
                      FROM generate_series($1::bigint, $2::bigint) i) g`,
    },
    {
      table: 'bug_reports',
      rows: small(Math.max(10, N / 1000)),
      sql: `INSERT INTO bug_reports (id, severity, reported_at, resolved_at)
            SELECT i, ${h.pick(['minor', 'minor', 'minor', 'major', 'critical'])}, ${h.ts('t')}, CASE WHEN t + 3 * ${DAY} <= ${h.end} AND random() < 0.9 THEN ${h.ts(`t + 3 * ${DAY}`)} END
              FROM (SELECT i, ${h.spread('i', small(Math.max(10, N / 1000)))} AS t FROM generate_series($1::bigint, $2::bigint) i) g`,
    },
    {
      table: 'incidents',
      rows: small(Math.max(5, p.days * 0.3)),
      sql: `INSERT INTO incidents (id, component, severity, started_at, resolved_at)
            SELECT i, ${h.pick(['web', 'api', 'checkout', 'payments', 'search'])}, ${h.pick(['minor', 'minor', 'minor', 'minor', 'major', 'critical'])}, ${h.ts('t')},
                   ${h.ts(`least(t + 300 + random() * 7200, ${h.end})`)}
              FROM (SELECT i, ${h.spread('i', small(Math.max(5, p.days * 0.3)))} AS t FROM generate_series($1::bigint, $2::bigint) i) g`,
    },
    {
      table: 'subscriptions',
      rows: p.sellers,
      sql: `INSERT INTO subscriptions (seller_id, plan, amount_monthly, currency, started_at, cancelled_at)
            SELECT id, pl, CASE pl WHEN 'basic' THEN 19 WHEN 'pro' THEN 49 ELSE 199 END, ${h.pick(currencies)}, approved_at + interval '1 hour', churned_at
              FROM (SELECT id, approved_at, churned_at, ${h.pick(['basic', 'basic', 'basic', 'pro', 'pro', 'business'])} AS pl FROM sellers WHERE random() < 0.6 AND id BETWEEN $1 AND $2) s`,
    },
  ];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      orders: { type: 'string', default: '1000000' },
      'orders-per-day': { type: 'string', default: '10000' },
      seed: { type: 'string', default: '42' },
    },
  });
  if (!values.url) throw new Error('--url postgres://… is required');
  const orders = Number(values.orders);
  const perDay = Number(values['orders-per-day']);
  if (!Number.isInteger(orders) || orders < 1 || !Number.isInteger(perDay) || perDay < 1)
    throw new Error('--orders and --orders-per-day must be positive integers');
  const p = plan(orders, perDay);
  const client = new pg.Client({ connectionString: values.url, application_name: 'marketplace-pulse-bench-generate' });
  await client.connect();
  const t0 = Date.now();
  console.log(`${orders.toLocaleString('en')} orders over ${p.days} days ending ${new Date(p.end * 1000).toISOString()}`);
  try {
    const { tables, indexes } = schemaParts();
    await client.query(`DROP TABLE IF EXISTS ${TABLES.join(', ')} CASCADE`);
    for (const s of tables) await client.query(s);
    // Rows are consistent by construction; skipping per-row foreign-key triggers makes the load several
    // times faster (needs superuser, which a scratch benchmark database has).
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SET maintenance_work_mem = '512MB'`);
    await client.query(`SELECT setseed(${(Number(values.seed) % 1000) / 1000})`);
    for (const load of loads(p)) {
      const t = Date.now();
      let written = 0;
      for (let lo = 1; lo <= load.rows; lo += CHUNK) {
        const hi = Math.min(load.rows, lo + CHUNK - 1);
        written += (await client.query(load.sql, [lo, hi])).rowCount ?? 0;
        if (load.rows > CHUNK && hi < load.rows)
          console.log(`  ${load.table}: ${hi.toLocaleString('en')} of ${load.rows.toLocaleString('en')} …`);
      }
      console.log(`${load.table.padEnd(16)} ${written.toLocaleString('en').padStart(12)} rows  ${seconds(Date.now() - t)}`);
    }
    await client.query(`SET session_replication_role = origin`);
    let t = Date.now();
    for (const s of indexes) await client.query(s);
    console.log(`indexes          ${String(indexes.length).padStart(12)}       ${seconds(Date.now() - t)}`);
    await client.query(
      `SELECT ${TABLES.map((tb) => `setval(pg_get_serial_sequence('${tb}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${tb}), false)`).join(', ')}`,
    );
    t = Date.now();
    await client.query('ANALYZE');
    console.log(`analyze                                 ${seconds(Date.now() - t)}`);
    const size = await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
    console.log(`total ${seconds(Date.now() - t0)}, database size ${size.rows[0]!.size}`);
  } finally {
    await client.end();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
