/**
 * Seller leaderboard against the real PostgreSQL: every panel's SQL, with Grafana's macros expanded as
 * the PostgreSQL datasource does, runs on a fixture database as a role holding only the grants of the
 * generated read-only role script (read-only transactions by default); the rows are compared with
 * expectations computed here from the fixture objects, not with SQL.
 */
import pg from 'pg';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS, DATASOURCES } from '../../shared/conventions';
import { buildDashboard, DASHBOARDS } from '../../dashboards';
import { GRAFANA_DB, grafanaReaderScript } from '../../dashboards/provisioning/grafana';
import { buildSellerLeaderboard, LEADERBOARD_PANELS, POSTGRES } from '../../dashboards/seller-leaderboard';
import { LEADERBOARD } from '../../dashboards/queries/seller-leaderboard';
import { createTestDatabase, type TestDatabase } from '../support/db';

const FROM = new Date('2026-09-01T00:00:00Z');
const TO = new Date('2026-10-01T00:00:00Z');
const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);

interface FixtureOrder {
  seller: number;
  at: Date;
  amount: number;
  currency: string;
  /** Refund instants (several refunds on one order count once). */
  refunds?: Date[];
  returns?: Date[];
}
interface FixtureSeller {
  id: number;
  approved: Date | null;
  churned?: Date;
  credits: [number, number];
}

const SELLERS: FixtureSeller[] = [
  { id: 1, approved: at('2026-01-01T00:00:00Z'), credits: [100, 50] }, // big, healthy
  { id: 2, approved: at('2026-01-01T00:00:00Z'), credits: [100, 95] }, // at risk; 5 % credit left
  { id: 3, approved: at('2026-01-01T00:00:00Z'), credits: [0, 0] }, // every order refunded, under the volume guard; no credits granted
  { id: 4, approved: at('2026-01-01T00:00:00Z'), credits: [100, 91] }, // dormant since June; 9 % left
  { id: 5, approved: at('2026-08-01T00:00:00Z'), credits: [50, 0] }, // never sold: dormant
  { id: 6, approved: at('2026-01-01T00:00:00Z'), churned: at('2026-09-15T00:00:00Z'), credits: [100, 99] }, // churned: in no list
  { id: 7, approved: null, credits: [100, 100] }, // applicant: in no list
  { id: 8, approved: at('2026-01-01T00:00:00Z'), credits: [100, 90] }, // sold 83 days before the end; exactly 10 % left
  { id: 9, approved: at('2026-01-01T00:00:00Z'), credits: [200, 100] }, // exactly 5 % refunded
];

function orders(): FixtureOrder[] {
  const out: FixtureOrder[] = [];
  const inRange = (i: number) => new Date(FROM.getTime() + (i % 28) * DAY + 3_600_000);
  for (let i = 0; i < 30; i++) out.push({ seller: 1, at: inRange(i), amount: 100, currency: 'EUR' });
  for (let i = 0; i < 5; i++) out.push({ seller: 1, at: inRange(i), amount: 50, currency: 'USD' });
  out.push({ seller: 1, at: FROM, amount: 7, currency: 'EUR' }); // on the start: inside
  out.push({ seller: 1, at: TO, amount: 5000, currency: 'EUR' }); // on the end: outside
  for (let i = 0; i < 25; i++)
    out.push({
      seller: 2,
      at: inRange(i),
      amount: 20,
      currency: 'EUR',
      refunds: i < 3 ? [new Date(inRange(i).getTime() + DAY)] : undefined,
      returns: i === 10 || i === 11 ? [new Date(inRange(i).getTime() + 2 * DAY)] : undefined,
    });
  for (let i = 0; i < 10; i++)
    out.push({ seller: 3, at: inRange(i), amount: 30, currency: 'EUR', refunds: [new Date(inRange(i).getTime() + DAY)] });
  out.push({ seller: 4, at: at('2026-06-15T12:00:00Z'), amount: 40, currency: 'EUR' });
  out.push({ seller: 8, at: at('2026-07-10T12:00:00Z'), amount: 40, currency: 'EUR' });
  for (let i = 0; i < 40; i++)
    out.push({
      seller: 9,
      at: inRange(i),
      amount: 10,
      currency: 'EUR',
      // Two orders refunded in the range (one of them twice), one more only after the range end.
      refunds: i === 0 ? [inRange(1), inRange(2)] : i === 1 ? [inRange(3)] : i === 2 ? [at('2026-10-05T00:00:00Z')] : undefined,
    });
  return out;
}
const ORDERS = orders();

let db: TestDatabase;
let reader: pg.Client;
const ROLE = `pulse_grafana_test_${process.pid}`;

/** The generated role script's statements, for this test's role and database. */
function readerStatements(dbName: string): string[] {
  const script = grafanaReaderScript().content;
  const sql = script.slice(script.indexOf("<<'SQL'\n") + 8, script.lastIndexOf('\nSQL'));
  return sql
    .split('\n')
    .filter(Boolean)
    .map((s) =>
      s.split(GRAFANA_DB.user).join(ROLE).replace(`DATABASE ${GRAFANA_DB.database}`, `DATABASE ${dbName}`).replace(":'pw'", "'test-only'"),
    );
}

