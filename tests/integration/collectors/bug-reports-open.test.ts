/**
 * The running count of open bug reports per severity (exporter/src/collectors/bug-reports.ts over
 * running-open-count.ts) against METRICS.md's count in SQL, with the clock pinned: reports, resolutions,
 * re-opens inside mutable_horizon, a future reported_at, the clock moved back, and severities outside
 * the allow-list are exact on the next cycle; a re-open of a report resolved before the horizon, and a
 * report committed with a reported_at already older than it, wait for the full refresh, which
 * publishes the drift.
 */
import { BUG_SEVERITIES, M } from '../../../shared/catalogue';
import { bugReports } from '../../../exporter/src/collectors/bug-reports';
import { seriesOf } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';
import { isoOrNull as at, openCountCycles, startEachTestEmpty } from '../../support/running-open-count';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 4, 12, 12, 0);

const pinned = pinnedDatabase(T);

let reports = new Map<string, number>();
startEachTestEmpty(pinned, T, 'bug_reports', () => {
  reports = new Map();
});
async function report(name: string, severity: string, reported: number, resolved: number | null): Promise<void> {
  const { rows } = await pinned.tdb.pool.query(
    `INSERT INTO bug_reports (severity, reported_at, resolved_at) VALUES ($1, $2, $3) RETURNING id`,
    [severity, at(reported), at(resolved)],
  );
  reports.set(name, Number(rows[0].id));
}
async function setResolved(name: string, resolved: number | null): Promise<void> {
  await pinned.tdb.pool.query(`UPDATE bug_reports SET resolved_at = $2 WHERE id = $1`, [reports.get(name), at(resolved)]);
}

/**
 * METRICS.md in SQL, at the pinned now(): reported_at <= now() and no resolved_at, folded onto the
 * allow-list; every known severity, `other` where it counts some.
 */
async function reference(): Promise<Record<string, number>> {
  const out: Record<string, number> = Object.fromEntries(BUG_SEVERITIES.map((s) => [`severity=${s}`, 0]));
  const { rows } = await pinned.clock.pool.query(
    `SELECT severity, count(*)::int AS n FROM bug_reports WHERE reported_at <= now() AND resolved_at IS NULL GROUP BY severity`,
  );
  for (const r of rows) {
    const key = `severity=${(BUG_SEVERITIES as readonly string[]).includes(r.severity) ? r.severity : 'other'}`;
    out[key] = (out[key] ?? 0) + r.n;
  }
  return out;
}

/**
 * A bug_reports collector with mutable_horizon 1h and its first full refresh 2.3 h after its first
 * cycle (full_refresh 4h, per-collector phase); each call runs one cycle and returns the open count
 * per severity and its drift.
 */
const bugCycles = () =>
  openCountCycles(pinned, bugReports, { settle_lag: 0, mutable_horizon: '1h', full_refresh: '4h' }, 'bug_reports_open', (s) =>
    seriesOf(s, M.bugReportsOpen.name),
  );

