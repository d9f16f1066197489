import { M } from '../../../shared/catalogue';
import { pageViews } from '../../../exporter/src/collectors/page-views';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, histogramOf, seriesOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(
    `INSERT INTO sessions (id, visitor_id, platform, channel, started_at) VALUES (1, 'v1', 'web', 'direct', now() - interval '1 day')`,
  );
});
afterAll(() => tdb.drop());

const BUCKETS = M.pageLoadSeconds.buckets!;

/** at: seconds relative to the insert's now(); loadMs null = no real-user timing reported. */
interface View {
  at: number;
  loadMs: number | null;
  status: number;
}

async function insertViews(views: View[]) {
  await tdb.pool.query(
    `INSERT INTO page_views (session_id, viewed_at, path, load_time_ms, http_status)
     SELECT 1, now() + make_interval(secs => a), '/p', l, s FROM unnest($1::float8[], $2::int[], $3::int[]) AS v(a, l, s)`,
    [views.map((v) => v.at), views.map((v) => v.loadMs), views.map((v) => v.status)],
  );
}

function expected(views: View[]) {
  const settled = views.filter((v) => v.at <= 0);
  const loads = settled.filter((v) => v.loadMs !== null).map((v) => v.loadMs! / 1000);
  const classes: Record<string, number> = {
    'status_class=1xx': 0,
    'status_class=2xx': 0,
    'status_class=3xx': 0,
    'status_class=4xx': 0,
    'status_class=5xx': 0,
  };
  for (const v of settled) {
    const c = v.status >= 100 && v.status <= 599 ? `${Math.floor(v.status / 100)}xx` : 'other';
    classes[`status_class=${c}`] = (classes[`status_class=${c}`] ?? 0) + 1;
  }
  return {
    views: settled.length,
    classes,
    count: loads.length,
    sum: loads.reduce((a, b) => a + b, 0),
    buckets: BUCKETS.map((b) => loads.filter((l) => l <= b).length),
  };
}

const first: View[] = [
  { at: -3600, loadMs: 100, status: 200 }, // 0.1 s: on the first bucket bound
  { at: -3000, loadMs: 250, status: 201 },
  { at: -2000, loadMs: 1500, status: 304 }, // on the 1.5 s bound
  { at: -1000, loadMs: 12_000, status: 404 }, // above every bucket
  { at: -500, loadMs: null, status: 503 }, // counted as a view and a 5xx, not as a timing
  { at: -400, loadMs: 0, status: 500 },
  { at: -300, loadMs: null, status: 999 }, // malformed status: other
  { at: 600, loadMs: 300, status: 200 }, // in the future: not yet counted
];

test('empty table: every status class is published at 0', async () => {
  const config = testConfig();
  const s = await collectOnce(build(pageViews, config), tdb.pool, config);
  expect(valueOf(s, M.pageViewsTotal.name)).toBe(0);
  expect(seriesOf(s, M.httpResponsesTotal.name)).toEqual(expected([]).classes);
  expect(histogramOf(s, M.pageLoadSeconds.name)!.count).toBe(0);
});

test('views, load-time histogram and status classes equal the fixture, twice', async () => {
  const config = testConfig();
  const collector = build(pageViews, config);
  await insertViews(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  const e1 = expected(first);
  expect(valueOf(s1, M.pageViewsTotal.name)).toBe(e1.views); // 7
  expect(seriesOf(s1, M.httpResponsesTotal.name)).toEqual(e1.classes); // 2xx 2, 3xx 1, 4xx 1, 5xx 2, other 1
  const h1 = histogramOf(s1, M.pageLoadSeconds.name)!;
  expect(h1.count).toBe(e1.count); // 5 timed views
  expect(h1.sum).toBeCloseTo(e1.sum, 6); // 0.1 + 0.25 + 1.5 + 12 + 0 = 13.85
  expect(h1.buckets).toEqual(e1.buckets);

  const second: View[] = [
    { at: 0, loadMs: 2000, status: 200 },
    { at: 0, loadMs: null, status: 502 },
  ];
  await insertViews(second);
  const s2 = await collectOnce(collector, tdb.pool, config);
  const e2 = expected([...first, ...second]);
  expect(valueOf(s2, M.pageViewsTotal.name)).toBe(e2.views); // 9
  expect(seriesOf(s2, M.httpResponsesTotal.name)).toEqual(e2.classes);
  const h2 = histogramOf(s2, M.pageLoadSeconds.name)!;
  expect(h2.count).toBe(e2.count); // 6
  expect(h2.sum).toBeCloseTo(e2.sum, 6);
  expect(h2.buckets).toEqual(e2.buckets);

  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s3, M.pageViewsTotal.name)).toBe(e2.views);
});
