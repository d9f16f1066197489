import { M } from '../../../shared/catalogue';
import { incidents } from '../../../exporter/src/collectors/incidents';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig, valueOf } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
beforeEach(() => tdb.pool.query('DELETE FROM incidents'));
afterAll(() => tdb.drop());

/** Offsets in seconds from the insert's now(); resolved null = still open. */
interface I {
  component: string;
  severity: string;
  started: number;
  resolved: number | null;
}
async function insert(is: I[]) {
  for (const i of is) {
    await tdb.pool.query(
      `INSERT INTO incidents (component, severity, started_at, resolved_at)
       VALUES ($1, $2, now() + make_interval(secs => $3), now() + make_interval(secs => $4))`,
      [i.component, i.severity, i.started, i.resolved],
    );
  }
}

const day = 86_400;
const COMPONENTS = ['web', 'api', 'checkout', 'payments', 'search'];
const FIXTURE: I[] = [
  { component: 'api', severity: 'critical', started: -3600, resolved: -600 }, // 3000 s
  { component: 'checkout', severity: 'critical', started: -7200, resolved: -7000 }, // 200 s
  { component: 'mainframe', severity: 'critical', started: -100, resolved: -40 }, // 60 s, folds to other
  { component: 'web', severity: 'critical', started: -2 * day, resolved: -day }, // 86400 s
  { component: 'web', severity: 'major', started: -500, resolved: null }, // not an outage
  { component: 'search', severity: 'minor', started: -100, resolved: -50 }, // not an outage
  { component: 'web', severity: 'sev1', started: -10, resolved: null }, // unknown severity -> other
  { component: 'web', severity: 'critical', started: 600, resolved: null }, // future: not yet
];

test('resolved outages add their full duration per component; counts and open gauges match the fixture', async () => {
  await insert(FIXTURE);
  const config = testConfig();
  const s = await collectOnce(build(incidents, config), tdb.pool, config);

  const downtime = seriesOf(s, M.downtimeSecondsTotal.name);
  // Every allow-listed component exists (0 when no outage), plus other for the unknown one.
  expect(Object.keys(downtime).sort()).toEqual([...COMPONENTS, 'other'].map((c) => `component=${c}`).sort());
  expect(downtime['component=api']).toBeCloseTo(3000, 6);
  expect(downtime['component=checkout']).toBeCloseTo(200, 6);
  expect(downtime['component=other']).toBeCloseTo(60, 6);
  expect(downtime['component=web']).toBeCloseTo(day, 6);
  expect(downtime['component=search']).toBe(0);
  expect(downtime['component=payments']).toBe(0);

  // Declared (started <= now): critical 4, major 1, minor 1, other 1; the future one not yet.
  expect(seriesOf(s, M.incidentsTotal.name)).toEqual({
    'severity=critical': 4,
    'severity=major': 1,
    'severity=minor': 1,
    'severity=other': 1,
  });
  // Open now: the major and the sev1.
  expect(seriesOf(s, M.incidentsOpen.name)).toEqual({
    'severity=critical': 0,
    'severity=major': 1,
    'severity=minor': 0,
    'severity=other': 1,
  });
});

async function dbNow(): Promise<Date> {
  const { rows } = await tdb.pool.query(`SELECT now() AS t`);
  return rows[0].t;
}
const secs = (a: Date, b: Date) => (a.getTime() - b.getTime()) / 1000;

test('an outage open across cycles grows with each horizon, then stops at resolved_at', async () => {
  const config = testConfig();
  const collector = build(incidents, config);
  const { rows } = await tdb.pool.query(
    `INSERT INTO incidents (component, severity, started_at) VALUES ('payments', 'critical', now() - interval '1000 s') RETURNING id, started_at`,
  );
  const { id, started_at: started } = rows[0] as { id: number; started_at: Date };
  const L = { component: 'payments' };

  // The horizon is the collection transaction's now(), between the two clock readings around it.
  const downtimeWithin = async () => {
    const before = await dbNow();
    const s = await collectOnce(collector, tdb.pool, config);
    const after = await dbNow();
    const v = valueOf(s, M.downtimeSecondsTotal.name, L)!;
    // JS Dates carry milliseconds; the database microseconds: allow one millisecond of rounding.
    expect(v).toBeGreaterThanOrEqual(secs(before, started) - 0.001);
    expect(v).toBeLessThanOrEqual(secs(after, started) + 0.001);
    expect(valueOf(s, M.incidentsOpen.name, { severity: 'critical' })).toBe(1);
    return v;
  };
  const d1 = await downtimeWithin();
  expect(d1).toBeGreaterThanOrEqual(1000 - 0.001);
  const d2 = await downtimeWithin();
  expect(d2).toBeGreaterThanOrEqual(d1);

  const { rows: r } = await tdb.pool.query(
    `UPDATE incidents SET resolved_at = now() WHERE id = $1 RETURNING extract(epoch FROM resolved_at - started_at)::float8 AS duration`,
    [id],
  );
  const duration = r[0].duration as number;
  const s3 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s3, M.downtimeSecondsTotal.name, L)).toBeCloseTo(duration, 6);
  expect(valueOf(s3, M.incidentsOpen.name, { severity: 'critical' })).toBe(0);
  expect(valueOf(s3, M.incidentsTotal.name, { severity: 'critical' })).toBe(1);

  const s4 = await collectOnce(collector, tdb.pool, config);
  expect(valueOf(s4, M.downtimeSecondsTotal.name, L)).toBeCloseTo(duration, 6);
});

test('downtime behind the settle horizon only', async () => {
  // settle_lag 60s: an outage that started 30 s ago has no settled downtime yet; one resolved an hour ago is fully settled.
  const config = testConfig({ collection: { settle_lag: '60s' } });
  await insert([
    { component: 'search', severity: 'critical', started: -30, resolved: null },
    { component: 'api', severity: 'critical', started: -3600, resolved: -3000 }, // fully settled: 600 s
  ]);
  const s = await collectOnce(build(incidents, config), tdb.pool, config);
  expect(valueOf(s, M.downtimeSecondsTotal.name, { component: 'search' })).toBe(0);
  expect(valueOf(s, M.downtimeSecondsTotal.name, { component: 'api' })).toBeCloseTo(600, 6);
  expect(valueOf(s, M.incidentsTotal.name, { severity: 'critical' })).toBe(1); // the 30 s old one is not settled
  expect(valueOf(s, M.incidentsOpen.name, { severity: 'critical' })).toBe(1); // open is live, not settled
});
