import { M } from '../../../shared/catalogue';
import { sellerCredits } from '../../../exporter/src/collectors/seller-credits';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

interface S {
  approved: number | null; // seconds from now()
  churned: number | null;
  total: number;
  used: number;
}
async function insert(ss: S[]) {
  for (const s of ss) {
    await tdb.pool.query(
      `INSERT INTO sellers (applied_at, approved_at, churned_at, credits_total, credits_used)
       VALUES (now() - interval '100 days', now() + make_interval(secs => $1), now() + make_interval(secs => $2), $3, $4)`,
      [s.approved, s.churned, s.total, s.used],
    );
  }
}
const day = 86_400;
const FIXTURE: S[] = [
  { approved: -50 * day, churned: null, total: 100, used: 95 }, // 5 left < 10: low
  { approved: -50 * day, churned: null, total: 100, used: 90 }, // exactly 10 left: not low
  { approved: -50 * day, churned: null, total: 0, used: 0 }, // no credits: never low
  { approved: -50 * day, churned: null, total: 50.5, used: 0 },
  { approved: -50 * day, churned: day, total: 20, used: 19 }, // churns tomorrow: still live, low
  { approved: -50 * day, churned: -day, total: 1000, used: 1000 }, // churned: excluded
  { approved: null, churned: null, total: 10, used: 10 }, // not approved: excluded
  { approved: day, churned: null, total: 10, used: 10 }, // approved tomorrow: excluded
];

test('credits over live sellers, consumption ratio and low-credit count equal the fixture', async () => {
  await insert(FIXTURE);
  const live = FIXTURE.filter((s) => s.approved !== null && s.approved <= 0 && (s.churned === null || s.churned > 0));
  const total = live.reduce((a, s) => a + s.total, 0); // 270.5
  const used = live.reduce((a, s) => a + s.used, 0); // 204
  const low = live.filter((s) => s.total > 0 && s.total - s.used < 0.1 * s.total).length; // 2
  const config = testConfig();
  const out = await collectOnce(build(sellerCredits, config), tdb.pool, config);
  const credits = seriesOf(out, M.sellerCredits.name);
  expect(credits['state=total']).toBeCloseTo(total, 9);
  expect(credits['state=used']).toBeCloseTo(used, 9);
  expect(credits['state=unallocated']).toBeCloseTo(total - used, 9);
  expect(valueOf(out, M.sellerCreditConsumptionRatio.name)).toBeCloseTo(used / total, 12);
  expect(valueOf(out, M.sellersLowCredit.name)).toBe(low);
  expect(low).toBe(2);
});

test('a configured low-credit threshold is honoured; no credits means ratio 0', async () => {
  await tdb.pool.query('DELETE FROM sellers');
  await insert([{ approved: -day, churned: null, total: 100, used: 70 }]); // 30 % left
  const config = testConfig({ thresholds: { low_seller_credit_ratio: 0.5 } });
  const out = await collectOnce(build(sellerCredits, config), tdb.pool, config);
  expect(valueOf(out, M.sellersLowCredit.name)).toBe(1);

  await tdb.pool.query('DELETE FROM sellers');
  const empty = await collectOnce(build(sellerCredits, config), tdb.pool, config);
  expect(seriesOf(empty, M.sellerCredits.name)).toEqual({ 'state=total': 0, 'state=used': 0, 'state=unallocated': 0 });
  expect(valueOf(empty, M.sellerCreditConsumptionRatio.name)).toBe(0);
  expect(valueOf(empty, M.sellersLowCredit.name)).toBe(0);
});
