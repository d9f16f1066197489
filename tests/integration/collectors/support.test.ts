import { M } from '../../../shared/catalogue';
import { support } from '../../../exporter/src/collectors/support';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, now() - interval '60 days');
    INSERT INTO sellers (id, applied_at, approved_at) VALUES (1, now() - interval '90 days', now() - interval '80 days');
    INSERT INTO orders (id, user_id, seller_id, category, created_at, status, total_amount, currency)
      VALUES (1, 1, 1, 'books', now() - interval '40 days', 'delivered', 10, 'USD');`);
});
afterAll(() => tdb.drop());

type T = [opened: number, closed: number | null, csat: number | null];
type R = [rating: number, at: number];
async function insert(ts: T[], rs: R[]) {
  for (const [o, c, s] of ts) {
    await tdb.pool.query(
      `INSERT INTO support_tickets (opened_at, closed_at, csat_score) VALUES (now() + make_interval(secs => $1), now() + make_interval(secs => $2), $3)`,
      [o, c, s],
    );
  }
  for (const [rating, at] of rs) {
    await tdb.pool.query(`INSERT INTO reviews (order_id, rating, created_at) VALUES (1, $1, now() + make_interval(secs => $2))`, [
      rating,
      at,
    ]);
  }
}

const day = 86_400;
const WINDOWS = { '1d': day, '7d': 7 * day, '30d': 30 * day };
/** Average per window, or no entry at all when nothing falls in it. */
function averages(points: [value: number, at: number][]) {
  const out: Record<string, number> = {};
  for (const [w, secs] of Object.entries(WINDOWS)) {
    const vs = points.filter(([, at]) => at > -secs && at <= 0).map(([v]) => v);
    if (vs.length > 0) out[`window=${w}`] = vs.reduce((a, b) => a + b, 0) / vs.length;
  }
  return out;
}
function expectClose(actual: Record<string, number>, want: Record<string, number>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(actual[k]).toBeCloseTo(want[k]!, 12);
}

const TICKETS: T[] = [
  [-2 * day, -3600, 5],
  [-2 * day, -7200, 4],
  [-3600, -600, null], // closed without a score: not a zero
  [-3 * day, -(day + 60), 1], // closed just outside 1d
  [-40 * day, -31 * day, 1], // outside every window
  [-600, null, null], // open
  [-60, null, null], // open
  [3600, null, null], // future: neither open nor counted yet
];
const REVIEWS: R[] = [
  [3, -2 * day],
  [1, -(30 * day + 60)],
  [5, 600],
];

test('open tickets, tickets opened, CSAT and review rating equal the fixture; empty windows are absent', async () => {
  await insert(TICKETS, REVIEWS);
  const config = testConfig();
  const collector = build(support, config);
  const s = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s, M.supportTicketsOpen.name)).toBe(TICKETS.filter(([o, c]) => o <= 0 && c === null).length); // 2
  expect(valueOf(s, M.supportTicketsTotal.name)).toBe(TICKETS.filter(([o]) => o <= 0).length); // 7
  const csat = averages(TICKETS.filter(([, c, v]) => c !== null && v !== null).map(([, c, v]) => [v!, c!]));
  expectClose(seriesOf(s, M.csatScore.name), csat);
  expect(csat).toEqual({ 'window=1d': 4.5, 'window=7d': 10 / 3, 'window=30d': 10 / 3 }); // by hand
  const rating = averages(REVIEWS.map(([v, at]) => [v, at]));
  expectClose(seriesOf(s, M.reviewRating.name), rating);
  expect(rating['window=1d']).toBeUndefined(); // no review in the last day: no series, not 0

  // A ticket opened now and an open one closed now with a 2: totals grow once, open count drops.
  await tdb.pool.query(
    `UPDATE support_tickets SET closed_at = now(), csat_score = 2 WHERE id = (SELECT min(id) FROM support_tickets WHERE closed_at IS NULL AND opened_at <= now())`,
  );
  await insert([[0, null, null]], []);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s2, M.supportTicketsTotal.name)).toBe(8);
  expect(valueOf(s2, M.supportTicketsOpen.name)).toBe(2);
  expect(valueOf(s2, M.csatScore.name, { window: '1d' })).toBeCloseTo((5 + 4 + 2) / 3, 12);
});
