/**
 * Carts read by carts.updated_at (collection.cart_changes): the reference schema's carts_stamp_write
 * stamps every write with now(), which is the pinned clock here because the carts are written through
 * the clock's pool. Expected ratios are counted by hand from the fixture and checked against the
 * carts table on the same clock.
 */
import { M } from '../../../shared/catalogue';
import { CART_STAMPED_SQL, carts } from '../../../exporter/src/collectors/carts';
import type { Collector } from '../../../exporter/src/collectors/types';
import type { Config } from '../../../exporter/src/config/load';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger, type Logger } from '../../../exporter/src/runtime/logger';
import { insertCart, seedCartOwner } from '../../support/carts';
import { createTestDatabase } from '../../support/db';
import { observed, testConfig, valueOf } from '../../support/collect';
import { captureLogger } from '../../support/log';
import { pinnedDatabase } from '../../support/pinned-clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 4, 12, 12, 0);

const pinned = pinnedDatabase(T);
beforeAll(() => seedCartOwner(pinned.clock.pool));
afterEach(async () => {
  await pinned.clock.pool.query('ALTER TABLE carts ENABLE TRIGGER carts_stamp_write');
});

/** Inserts a cart created `ageMs` before the pinned now (stamped now by the trigger) and returns its id. */
const cart = (ageMs: number, status = 'open', abandonedAgeMs?: number) =>
  insertCart(
    pinned.clock.pool,
    pinned.clock.nowMs - ageMs,
    status,
    abandonedAgeMs === undefined ? undefined : pinned.clock.nowMs - abandonedAgeMs,
  );

const convert = (id: number) => pinned.clock.pool.query(`UPDATE carts SET status = 'converted' WHERE id = $1`, [id]);
const abandon = (id: number) => pinned.clock.pool.query(`UPDATE carts SET status = 'abandoned', abandoned_at = now() WHERE id = $1`, [id]);

const stampConfig = (collection: Record<string, unknown> = {}) =>
  testConfig({ collection: { settle_lag: 0, cart_changes: 'updated_at', ...collection } });

/** Rows of carts facts the last cycle's queries returned. */
let rowsRead = 0;

/** One cycle at `atMs` through the pinned clock: the 1d, 7d and 30d ratios and the drift. */
async function cycleAt(c: Collector, config: Config, atMs: number, log: Logger = createLogger('silent')) {
  await pinned.clock.set(atMs);
  const ctrl = new AbortController();
  rowsRead = 0;
  const out = await withReadOnly(pinned.clock.pool, 30, ctrl.signal, (db) =>
    c.collect({
      db: observed(db, (sql, rows) => {
        if (/FROM carts c\b/.test(sql)) rowsRead += rows.length;
      }),
      config,
      log,
      signal: ctrl.signal,
    }),
  );
  return {
    ratios: ['1d', '7d', '30d'].map((window) => valueOf(out, M.cartAbandonmentRatio.name, { window })),
    drift: valueOf(out, M.rollupDrift.name, { collector: 'carts' }),
  };
}

/** The ratios computed from the carts table on the pinned clock, independently of the collector. */
async function reference(): Promise<number[]> {
  const { rows } = await pinned.clock.pool.query<{ r: number }>(`
    SELECT coalesce(count(*) FILTER (WHERE c.status = 'abandoned')::float8 / nullif(count(*) FILTER (WHERE c.status <> 'open'), 0), 0) AS r
      FROM unnest(ARRAY[1, 7, 30]) WITH ORDINALITY AS w (days, k)
      LEFT JOIN carts c ON c.created_at > now() - make_interval(days => w.days) AND c.created_at <= now()
     GROUP BY w.k ORDER BY w.k`);
  return rows.map((r) => Number(r.r));
}

