import { M } from '../../../shared/catalogue';
import { cohortRetention } from '../../../exporter/src/collectors/cohort-retention';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

const W = 7 * 86_400;

// Offsets in seconds from the start of the current UTC week (Monday 00:00). Week k = [-k·W, -(k-1)·W).
const USERS: [id: number, created: number][] = [
  [1, -W], // Monday 00:00 of last week: cohort 1
  [2, -1], // last second of last week: cohort 1
  [3, -3 * W + 100], // cohort 3
  [4, -2 * W - 1], // last second of cohort 3's week
  [5, -2.5 * W], // cohort 3
  [6, -12 * W], // first second of cohort 12
  [7, -12 * W - 1], // week 13: not a cohort
  [8, 0], // this week: not a cohort yet
];
const SESSIONS: [user: number | null, start: number][] = [
  [1, -1], // cohort 1, week 0
  [3, -3 * W + 200], // cohort 3, week 0
  [3, -W + 5], // cohort 3, week 2
  [3, 10], // current week: not complete, not counted
  [4, -2 * W], // cohort 3, week 1 (Monday 00:00 belongs to the week it starts)
  [4, -2 * W + 10], // same week again: a user counts once
  [5, -4 * W], // before signup: not retention
  [6, -12 * W + 1], // cohort 12, week 0
  [6, -1], // cohort 12, week 11
  [7, -1],
  [null, -1], // anonymous
];

const weekOf = (t: number) => Math.ceil(-t / W); // for t < 0

function expected(): Record<string, number> {
  const out: Record<string, number> = {};
  for (let k = 1; k <= 12; k++) {
    const cohort = USERS.filter(([, c]) => c < 0 && weekOf(c) === k).map(([id]) => id);
    for (let w = 0; w < k; w++) {
      const active = cohort.filter((id) => SESSIONS.some(([u, s]) => u === id && s < 0 && weekOf(s) === k - w));
      out[`cohort_weeks_ago=${k},weeks_since_signup=${w}`] = cohort.length ? active.length / cohort.length : 0;
    }
  }
  return out;
}

const utcWeek = async () => (await tdb.pool.query(`SELECT date_trunc('week', now() AT TIME ZONE 'UTC')::text AS w`)).rows[0].w as string;
const WEEK_START = `(date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/** Loads the fixture relative to this week's start and collects; reloads if a new week began in between. */
async function collectWithinOneWeek(): Promise<Sample[]> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = await utcWeek();
    await tdb.pool.query(`DELETE FROM sessions; DELETE FROM users`);
    await tdb.pool.query(
      `INSERT INTO users (id, created_at) SELECT i, ${WEEK_START} + make_interval(secs => c) FROM unnest($1::int[], $2::float8[]) AS u(i, c)`,
      [USERS.map((u) => u[0]), USERS.map((u) => u[1])],
    );
    await tdb.pool.query(
      `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at)
       SELECT u, 'v', 'web', 'direct', ${WEEK_START} + make_interval(secs => s) FROM unnest($1::int[], $2::float8[]) AS x(u, s)`,
      [SESSIONS.map((s) => s[0]), SESSIONS.map((s) => s[1])],
    );
    const config = testConfig();
    const samples = await collectOnce(build(cohortRetention, config), tdb.pool, config);
    if ((await utcWeek()) === before) return samples;
  }
  throw new Error('a new UTC week kept starting during the test');
}

test('empty database: all 78 (cohort, week) series published at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(cohortRetention, config), tdb.pool, config);
  const got = seriesOf(s, M.cohortRetentionRatio.name);
  expect(Object.keys(got)).toHaveLength(78); // 1 + 2 + … + 12
  expect(Object.values(got).every((v) => v === 0)).toBe(true);
});

test('weekly cohort retention equals the fixture, ISO week boundaries included', async () => {
  const s = await collectWithinOneWeek();
  const got = seriesOf(s, M.cohortRetentionRatio.name);
  const want = expected();
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect([k, got[k]]).toEqual([k, expect.closeTo(want[k]!, 9)]);
  // By hand: cohort 1 = {1, 2}: week 0 → 1/2. Cohort 3 = {3, 4, 5}: weeks 0, 1, 2 → 1/3 each.
  // Cohort 12 = {6}: weeks 0 and 11 → 1, weeks 1..10 → 0.
  const at = (k: number, w: number) => got[`cohort_weeks_ago=${k},weeks_since_signup=${w}`];
  expect(at(1, 0)).toBeCloseTo(0.5, 9);
  expect([at(3, 0), at(3, 1), at(3, 2)].map((v) => Math.round(v! * 3))).toEqual([1, 1, 1]);
  expect(at(12, 0)).toBe(1);
  expect(at(12, 5)).toBe(0);
  expect(at(12, 11)).toBe(1);
  expect(at(2, 0)).toBe(0);
});
