import { M, WINDOWS } from '../../../shared/catalogue';
import { visitors } from '../../../exporter/src/collectors/visitors';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

const DAY = 86_400;
const WINDOW_S = { '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;

// Session start offsets (seconds from now) per visitor; boundaries at ±60 s from each window edge.
const VISITS: Record<string, number[]> = {
  a: [-3600], // new in every window
  b: [-3600, -2 * DAY], // 1d returning; 7d and 30d new
  c: [-DAY - 60, -40 * DAY], // not in 1d; returning in 7d and 30d
  d: [-DAY + 60], // new everywhere
  e: [-30 * DAY - 60], // in no window
  f: [-7 * DAY + 60, -7 * DAY - 60], // 7d returning, 30d new
  g: [3600], // future only: in no window
  h: [-3 * 3600, 3600], // a future session does not make the visitor returning
};

function expected(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const window of WINDOWS) {
    const since = -WINDOW_S[window];
    let fresh = 0;
    let returning = 0;
    for (const starts of Object.values(VISITS)) {
      if (!starts.some((s) => s > since && s <= 0)) continue;
      if (starts.some((s) => s <= since)) returning++;
      else fresh++;
    }
    out[`visitor_type=new,window=${window}`] = fresh;
    out[`visitor_type=returning,window=${window}`] = returning;
  }
  return out;
}

test('empty database: both types in every window at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(visitors, config), tdb.pool, config);
  expect(Object.keys(seriesOf(s, M.visitors.name))).toHaveLength(6);
  expect(Object.values(seriesOf(s, M.visitors.name)).every((v) => v === 0)).toBe(true);
});

test('new and returning visitors per window equal the fixture', async () => {
  const ids = Object.entries(VISITS).flatMap(([v, starts]) => starts.map(() => v));
  const starts = Object.values(VISITS).flat();
  await tdb.pool.query(
    `INSERT INTO sessions (visitor_id, platform, channel, started_at)
     SELECT v, 'web', 'direct', now() + make_interval(secs => s) FROM unnest($1::text[], $2::float8[]) AS x(v, s)`,
    [ids, starts],
  );
  const config = testConfig();
  const s = await collectOnce(build(visitors, config), tdb.pool, config);
  expect(seriesOf(s, M.visitors.name)).toEqual(expected());
  // By hand: 1d new a, d, h = 3, returning b = 1; 7d new a, b, d, h = 4, returning c, f = 2;
  // 30d new a, b, d, f, h = 5, returning c = 1.
  expect(seriesOf(s, M.visitors.name)).toEqual({
    'visitor_type=new,window=1d': 3,
    'visitor_type=returning,window=1d': 1,
    'visitor_type=new,window=7d': 4,
    'visitor_type=returning,window=7d': 2,
    'visitor_type=new,window=30d': 5,
    'visitor_type=returning,window=30d': 1,
  });
});
