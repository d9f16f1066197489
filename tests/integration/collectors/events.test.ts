import { M } from '../../../shared/catalogue';
import { events } from '../../../exporter/src/collectors/events';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(
    `INSERT INTO sessions (id, visitor_id, platform, channel, started_at) VALUES (1, 'v1', 'web', 'direct', now() - interval '1 day')`,
  );
});
afterAll(() => tdb.drop());

const ALLOWED = ['click', 'search', 'product_view', 'add_to_cart', 'checkout', 'wishlist'];

async function insertEvents(rows: [type: string, at: number][]) {
  await tdb.pool.query(
    `INSERT INTO events (session_id, type, occurred_at) SELECT 1, t, now() + make_interval(secs => a) FROM unnest($1::text[], $2::float8[]) AS e(t, a)`,
    [rows.map((r) => r[0]), rows.map((r) => r[1])],
  );
}

function expected(rows: [string, number][]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [t, at] of rows) {
    if (at > 0) continue;
    const key = `type=${ALLOWED.includes(t) ? t : 'other'}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

test('events by allow-listed type, unknown types in other; a second cycle adds only new rows', async () => {
  const config = testConfig();
  const collector = build(events, config);
  const first: [string, number][] = [
    ['click', -86_400 * 10],
    ['click', -60],
    ['product_view', -120],
    ['Click', -30], // case differs: other
    ['scroll', -30], // not allow-listed: other
    ['add_to_cart', 300], // future: not yet counted
  ];
  await insertEvents(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s1, M.eventsTotal.name)).toEqual(expected(first)); // click 2, product_view 1, other 2
  expect(seriesOf(s1, M.eventsTotal.name)).toEqual({ 'type=click': 2, 'type=product_view': 1, 'type=other': 2 });

  const second: [string, number][] = [
    ['checkout', 0],
    ['click', 0],
    ['hover', 0],
  ];
  await insertEvents(second);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s2, M.eventsTotal.name)).toEqual(expected([...first, ...second]));
  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s3, M.eventsTotal.name)).toEqual(seriesOf(s2, M.eventsTotal.name));
});
