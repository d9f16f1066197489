/**
 * Support read by support_tickets.updated_at (collection.ticket_changes): the reference schema's
 * support_tickets_stamp_write stamps every write with now(), which is the pinned clock here because the
 * tickets are written through the clock's pool. CSAT and the open count are compared with SQL over the
 * table on the same clock, computed apart from the collector.
 */
import { M } from '../../../shared/catalogue';
import { CSAT_CHANGED_SQL } from '../../../exporter/src/collectors/csat-tail';
import { OPEN_TICKET_SET_SQL } from '../../../exporter/src/collectors/open-ticket-set';
import { support } from '../../../exporter/src/collectors/support';
import { TICKETS_WRITTEN_SQL } from '../../../exporter/src/collectors/ticket-writes';
import type { Collector } from '../../../exporter/src/collectors/types';
import type { Config } from '../../../exporter/src/config/load';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger, type Logger } from '../../../exporter/src/runtime/logger';
import { createTestDatabase } from '../../support/db';
import { collectOnce, observed, seriesOf, testConfig, valueOf } from '../../support/collect';
import * as ref from '../../support/reference';
import { captureLogger } from '../../support/log';
import { pinnedDatabase } from '../../support/pinned-clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 4, 12, 12, 0);

const pinned = pinnedDatabase(T);
afterEach(async () => {
  await pinned.clock.pool.query('ALTER TABLE support_tickets ENABLE TRIGGER support_tickets_stamp_write');
});

const stampConfig = (collection: Record<string, unknown> = {}) =>
  testConfig({ collection: { settle_lag: 0, ticket_changes: 'updated_at', ...collection } });

const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Inserts a ticket (times as offsets before the pinned now; stamped now by the trigger) and returns its id. */
async function ticket(openedAgoMs: number, closedAgoMs: number | null = null, score: number | null = null): Promise<number> {
  const now = pinned.clock.nowMs;
  const { rows } = await pinned.clock.pool.query(
    'INSERT INTO support_tickets (opened_at, closed_at, csat_score) VALUES ($1, $2, $3) RETURNING id',
    [ts(now - openedAgoMs), ts(closedAgoMs === null ? null : now - closedAgoMs), score],
  );
  return Number(rows[0].id);
}

/** Sets a ticket's closed_at (an offset before the pinned now, or null: reopened) and score, as support agents do. */
const write = (id: number, closedAgoMs: number | null, score: number | null) =>
  pinned.clock.pool.query('UPDATE support_tickets SET closed_at = $2, csat_score = $3 WHERE id = $1', [
    id,
    ts(closedAgoMs === null ? null : pinned.clock.nowMs - closedAgoMs),
    score,
  ]);

/** What the last cycle read: tickets by stamp, rows of the bucket check, and whether the open set was built. */
let read = { written: 0, checked: 0, openBuilds: 0 };

/** One cycle at `atMs` through the pinned clock: CSAT, the open count and both drifts. */
async function cycleAt(c: Collector, config: Config, atMs: number, log: Logger = createLogger('silent')) {
  await pinned.clock.set(atMs);
  const ctrl = new AbortController();
  read = { written: 0, checked: 0, openBuilds: 0 };
  const out = await withReadOnly(pinned.clock.pool, 30, ctrl.signal, (db) =>
    c.collect({
      db: observed(db, (sql, rows) => {
        if (sql === TICKETS_WRITTEN_SQL) read.written += rows.length;
        if (sql === CSAT_CHANGED_SQL) read.checked += 1;
        if (sql === OPEN_TICKET_SET_SQL) read.openBuilds += 1;
      }),
      config,
      log,
      signal: ctrl.signal,
    }),
  );
  return {
    csat: seriesOf(out, M.csatScore.name),
    open: valueOf(out, M.supportTicketsOpen.name),
    drift: valueOf(out, M.rollupDrift.name, { collector: 'support' }),
    openDrift: valueOf(out, M.rollupDrift.name, { collector: 'support_open' }),
    openBytes: valueOf(out, M.rollupStateBytes.name, { collector: 'support_open' }),
  };
}

/** CSAT per window and the open count from the table itself, on the pinned clock (the full-window reference). */
async function reference(): Promise<{ csat: Record<string, number>; open: number }> {
  const config = testConfig();
  const out = await collectOnce(ref.support(config), pinned.clock.pool, config);
  return { csat: seriesOf(out, M.csatScore.name), open: valueOf(out, M.supportTicketsOpen.name)! };
}