describe('by updated_at (collection.cart_changes: updated_at)', () => {
  test('a cart converted and one abandoned inside the tail, and one converted 5 days old, are read on the next cycle; only the carts written are read', async () => {
    const a = await cart(HOUR); // converts
    const c = await cart(2 * HOUR); // abandoned
    for (let i = 0; i < 20; i++) await cart(3 * HOUR + i * MINUTE); // stay open
    const b = await cart(30 * HOUR); // converts
    await cart(31 * HOUR, 'abandoned', 30 * HOUR); // closed from the start
    const old = await cart(5 * DAY); // converts: outside mutable_horizon, which the open tail never reads
    const before = await cart(35 * DAY); // created before the 30-day window: written, never read

    const config = stampConfig();
    const collector = carts(config);
    // 1d: nothing closed; 7d and 30d: the one abandoned cart of 31h ago.
    expect((await cycleAt(collector, config, T)).ratios).toEqual([0, 1, 1]);
    await cycleAt(collector, config, T + MINUTE); // the carts stamped at T are at the last read's now()
    expect((await cycleAt(collector, config, T + 2 * MINUTE)).ratios).toEqual([0, 1, 1]);
    expect(rowsRead).toBe(0); // nothing written since T + 1 min

    await pinned.clock.set(T + 3 * MINUTE);
    await convert(a);
    await abandon(c);
    await convert(b);
    await convert(old);
    await convert(before);
    const got = await cycleAt(collector, config, T + 4 * MINUTE);
    expect(rowsRead).toBe(4); // a, c, b and old; not the cart created before the window
    // 1d: a and c closed, c abandoned → 1/2. 7d and 30d: a, c, b, old and the 31h cart → 2/5.
    expect(got.ratios).toEqual([1 / 2, 2 / 5, 2 / 5]);
    expect(got.ratios).toEqual(await reference());

    // A new cart is one row; a cycle with no write reads none.
    await pinned.clock.set(T + 5 * MINUTE);
    await cart(MINUTE, 'abandoned', 0);
    expect((await cycleAt(collector, config, T + 6 * MINUTE)).ratios).toEqual([2 / 3, 3 / 6, 3 / 6]);
    expect(rowsRead).toBe(1);
    expect((await cycleAt(collector, config, T + 7 * MINUTE)).ratios).toEqual(await reference());
    expect(rowsRead).toBe(0);
  });

  test('a write with the trigger disabled (updated_at kept) is stale until the full refresh, which publishes the drift', async () => {
    const base = T + 10 * DAY;
    await pinned.clock.set(base);
    await pinned.clock.pool.query('DELETE FROM carts');
    await cart(2 * HOUR, 'abandoned', HOUR);
    const x = await cart(3 * HOUR);
    await cart(4 * HOUR);
    const config = stampConfig({ full_refresh: '1h' });
    const collector = carts(config);
    expect((await cycleAt(collector, config, base)).ratios).toEqual([1, 1, 1]);
    await cycleAt(collector, config, base + MINUTE); // past the carts' stamps

    await pinned.clock.pool.query('ALTER TABLE carts DISABLE TRIGGER carts_stamp_write');
    await convert(x);
    const stale = await cycleAt(collector, config, base + 2 * MINUTE);
    expect(stale).toEqual({ ratios: [1, 1, 1], drift: 0 });

    // Past any phase of the first full refresh (0.5 to 1.5 full_refresh after the build).
    const fresh = await cycleAt(collector, config, base + 2 * HOUR);
    expect(fresh.ratios).toEqual([1 / 2, 1 / 2, 1 / 2]);
    expect(fresh.ratios).toEqual(await reference());
    expect(fresh.drift).toBeCloseTo(3 * (1 - 1 / 2), 12);
  });

  test('a carts without the column: one warning, then the open tail (a conversion without a stamp is read)', async () => {
    const vdb = await createTestDatabase();
    try {
      await vdb.pool.query(`
        DROP TRIGGER carts_stamp_write ON carts; ALTER TABLE carts DROP COLUMN updated_at;
        INSERT INTO users (id, created_at) VALUES (1, now() - interval '60 days');
        INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at) VALUES (1, 1, 'v1', 'web', 'direct', now() - interval '60 days');
        INSERT INTO carts (user_id, session_id, created_at, status, abandoned_at)
        VALUES (1, 1, now() - interval '2 hours', 'abandoned', now() - interval '1 hour'), (1, 1, now() - interval '3 hours', 'open', NULL)`);
      const { lines, log } = captureLogger();
      const config = stampConfig();
      const collector = carts(config);
      const run = async () => {
        const ctrl = new AbortController();
        const out = await withReadOnly(vdb.pool, 30, ctrl.signal, (db) => collector.collect({ db, config, log, signal: ctrl.signal }));
        return valueOf(out, M.cartAbandonmentRatio.name, { window: '1d' });
      };
      expect(await run()).toBe(1);
      await vdb.pool.query(`UPDATE carts SET status = 'converted' WHERE status = 'open'`);
      expect(await run()).toBe(1 / 2);
      const notes = lines
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => /cart_changes/.test(l.msg))
        .map(({ level, msg }) => ({ level, msg }));
      expect(notes).toEqual([
        {
          level: 40,
          msg: 'carts: collection.cart_changes is updated_at but carts has no updated_at column; checking the open carts of the mutable tail',
        },
      ]);
    } finally {
      await vdb.drop();
    }
  });
});

