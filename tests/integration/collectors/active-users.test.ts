import { M, WINDOWS } from '../../../shared/catalogue';
import { activeUsers } from '../../../exporter/src/collectors/active-users';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

const DAY = 86_400;
const WINDOW_S = { '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;

// Users by id with their signup offset (seconds from now); user 9 signs up in the future.
const USERS: [id: number, created: number][] = [
  [1, -60 * DAY],
  [2, -60 * DAY],
  [3, -20 * DAY],
  [4, -10 * DAY],
  [5, -5 * DAY],
  [6, -2 * DAY],
  [7, -DAY],
  [8, -3600],
  [9, 3600],
];
// Sessions: user (null = anonymous) and start offset. Boundaries are ±60 s from each window edge.
const SESSIONS: [user: number | null, start: number][] = [
  [1, -3600],
  [1, -7200], // user 1: two sessions today
  [2, -DAY + 60], // just inside 1d
  [3, -DAY - 60], // just outside 1d, inside 7d
  [4, -7 * DAY + 60],
  [4, -7 * DAY - 60], // inside 7d once, and just outside 7d
  [5, -30 * DAY - 60], // outside every window
  [6, -29 * DAY],
  [6, -20 * DAY], // 30d only, twice
  [7, 600], // starts in the future: in no window
  [null, -60],
  [null, -120], // anonymous: not users, not counted
];

function expected(window: keyof typeof WINDOW_S) {
  const inWindow = SESSIONS.filter(([u, s]) => u !== null && s > -WINDOW_S[window] && s <= 0);
  const active = new Set(inWindow.map(([u]) => u)).size;
  const registered = USERS.filter(([, c]) => c <= 0).length;
  return { active, activation: registered ? active / registered : 0, frequency: active ? inWindow.length / active : 0 };
}

test('empty database: every window published at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(activeUsers, config), tdb.pool, config);
  for (const window of WINDOWS) {
    expect(valueOf(s, M.activeUsers.name, { window })).toBe(0);
    expect(valueOf(s, M.userActivationRatio.name, { window })).toBe(0);
    expect(valueOf(s, M.usageFrequency.name, { window })).toBe(0);
  }
});

test('DAU/WAU/MAU, activation and usage frequency equal the fixture', async () => {
  await tdb.pool.query(
    `INSERT INTO users (id, created_at) SELECT i, now() + make_interval(secs => c) FROM unnest($1::int[], $2::float8[]) AS u(i, c)`,
    [USERS.map((u) => u[0]), USERS.map((u) => u[1])],
  );
  await tdb.pool.query(
    `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at)
     SELECT u, 'v' || coalesce(u, 0), 'web', 'direct', now() + make_interval(secs => s) FROM unnest($1::int[], $2::float8[]) AS x(u, s)`,
    [SESSIONS.map((s) => s[0]), SESSIONS.map((s) => s[1])],
  );
  const config = testConfig();
  const s = await collectOnce(build(activeUsers, config), tdb.pool, config);
  for (const window of WINDOWS) {
    const e = expected(window);
    expect(valueOf(s, M.activeUsers.name, { window })).toBe(e.active);
    expect(valueOf(s, M.userActivationRatio.name, { window })).toBeCloseTo(e.activation, 9);
    expect(valueOf(s, M.usageFrequency.name, { window })).toBeCloseTo(e.frequency, 9);
  }
  // By hand: 8 registered (user 9 is in the future).
  // 1d: users 1, 2 → 2 active, 3 sessions → 2/8, 1.5.  7d: + 3, 4 → 4 active, 5 sessions → 4/8, 1.25.
  // 30d: + 6 → 5 active, 8 sessions (user 4's second one is 7d+60s ago) → 5/8, 1.6.
  expect(valueOf(s, M.activeUsers.name, { window: '1d' })).toBe(2);
  expect(valueOf(s, M.usageFrequency.name, { window: '7d' })).toBeCloseTo(1.25, 9);
  expect(valueOf(s, M.userActivationRatio.name, { window: '30d' })).toBeCloseTo(5 / 8, 9);
  expect(valueOf(s, M.usageFrequency.name, { window: '30d' })).toBeCloseTo(8 / 5, 9);
});