test('reports, resolutions and re-opens inside mutable_horizon are exact per severity; older changes wait for the full refresh and show as drift', async () => {
  const cycle = bugCycles();

  for (let i = 0; i < 3; i++) await report(`critical${i}`, 'critical', T - (30 + i) * DAY, null);
  for (let i = 0; i < 2; i++) await report(`major${i}`, 'major', T - (20 + i) * DAY, null);
  await report('blocker', 'Blocker', T - 40 * DAY, null); // outside the allow-list: other
  await report('oldResolved', 'minor', T - 10 * DAY, T - 3 * DAY);
  await report('recentResolved', 'major', T - 2 * DAY, T - 20 * MINUTE); // resolved inside the horizon
  await report('fresh', 'minor', T - 10 * MINUTE, null);
  await report('future', 'critical', T + 30 * MINUTE, null); // not open until its reported_at
  expect(await reference()).toEqual({ 'severity=critical': 3, 'severity=major': 2, 'severity=minor': 1, 'severity=other': 1 });
  expect(await cycle()).toEqual({ open: await reference(), drift: 0 });

  // Inside the horizon: a backlog report is resolved, the recently resolved one re-opened, new ones come in.
  await pinned.clock.set(T + 5 * MINUTE);
  await setResolved('critical0', T + 4 * MINUTE);
  await setResolved('recentResolved', null);
  await report('new', 'minor', T + 5 * MINUTE, null);
  await report('cosmetic', 'cosmetic', T + 5 * MINUTE, null);
  expect(await reference()).toEqual({ 'severity=critical': 2, 'severity=major': 3, 'severity=minor': 2, 'severity=other': 2 });
  expect(await cycle()).toEqual({ open: await reference(), drift: 0 });

  // The future report's reported_at passes; the re-opened one is resolved again at another time, and
  // the folded backlog report is resolved.
  await pinned.clock.set(T + 40 * MINUTE);
  await setResolved('recentResolved', T + 39 * MINUTE);
  await setResolved('blocker', T + 38 * MINUTE);
  expect(await reference()).toEqual({ 'severity=critical': 3, 'severity=major': 2, 'severity=minor': 2, 'severity=other': 1 });
  expect(await cycle()).toEqual({ open: await reference(), drift: 0 });

  // The clock moved back before the future report: it is not open again; then forward once more.
  await pinned.clock.set(T + 25 * MINUTE);
  expect((await reference())['severity=critical']).toBe(2);
  expect(await cycle()).toEqual({ open: await reference(), drift: 0 });
  await pinned.clock.set(T + 45 * MINUTE);
  expect(await cycle()).toEqual({ open: await reference(), drift: 0 });

  // Both older than the horizon: a report resolved 3 days ago re-opens, and one is committed with a
  // reported_at of 5 hours ago. The running count cannot see them: stale, no drift yet.
  await pinned.clock.set(T + 70 * MINUTE);
  const before = await reference();
  await setResolved('oldResolved', null);
  await report('late', 'critical', T + 70 * MINUTE - 5 * HOUR, null);
  const now = await reference();
  expect(now).toEqual({
    ...before,
    'severity=critical': before['severity=critical']! + 1,
    'severity=minor': before['severity=minor']! + 1,
  });
  expect(await cycle()).toEqual({ open: before, drift: 0 });

  // The full refresh (2.3 h after the first cycle) rebuilds the count and publishes the difference.
  await pinned.clock.set(T + 3 * HOUR);
  expect(await cycle()).toEqual({ open: now, drift: 2 });
  // And the running count goes on from the rebuilt one.
  await pinned.clock.set(T + 3 * HOUR + 2 * MINUTE);
  await setResolved('late', T + 3 * HOUR + 2 * MINUTE);
  await report('afterRefresh', 'major', T + 3 * HOUR + MINUTE, null);
  expect(await reference()).toEqual({
    ...now,
    'severity=critical': now['severity=critical']! - 1,
    'severity=major': now['severity=major']! + 1,
  });
  expect(await cycle()).toEqual({ open: await reference(), drift: 2 });
});

test("a small backlog against the horizon's resolutions is counted whole: exact at once, whatever the age of the change", async () => {
  const cycle = bugCycles();
  // One old open report; six reported before the horizon and resolved inside it.
  await report('backlog', 'major', T - 30 * DAY, null);
  await report('oldResolved', 'critical', T - 10 * DAY, T - 3 * DAY);
  for (let i = 0; i < 6; i++) await report(`resolving${i}`, 'minor', T - 5 * HOUR, T - (10 + i) * MINUTE);
  expect(await cycle()).toEqual({ open: { 'severity=critical': 0, 'severity=major': 1, 'severity=minor': 0 }, drift: 0 });

  // A re-open days after the resolution, and a late row: the running count would miss both until the
  // refresh; the whole count sees them on the next cycle.
  await pinned.clock.set(T + 5 * MINUTE);
  await setResolved('oldResolved', null);
  await report('late', 'Blocker', T - 5 * HOUR, null);
  const expected = { 'severity=critical': 1, 'severity=major': 1, 'severity=minor': 0, 'severity=other': 1 };
  expect(await reference()).toEqual(expected);
  expect(await cycle()).toEqual({ open: expected, drift: 0 });
  await pinned.clock.set(T + 3 * HOUR);
  expect(await cycle()).toEqual({ open: expected, drift: 0 });
});
