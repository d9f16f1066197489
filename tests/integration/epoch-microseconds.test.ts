/**
 * usOf, the SQL every window read uses to turn a timestamptz into epoch microseconds, computes in
 * float8 (date_part) for speed: it must still give the exact microsecond count, which extract()'s
 * numeric arithmetic gives by construction, for any instant before 2106-02-07 (2^32 s; later ones,
 * 6.5·10^15 µs from 1901, came back up to 1 µs off: that is where the float8 bound ends).
 */
import { usOf } from '../../exporter/src/collectors/window-facts';
import { createTestDatabase, type TestDatabase } from '../support/db';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

const EXACT = (col: string) => `(extract(epoch FROM ${col}) * 1000000)::int8`;

test('instants at the edges of float8 precision come back to the microsecond', async () => {
  const cases: [string, bigint][] = [
    ['1970-01-01 00:00:00+00', 0n],
    ['1969-12-31 23:59:59.999999+00', -1n],
    ['2026-12-06 09:37:59.999999+00', 1796549879999999n],
    ['2038-01-19 03:14:07.999999+00', 2147483647999999n],
    ['2038-01-19 03:14:08.000001+00', 2147483648000001n],
    ['2105-12-31 23:59:59.999999+00', 4291747199999999n],
    ['1901-12-13 20:45:52.000001+00', -2147483647999999n],
  ];
  const { rows } = await tdb.pool.query<{ us: string }>(
    `SELECT ${usOf('t')}::text AS us FROM unnest($1::timestamptz[]) WITH ORDINALITY AS x (t, k) ORDER BY k`,
    [cases.map(([t]) => t)],
  );
  expect(rows.map((r) => BigInt(r.us))).toEqual(cases.map(([, us]) => us));
});

test('a million random instants of 1901-2101 give the exact count', async () => {
  const { rows } = await tdb.pool.query<{ n: string; differ: string }>(`
    SELECT count(*) AS n, count(*) FILTER (WHERE ${usOf('t')} <> ${EXACT('t')}) AS differ
      FROM (SELECT timestamptz '1901-12-14' + (random() * 6300000000000000)::int8 * interval '1 microsecond' AS t
              FROM generate_series(1, 1000000)) x`);
  expect(Number(rows[0]!.n)).toBe(1_000_000);
  expect(Number(rows[0]!.differ)).toBe(0);
});
