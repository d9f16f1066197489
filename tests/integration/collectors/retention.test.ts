import { M } from '../../../shared/catalogue';
import { retention } from '../../../exporter/src/collectors/retention';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

const D = 86_400;
const DAYS = [1, 7, 30];

// Offsets in seconds from today's UTC midnight. Yesterday = [-D, 0); the day-N cohort = [-(N+1)D, -N·D).
const USERS: [id: number, created: number][] = [
  [1, -2 * D], // first second of the day-1 cohort
  [2, -D - 1], // last second of the day-1 cohort
  [3, -2 * D + 3600],
  [4, -2 * D - 1], // the day before the day-1 cohort: in no cohort
  [5, -2 * D + 7200],
  [6, -8 * D + 100], // day-7 cohort
  [7, -7 * D - 100], // day-7 cohort
  [8, -7 * D], // first second of the day after the day-7 cohort
  [9, -8 * D + 5000], // day-7 cohort
  [10, -31 * D - 10], // the day before the (empty) day-30 cohort
];
const SESSIONS: [user: number | null, start: number][] = [
  [1, -D], // yesterday's first second: retained
  [2, -1], // yesterday's last second: retained
  [3, 0], // today: not yesterday
  [3, -D - 1], // the signup day itself: not yesterday
  [4, -D / 2],
  [6, -D / 2], // retained
  [7, -2 * D],
  [8, -D / 2],
  [10, -D / 2],
  [null, -D / 2], // anonymous
];

function expected(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of DAYS) {
    const cohort = USERS.filter(([, c]) => c >= -(n + 1) * D && c < -n * D).map(([id]) => id);
    const retained = cohort.filter((id) => SESSIONS.some(([u, s]) => u === id && s >= -D && s < 0));
    out[`day=${n}`] = cohort.length ? retained.length / cohort.length : 0;
  }
  return out;
}

const utcDay = async () => (await tdb.pool.query(`SELECT (now() AT TIME ZONE 'UTC')::date::text AS d`)).rows[0].d as string;
const MIDNIGHT = `(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/**
 * Loads the fixture relative to today's UTC midnight and collects. Should UTC midnight pass between
 * the two, the fixture no longer describes "today", so it is reloaded and collected again.
 */
async function collectWithinOneDay(): Promise<Sample[]> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = await utcDay();
    await tdb.pool.query(`DELETE FROM sessions; DELETE FROM users`);
    await tdb.pool.query(
      `INSERT INTO users (id, created_at) SELECT i, ${MIDNIGHT} + make_interval(secs => c) FROM unnest($1::int[], $2::float8[]) AS u(i, c)`,
      [USERS.map((u) => u[0]), USERS.map((u) => u[1])],
    );
    await tdb.pool.query(
      `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at)
       SELECT u, 'v', 'web', 'direct', ${MIDNIGHT} + make_interval(secs => s) FROM unnest($1::int[], $2::float8[]) AS x(u, s)`,
      [SESSIONS.map((s) => s[0]), SESSIONS.map((s) => s[1])],
    );
    const config = testConfig();
    const samples = await collectOnce(build(retention, config), tdb.pool, config);
    if ((await utcDay()) === before) return samples;
  }
  throw new Error('UTC midnight kept passing during the test');
}

test('empty database: every day published at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(retention, config), tdb.pool, config);
  expect(seriesOf(s, M.retentionRatio.name)).toEqual({ 'day=1': 0, 'day=7': 0, 'day=30': 0 });
});

test('day-N retention equals the fixture, UTC day boundaries included', async () => {
  const s = await collectWithinOneDay();
  const got = seriesOf(s, M.retentionRatio.name);
  const want = expected();
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(got[k]).toBeCloseTo(want[k]!, 9);
  // By hand: day 1 cohort {1, 2, 3, 5}, retained {1, 2} → 0.5; day 7 cohort {6, 7, 9}, retained {6} → 1/3;
  // day 30 cohort empty → 0.
  expect(got['day=1']).toBeCloseTo(0.5, 9);
  expect(got['day=7']).toBeCloseTo(1 / 3, 9);
  expect(got['day=30']).toBe(0);
});
