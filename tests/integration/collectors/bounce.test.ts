import { M, WINDOWS } from '../../../shared/catalogue';
import { bounce } from '../../../exporter/src/collectors/bounce';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

const DAY = 86_400;
const WINDOW_S = { '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;

// Sessions: start offset (seconds from now) and number of page views.
const SESSIONS: [start: number, views: number][] = [
  [-3600, 1],
  [-3600, 2],
  [-7200, 0], // 1d: one bounce of two viewed sessions; the no-view session is ignored
  [-DAY + 60, 1], // just inside 1d
  [-DAY - 60, 1],
  [-3 * DAY, 3],
  [-3 * DAY, 1], // 7d
  [-7 * DAY - 60, 5],
  [-20 * DAY, 1], // 30d
  [-30 * DAY - 60, 1], // outside every window
  [3600, 1], // future
];

function expected(window: keyof typeof WINDOW_S): number {
  const inWindow = SESSIONS.filter(([s]) => s > -WINDOW_S[window] && s <= 0);
  const viewed = inWindow.filter(([, v]) => v >= 1).length;
  return viewed ? inWindow.filter(([, v]) => v === 1).length / viewed : 0;
}

test('empty database: every window published at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(bounce, config), tdb.pool, config);
  for (const window of WINDOWS) expect(valueOf(s, M.bounceRatio.name, { window })).toBe(0);
});

test('sessions only without page views: ratio 0, not NaN', async () => {
  await tdb.pool.query(
    `INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('x', 'web', 'direct', now() - interval '1 hour')`,
  );
  const config = testConfig();
  const s = await collectOnce(build(bounce, config), tdb.pool, config);
  for (const window of WINDOWS) expect(valueOf(s, M.bounceRatio.name, { window })).toBe(0);
  await tdb.pool.query(`DELETE FROM sessions`);
});

test('bounce ratio per window equals the fixture', async () => {
  for (const [start, views] of SESSIONS) {
    const { rows } = await tdb.pool.query(
      `INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ('v', 'web', 'direct', now() + make_interval(secs => $1)) RETURNING id`,
      [start],
    );
    // Page views may come at any time; one is deliberately in the future of the session's window.
    await tdb.pool.query(
      `INSERT INTO page_views (session_id, viewed_at, path, http_status) SELECT $1, now() + make_interval(secs => $2 + g), '/', 200 FROM generate_series(1, $3) g`,
      [rows[0].id, start, views],
    );
  }
  const config = testConfig();
  const s = await collectOnce(build(bounce, config), tdb.pool, config);
  for (const window of WINDOWS) expect(valueOf(s, M.bounceRatio.name, { window })).toBeCloseTo(expected(window), 9);
  // By hand: 1d 2/3 (1, 2, 1 views); 7d 4/6; 30d 5/8.
  expect(valueOf(s, M.bounceRatio.name, { window: '1d' })).toBeCloseTo(2 / 3, 9);
  expect(valueOf(s, M.bounceRatio.name, { window: '7d' })).toBeCloseTo(4 / 6, 9);
  expect(valueOf(s, M.bounceRatio.name, { window: '30d' })).toBeCloseTo(5 / 8, 9);
});
