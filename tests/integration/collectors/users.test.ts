import { M } from '../../../shared/catalogue';
import { users } from '../../../exporter/src/collectors/users';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

/** Inserts users created at now() + offset seconds (negative = in the past). */
async function insertUsers(offsets: number[]) {
  await tdb.pool.query(`INSERT INTO users (created_at) SELECT now() + make_interval(secs => o) FROM unnest($1::float8[]) AS o`, [offsets]);
}
const settled = (offsets: number[]) => offsets.filter((o) => o <= 0).length;

test('empty database: the counter exists at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(users, config), tdb.pool, config);
  expect(valueOf(s, M.usersRegisteredTotal.name)).toBe(0);
});

test('counts every settled signup once; later cycles add exactly the new rows', async () => {
  const config = testConfig();
  const collector = build(users, config);
  // 40 days, 1 hour, 1 minute ago; one timestamped in the future is not yet a fact.
  const first = [-40 * 86_400, -3600, -60, 3600];
  await insertUsers(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s1, M.usersRegisteredTotal.name)).toBe(settled(first)); // 3

  // New rows stamped with the insert's now(), which is after the first cycle's horizon.
  const second = [0, 0];
  await insertUsers(second);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s2, M.usersRegisteredTotal.name)).toBe(settled(first) + settled(second)); // 5

  // Nothing new: nothing counted twice.
  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s3, M.usersRegisteredTotal.name)).toBe(5);
});

test('rows younger than settle_lag wait for a later cycle', async () => {
  const config = testConfig({ collection: { settle_lag: '2h' } });
  const s = await collectOnce(build(users, config), tdb.pool, config);
  // Of everything inserted so far only the user from 40 days ago is older than two hours.
  expect(valueOf(s, M.usersRegisteredTotal.name)).toBe(1);
});