function expectEqual(got: { csat: Record<string, number>; open?: number }, want: { csat: Record<string, number>; open: number }) {
  expect(got.open).toBe(want.open);
  expect(Object.keys(got.csat).sort()).toEqual(Object.keys(want.csat).sort());
  for (const k of Object.keys(want.csat)) expect(got.csat[k]).toBeCloseTo(want.csat[k]!, 12);
}

const fresh = async (atMs: number) => {
  await pinned.clock.set(atMs);
  await pinned.clock.pool.query('TRUNCATE support_tickets');
};

describe('by updated_at (collection.ticket_changes: updated_at)', () => {
  test('tickets scored, rescored, reopened and closed again inside the tail, and one rescored 5 days after closing, are read on the next cycle; only the written tickets are read', async () => {
    await fresh(T);
    const unscored = await ticket(5 * HOUR, 2 * HOUR); // scored later
    const rescored = await ticket(5 * HOUR, 3 * HOUR, 2);
    const reopened = await ticket(30 * HOUR, 20 * HOUR, 5);
    const closedAgain = await ticket(6 * HOUR, 4 * HOUR, 4);
    const old = await ticket(6 * DAY, 5 * DAY, 1); // outside mutable_horizon: the bucket check never reads it
    const before = await ticket(40 * DAY, 35 * DAY, 3); // closed before the 30-day window
    for (let i = 0; i < 20; i++) await ticket(10 * HOUR + i * MINUTE, 9 * HOUR + i * MINUTE, 1 + (i % 5));
    for (let i = 0; i < 5; i++) await ticket(i * DAY + HOUR); // open backlog

    const config = stampConfig();
    const collector = support(config);
    expectEqual(await cycleAt(collector, config, T), await reference());
    await cycleAt(collector, config, T + MINUTE); // the tickets stamped at T are at the last read's now()
    const quiet = await cycleAt(collector, config, T + 2 * MINUTE);
    expectEqual(quiet, await reference());
    expect(read).toEqual({ written: 0, checked: 0, openBuilds: 0 }); // nothing written since T + 1 min

    await pinned.clock.set(T + 3 * MINUTE);
    await write(unscored, 2 * HOUR + 3 * MINUTE, 5);
    await write(rescored, 3 * HOUR + 3 * MINUTE, 4);
    await write(reopened, null, 5);
    await write(closedAgain, MINUTE, 4);
    await write(old, 5 * DAY + 3 * MINUTE, 5);
    await write(before, 35 * DAY + 3 * MINUTE, 1);
    const got = await cycleAt(collector, config, T + 4 * MINUTE);
    expect(read).toEqual({ written: 6, checked: 0, openBuilds: 0 });
    const want = await reference();
    expectEqual(got, want);
    expect(want.open).toBe(6); // the five of the backlog and the reopened one, counted apart from the collector

    // Reopened closes again with another score; a new scored ticket arrives; then a quiet cycle reads nothing.
    await pinned.clock.set(T + 5 * MINUTE);
    await write(reopened, 0, 3);
    await ticket(HOUR, 0, 2);
    expectEqual(await cycleAt(collector, config, T + 6 * MINUTE), await reference());
    expect(read.written).toBe(2);
    expectEqual(await cycleAt(collector, config, T + 7 * MINUTE), await reference());
    expect(read.written).toBe(0);
  });

  test('the open count is exact through opens, closings, reopenings and a future opened_at, without counting the open tickets again', async () => {
    const base = T + 10 * DAY;
    await fresh(base);
    const backlog: number[] = [];
    for (let i = 0; i < 4; i++) backlog.push(await ticket((30 + i) * DAY));
    const closed = await ticket(10 * DAY, 3 * DAY);
    await ticket(-30 * MINUTE); // opened in 30 minutes: not open until then
    const config = stampConfig();
    const collector = support(config);
    const first = await cycleAt(collector, config, base);
    expect(first.open).toBe(4);
    expect(read.openBuilds).toBe(1);
    expect(first.openBytes).toBe(5 * 16); // id and opened_at of each ticket without closed_at, the future one too

    const steps: (() => Promise<unknown>)[] = [
      () => write(backlog[0]!, 0, null), // closed
      () => write(closed, null, null), // reopened 3 days after closing
      () => ticket(0), // opened now
      async () => {
        await write(backlog[0]!, null, null); // reopened
        await write(backlog[1]!, 0, 4); // closed with a score
      },
      () => write(closed, 0, 5), // closed again
    ];
    for (const [i, step] of steps.entries()) {
      await pinned.clock.set(base + (10 * i + 1) * MINUTE);
      await step();
      const got = await cycleAt(collector, config, base + (10 * i + 2) * MINUTE);
      expectEqual(got, await reference());
      expect(read.openBuilds).toBe(0);
    }
    // The future ticket's opened_at passes without a write.
    const later = await cycleAt(collector, config, base + 60 * MINUTE);
    expect(later.open).toBe((await reference()).open);
    expect(later.open).toBe(5); // backlog 0, 2, 3, the one opened at step 3 and the future one
    expect(later).toMatchObject({ drift: 0, openDrift: 0 });
  });

  test('a write with the trigger disabled (updated_at kept) and a deleted ticket are stale until the full refresh, which publishes both drifts', async () => {
    const base = T + 20 * DAY;
    await fresh(base);
    const a = await ticket(3 * HOUR, 2 * HOUR, 5);
    const b = await ticket(3 * HOUR);
    const c = await ticket(4 * HOUR);
    const config = stampConfig({ full_refresh: '1h' });
    const collector = support(config);
    const start = await cycleAt(collector, config, base);
    expect(start).toMatchObject({ csat: { 'window=1d': 5, 'window=7d': 5, 'window=30d': 5 }, open: 2 });
    await cycleAt(collector, config, base + MINUTE); // past the tickets' stamps

    await pinned.clock.pool.query('ALTER TABLE support_tickets DISABLE TRIGGER support_tickets_stamp_write');
    await write(a, 2 * HOUR, 1); // rescored
    await write(b, 0, 3); // closed and scored
    await pinned.clock.pool.query('DELETE FROM support_tickets WHERE id = $1', [c]);
    const stale = await cycleAt(collector, config, base + 2 * MINUTE);
    expect(stale).toMatchObject({ csat: { 'window=1d': 5, 'window=7d': 5, 'window=30d': 5 }, open: 2, drift: 0, openDrift: 0 });
    expect(read.written).toBe(0);

    // Past any phase of the first full refresh (0.5 to 1.5 full_refresh after the build).
    const refreshed = await cycleAt(collector, config, base + 2 * HOUR);
    expectEqual(refreshed, await reference());
    expect(refreshed.csat['window=1d']).toBe(2); // (1 + 3) / 2
    expect(refreshed.drift).toBeCloseTo(3 * (5 - 2), 12);
    expect(refreshed.open).toBe(0);
    expect(refreshed.openDrift).toBe(2); // b closed, c deleted
  });

  test('support_tickets without the column: one warning, then the bucket check (a score written without a stamp is read)', async () => {
    const vdb = await createTestDatabase();
    try {
      await vdb.pool.query(`
        DROP TRIGGER support_tickets_stamp_write ON support_tickets; ALTER TABLE support_tickets DROP COLUMN updated_at;
        INSERT INTO support_tickets (opened_at, closed_at, csat_score)
        VALUES (now() - interval '3 hours', now() - interval '2 hours', 5), (now() - interval '3 hours', now() - interval '1 hour', NULL)`);
      const { lines, log } = captureLogger();
      const config = stampConfig();
      const collector = support(config);
      const run = async () => {
        const ctrl = new AbortController();
        const out = await withReadOnly(vdb.pool, 30, ctrl.signal, (db) => collector.collect({ db, config, log, signal: ctrl.signal }));
        return valueOf(out, M.csatScore.name, { window: '1d' });
      };
      expect(await run()).toBe(5);
      await vdb.pool.query('UPDATE support_tickets SET csat_score = 1 WHERE csat_score IS NULL');
      expect(await run()).toBe(3);
      const notes = lines
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => /ticket_changes/.test(l.msg))
        .map(({ level, msg }) => ({ level, msg }));
      expect(notes).toEqual([
        {
          level: 40,
          msg: 'support: collection.ticket_changes is updated_at but support_tickets has no updated_at column; checking the tickets closed inside the mutable tail and counting the open ones',
        },
      ]);
    } finally {
      await vdb.drop();
    }
  });
});

