/**
 * Bounce's steady cycles against the full-window SQL (tests/support/reference/bounce.ts) on a pinned
 * clock: new sessions' views however dated, counted by runs of ids; older sessions given a view, skipped
 * when their fact holds two views, counted again by id otherwise, and looked up by primary key when
 * their fact is not found by id.
 */
import { M, WINDOWS } from '../../../shared/catalogue';
import { BOUNCE_RECOUNT_SQL, bounce } from '../../../exporter/src/collectors/bounce';
import { factOfSession } from '../../../exporter/src/collectors/window-facts';
import type { Collector } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { type Db, withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { bounce as referenceBounce } from '../../support/reference/bounce';
import { collectOnce, testConfig, valueOf } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';

const T0 = Date.UTC(2026, 5, 10, 12, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SETTLE_S = 120;
const db = pinnedDatabase(T0);
const config = testConfig({ collection: { settle_lag: SETTLE_S } });
const iso = (ms: number) => new Date(ms).toISOString();

beforeEach(async () => {
  await db.tdb.pool.query('TRUNCATE page_views, sessions RESTART IDENTITY CASCADE');
  await db.clock.set(T0);
});

async function session(startMs: number, id?: number): Promise<number> {
  const { rows } = await db.tdb.pool.query(
    `INSERT INTO sessions (id, visitor_id, platform, channel, started_at)
     VALUES (coalesce($1, nextval('sessions_id_seq')), 'v', 'web', 'direct', $2) RETURNING id`,
    [id ?? null, iso(startMs)],
  );
  return Number(rows[0].id);
}

async function view(sessionId: number, atMs: number): Promise<void> {
  await db.tdb.pool.query(`INSERT INTO page_views (session_id, viewed_at, path, http_status) VALUES ($1, $2, '/', 200)`, [
    sessionId,
    iso(atMs),
  ]);
}

/** A cycle of `c`, with the parameters of every recount it issued: [ids found in the facts, ids looked up]. */
async function cycle(c: Collector): Promise<{ samples: Sample[]; recounts: [number[], number[]][] }> {
  const recounts: [number[], number[]][] = [];
  const ctrl = new AbortController();
  const samples = await withReadOnly(db.clock.pool, 30, ctrl.signal, (inner) => {
    const seen: Db = {
      ...inner,
      query: async (sql, params) => {
        if (sql === BOUNCE_RECOUNT_SQL) recounts.push([(params![0] as number[]).map(Number), (params![1] as number[]).map(Number)]);
        return inner.query(sql, params);
      },
    } as Db;
    return c.collect({ db: seen, config, log: createLogger('silent'), signal: ctrl.signal });
  });
  return { samples, recounts };
}

async function expectReference(samples: Sample[], step: string): Promise<void> {
  const want = await collectOnce(referenceBounce(config), db.clock.pool, config);
  for (const window of WINDOWS) {
    const got = valueOf(samples, M.bounceRatio.name, { window });
    expect({ step, window, value: got }).toEqual({ step, window, value: valueOf(want, M.bounceRatio.name, { window }) });
  }
}

test('a fact at two views is not read again; one at none or one is counted again; new sessions count every view however dated', async () => {
  const twice = await session(T0 - 2 * HOUR);
  await view(twice, T0 - 2 * HOUR + 1000);
  await view(twice, T0 - 2 * HOUR + 2000);
  const once = await session(T0 - 3 * HOUR);
  await view(once, T0 - 3 * HOUR + 1000);
  const never = await session(T0 - 4 * HOUR);
  const c = bounce(config);
  await expectReference((await cycle(c)).samples, 'first load');

  const t1 = T0 + MIN;
  await db.clock.set(t1);
  await view(twice, t1 - 10_000);
  await view(once, t1 - 5_000);
  await view(never, t1 - 1_000);
  // New sessions: none, one view dated an hour before the session (and the read), three views one of
  // them an hour ahead, one view; and one whose id is far from theirs, so each is probed.
  const fresh = [await session(t1 - 50_000), await session(t1 - 40_000), await session(t1 - 30_000), await session(t1 - 20_000)];
  await view(fresh[1]!, t1 - 50_000 - HOUR);
  await view(fresh[2]!, t1 - 29_000);
  await view(fresh[2]!, t1 - 28_000);
  await view(fresh[2]!, t1 + HOUR);
  await view(fresh[3]!, t1 - 19_000);
  const apart = await session(t1 - 15_000, fresh[3]! + 1000);
  await view(apart, t1 - 14_000);
  // Committed late, inside settle_lag: started before the previous cycle.
  const late = await session(T0 - 30_000);
  await view(late, T0 - 20_000);
  // Started after now: its view does not count yet.
  const future = await session(t1 + HOUR);
  await view(future, t1 - 2_000);
  const second = await cycle(c);
  await expectReference(second.samples, 'views of older and new sessions');
  // The session at two views needs no read; the two others are counted again by id.
  expect(second.recounts).toEqual([[expect.arrayContaining([once, never]), [future]]]);
  expect(second.recounts[0]![0]).toHaveLength(2);

  // The views above are read again (settle_lag); the session that had none gets a second one.
  const t2 = t1 + 5 * MIN;
  await db.clock.set(t2);
  await view(never, t2 - 1_000);
  const third = await cycle(c);
  await expectReference(third.samples, 'settle_lag re-read');
  expect(third.recounts).toEqual([[[never], [future]]]);

  // Past the far id: new sessions with close ids (one skipped), counted by one range of their ids,
  // the same kinds of views, the last session of the range with two. The view above is read again.
  const t3 = t2 + MIN;
  await db.clock.set(t3);
  const close = [await session(t3 - 50_000), await session(t3 - 40_000), await session(t3 - 30_000)];
  await db.tdb.pool.query(`SELECT nextval('sessions_id_seq')`);
  close.push(await session(t3 - 20_000));
  await view(close[0]!, t3 - 50_000 - HOUR);
  await view(close[1]!, t3 + HOUR);
  await view(close[3]!, t3 - 19_000);
  await view(close[3]!, t3 - 18_000);
  const fourth = await cycle(c);
  await expectReference(fourth.samples, 'new sessions of close ids');
  expect(fourth.recounts).toEqual([]);
});

test("an older session whose id lies among the new sessions' ids is settled from the counted range", async () => {
  // Committed out of order: older sessions hold ids 500 and 502, between the new sessions' 499, 501
  // and 503, so their views fall in the range the new sessions' views are counted over.
  const gainsView = await session(T0 - 2 * HOUR, 500);
  await view(gainsView, T0 - 2 * HOUR + 1000);
  const unchanged = await session(T0 - 3 * HOUR, 502);
  await view(unchanged, T0 - 3 * HOUR + 1000);
  const c = bounce(config);
  await expectReference((await cycle(c)).samples, 'first load');

  const t1 = T0 + MIN;
  await db.clock.set(t1);
  for (const [id, at] of [
    [499, t1 - 50_000],
    [501, t1 - 40_000],
    [503, t1 - 30_000],
  ] as const)
    await session(at, id);
  await view(501, t1 - 39_000);
  // A second view: the older session stops bouncing. Its only other view row is in the counted range.
  await view(gainsView, t1 - 10_000);
  const { samples, recounts } = await cycle(c);
  await expectReference(samples, 'older sessions among new ids');
  // Both older sessions of the range are settled by id; the one without a new view changes nothing.
  expect(recounts).toHaveLength(1);
  expect(recounts[0]![0].sort()).toEqual([gainsView, unchanged].sort());
  expect(recounts[0]![1]).toEqual([]);
});

test('sessions whose fact is not found by id are looked up by primary key', async () => {
  // 1,200 sessions ten minutes apart whose ids follow their start times but for the middle 1,000, which
  // run against them: a search by id for one of those lands far from its fact.
  const idOf = (k: number) => (k < 100 ? 10_000 + k : k < 1100 ? 20_000 + (1099 - k) : 30_000 + k);
  const startOf = (k: number) => T0 - 10 * DAY + k * 10 * MIN;
  await db.tdb.pool.query(
    `INSERT INTO sessions (id, visitor_id, platform, channel, started_at)
     SELECT id, 'v', 'web', 'direct', started_at FROM unnest($1::int8[], $2::timestamptz[]) AS x(id, started_at)`,
    [Array.from({ length: 1200 }, (_, k) => idOf(k)), Array.from({ length: 1200 }, (_, k) => iso(startOf(k)))],
  );
  for (let k = 0; k < 1200; k += 2) await view(idOf(k), startOf(k) + 1000);
  const c = bounce(config);
  await expectReference((await cycle(c)).samples, 'first load');
  const t1 = T0 + MIN;
  await db.clock.set(t1);
  const touched = [0, 1, 2, 3, 598, 599, 600, 601, 1196, 1197, 1198, 1199].map(idOf);
  for (const id of touched) await view(id, t1 - 10_000);
  const { samples, recounts } = await cycle(c);
  await expectReference(samples, 'views of sessions out of id order');
  expect(recounts).toHaveLength(1);
  const [found, lookedUp] = recounts[0]!;
  expect(found.sort()).toEqual([0, 1, 2, 3, 1196, 1197, 1198, 1199].map(idOf).sort());
  expect(lookedUp.sort()).toEqual([598, 599, 600, 601].map(idOf).sort());
});

test('factOfSession finds an id within its reach of where a binary search lands, and reports -1 beyond', () => {
  const sorted = Float64Array.from({ length: 2000 }, (_, i) => 10 + i * 3);
  expect(factOfSession(sorted, 10)).toBe(0);
  expect(factOfSession(sorted, 10 + 1999 * 3)).toBe(1999);
  expect(factOfSession(sorted, 11)).toBe(-1);
  // A batch written in reverse start order: ids 1000..1099 at positions 100..199.
  const batch = Float64Array.from({ length: 300 }, (_, i) => (i >= 100 && i < 200 ? 1099 - (i - 100) : i < 100 ? i : 2000 + i));
  for (let id = 1000; id < 1100; id++) expect(batch[factOfSession(batch, id)]).toBe(id);
  // Ids running against the order over far more than the reach: the middle ones are not found.
  const reversed = Float64Array.from({ length: 2000 }, (_, i) => 5000 - i);
  expect(factOfSession(reversed, 5000 - 1000)).toBe(-1);
});
