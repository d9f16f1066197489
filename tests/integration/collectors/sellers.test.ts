import { M } from '../../../shared/catalogue';
import { sellers } from '../../../exporter/src/collectors/sellers';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig, valueOf } from '../../support/collect';
import { captureLogger } from '../../support/log';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`INSERT INTO users (id, created_at) VALUES (1, now() - interval '200 days')`);
});
afterAll(() => tdb.drop());

const day = 86_400;
/** Timestamps in seconds from now(); `orders` are the order times of the seller. */
interface S {
  id: number;
  approved: number | null;
  churned: number | null;
  orders: number[];
}
async function insert(ss: S[], pool = tdb.pool) {
  for (const s of ss) {
    await pool.query(
      `INSERT INTO sellers (id, applied_at, approved_at, churned_at)
       VALUES ($1, now() - interval '200 days', now() + make_interval(secs => $2), now() + make_interval(secs => $3))`,
      [s.id, s.approved, s.churned],
    );
    for (const at of s.orders) {
      await pool.query(
        `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency)
         VALUES (1, $1, 'books', now() + make_interval(secs => $2), 'paid', 10, 'USD')`,
        [s.id, at],
      );
    }
  }
}

const POWER = 3;
const ACTIVE = 2;
const WINDOWS = { '1d': day, '7d': 7 * day, '30d': 30 * day };
const rep = (n: number, at: number) => Array.from({ length: n }, () => at);

const FIXTURE: S[] = [
  { id: 1, approved: -100 * day, churned: null, orders: rep(4, -3600) }, // power (>= 3)
  { id: 2, approved: -100 * day, churned: null, orders: [...rep(2, -5 * day), ...rep(5, -31 * day)] }, // active: old orders don't count
  { id: 3, approved: -100 * day, churned: null, orders: [-(30 * day - 60)] }, // occasional: just inside 30 d
  { id: 4, approved: -100 * day, churned: null, orders: [-(30 * day + 60)] }, // dormant: just outside 30 d
  { id: 5, approved: -100 * day, churned: -5 * day, orders: rep(10, -3600) }, // churned: not live; churn in 7d and 30d
  { id: 6, approved: null, churned: null, orders: [] }, // applicant: not live
  { id: 7, approved: -3600, churned: null, orders: [-60] }, // approved today, sold: activated
  { id: 8, approved: -3600, churned: null, orders: [] }, // approved today, no sale
  { id: 9, approved: -2 * day, churned: null, orders: [-3 * day] }, // only sale before approval: not activated
  { id: 10, approved: -10 * day, churned: null, orders: [-9 * day] }, // activated, approved in 30d only
  { id: 11, approved: -40 * day, churned: -31 * day, orders: [] }, // churned before every window
  { id: 12, approved: -2 * day, churned: -3600, orders: [] }, // live at the 1d start, churned in it
  { id: 13, approved: -100 * day, churned: 3600, orders: [] }, // churns in the future: live, dormant
];

function expected(ss: S[]) {
  const liveNow = ss.filter((s) => s.approved !== null && s.approved <= 0 && (s.churned === null || s.churned > 0));
  const seg = { power: 0, active: 0, occasional: 0, dormant: 0 };
  for (const s of liveNow) {
    const n = s.orders.filter((o) => o > -30 * day && o <= 0).length;
    if (n >= POWER) seg.power++;
    else if (n >= ACTIVE) seg.active++;
    else if (n >= 1) seg.occasional++;
    else seg.dormant++;
  }
  const activation: Record<string, number> = {};
  const churn: Record<string, number> = {};
  for (const [w, secs] of Object.entries(WINDOWS)) {
    const approved = ss.filter((s) => s.approved !== null && s.approved > -secs && s.approved <= 0);
    const activated = approved.filter((s) => s.orders.some((o) => o > s.approved! && o <= 0));
    // Empty denominators are not published (no data), so they are left out of the expectation.
    if (approved.length) activation[`window=${w}`] = activated.length / approved.length;
    const liveAtStart = ss.filter((s) => s.approved !== null && s.approved <= -secs && (s.churned === null || s.churned > -secs));
    const churned = liveAtStart.filter((s) => s.churned !== null && s.churned <= 0);
    if (liveAtStart.length) churn[`window=${w}`] = churned.length / liveAtStart.length;
  }
  return { seg, activeRatio: liveNow.length ? (liveNow.length - seg.dormant) / liveNow.length : undefined, activation, churn };
}
function expectClose(actual: Record<string, number>, want: Record<string, number>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(actual[k]).toBeCloseTo(want[k]!, 12);
}

