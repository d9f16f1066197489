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

/** Ground truth in integer cents: (total - used) < ratio * total, with the ratio as an exact decimal. */
function lowInCents(totalCents: bigint, usedCents: bigint, ratio: string): boolean {
  const [, frac = ''] = ratio.split('.');
  const scale = 10n ** BigInt(frac.length);
  const num = BigInt(ratio.replace('.', ''));
  return totalCents > 0n && (totalCents - usedCents) * scale < num * totalCents;
}

test.each(['0.1', '0.9', '0.7', '0.15', '0.333'])(
  'low credit at ratio %s is exact at the boundary: one cent either side and exactly on it',
  async (ratio) => {
    await tdb.pool.query('DELETE FROM sellers');
    // 1 - 0.9 in floating point is 0.09999999999999998: a seller with exactly 90 of 100 left would count.
    const rows: [bigint, bigint][] = [];
    for (const totalCents of [10_000n, 12_345n, 99_999_999_99n, 3n, 1n]) {
      const [, frac = ''] = ratio.split('.');
      const scale = 10n ** BigInt(frac.length);
      const boundaryUsed = totalCents - (BigInt(ratio.replace('.', '')) * totalCents) / scale; // floor of the left-over
      for (const d of [-1n, 0n, 1n]) {
        const used = boundaryUsed + d;
        if (used >= 0n) rows.push([totalCents, used]);
      }
    }
    await insert(rows.map(([t, u]) => ({ approved: -day, churned: null, total: Number(t) / 100, used: Number(u) / 100 })));
    const config = testConfig({ thresholds: { low_seller_credit_ratio: Number(ratio) } });
    const out = await collectOnce(build(sellerCredits, config), tdb.pool, config);
    const expected = rows.filter(([t, u]) => lowInCents(t, u, ratio)).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(rows.length);
    expect(valueOf(out, M.sellersLowCredit.name)).toBe(expected);
  },
);
