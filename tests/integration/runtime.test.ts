/**
 * Runtime behaviour against a real PostgreSQL server: failure isolation, timeouts, the database going
 * away and coming back, staleness, disappearing label sets, custom SQL metrics, scrapes that never
 * touch the database.
 */
import pg from 'pg';
import request from 'supertest';
import { M } from '../../shared/catalogue';
import type { RunningExporter } from '../../exporter/src/app';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../support/db';
import { eventually, exporterConfig, parseExposition, startTestExporter } from '../support/exporter';
import { TcpProxy } from '../support/tcp-proxy';

let tdb: TestDatabase;

async function scrape(e: RunningExporter): Promise<Map<string, number>> {
  const res = await request(e.url).get('/metrics');
  expect(res.status).toBe(200);
  return parseExposition(res.text);
}

const up = (collector: string) => `${M.collectorUp.name}{collector="${collector}"}`;
const errors = (collector: string, kind: string) => `${M.collectorErrorsTotal.name}{collector="${collector}",kind="${kind}"}`;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '3 days');
    INSERT INTO sellers (id, applied_at) VALUES (1, now() - interval '9 days');
    INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency)
      VALUES (1, 1, 'books', now() - interval '1 hour', 'paid', 12.00, 'USD');
    CREATE TABLE shop_queue (name text, depth int, latency double precision);
    INSERT INTO shop_queue VALUES ('emails', 3, 0.2), ('exports', 7, 1.5), ('emails', 1, 0.7);`);
});
afterAll(() => tdb.drop());

describe('failure isolation', () => {
  let e: RunningExporter;
  beforeAll(async () => {
    e = await startTestExporter(
      exporterConfig({
        url: tdb.url,
        only: ['orders', 'users'],
        extra: {
          collection: { retry_backoff_initial: '1s' },
          collectors: { orders: { interval: '1s' }, users: { interval: '1s' } },
          custom_metrics: [
            {
              name: 'shop_slow_value',
              help: 'Sleeps past its timeout.',
              type: 'gauge',
              query: 'SELECT 1 AS value FROM pg_sleep(30)',
              interval: '1s',
              timeout: '1s',
            },
            {
              name: 'shop_broken_value',
              help: 'Selects from a missing table.',
              type: 'gauge',
              query: 'SELECT count(*) AS value FROM no_such_table',
              interval: '1s',
            },
          ],
        },
      }),
    );
    await e.ready();
  });
  afterAll(() => e.stop());

  test('a slow and a broken collector fail alone; the others keep updating', async () => {
    await eventually('a timeout and a query error counted', async () => {
      const m = await scrape(e);
      return (
        (m.get(errors('custom:shop_slow_value', 'timeout')) ?? 0) >= 2 && (m.get(errors('custom:shop_broken_value', 'query')) ?? 0) >= 2
      );
    });
    const first = await scrape(e);
    expect(first.get(up('custom:shop_slow_value'))).toBe(0);
    expect(first.get(up('custom:shop_broken_value'))).toBe(0);
    expect(first.get(up('orders'))).toBe(1);
    expect(first.get(`${M.ordersTotal.name}{currency="USD"}`)).toBe(1);
    const lastSuccess = first.get(`${M.collectorLastSuccessTimestampSeconds.name}{collector="orders"}`)!;
    await eventually(
      'orders keeps collecting',
      async () => (await scrape(e)).get(`${M.collectorLastSuccessTimestampSeconds.name}{collector="orders"}`)! > lastSuccess,
    );
    // The server-side statement_timeout cancelled the sleep: no backend is left running it.
    const { rows } = await tdb.pool.query(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()`,
    );
    expect(Number(rows[0].n)).toBeLessThanOrEqual(1); // at most the cycle running right now
  });

  test('a scrape is answered from the snapshot while a collector is stuck in the database', async () => {
    await eventually('slow collector in flight', () => e.status().find((s) => s.name === 'custom:shop_slow_value')!.running);
    const res = await request(e.url).get('/metrics');
    expect(res.status).toBe(200);
    // Still in flight when the scrape came back: the scrape did not wait for it.
    expect(e.status().find((s) => s.name === 'custom:shop_slow_value')!.running).toBe(true);
    expect(res.text).toContain(`${M.ordersTotal.name}{currency="USD"} 1`);
  });

  test('the landing page shows each collector with its state and last error', async () => {
    const res = await request(e.url).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<td>orders<\/td><td>up<\/td>/);
    // The public page names the kind and SQLSTATE; the message (table names, values) stays in the log.
    expect(res.text).toMatch(/<td>custom:shop_broken_value<\/td><td>down<\/td>.*<td>query \(SQLSTATE 42P01\)<\/td>/s);
    expect(res.text).not.toContain('no_such_table');
  });
});

