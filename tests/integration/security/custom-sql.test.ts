/**
 * Fault matrix, custom SQL and the database: the exporter never writes (multi-statement, writable CTE,
 * COMMIT smuggling), session limits are applied, value columns must be numbers, hostile label values
 * stay intact and unambiguous, and a 10M-row result is capped with the excess counted.
 */
import pg from 'pg';
import request from 'supertest';
import { M } from '../../../shared/catalogue';
import type { RunningExporter } from '../../../exporter/src/app';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { eventually, exporterConfig, parseExposition, startTestExporter } from '../../support/exporter';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '2 days');
    INSERT INTO sellers (id, applied_at, credits_total, credits_used) VALUES (1, now() - interval '3 days', 10, 1);
    INSERT INTO orders (id, user_id, seller_id, category, created_at, status, total_amount, currency) VALUES
      (1, 1, 1, 'books', now() - interval '2 hours', 'paid', 20, 'USD'), (2, 1, 1, 'books', now() - interval '1 hours', 'paid', 30, 'USD');`);
});
afterAll(() => tdb.drop());

async function withCustom(
  metrics: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
  fn: (e: RunningExporter) => Promise<void>,
): Promise<void> {
  const e = await startTestExporter(exporterConfig({ url: tdb.url, only: [], extra: { custom_metrics: metrics, ...extra } }));
  try {
    await e.ready();
    await fn(e);
  } finally {
    await e.stop();
  }
}

const orderCount = async () => Number((await tdb.pool.query('SELECT count(*) AS n FROM orders')).rows[0].n);
const gauge = (name: string, query: string, more: Record<string, unknown> = {}) => ({ name, help: 'Test.', type: 'gauge', query, ...more });

describe('never writes', () => {
  test.each([
    ['multi-statement with COMMIT smuggled in', 'SELECT 1 AS value; COMMIT; DELETE FROM orders', '42601'],
    ['writable CTE', 'WITH d AS (DELETE FROM orders RETURNING 1) SELECT count(*) AS value FROM d', '0A000'],
    ['a bare DELETE', 'DELETE FROM orders RETURNING 1 AS value', '42601'],
    ['COMMIT alone, then nothing', 'COMMIT', '42601'],
  ])('%s: collector down with a query error, every order still there', async (_what, query, sqlstate) => {
    expect(await orderCount()).toBe(2);
    await withCustom([gauge('shop_hostile', query)], {}, async (e) => {
      const s = e.status().find((x) => x.name === 'custom:shop_hostile')!;
      expect(s.up).toBe(false);
      // Only one SELECT fits the subquery wrapper; a data-modifying CTE is refused there by the server.
      expect(s.lastError).toMatch(new RegExp(`^query \\(SQLSTATE ${sqlstate}\\)`));
      const text = (await request(e.url).get('/metrics')).text;
      expect(parseExposition(text).get(`${M.collectorUp.name}{collector="custom:shop_hostile"}`)).toBe(0);
    });
    expect(await orderCount()).toBe(2);
  });

  test('the extended protocol refuses a second statement in any collector query, and the transaction is READ ONLY', async () => {
    const pool = new pg.Pool({ connectionString: tdb.url, max: 1 });
    try {
      const ctrl = new AbortController();
      const multi = withReadOnly(pool, 10, ctrl.signal, (db) => db.query('SELECT 1; DELETE FROM orders'));
      await expect(multi).rejects.toMatchObject({ code: '42601', message: expect.stringMatching(/multiple commands/) });
      const write = withReadOnly(pool, 10, ctrl.signal, (db) => db.query('DELETE FROM orders'));
      await expect(write).rejects.toMatchObject({ code: '25006' }); // read_only_sql_transaction
      expect(await orderCount()).toBe(2);
    } finally {
      await pool.end();
    }
  });

  test('the role check: a superuser is reported as able to write (metric 1), a SELECT-only role as 0', async () => {
    await withCustom([gauge('shop_one', 'SELECT 1 AS value')], {}, async (e) => {
      const m = () =>
        request(e.url)
          .get('/metrics')
          .then((r) => parseExposition(r.text).get(M.databaseRoleCanWrite.name));
      for (let i = 0; i < 50 && (await m()) === undefined; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await m()).toBe(1);
    });
    const role = `pulse_ro_${process.pid}`;
    await tdb.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'ro-password-123'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    try {
      const u = new URL(tdb.url);
      u.username = role;
      u.password = 'ro-password-123';
      const e = await startTestExporter(
        exporterConfig({
          url: u.toString(),
          only: [],
          extra: { custom_metrics: [gauge('shop_one', 'SELECT count(*) AS value FROM orders')] },
        }),
      );
      try {
        await e.ready();
        const m = () =>
          request(e.url)
            .get('/metrics')
            .then((r) => parseExposition(r.text));
        for (let i = 0; i < 50 && (await m()).get(M.databaseRoleCanWrite.name) === undefined; i++)
          await new Promise((r) => setTimeout(r, 100));
        const metrics = await m();
        expect(metrics.get(M.databaseRoleCanWrite.name)).toBe(0);
        expect(metrics.get('shop_one')).toBe(2);
      } finally {
        await e.stop();
      }
    } finally {
      await tdb.pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });
});

describe('session limits', () => {
  test('database.statement_timeout caps a collector whose own timeout is longer', async () => {
    await withCustom(
      [gauge('shop_slow', 'SELECT 1 AS value FROM pg_sleep(5)', { timeout: '30s' })],
      { database: { url: tdb.url, statement_timeout: '1s' } },
      async (e) => {
        const s = e.status().find((x) => x.name === 'custom:shop_slow')!;
        expect(s.up).toBe(false);
        expect(s.lastError).toMatch(/^timeout \(SQLSTATE 57014\)/);
        expect(s.lastDuration!).toBeLessThan(5);
      },
    );
  });

  test('lock_timeout: a query blocked by a lock gives up with SQLSTATE 55P03', async () => {
    const locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
      await withCustom(
        [gauge('shop_locked', 'SELECT count(*) AS value FROM orders', { timeout: '30s' })],
        { database: { url: tdb.url, lock_timeout: '500ms' } },
        async (e) => {
          const s = e.status().find((x) => x.name === 'custom:shop_locked')!;
          expect(s.up).toBe(false);
          expect(s.lastError).toMatch(/^query \(SQLSTATE 55P03\)/);
        },
      );
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  test('idle_in_transaction_session_timeout and the read-only check are set in every cycle transaction', async () => {
    const q = `SELECT current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('lock_timeout') AS lock,
                      current_setting('transaction_read_only') AS ro, 1 AS value`;
    await withCustom(
      [gauge('shop_settings', q, { labels: ['idle', 'lock', 'ro'] })],
      { database: { url: tdb.url, idle_in_transaction_session_timeout: '45s', lock_timeout: '2s' } },
      async (e) => {
        const text = (await request(e.url).get('/metrics')).text;
        expect(parseExposition(text).get('shop_settings{idle="45s",lock="2s",ro="on"}')).toBe(1);
      },
    );
  });
});

describe('value columns', () => {
  test.each([
    ['NULL', 'SELECT NULL::int AS value', /column "value" is NULL/],
    ['text', "SELECT 'abc'::text AS value", /column "value" is text, expected a number/],
    ['a date', 'SELECT now() AS value', /column "value" is a date\/time, expected a number/],
    ['missing', 'SELECT 1 AS other', /query returned no column "value"/],
  ])('%s in the value column: collector down with a one-line error naming the column, no series', async (_w, query, msg) => {
    await withCustom([gauge('shop_badvalue', query)], {}, async (e) => {
      const s = e.status().find((x) => x.name === 'custom:shop_badvalue')!;
      expect(s.up).toBe(false);
      expect(s.lastError).toMatch(msg);
      expect(s.lastError).not.toContain('\n');
      const text = (await request(e.url).get('/metrics')).text;
      expect(text).not.toMatch(/^shop_badvalue /m);
      // The public pages show the kind only, not the message.
      const api = (await request(e.url).get('/api/collectors')).body as { name: string; lastError: string }[];
      expect(api.find((x) => x.name === 'custom:shop_badvalue')!.lastError).toBe('other');
    });
  });
});

describe('hostile label values', () => {
  test('newline, quote, backslash, comma, equals, 10 KB and invalid UTF-8 stay distinct and are escaped', async () => {
    const query = `SELECT * FROM (VALUES
        (E'line1\\nline2', 1), ('say "hi"', 2), (E'back\\\\slash', 3), ('a,b=c', 4), ('a', 5),
        (repeat('x', 10240), 6), (repeat('x', 10239) || 'y', 7)) t(k, value)`;
    // PostgreSQL text is always valid UTF-8; invalid bytes can only arrive as bytea, decoded with U+FFFD.
    const bytes = "SELECT '\\xff41'::bytea AS k, 8 AS value";
    await withCustom(
      [gauge('shop_hostile_labels', query, { labels: ['k'] }), gauge('shop_bytes', bytes, { labels: ['k'] })],
      {},
      async (e) => {
        const s = e.status().find((x) => x.name === 'custom:shop_hostile_labels')!;
        expect(s.lastError).toBeNull();
        const text = (await request(e.url).get('/metrics')).text;
        const lines = text.split('\n').filter((l) => l.startsWith('shop_hostile_labels{'));
        expect(lines).toHaveLength(7); // seven distinct label values, nothing merged
        expect(text).toContain('shop_bytes{k="\uFFFDA"} 8');
        expect(text).toContain('shop_hostile_labels{k="line1\\nline2"} 1');
        expect(text).toContain('shop_hostile_labels{k="say \\"hi\\""} 2');
        expect(text).toContain('shop_hostile_labels{k="back\\\\slash"} 3');
        expect(text).toContain('shop_hostile_labels{k="a,b=c"} 4');
        expect(text).toContain('shop_hostile_labels{k="a"} 5');
        // 10 KB values are shortened with a digest: two values differing in the last byte stay apart.
        const long = lines.filter((l) => l.includes('xxxxxxxx'));
        expect(long).toHaveLength(2);
        for (const l of long) expect(l.length).toBeLessThan(400);
        expect(new Set(long.map((l) => l.slice(0, l.lastIndexOf(' ')))).size).toBe(2);
      },
    );
  });

  test('label sets whose joined form would collide are not summed (unambiguous keys)', async () => {
    const query = `SELECT * FROM (VALUES ('1,b=2', '', 10), ('1', '2', 20)) t(a, b, value)`;
    await withCustom([gauge('shop_collide', query, { labels: ['a', 'b'] })], {}, async (e) => {
      const m = parseExposition((await request(e.url).get('/metrics')).text);
      expect(m.get('shop_collide{a="1,b=2",b=""}')).toBe(10);
      expect(m.get('shop_collide{a="1",b="2"}')).toBe(20);
    });
  });
});

describe('10M-row custom query', () => {
  test('at most the series cap is read, the excess is counted, memory stays bounded', async () => {
    const cap = 1000;
    const rssBefore = process.memoryUsage().rss;
    await withCustom(
      [gauge('shop_huge', "SELECT 'k' || i AS k, i AS value FROM generate_series(1, 10000000) i", { labels: ['k'], timeout: '120s' })],
      { limits: { max_series_per_metric: cap }, database: { url: tdb.url, statement_timeout: '120s' } },
      async (e) => {
        const s = e.status().find((x) => x.name === 'custom:shop_huge')!;
        expect(s.lastError).toBeNull();
        const m = parseExposition((await request(e.url).get('/metrics')).text);
        expect([...m.keys()].filter((k) => k.startsWith('shop_huge{'))).toHaveLength(cap);
        expect(m.get(`${M.seriesDroppedTotal.name}{metric="shop_huge"}`)).toBe(10_000_000 - cap);
      },
    );
    // 10M rows of ~40 bytes as JS objects would be several GB; a capped read stays far below 200 MB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  }, 180_000);
});

describe('errors and faults', () => {
  test('public pages show the error kind and SQLSTATE, never the message (which holds data values)', async () => {
    await withCustom([gauge('shop_leaky', "SELECT 'customer-jane@example.com'::int AS value")], {}, async (e) => {
      expect(e.status().find((x) => x.name === 'custom:shop_leaky')!.lastError).toContain('jane@example.com'); // the log/status has it
      const landing = (await request(e.url).get('/')).text;
      const api = (await request(e.url).get('/api/collectors')).text;
      for (const page of [landing, api]) {
        expect(page).toContain('query (SQLSTATE 22P02)');
        expect(page).not.toContain('jane@example.com');
        expect(page).not.toContain('invalid input syntax');
      }
    });
  });

  test('the database connection killed mid-cycle: that cycle fails as a connection error, the next one is exact', async () => {
    const e = await startTestExporter(
      exporterConfig({
        url: tdb.url,
        only: [],
        extra: {
          custom_metrics: [
            gauge('shop_orders_slow', 'SELECT count(*) AS value FROM orders, pg_sleep(2)', { interval: '1s', timeout: '30s' }),
          ],
          collection: { retry_backoff_initial: '1s' },
        },
      }),
    );
    try {
      // Wait until the cycle's query runs, then kill its backend.
      let killed = 0;
      for (let i = 0; i < 100 && killed === 0; i++) {
        const r = await tdb.pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()`,
          [tdb.name],
        );
        killed = r.rowCount ?? 0;
        if (!killed) await new Promise((r2) => setTimeout(r2, 50));
      }
      expect(killed).toBe(1);
      await eventually('the killed cycle is recorded', () => (e.status()[0]!.errors.connection ?? 0) >= 1);
      await eventually('the next cycle succeeds', () => e.status()[0]!.up, 30_000);
      const m = parseExposition((await request(e.url).get('/metrics')).text);
      expect(m.get('shop_orders_slow')).toBe(await orderCount());
    } finally {
      await e.stop();
    }
  });
});
