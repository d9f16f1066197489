/**
 * The dashboards end-to-end test evaluates `increase(…[1h])` panels over the last hour of a simulated
 * history. Its tail is written on a pinned, simulated clock; this test pins that clock at the quietest
 * hour of the simulator's day (03:30 UTC) and at the evening time the dashboards test once failed at
 * (18:30 UTC), and counts from the database rows that every hour-long window of the tail's last hour
 * has orders and payments that settled (succeeded or failed), so those panels cannot come back empty.
 */
import { writeBusyTail } from '../../scripts/stack/history';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { DASHBOARD_TAIL } from '../e2e/dashboards-tail';

jest.setTimeout(240_000);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('pulse_tail');
});
afterAll(async () => {
  await db?.drop();
});

const count = async (sql: string, from: Date, to: Date) =>
  Number((await db.pool.query(sql, [from.toISOString(), to.toISOString()])).rows[0].n);

test.each(['2026-11-18T03:30:00Z', '2026-11-21T18:30:00Z'])(
  'pinned at %s, every hour of the tail has orders and settled payments',
  async (at) => {
    await db.pool.query(
      'TRUNCATE users, sellers, sessions, page_views, events, carts, orders, payments, refunds, returns RESTART IDENTITY CASCADE',
    );
    const end = new Date(at);
    const rows = await writeBusyTail(db.pool, { ...DASHBOARD_TAIL, end });
    expect(rows).toBeGreaterThan(0);
    // Every hour-long window ending in the tail's last hour (the range a time-series panel draws).
    for (let back = 0; back <= 60; back += 10) {
      const to = new Date(end.getTime() - back * 60_000);
      const from = new Date(to.getTime() - 3_600_000);
      const orders = await count('SELECT count(*) AS n FROM orders WHERE created_at > $1 AND created_at <= $2', from, to);
      const settled = await count(
        'SELECT count(*) AS n FROM payments WHERE (succeeded_at > $1 AND succeeded_at <= $2) OR (failed_at > $1 AND failed_at <= $2)',
        from,
        to,
      );
      expect({ at, back, orders: orders >= 5, settled: settled >= 5 }).toEqual({ at, back, orders: true, settled: true });
    }
  },
);
