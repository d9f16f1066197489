/**
 * The cost benchmark's fresh rows (bench/lib/fresh-rows.ts): a minute of new rows in every table of
 * the contract, copied from the newest, then removed at the end of the run, so a database measured in
 * place is the same for the next run.
 */
import { dailyRates, freshRowMarks, insertFreshMinute, removeFreshRows } from '../../bench/lib/fresh-rows';
import { createTestDatabase, type TestDatabase } from '../support/db';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

/** Every table's row count and contents, sellers' write stamps aside (a removal writes no seller). */
async function snapshot(): Promise<Record<string, string>> {
  const { rows } = await tdb.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const out: Record<string, string> = {};
  for (const { table_name: t } of rows) {
    const r = await tdb.pool.query<{ n: number; text: string | null }>(
      `SELECT count(*)::int AS n, string_agg(x::text, E'\\n' ORDER BY x.id) AS text FROM ${t} x`,
    );
    out[t] = `${r.rows[0]!.n}\n${r.rows[0]!.text ?? ''}`;
  }
  return out;
}

test('the rows of a run of cycles, down a chain of foreign keys, are all removed and nothing else is', async () => {
  await tdb.pool.query(`
    INSERT INTO users (created_at) VALUES (now() - interval '20 hours'), (now() - interval '2 hours');
    INSERT INTO sellers (applied_at, approved_at, credits_total, credits_used) VALUES (now() - interval '3 hours', now() + interval '2 days', 100, 5);
    INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES (1, 'v-1', 'web', 'direct', now() - interval '2 hours');
    INSERT INTO orders (user_id, seller_id, session_id, category, created_at, status, total_amount, currency)
      VALUES (1, 1, 1, 'books', now() - interval '2 hours', 'paid', 20, 'USD');
    INSERT INTO payments (order_id, provider, provider_ref, status, amount, currency, created_at, updated_at)
      VALUES (1, 'stripe', 'ch_1', 'succeeded', 20, 'USD', now() - interval '2 hours', now() - interval '2 hours');
    INSERT INTO refunds (payment_id, amount, currency, reason, created_at) VALUES (1, 5, 'USD', 'damaged', now() - interval '1 hour');`);
  const before = await snapshot();
  const marks = await freshRowMarks(tdb.pool);
  const rates = await dailyRates(tdb.pool);
  // Two cycles: the second copies the first's rows, references included.
  const inserted = [
    ...(await insertFreshMinute(tdb.pool, new Date(Date.now() - 60_000).toISOString(), rates)),
    ...(await insertFreshMinute(tdb.pool, new Date(Date.now() - 30_000).toISOString(), rates)),
  ];
  const count = (t: string) => inserted.filter((f) => f.table === t).reduce((a, f) => a + f.rows, 0);
  for (const t of ['users', 'sellers', 'sessions', 'orders', 'payments', 'refunds']) expect(count(t)).toBe(2);
  expect(await snapshot()).not.toEqual(before);

  expect(await removeFreshRows(tdb.pool, marks)).toBe(inserted.reduce((a, f) => a + f.rows, 0));
  expect(await snapshot()).toEqual(before);
});