describe('collection.ticket_changes: auto (the default)', () => {
  const choice = (lines: string[]) =>
    lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => /collection\.ticket_changes: auto/.test(l.msg))
      .map((l) => ({ level: l.level, msg: l.msg.replace(/;.*\(/, '; … (') }));

  test("with the reference schema's trigger: reads by updated_at (a score written 5 days after closing is read at once), and names the trigger once", async () => {
    const base = T + 30 * DAY;
    await fresh(base);
    await ticket(3 * HOUR, HOUR, 5);
    const old = await ticket(6 * DAY, 5 * DAY);
    const config = testConfig();
    const collector = support(config);
    const { lines, log } = captureLogger();
    expect((await cycleAt(collector, config, base, log)).csat).toEqual({ 'window=1d': 5, 'window=7d': 5, 'window=30d': 5 });
    await pinned.clock.set(base + MINUTE);
    await write(old, 5 * DAY + MINUTE, 1);
    // The bucket check reads only mutable_horizon (48h): only the stamp sees this score before the full refresh.
    expect((await cycleAt(collector, config, base + 2 * MINUTE, log)).csat).toEqual({ 'window=1d': 5, 'window=7d': 3, 'window=30d': 3 });
    expect(read).toEqual({ written: 2, checked: 0, openBuilds: 0 }); // old, and the other ticket stamped at the last read's now()
    expect(choice(lines)).toEqual([
      {
        level: 30,
        msg: 'support: trigger support_tickets_stamp_write keeps support_tickets.updated_at; … (collection.ticket_changes: auto)',
      },
    ]);
  });

  test('with the trigger disabled: the bucket check, so a score that kept updated_at is read on the next cycle', async () => {
    const base = T + 40 * DAY;
    await fresh(base);
    await ticket(3 * HOUR, HOUR, 5);
    const x = await ticket(3 * HOUR, 2 * HOUR);
    await pinned.clock.pool.query('ALTER TABLE support_tickets DISABLE TRIGGER support_tickets_stamp_write');
    const config = testConfig();
    const collector = support(config);
    const { lines, log } = captureLogger();
    expect((await cycleAt(collector, config, base, log)).csat).toEqual({ 'window=1d': 5, 'window=7d': 5, 'window=30d': 5 });
    await write(x, 2 * HOUR, 1);
    const got = await cycleAt(collector, config, base + MINUTE, log);
    expect(got.csat).toEqual({ 'window=1d': 3, 'window=7d': 3, 'window=30d': 3 });
    expect(read).toMatchObject({ written: 0, checked: 1 });
    expect(choice(lines)).toEqual([
      { level: 30, msg: 'support: no enabled trigger keeps support_tickets.updated_at; … (collection.ticket_changes: auto)' },
    ]);
  });
});

