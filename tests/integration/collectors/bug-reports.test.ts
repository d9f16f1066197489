import { M } from '../../../shared/catalogue';
import { bugReports } from '../../../exporter/src/collectors/bug-reports';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

type B = [severity: string, reported: number, resolved: number | null];
async function insert(bs: B[]) {
  for (const [sev, rep, res] of bs) {
    await tdb.pool.query(
      `INSERT INTO bug_reports (severity, reported_at, resolved_at) VALUES ($1, now() + make_interval(secs => $2), now() + make_interval(secs => $3))`,
      [sev, rep, res],
    );
  }
}
const SEV = ['critical', 'major', 'minor'];
function expected(bs: B[]) {
  const total: Record<string, number> = Object.fromEntries(SEV.map((s) => [`severity=${s}`, 0]));
  const open: Record<string, number> = Object.fromEntries(SEV.map((s) => [`severity=${s}`, 0]));
  for (const [sev, rep, res] of bs) {
    if (rep > 0) continue;
    const k = `severity=${SEV.includes(sev) ? sev : 'other'}`;
    total[k] = (total[k] ?? 0) + 1;
    if (res === null) open[k] = (open[k] ?? 0) + 1;
  }
  return { total, open };
}

test('bug reports received and open by severity, unknown severities as other', async () => {
  const config = testConfig();
  const collector = build(bugReports, config);
  const first: B[] = [
    ['critical', -86_400, -3600],
    ['critical', -600, null],
    ['minor', -60, null],
    ['Blocker', -60, null], // unknown -> other
    ['major', 3600, null], // future
  ];
  await insert(first);
  const s1 = await collectOnce(collector, tdb.pool, config);
  const e1 = expected(first);
  expect(seriesOf(s1, M.bugReportsTotal.name)).toEqual(e1.total);
  expect(seriesOf(s1, M.bugReportsOpen.name)).toEqual(e1.open);
  expect(e1.open).toEqual({ 'severity=critical': 1, 'severity=major': 0, 'severity=minor': 1, 'severity=other': 1 });

  // A new report, and the open critical gets resolved: open drops, total only grows by the new one.
  await tdb.pool.query(`UPDATE bug_reports SET resolved_at = now() WHERE severity = 'critical' AND resolved_at IS NULL`);
  await insert([['major', 0, null]]);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s2, M.bugReportsTotal.name)).toEqual({
    'severity=critical': 2,
    'severity=major': 1,
    'severity=minor': 1,
    'severity=other': 1,
  });
  expect(seriesOf(s2, M.bugReportsOpen.name)).toEqual({
    'severity=critical': 0,
    'severity=major': 1,
    'severity=minor': 1,
    'severity=other': 1,
  });
});