describe('collection.cart_changes: auto (the default)', () => {
  const choice = (lines: string[]) =>
    lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => /collection\.cart_changes: auto/.test(l.msg))
      .map((l) => ({ level: l.level, msg: l.msg.replace(/;.*\(/, '; … (') }));

  test("with the reference schema's trigger: reads by updated_at (a conversion of 5 days ago is read at once), and names the trigger once", async () => {
    const base = T + 20 * DAY;
    await pinned.clock.set(base);
    await pinned.clock.pool.query('DELETE FROM carts');
    await cart(HOUR, 'abandoned', HOUR);
    const old = await cart(5 * DAY);
    const config = testConfig();
    const collector = carts(config);
    const { lines, log } = captureLogger();
    expect((await cycleAt(collector, config, base, log)).ratios).toEqual([1, 1, 1]);
    await pinned.clock.set(base + MINUTE);
    await convert(old);
    // The open tail reads only mutable_horizon (48h): only the stamp sees this conversion before the full refresh.
    expect((await cycleAt(collector, config, base + 2 * MINUTE, log)).ratios).toEqual([1, 1 / 2, 1 / 2]);
    expect(rowsRead).toBe(2); // old, and the abandoned cart stamped at the last read's now()
    expect(choice(lines)).toEqual([
      { level: 30, msg: 'carts: trigger carts_stamp_write keeps carts.updated_at; … (collection.cart_changes: auto)' },
    ]);
  });

  test('with the trigger disabled: the open tail, so a conversion that kept updated_at is read on the next cycle', async () => {
    const base = T + 30 * DAY;
    await pinned.clock.set(base);
    await pinned.clock.pool.query('DELETE FROM carts');
    await cart(2 * HOUR, 'abandoned', HOUR);
    const x = await cart(3 * HOUR);
    await pinned.clock.pool.query('ALTER TABLE carts DISABLE TRIGGER carts_stamp_write');
    const config = testConfig();
    const collector = carts(config);
    const { lines, log } = captureLogger();
    expect((await cycleAt(collector, config, base, log)).ratios).toEqual([1, 1, 1]);
    await convert(x);
    expect((await cycleAt(collector, config, base + MINUTE, log)).ratios).toEqual([1 / 2, 1 / 2, 1 / 2]);
    expect(choice(lines)).toEqual([
      { level: 30, msg: 'carts: no enabled trigger keeps carts.updated_at; … (collection.cart_changes: auto)' },
    ]);
  });
});

test('the read by updated_at is one range of carts_updated_at_idx even before carts.updated_at has statistics', async () => {
  const pdb = await createTestDatabase();
  try {
    // 100 days of carts (the window is 30 % of them), stamped at once, every column analyzed but updated_at: as when the column is added to a populated table.
    await pdb.pool.query(`
      ALTER TABLE carts SET (autovacuum_enabled = false);
      INSERT INTO users (id, created_at) VALUES (1, now() - interval '90 days');
      INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at) VALUES (1, 1, 'v1', 'web', 'direct', now() - interval '90 days');
      INSERT INTO carts (user_id, session_id, created_at, status)
      SELECT 1, 1, now() - make_interval(secs => i * 43), 'open' FROM generate_series(1, 200000) AS i;
      ANALYZE carts (id, user_id, session_id, created_at, status, abandoned_at)`);
    const { rows: stats } = await pdb.pool.query(
      `SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'carts' AND attname = 'updated_at'`,
    );
    expect(stats[0].n).toBe(0);
    const { rows } = await pdb.pool.query(`EXPLAIN (FORMAT JSON) ${CART_STAMPED_SQL}`, [
      new Date(Date.now() - MINUTE).toISOString(),
      new Date().toISOString(),
      new Date(Date.now() - 30 * DAY).toISOString(),
    ]);
    const plan = JSON.stringify(rows[0]['QUERY PLAN']);
    expect(plan).toContain('"Index Name":"carts_updated_at_idx"');
    expect(plan).not.toContain('carts_created_at_idx');
  } finally {
    await pdb.drop();
  }
});