beforeAll(async () => {
  db = await createTestDatabase('pulse_leaderboard');
  const p = db.pool;
  await p.query(`INSERT INTO users (id, created_at) VALUES (1, '2025-01-01')`);
  for (const s of SELLERS) {
    await p.query(
      'INSERT INTO sellers (id, applied_at, approved_at, churned_at, credits_total, credits_used) VALUES ($1, $2, $3, $4, $5, $6)',
      [s.id, '2025-12-01', s.approved, s.churned ?? null, s.credits[0], s.credits[1]],
    );
  }
  for (const o of ORDERS) {
    const { rows } = await p.query<{ id: string }>(
      `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency) VALUES (1, $1, 'books', $2, 'paid', $3, $4) RETURNING id`,
      [o.seller, o.at, o.amount, o.currency],
    );
    const orderId = rows[0]!.id;
    const pay = await p.query<{ id: string }>(
      `INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at) VALUES ($1, 'stripe', 'succeeded', $2, $3, $4, $4) RETURNING id`,
      [orderId, o.amount, o.currency, o.at],
    );
    for (const r of o.refunds ?? [])
      await p.query(`INSERT INTO refunds (payment_id, amount, currency, reason, created_at) VALUES ($1, 1, $2, 'damaged', $3)`, [
        pay.rows[0]!.id,
        o.currency,
        r,
      ]);
    for (const r of o.returns ?? [])
      await p.query(`INSERT INTO returns (order_id, reason, created_at) VALUES ($1, 'damaged', $2)`, [orderId, r]);
  }
  await p.query(`DROP ROLE IF EXISTS ${ROLE}`);
  for (const s of readerStatements(db.name)) await p.query(s);
  const u = new URL(db.url);
  u.username = ROLE;
  u.password = 'test-only';
  reader = new pg.Client({ connectionString: u.toString() });
  await reader.connect();
});

afterAll(async () => {
  await reader?.end();
  if (db) {
    const name = db.name;
    await db.drop();
    const admin = new pg.Client({ connectionString: db.url.replace(`/${name}`, '/postgres') });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.end();
  }
});

/** Grafana's PostgreSQL macros for a fixed time range (quoted RFC 3339, as Grafana renders them). */
function expandMacros(sql: string, from: Date, to: Date): string {
  const lit = (d: Date) => `'${d.toISOString().replace('.000Z', 'Z')}'`;
  return sql.replace(/\$__timeFrom\(\)/g, lit(from)).replace(/\$__timeTo\(\)/g, lit(to));
}

function panelSql(title: string): string {
  const panel = (buildSellerLeaderboard().panels ?? []).find((p) => (p as Panel).title === title) as Panel | undefined;
  if (!panel) throw new Error(`no panel "${title}"`);
  const target = panel.targets![0] as unknown as { rawSql: string };
  return target.rawSql;
}

async function rowsOf(title: string): Promise<Record<string, unknown>[]> {
  const res = await reader.query({ text: expandMacros(panelSql(title), FROM, TO) });
  return res.rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        v instanceof Date ? v.toISOString() : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v,
      ]),
    ),
  );
}

const live = (s: FixtureSeller) => s.approved !== null && s.approved <= TO && (!s.churned || s.churned > TO);
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

test('the reader role is read-only: writes are refused', async () => {
  await expect(reader.query('UPDATE sellers SET credits_used = 0')).rejects.toThrow(/read-only transaction|permission denied/);
  // Read-only is only a default the session could lift: the grants (SELECT only) are what forbid writes.
  await reader.query('SET default_transaction_read_only = off');
  await expect(reader.query('UPDATE sellers SET credits_used = 0')).rejects.toThrow(/permission denied/);
  await reader.query('SET default_transaction_read_only = on');
});

test('top sellers: GMV per seller and currency over the range, highest first', async () => {
  const groups = new Map<string, { seller: number; currency: string; n: number; gmv: number }>();
  for (const o of ORDERS.filter((o) => o.at >= FROM && o.at < TO)) {
    const k = `${o.seller}/${o.currency}`;
    const g = groups.get(k) ?? { seller: o.seller, currency: o.currency, n: 0, gmv: 0 };
    g.n++;
    g.gmv += o.amount;
    groups.set(k, g);
  }
  const want = [...groups.values()]
    .sort((a, b) => b.gmv - a.gmv || a.seller - b.seller || a.currency.localeCompare(b.currency))
    .slice(0, LEADERBOARD.limit)
    .map((g) => ({ Seller: g.seller, Currency: g.currency, Orders: g.n, GMV: g.gmv, AOV: round(g.gmv / g.n, 2) }));
  expect(await rowsOf('Top sellers by GMV')).toEqual(want);
  expect(want[0]).toEqual({ Seller: 1, Currency: 'EUR', Orders: 31, GMV: 3007, AOV: 97 }); // the order on the end is outside
});

