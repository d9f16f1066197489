import { M } from '../../../shared/catalogue';
import { logins } from '../../../exporter/src/collectors/logins';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesKey, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`INSERT INTO users (id, created_at) SELECT g, now() - interval '60 days' FROM generate_series(1, 5) g`);
});
afterAll(() => tdb.drop());

interface L {
  user: number | null;
  success: boolean;
  reason: string | null;
  at: number; // seconds from now()
}
async function insert(ls: L[]) {
  for (const l of ls) {
    await tdb.pool.query(
      `INSERT INTO login_events (user_id, success, failure_reason, occurred_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [l.user, l.success, l.reason, l.at],
    );
  }
}
const times = (n: number, l: L): L[] => Array.from({ length: n }, () => ({ ...l }));

const day = 86_400;
const WINDOWS = { '1d': day, '7d': 7 * day, '30d': 30 * day };
const THRESHOLD = 5; // thresholds.failed_login_attempts default
const FAILURE_REASONS = new Set(['bad_password', 'unknown_user', 'locked', 'mfa_failed', 'other']);

const FIXTURE: L[] = [
  ...times(5, { user: 1, success: false, reason: 'bad_password', at: -600 }), // flagged in every window
  ...times(4, { user: 2, success: false, reason: 'bad_password', at: -600 }),
  { user: 2, success: false, reason: 'locked', at: -(day + 60) }, // just outside 1d: user 2 flagged in 7d and 30d only
  ...times(5, { user: 3, success: false, reason: 'mfa_failed', at: -(30 * day + 60) }), // just outside 30d
  { user: 3, success: false, reason: 'mfa_failed', at: -(29 * day) },
  ...times(6, { user: 4, success: true, reason: null, at: -60 }), // successes never flag
  { user: 4, success: true, reason: 'bad_password', at: -60 }, // a success is reason none whatever the column says
  ...times(10, { user: null, success: false, reason: 'unknown_user', at: -60 }), // no account to flag
  { user: 5, success: false, reason: null, at: -30 }, // NULL reason -> other
  { user: 5, success: false, reason: 'captcha', at: -30 }, // unknown reason -> other
  { user: 5, success: false, reason: 'none', at: -30 }, // "none" is reserved for successes -> other
  { user: 5, success: false, reason: 'bad_password', at: 3600 }, // future
];

function expectedLogins(ls: L[]) {
  const out: Record<string, number> = { [seriesKey({ outcome: 'success', reason: 'none' })]: 0 };
  for (const l of ls.filter((x) => x.at <= 0)) {
    const labels = l.success
      ? { outcome: 'success', reason: 'none' }
      : { outcome: 'failure', reason: l.reason !== null && FAILURE_REASONS.has(l.reason) ? l.reason : 'other' };
    out[seriesKey(labels)] = (out[seriesKey(labels)] ?? 0) + 1;
  }
  return out;
}
function expectedAccounts(ls: L[]) {
  const out: Record<string, number> = {};
  for (const [w, secs] of Object.entries(WINDOWS)) {
    const perUser = new Map<number, number>();
    for (const l of ls) if (!l.success && l.user !== null && l.at > -secs && l.at <= 0) perUser.set(l.user, (perUser.get(l.user) ?? 0) + 1);
    out[`window=${w}`] = [...perUser.values()].filter((n) => n >= THRESHOLD).length;
  }
  return out;
}

test('logins by outcome/reason and flagged accounts per window equal the fixture', async () => {
  await insert(FIXTURE);
  const config = testConfig();
  const collector = build(logins, config);
  const s = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s, M.loginsTotal.name)).toEqual(expectedLogins(FIXTURE));
  expect(seriesOf(s, M.accountsWithFailedLogins.name)).toEqual(expectedAccounts(FIXTURE));
  // By hand: 1d {user 1}, 7d and 30d {users 1, 2}.
  expect(seriesOf(s, M.accountsWithFailedLogins.name)).toEqual({ 'window=1d': 1, 'window=7d': 2, 'window=30d': 2 });
  expect(seriesOf(s, M.loginsTotal.name)['outcome=failure,reason=other']).toBe(3);

  // Next cycle: one more failure pushes user 2 over the threshold in the last day too; counted once.
  const more: L[] = [{ user: 2, success: false, reason: 'bad_password', at: 0 }];
  await insert(more);
  const s2 = await collectOnce(collector, tdb.pool, config);
  expect(seriesOf(s2, M.loginsTotal.name)).toEqual(expectedLogins([...FIXTURE, ...more]));
  expect(seriesOf(s2, M.accountsWithFailedLogins.name)).toEqual({ 'window=1d': 2, 'window=7d': 2, 'window=30d': 2 });
});

test('windows exist at 0 on an empty table', async () => {
  await tdb.pool.query('DELETE FROM login_events');
  const config = testConfig();
  const s = await collectOnce(build(logins, config), tdb.pool, config);
  expect(seriesOf(s, M.accountsWithFailedLogins.name)).toEqual({ 'window=1d': 0, 'window=7d': 0, 'window=30d': 0 });
  expect(seriesOf(s, M.loginsTotal.name)).toEqual({ 'outcome=success,reason=none': 0 });
});