test('segments, active share, activation and churn per window equal the fixture', async () => {
  await insert(FIXTURE);
  const config = testConfig({ thresholds: { seller_segment_power_orders: POWER, seller_segment_active_orders: ACTIVE } });
  const s = await collectOnce(build(sellers, config), tdb.pool, config);
  const e = expected(FIXTURE);
  expect(seriesOf(s, M.sellers.name)).toEqual(Object.fromEntries(Object.entries(e.seg).map(([k, v]) => [`segment=${k}`, v])));
  // By hand: live 1,2,3,4,7,8,9,10,13 -> power #1; active #2; occasional #3, #7, #9 (its pre-approval sale is
  // still a sale in the last 30 days), #10; dormant #4, #8, #13.
  expect(e.seg).toEqual({ power: 1, active: 1, occasional: 4, dormant: 3 });
  expect(valueOf(s, M.sellersActiveRatio.name)).toBeCloseTo(e.activeRatio!, 12);
  expect(e.activeRatio).toBeCloseTo(6 / 9, 12);
  expectClose(seriesOf(s, M.sellerActivationRatio.name), e.activation);
  // By hand: 1d {7 sold, 8 not} = 1/2; 7d adds 9 (not) and 12 (no sale) = 1/4; 30d adds 10 (sold) = 2/5.
  expect(e.activation).toEqual({ 'window=1d': 1 / 2, 'window=7d': 1 / 4, 'window=30d': 2 / 5 });
  expectClose(seriesOf(s, M.sellerChurnRatio.name), e.churn);
  // By hand: 1d live at start 1,2,3,4,9,10,12,13 (#5 churned 5 days ago), churned #12 -> 1/8;
  // 7d live 1,2,3,4,5,10,13, churned #5 -> 1/7; 30d live 1,2,3,4,5,13 -> 1/6.
  expect(e.churn).toEqual({ 'window=1d': 1 / 8, 'window=7d': 1 / 7, 'window=30d': 1 / 6 });
});

test('no sellers: segment gauges are 0, ratios with an empty denominator are absent (no data), never 0', async () => {
  await tdb.pool.query('DELETE FROM orders; DELETE FROM sellers;');
  const config = testConfig();
  const s = await collectOnce(build(sellers, config), tdb.pool, config);
  expect(seriesOf(s, M.sellers.name)).toEqual({ 'segment=power': 0, 'segment=active': 0, 'segment=occasional': 0, 'segment=dormant': 0 });
  expect(seriesOf(s, M.sellersActiveRatio.name)).toEqual({});
  expect(seriesOf(s, M.sellerActivationRatio.name)).toEqual({});
  expect(seriesOf(s, M.sellerChurnRatio.name)).toEqual({});
});

test('by updated_at (collection.seller_changes), and on a sellers without the column after one warning: the fixture, then a churn written between cycles', async () => {
  for (const shape of ['stamped', 'no column'] as const) {
    const sdb = await createTestDatabase();
    try {
      if (shape === 'no column')
        await sdb.pool.query('DROP TRIGGER sellers_stamp_write ON sellers; ALTER TABLE sellers DROP COLUMN updated_at');
      await sdb.pool.query(`INSERT INTO users (id, created_at) VALUES (1, now() - interval '200 days')`);
      await insert(FIXTURE, sdb.pool);
      const config = testConfig({
        collection: { settle_lag: 0, seller_changes: 'updated_at' },
        thresholds: { seller_segment_power_orders: POWER, seller_segment_active_orders: ACTIVE },
      });
      const { lines, log } = captureLogger();
      const c = build(sellers, config);
      const run = () => {
        const ctrl = new AbortController();
        return withReadOnly(sdb.pool, 30, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
      };
      const segments = (ss: S[]) => Object.fromEntries(Object.entries(expected(ss).seg).map(([k, v]) => [`segment=${k}`, v]));
      expect(seriesOf(await run(), M.sellers.name)).toEqual(segments(FIXTURE));
      // The power seller churns: a write the next cycle reads (by its stamp, or inside mutable_horizon).
      await sdb.pool.query(`UPDATE sellers SET churned_at = now() - interval '1 second' WHERE id = 1`);
      const churned = FIXTURE.map((x) => (x.id === 1 ? { ...x, churned: -1 } : x));
      const after = await run();
      expect(seriesOf(after, M.sellers.name)).toEqual(segments(churned));
      expectClose(seriesOf(after, M.sellerChurnRatio.name), expected(churned).churn);
      const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
      expect(warnings.map((l) => l.msg)).toEqual(
        shape === 'stamped'
          ? []
          : [expect.stringMatching(/^sellers: collection\.seller_changes is updated_at but sellers has no updated_at column/)],
      );
    } finally {
      await sdb.drop();
    }
  }
});
