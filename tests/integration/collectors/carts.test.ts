import { M } from '../../../shared/catalogue';
import { carts } from '../../../exporter/src/collectors/carts';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '60 days');
    INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at) VALUES (1, 1, 'v1', 'web', 'direct', now() - interval '60 days');`);
});
afterAll(() => tdb.drop());

interface C {
  created: number; // seconds from now()
  status: 'open' | 'converted' | 'abandoned';
  abandoned: number | null;
}
async function insert(cs: C[]) {
  for (const c of cs) {
    await tdb.pool.query(
      `INSERT INTO carts (user_id, session_id, created_at, status, abandoned_at)
       VALUES (1, 1, now() + make_interval(secs => $1), $2, now() + make_interval(secs => $3))`,
      [c.created, c.status, c.abandoned],
    );
  }
}

const day = 86_400;
const WINDOWS = { '1d': day, '7d': 7 * day, '30d': 30 * day };
const FIXTURE: C[] = [
  { created: -3600, status: 'abandoned', abandoned: -600 },
  { created: -3600, status: 'converted', abandoned: null },
  { created: -3600, status: 'open', abandoned: null }, // still open: in neither side of the ratio
  { created: -(day + 60), status: 'abandoned', abandoned: -(day - 600) }, // created just outside 1d
  { created: -2 * day, status: 'converted', abandoned: null },
  { created: -20 * day, status: 'abandoned', abandoned: null }, // abandoned without a timestamp: in the ratio, not the counter
  { created: -(30 * day + 60), status: 'abandoned', abandoned: -29 * day }, // created just outside 30d: counter only
  { created: 3600, status: 'abandoned', abandoned: 7200 }, // future
];

function expectedRatios(cs: C[]) {
  const out: Record<string, number> = {};
  for (const [w, secs] of Object.entries(WINDOWS)) {
    const inWindow = cs.filter((c) => c.created > -secs && c.created <= 0);
    const closed = inWindow.filter((c) => c.status !== 'open').length;
    out[`window=${w}`] = closed > 0 ? inWindow.filter((c) => c.status === 'abandoned').length / closed : 0;
  }
  return out;
}
const expectedAbandoned = (cs: C[]) => cs.filter((c) => c.abandoned !== null && c.abandoned <= 0).length;

test('abandonment ratio per window and abandoned counter equal the fixture', async () => {
  await insert(FIXTURE);
  const config = testConfig();
  const collector = build(carts, config);
  const s = await collectOnce(collector, tdb.pool, config);
  const ratios = seriesOf(s, M.cartAbandonmentRatio.name);
  const want = expectedRatios(FIXTURE);
  expect(Object.keys(ratios).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(ratios[k]).toBeCloseTo(want[k]!, 12);
  // By hand: 1d 1/2; 7d 2/4; 30d 3/5.
  expect(ratios['window=30d']).toBeCloseTo(3 / 5, 12);
  expect(valueOf(s, M.cartsAbandonedTotal.name)).toBe(expectedAbandoned(FIXTURE)); // 3

  // The open cart is abandoned now: counted once on the next cycle, and the 1d ratio becomes 2/3.
  await tdb.pool.query(`UPDATE carts SET status = 'abandoned', abandoned_at = now() WHERE status = 'open'`);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s2, M.cartsAbandonedTotal.name)).toBe(4);
  expect(valueOf(s2, M.cartAbandonmentRatio.name, { window: '1d' })).toBeCloseTo(2 / 3, 12);
  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s3, M.cartsAbandonedTotal.name)).toBe(4);
});

test('every window is 0 when no cart was created in it', async () => {
  await tdb.pool.query('DELETE FROM carts');
  const config = testConfig();
  const s = await collectOnce(build(carts, config), tdb.pool, config);
  expect(seriesOf(s, M.cartAbandonmentRatio.name)).toEqual({ 'window=1d': 0, 'window=7d': 0, 'window=30d': 0 });
  expect(valueOf(s, M.cartsAbandonedTotal.name)).toBe(0);
});
