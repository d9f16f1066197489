import { M } from '../../../shared/catalogue';
import { sellerOnboarding } from '../../../exporter/src/collectors/seller-onboarding';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

/** [applied, approved, churned] in seconds from now(); null = not (yet) happened. */
type S = [number, number | null, number | null];
async function insert(ss: S[]) {
  for (const [a, b, c] of ss) {
    await tdb.pool.query(
      `INSERT INTO sellers (applied_at, approved_at, churned_at)
       VALUES (now() + make_interval(secs => $1), now() + make_interval(secs => $2), now() + make_interval(secs => $3))`,
      [a, b, c],
    );
  }
}
const settled = (ss: S[], i: 0 | 1 | 2) => ss.filter((s) => s[i] !== null && s[i]! <= 0).length;

test('applications, approvals and churn each counted at their own timestamp, once', async () => {
  const config = testConfig();
  const collector = build(sellerOnboarding, config);
  const day = 86_400;
  const first: S[] = [
    [-90 * day, -80 * day, -10 * day],
    [-5 * day, -4 * day, null],
    [-3600, null, null], // pending application
    [-60, null, null],
    [3600, null, null], // future
  ];
  await insert(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s1, M.sellerApplicationsTotal.name)).toBe(settled(first, 0)); // 4
  expect(valueOf(s1, M.sellersApprovedTotal.name)).toBe(settled(first, 1)); // 2
  expect(valueOf(s1, M.sellersChurnedTotal.name)).toBe(settled(first, 2)); // 1

  // The pending application is approved now: one approval, no new application.
  await tdb.pool.query(
    `UPDATE sellers SET approved_at = now() WHERE applied_at < now() - interval '59 minutes' AND applied_at > now() - interval '61 minutes'`,
  );
  await insert([[0, null, null]]);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s2, M.sellerApplicationsTotal.name)).toBe(5);
  expect(valueOf(s2, M.sellersApprovedTotal.name)).toBe(3);
  expect(valueOf(s2, M.sellersChurnedTotal.name)).toBe(1);
});

test('an empty table yields the three counters at 0', async () => {
  await tdb.pool.query('DELETE FROM sellers');
  const config = testConfig();
  const s = await collectOnce(build(sellerOnboarding, config), tdb.pool, config);
  expect([M.sellerApplicationsTotal, M.sellersApprovedTotal, M.sellersChurnedTotal].map((m) => valueOf(s, m.name))).toEqual([0, 0, 0]);
});