test('linked: a reference to a row copied in the same minute points at the copy; the rest keep their ids; all are removed', async () => {
  await tdb.pool.query(`
    TRUNCATE users, sellers, sessions RESTART IDENTITY CASCADE;
    INSERT INTO users (created_at) VALUES (now() - interval '20 hours');
    INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES
      (1, 'v-old', 'web', 'direct', now() - interval '30 hours'),
      (1, 'v-new', 'web', 'direct', now() - interval '2 hours');
    INSERT INTO page_views (session_id, viewed_at, path, http_status) VALUES
      (1, now() - interval '29 hours', '/', 200),
      (2, now() - interval '2 hours', '/', 200),
      (1, now() - interval '1 hour', '/', 200);`);
  const before = await snapshot();
  const marks = await freshRowMarks(tdb.pool);
  // One user and one session a minute (the last day's), the newest; two views a minute: the newest two.
  const rates = new Map([...(await dailyRates(tdb.pool)), ['page_views', 2 * 1440]]);
  const inserted = await insertFreshMinute(tdb.pool, new Date(Date.now() - 60_000).toISOString(), rates, { linked: true });
  expect(inserted.filter((f) => ['users', 'sessions', 'page_views'].includes(f.table))).toEqual([
    { table: 'users', rows: 1 },
    { table: 'sessions', rows: 1 },
    { table: 'page_views', rows: 2 },
  ]);
  const copies = await tdb.pool.query(`SELECT id, user_id, visitor_id FROM sessions WHERE id > 2`);
  // The copied session belongs to the copied user.
  expect(copies.rows).toEqual([{ id: 3, user_id: 2, visitor_id: 'v-new' }]);
  const views = await tdb.pool.query(`SELECT session_id FROM page_views WHERE id > 3 ORDER BY session_id`);
  // Session 2's view now belongs to its copy; session 1, not copied, keeps its view.
  expect(views.rows.map((r) => r.session_id)).toEqual([1, 3]);
  expect(await removeFreshRows(tdb.pool, marks)).toBe(inserted.reduce((a, f) => a + f.rows, 0));
  expect(await snapshot()).toEqual(before);
  await tdb.pool.query('TRUNCATE users, sellers, sessions RESTART IDENTITY CASCADE');
});

test('the removal does not check foreign keys row by row: no trigger fires (a superuser deletes in replica mode)', async () => {
  // A trigger on sessions counts the deletes it sees; the foreign-key checks are triggers of the same kind.
  await tdb.pool.query(`
    CREATE TABLE removal_seen (n int NOT NULL);
    INSERT INTO removal_seen VALUES (0);
    CREATE FUNCTION removal_seen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE removal_seen SET n = n + 1; RETURN OLD; END $$;
    CREATE TRIGGER removal_seen AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION removal_seen();
    INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('v-8', 'web', 'direct', now() - interval '3 hours');`);
  try {
    const marks = await freshRowMarks(tdb.pool);
    const inserted = await insertFreshMinute(tdb.pool, new Date(Date.now() - 60_000).toISOString(), await dailyRates(tdb.pool));
    expect(inserted.find((f) => f.table === 'sessions')?.rows).toBeGreaterThan(0);
    expect(await removeFreshRows(tdb.pool, marks)).toBe(inserted.reduce((a, f) => a + f.rows, 0));
    expect((await tdb.pool.query('SELECT n FROM removal_seen')).rows[0].n).toBe(0);
    // The same delete outside the removal does fire it: the trigger works.
    await tdb.pool.query(`INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('v-9', 'web', 'direct', now())`);
    await tdb.pool.query(`DELETE FROM sessions WHERE visitor_id = 'v-9'`);
    expect((await tdb.pool.query('SELECT n FROM removal_seen')).rows[0].n).toBe(1);
  } finally {
    await tdb.pool.query(
      `DROP TRIGGER removal_seen ON sessions; DROP FUNCTION removal_seen(); DROP TABLE removal_seen; DELETE FROM sessions WHERE visitor_id = 'v-8'`,
    );
  }
});

test("every cycle inserts a minute at the rate of the dataset's last day, however long ago that day ended", async () => {
  // 14,400 page views over a day that ended ten hours ago (10 a minute), on one session: like a
  // benchmark dataset generated earlier. Rates taken after the first fresh rows would see a last day
  // ending now, holding fourteen of those hours (5.8 a minute).
  const db = await createTestDatabase();
  try {
    await db.pool.query(`
      INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('v-1', 'web', 'direct', now() - interval '40 hours');
      INSERT INTO page_views (session_id, path, viewed_at, http_status)
        SELECT 1, '/', now() - interval '10 hours' - i * interval '6 seconds', 200 FROM generate_series(0, 14399) i;`);
    const rates = await dailyRates(db.pool);
    const views = async () =>
      (await insertFreshMinute(db.pool, new Date(Date.now() - 60_000).toISOString(), rates)).find((f) => f.table === 'page_views')!.rows;
    expect([await views(), await views(), await views()]).toEqual([10, 10, 10]);
  } finally {
    await db.drop();
  }
});