test('the read by updated_at is one range of support_tickets_updated_at_idx, guessed small, even before the column has statistics', async () => {
  const pdb = await createTestDatabase();
  try {
    // 100 days of tickets, stamped at once, every column analyzed but updated_at: as when the column is added to a populated table.
    await pdb.pool.query(`
      ALTER TABLE support_tickets SET (autovacuum_enabled = false);
      INSERT INTO support_tickets (opened_at, closed_at, csat_score)
      SELECT now() - make_interval(secs => i * 43), now() - make_interval(secs => i * 43 - 60), 1 + i % 5 FROM generate_series(1, 200000) AS i;
      ANALYZE support_tickets (id, opened_at, closed_at, csat_score)`);
    const { rows: stats } = await pdb.pool.query(
      `SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'support_tickets' AND attname = 'updated_at'`,
    );
    expect(stats[0].n).toBe(0);
    const { rows } = await pdb.pool.query(`EXPLAIN (FORMAT JSON) ${TICKETS_WRITTEN_SQL}`, [new Date(Date.now() - MINUTE).toISOString()]);
    const plan = JSON.stringify(rows[0]['QUERY PLAN']);
    expect(plan).toContain('"Index Name":"support_tickets_updated_at_idx"');
    expect(plan).not.toContain('Seq Scan');
    // Guessed at 0.5 % of the table thanks to the upper bound; `updated_at >= $1` alone is guessed at a
    // third, where a larger table is read whole.
    expect(rows[0]['QUERY PLAN'][0].Plan['Plan Rows']).toBeLessThan(200000 / 100);
  } finally {
    await pdb.drop();
  }
});
