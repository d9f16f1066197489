import { AUDIT_ACTIONS, M } from '../../../shared/catalogue';
import { audit } from '../../../exporter/src/collectors/audit';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, seriesOf, testConfig } from '../../support/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(`INSERT INTO users (id, created_at) VALUES (1, now() - interval '60 days')`);
});
afterAll(() => tdb.drop());

type A = [action: string, objects: number, at: number];
type P = [field: string, at: number];
async function insert(as: A[], ps: P[]) {
  for (const [action, objects, at] of as) {
    await tdb.pool.query(
      `INSERT INTO audit_log (actor_id, action, object_count, occurred_at) VALUES (1, $1, $2, now() + make_interval(secs => $3))`,
      [action, objects, at],
    );
  }
  for (const [field, at] of ps) {
    await tdb.pool.query(`INSERT INTO profile_changes (user_id, field, changed_at) VALUES (1, $1, now() + make_interval(secs => $2))`, [
      field,
      at,
    ]);
  }
}
const FIELDS = new Set(['email', 'password', 'phone', 'address', 'payout_account', 'two_factor']);
function expected(as: A[], ps: P[]) {
  const events: Record<string, number> = {};
  const objects: Record<string, number> = {};
  for (const a of AUDIT_ACTIONS) {
    events[`action=${a}`] = 0;
    objects[`action=${a}`] = 0;
  }
  for (const [action, n, at] of as) {
    if (at > 0 || !(AUDIT_ACTIONS as readonly string[]).includes(action)) continue;
    events[`action=${action}`]! += 1;
    objects[`action=${action}`]! += n;
  }
  const fields: Record<string, number> = {};
  for (const [field, at] of ps) {
    if (at > 0) continue;
    const k = `field=${FIELDS.has(field) ? field : 'other'}`;
    fields[k] = (fields[k] ?? 0) + 1;
  }
  return { events, objects, fields };
}

test('audit events/objects for listed actions only, profile changes by field, across two cycles', async () => {
  const config = testConfig();
  const collector = build(audit, config);
  const as1: A[] = [
    ['export', 50_000, -3600], // one event, 50,000 objects
    ['export', 10, -60],
    ['bulk_delete', 0, -60], // zero objects is still an event
    ['login', 1, -60], // not security-relevant: ignored
    ['role_change', 1, 3600], // future
  ];
  const ps1: P[] = [
    ['email', -86_400],
    ['password', -60],
    ['password', -30],
    ['favourite_colour', -30],
    ['email', 3600],
  ];
  await insert(as1, ps1);
  const s1 = await collectOnce(collector, tdb.pool, config);
  const e1 = expected(as1, ps1);
  expect(seriesOf(s1, M.auditEventsTotal.name)).toEqual(e1.events);
  expect(seriesOf(s1, M.auditObjectsTotal.name)).toEqual(e1.objects);
  expect(seriesOf(s1, M.profileChangesTotal.name)).toEqual(e1.fields);
  expect(seriesOf(s1, M.auditObjectsTotal.name)['action=export']).toBe(50_010);

  const as2: A[] = [
    ['unauthorized_api', 3, 0],
    ['export', 5, 0],
  ];
  const ps2: P[] = [['payout_account', 0]];
  await insert(as2, ps2);
  const s2 = await collectOnce(collector, tdb.pool, config);
  const e2 = expected([...as1, ...as2], [...ps1, ...ps2]);
  expect(seriesOf(s2, M.auditEventsTotal.name)).toEqual(e2.events);
  expect(seriesOf(s2, M.auditObjectsTotal.name)).toEqual(e2.objects);
  expect(seriesOf(s2, M.profileChangesTotal.name)).toEqual(e2.fields);
});