describe('the database going away and coming back', () => {
  let e: RunningExporter;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const server = new URL(testServerUrl());
    proxy = new TcpProxy(server.hostname, Number(server.port || 5432));
    await proxy.up();
    e = await startTestExporter(
      exporterConfig({
        url: proxy.rewrite(tdb.url),
        only: ['orders'],
        extra: {
          database: { url: proxy.rewrite(tdb.url), connect_timeout: '1s' },
          collection: { retry_backoff_initial: '1s', retry_backoff_max: '1s', max_staleness: '3s' },
          collectors: { orders: { interval: '1s' } },
        },
      }),
    );
    await e.ready();
  });
  afterAll(async () => {
    await e.stop();
    await proxy.down();
  });

  test('connection errors are counted, series go stale after max_staleness, and it recovers on its own', async () => {
    expect((await scrape(e)).get(`${M.ordersTotal.name}{currency="USD"}`)).toBe(1);
    await proxy.down();
    await eventually('connection errors while the database is unreachable', async () => {
      const m = await scrape(e);
      return m.get(up('orders')) === 0 && (m.get(errors('orders', 'connection')) ?? 0) >= 1;
    });
    await eventually('stale series dropped', async () => {
      const m = await scrape(e);
      return m.get(`${M.collectorStale.name}{collector="orders"}`) === 1 && !m.has(`${M.ordersTotal.name}{currency="USD"}`);
    });
    await proxy.up();
    await eventually('recovered', async () => {
      const m = await scrape(e);
      return (
        m.get(up('orders')) === 1 &&
        m.get(`${M.ordersTotal.name}{currency="USD"}`) === 1 &&
        m.get(`${M.collectorStale.name}{collector="orders"}`) === 0
      );
    });
  });

  test('connections killed on the server are replaced without intervention', async () => {
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'marketplace-pulse'`,
      [tdb.name],
    );
    await admin.end();
    expect(rowCount).toBeGreaterThanOrEqual(0);
    const before = e.status().find((s) => s.name === 'orders')!.lastSuccess!;
    await eventually('a successful cycle after the kill', () => e.status().find((s) => s.name === 'orders')!.lastSuccess! > before + 1500);
    expect((await scrape(e)).get(up('orders'))).toBe(1);
  });
});

describe('custom SQL metrics and disappearing label sets', () => {
  let e: RunningExporter;
  beforeAll(async () => {
    e = await startTestExporter(
      exporterConfig({
        url: tdb.url,
        only: [],
        extra: {
          custom_metrics: [
            {
              name: 'shop_queue_depth',
              help: 'Jobs waiting.',
              type: 'gauge',
              query: 'SELECT name, sum(depth) AS depth FROM shop_queue GROUP BY name',
              labels: ['name'],
              value: 'depth',
              interval: '1s',
            },
            {
              name: 'shop_queue_jobs_total',
              help: 'Jobs ever queued.',
              type: 'counter',
              query: 'SELECT count(*) AS value FROM shop_queue',
              interval: '1s',
            },
            {
              name: 'shop_queue_latency_seconds',
              help: 'Queue latency.',
              type: 'histogram',
              query: 'SELECT name, latency FROM shop_queue',
              labels: ['name'],
              value: 'latency',
              buckets: [0.5, 1, 2],
              interval: '1s',
            },
          ],
        },
      }),
    );
    await e.ready();
  });
  afterAll(() => e.stop());

  test('gauge, counter and histogram values equal the table contents', async () => {
    const m = await scrape(e);
    expect(m.get('shop_queue_depth{name="emails"}')).toBe(4);
    expect(m.get('shop_queue_depth{name="exports"}')).toBe(7);
    expect(m.get('shop_queue_jobs_total')).toBe(3);
    // emails: 0.2, 0.7 → le 0.5: 1, le 1: 2, le 2: 2; exports: 1.5 → 0, 0, 1
    expect(m.get('shop_queue_latency_seconds_bucket{name="emails",le="0.5"}')).toBe(1);
    expect(m.get('shop_queue_latency_seconds_bucket{name="emails",le="1"}')).toBe(2);
    expect(m.get('shop_queue_latency_seconds_bucket{name="emails",le="+Inf"}')).toBe(2);
    expect(m.get('shop_queue_latency_seconds_bucket{name="exports",le="1"}')).toBe(0);
    expect(m.get('shop_queue_latency_seconds_bucket{name="exports",le="2"}')).toBe(1);
    expect(m.get('shop_queue_latency_seconds_sum{name="emails"}')).toBeCloseTo(0.9, 9);
    expect(m.get('shop_queue_latency_seconds_count{name="exports"}')).toBe(1);
  });

  test('a label set that leaves the query result leaves /metrics', async () => {
    await tdb.pool.query(`DELETE FROM shop_queue WHERE name = 'exports'`);
    // The gauge and the histogram are separate collectors: wait for the next cycle of both.
    await eventually('exports series gone', async () => {
      const m = await scrape(e);
      return !m.has('shop_queue_depth{name="exports"}') && !m.has('shop_queue_latency_seconds_count{name="exports"}');
    });
    const m = await scrape(e);
    expect(m.get('shop_queue_depth{name="emails"}')).toBe(4);
    expect(m.has('shop_queue_latency_seconds_count{name="exports"}')).toBe(false);
  });
});