test('at-risk: refund/return share of the range orders, with the minimum-volume guard', async () => {
  const per = new Map<number, { n: number; refunded: number; returned: number }>();
  for (const o of ORDERS.filter((o) => o.at >= FROM && o.at < TO)) {
    const g = per.get(o.seller) ?? { n: 0, refunded: 0, returned: 0 };
    g.n++;
    if ((o.refunds ?? []).some((r) => r >= FROM && r < TO)) g.refunded++;
    if ((o.returns ?? []).some((r) => r >= FROM && r < TO)) g.returned++;
    per.set(o.seller, g);
  }
  const want = [...per.entries()]
    .filter(
      ([, g]) =>
        g.n >= LEADERBOARD.atRiskMinOrders && (g.refunded >= LEADERBOARD.atRiskRate * g.n || g.returned >= LEADERBOARD.atRiskRate * g.n),
    )
    .sort(([a, x], [b, y]) => Math.max(y.refunded, y.returned) / y.n - Math.max(x.refunded, x.returned) / x.n || a - b)
    .map(([seller, g]) => ({
      Seller: seller,
      Orders: g.n,
      'Refunded orders': g.refunded,
      'Refund rate': round(g.refunded / g.n, 4),
      'Returned orders': g.returned,
      'Return rate': round(g.returned / g.n, 4),
    }));
  expect(await rowsOf('At-risk sellers (refunds and returns)')).toEqual(want);
  // By hand: #2 3/25 refunded (12 %), #9 2/40 (5 %, refund after the end excluded); #3 is under the guard.
  expect(want.map((r) => [r.Seller, r['Refund rate']])).toEqual([
    [2, 0.12],
    [9, 0.05],
  ]);
});

test('dormant: live sellers without an order in the 90 days before the range end', async () => {
  const since = new Date(TO.getTime() - LEADERBOARD.dormantDays * DAY);
  const want = SELLERS.filter(live)
    .filter((s) => !ORDERS.some((o) => o.seller === s.id && o.at >= since && o.at < TO))
    .map((s) => {
      const last = ORDERS.filter((o) => o.seller === s.id && o.at < TO).reduce<Date | null>((m, o) => (!m || o.at > m ? o.at : m), null);
      return { Seller: s.id, Approved: s.approved!.toISOString(), 'Last order': last ? last.toISOString() : null };
    })
    .sort((a, b) => (a['Last order'] ?? '').localeCompare(b['Last order'] ?? '') || a.Seller - b.Seller);
  expect(await rowsOf('Dormant sellers')).toEqual(want);
  expect(want.map((r) => r.Seller)).toEqual([5, 4]);
});

test('low credit: live sellers with credits and under 10 % left', async () => {
  const want = SELLERS.filter(live)
    .filter((s) => s.credits[0] > 0 && s.credits[0] - s.credits[1] < LEADERBOARD.lowCreditRatio * s.credits[0])
    .map((s) => ({
      Seller: s.id,
      'Credits granted': s.credits[0],
      'Credits used': s.credits[1],
      'Credits left': s.credits[0] - s.credits[1],
      'Share left': round((s.credits[0] - s.credits[1]) / s.credits[0], 4),
    }))
    .sort((a, b) => a['Share left'] - b['Share left'] || a.Seller - b.Seller);
  expect(await rowsOf('Sellers low on credit')).toEqual(want);
  expect(want.map((r) => r.Seller)).toEqual([2, 4]);
});

test('dashboard: every panel on the provisioned database datasource, linked from the sellers dashboard', () => {
  const d: Dashboard = buildSellerLeaderboard();
  expect(d.uid).toBe(DASHBOARD_UIDS.sellerLeaderboard);
  const provisioned = YAML.parse(
    readFileSync(path.join(__dirname, '../../provisioning/grafana/datasources/marketplace-pulse.yml'), 'utf8'),
  );
  const ds = provisioned.datasources.find((x: { uid: string }) => x.uid === DATASOURCES.postgres.uid);
  expect(ds).toMatchObject({
    type: POSTGRES.type,
    user: GRAFANA_DB.user,
    secureJsonData: { password: `$__file{${GRAFANA_DB.passwordFile}}` },
  });
  expect(JSON.stringify(provisioned)).not.toMatch(/pulse-grafana-demo/); // no password in the provisioning file
  const panels = (d.panels ?? []) as Panel[];
  expect(panels.map((p) => p.title)).toEqual(LEADERBOARD_PANELS.map((p) => p.title));
  for (const p of panels) {
    expect(p.datasource?.uid).toBe(DATASOURCES.postgres.uid);
    for (const t of p.targets ?? [])
      expect(t).toMatchObject({ datasource: { uid: DATASOURCES.postgres.uid }, format: 'table', rawQuery: true });
  }
  const sellers = buildDashboard(DASHBOARDS.find((x) => x.spec.uid === DASHBOARD_UIDS.sellers)!);
  expect((sellers.links ?? []).map((l) => l.url)).toContain(`/d/${DASHBOARD_UIDS.sellerLeaderboard}`);
});
