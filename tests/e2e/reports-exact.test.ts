/**
 * Report figures equal the database. A fixture database seeded by the simulator; the real collectors
 * of every counter the reports read run at past instants (every 4 h, settle_lag 0) and their expositions are backfilled into a real
 * Prometheus as two exporter replicas; then the weekly and daily reports are built and every count
 * and money KPI — period value, comparison value, every day's value, the GMV-by-currency breakdown —
 * is compared with SQL over the fixture rows between the samples' instants, written here
 * independently of the collectors.
 *
 * Planted: an exporter blackout at the start of 16 September (no samples 00:00–03:59: the daily
 * report must count from 04:00 and say so), and replica B publishing zeros at 12:00 on
 * 17 September (a reset on one replica: the clean replica is used, the figure stays exact).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../exporter/src/config/load';
import { seedHistory } from '../../exporter/src/demo/simulator';
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { createBlocks, simulateHistory } from '../../scripts/stack/history';
import { exactDelta, exactDeltasOfSpans, NO_SAMPLE } from '../../reports/exact';
import { dailyPeriod, localDayStarts, weeklyPeriod, type Span } from '../../reports/periods';
import { PrometheusClient } from '../../reports/prometheus-client';
import { renderReport, type RenderedReport } from '../../reports/render';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startPrometheus, type RunningPrometheus } from '../support/report-prometheus';

jest.setTimeout(10 * 60_000);

const HOUR = 3600_000;
const END = new Date('2026-09-21T00:00:00Z'); // a Monday: ISO week 38 and the one before are covered
const FIRST = new Date('2026-09-07T00:00:00Z');
const BLACKOUT = { from: new Date('2026-09-16T00:00:00Z'), to: new Date('2026-09-16T04:00:00Z') };
const REPLICA_B_ZERO = { from: new Date('2026-09-17T10:00:00Z'), to: new Date('2026-09-17T14:00:00Z') };
const CURRENCY = 'EUR';

let db: TestDatabase;
let prom: RunningPrometheus;
let client: PrometheusClient;
let work: string;
/** Instants the history has samples at (both replicas). */
let instants: Date[];

/** The exporter's sample instants bounding a span: first at or after its start, last at or before its end. */
function sampleBounds(s: Span): { from: Date; to: Date } {
  const inside = instants.filter((t) => t >= s.start && t <= s.end);
  return { from: inside[0]!, to: inside[inside.length - 1]! };
}

/** Counter KPIs and their ground truth over (from, to], straight from the fixture rows. */
const TRUTH: Record<string, (from: Date, to: Date) => Promise<number | null>> = {};

async function one(sql: string, from: Date, to: Date, extra: unknown[] = []): Promise<number | null> {
  const r = await db.pool.query<{ v: string | number | null }>(sql, [from.toISOString(), to.toISOString(), ...extra]);
  const v = r.rows[0]?.v;
  return v === null || v === undefined ? null : Number(v);
}
const count =
  (table: string, column: string, where = 'true') =>
  (from: Date, to: Date) =>
    one(`SELECT count(*) AS v FROM ${table} WHERE ${column} > $1 AND ${column} <= $2 AND ${where}`, from, to);

function defineTruth(): void {
  Object.assign(TRUTH, {
    orders: count('orders', 'created_at'),
    gmv: (f: Date, t: Date) =>
      one(`SELECT coalesce(sum(total_amount), 0) AS v FROM orders WHERE created_at > $1 AND created_at <= $2 AND currency = $3`, f, t, [
        CURRENCY,
      ]),
    aov: (f: Date, t: Date) =>
      one(`SELECT avg(total_amount) AS v FROM orders WHERE created_at > $1 AND created_at <= $2 AND currency = $3`, f, t, [CURRENCY]),
    high_value_orders: count('orders', 'created_at', 'total_amount >= 500'),
    carts_abandoned: count('carts', 'abandoned_at'),
    refunds: count('refunds', 'created_at'),
    refunded_amount: (f: Date, t: Date) =>
      one(`SELECT coalesce(sum(amount), 0) AS v FROM refunds WHERE created_at > $1 AND created_at <= $2 AND currency = $3`, f, t, [
        CURRENCY,
      ]),
    returns: count('returns', 'created_at'),
    sessions: count('sessions', 'started_at'),
    session_duration: (f: Date, t: Date) =>
      one(
        `SELECT avg(greatest(extract(epoch FROM ended_at - started_at), 0)) AS v FROM sessions WHERE ended_at > $1 AND ended_at <= $2`,
        f,
        t,
      ),
    page_views: count('page_views', 'viewed_at'),
    seller_applications: count('sellers', 'applied_at'),
    sellers_approved: count('sellers', 'approved_at'),
    sellers_churned: count('sellers', 'churned_at'),
    seller_growth: async (f: Date, t: Date) =>
      (await count('sellers', 'approved_at')(f, t))! - (await count('sellers', 'churned_at')(f, t))!,
    incidents: count('incidents', 'started_at'),
    downtime: (f: Date, t: Date) =>
      one(
        `SELECT coalesce(sum(greatest(0, extract(epoch FROM least(coalesce(resolved_at, 'infinity'), $2::timestamptz) - greatest(started_at, $1::timestamptz)))), 0) AS v
           FROM incidents WHERE severity = 'critical'`,
        f,
        t,
      ),
    failed_logins: count('login_events', 'occurred_at', 'NOT success'),
    failed_login_share: (f: Date, t: Date) =>
      one(
        `SELECT (count(*) FILTER (WHERE NOT success))::float8 / nullif(count(*), 0) AS v FROM login_events WHERE occurred_at > $1 AND occurred_at <= $2`,
        f,
        t,
      ),
    exports: count('audit_log', 'occurred_at', `action = 'export'`),
    bulk_deletes: count('audit_log', 'occurred_at', `action = 'bulk_delete'`),
    unauthorized_api: count('audit_log', 'occurred_at', `action = 'unauthorized_api'`),
    tickets: count('support_tickets', 'opened_at'),
    bug_reports: count('bug_reports', 'reported_at'),
  });
}

/**
 * Adds replica B after replica A inside every family (OpenMetrics families must not interleave):
 * same values, but zeros in a window on every counter — a reset and back, where `increase()` jumps.
 */
function withReplicaB(text: string): string {
  const lo = REPLICA_B_ZERO.from.getTime() / 1000;
  const hi = REPLICA_B_ZERO.to.getTime() / 1000;
  const out: string[] = [];
  let b: string[] = [];
  for (const l of text.split('\n')) {
    if (l.startsWith('#') || l === '') {
      out.push(...b);
      b = [];
      if (l !== '# EOF' && l !== '') out.push(l);
      continue;
    }
    out.push(l);
    const m = /^(\S+?)\{(.*)\} (\S+) (\d+(?:\.\d+)?)$/.exec(l);
    if (!m) throw new Error(`unexpected history line: ${l}`);
    const [, name, labels, value, ts] = m;
    const zero = /_(total|sum|count|bucket)$/.test(name!) && +ts! >= lo && +ts! < hi;
    b.push(`${name}{${labels!.replace(/instance="[^"]*"/, 'instance="exporter-b:9464"')}} ${zero ? '0' : value} ${ts}`);
  }
  out.push(...b);
  return out.join('\n');
}

/** Two series of a synthetic counter that reset on both replicas, and one born mid-period. */
function syntheticResets(): string {
  const t0 = new Date('2026-09-18T00:00:00Z').getTime() / 1000;
  const lines = ['# TYPE pulse_test_resets counter'];
  for (const inst of ['exporter-a:9464', 'exporter-b:9464']) {
    for (const [i, v] of [10, 20, 30, 5, 15].entries())
      lines.push(`pulse_test_resets_total{kind="steady",instance="${inst}"} ${v} ${t0 + i * 7200}`);
    for (const [i, v] of [4, 7].entries())
      lines.push(`pulse_test_resets_total{kind="late",instance="${inst}"} ${v} ${t0 + 6 * 3600 + i * 7200}`);
  }
  return lines.join('\n');
}

// Window-gauge collectors are off: reports read gauges as they are, only counters are recomputed.
const GAUGES_OFF = Object.fromEntries(
  [
    'users',
    'active_users',
    'visitors',
    'events',
    'bounce',
    'retention',
    'cohort_retention',
    'funnel',
    'revenue',
    'payments',
    'sellers',
    'seller_credits',
  ].map((c) => [c, { enabled: false }]),
);

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'pulse-reports-exact-'));
  db = await createTestDatabase('pulse_exact');
  await seedHistory(db.pool, { seed: 23, days: 16, sessionsPerDay: 250, end: END });
  const config = parseConfig(
    {
      database: { url: db.url },
      collection: { settle_lag: 0, start_jitter: 0 },
      collectors: GAUGES_OFF,
      demo: { mode: 'off' },
      log: { level: 'silent' },
    },
    { env: {} },
  );
  instants = [];
  for (let t = FIRST.getTime(); t <= END.getTime(); t += 4 * HOUR) {
    if (t >= BLACKOUT.from.getTime() && t < BLACKOUT.to.getTime()) continue;
    instants.push(new Date(t));
  }
  const a = await simulateHistory({ config, instants, job: SELECTORS.exporterJob, instance: 'exporter-a:9464' });
  const text = `${withReplicaB(a.text)}\n${syntheticResets()}\n# EOF\n`;
  const tsdb = path.join(work, 'tsdb');
  await createBlocks(path.join(work, 'history.om.txt'), tsdb, text);
  prom = await startPrometheus(tsdb);
  client = new PrometheusClient({ url: prom.url });
  defineTruth();
});

afterAll(async () => {
  await prom?.stop();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const out = () => ({ grafana: { url: 'https://grafana.example.com' }, output_dir: path.join(work, 'out'), headline_currency: CURRENCY });

function expectEqualFigure(key: string, got: number | null, want: number | null): void {
  if (want === null) {
    expect({ key, got }).toEqual({ key, got: null });
    return;
  }
  expect(got).not.toBeNull();
  // Counts are exact integers; money and averages exact up to float rounding.
  if (Number.isInteger(want)) expect({ key, got }).toEqual({ key, got: want });
  else expect({ key, diff: Math.abs(got! - want) < 1e-6 * Math.max(1, Math.abs(want)) }).toEqual({ key, diff: true });
}

describe('weekly report (2026-W38) against the fixture rows', () => {
  let report: RenderedReport;
  const period = weeklyPeriod('2026-W38', 'UTC');

  beforeAll(async () => {
    report = await renderReport(client, out(), period);
  });

  test('every counter KPI is exact: this week and last week', async () => {
    const exact = report.data.kpis.filter((r) => r.kpi.exact);
    expect(exact.map((r) => r.kpi.key).sort()).toEqual(Object.keys(TRUTH).sort());
    for (const r of exact) {
      const now = sampleBounds(period);
      const before = sampleBounds(period.previous);
      expectEqualFigure(r.kpi.key, r.value, await TRUTH[r.kpi.key]!(now.from, now.to));
      expectEqualFigure(`${r.kpi.key} (previous)`, r.previous, await TRUTH[r.kpi.key]!(before.from, before.to));
      // Samples sit on the period edges here: nothing to state.
      expect(r.bounds?.from).toEqual(period.start);
      expect(r.bounds?.to).toEqual(period.end);
    }
    // The fixture is not trivial: the figures compared are real activity.
    const orders = report.data.kpis.find((r) => r.kpi.key === 'orders')!;
    expect(orders.value).toBeGreaterThan(100);
    expect(Number.isInteger(orders.value)).toBe(true);
  });

  test('every day of the week is exact, including the blackout day and the replica reset day', async () => {
    const days = localDayStarts(period, 'UTC').map((start, i, a) => ({ start, end: a[i + 1] ?? period.end }));
    for (const r of report.data.kpis.filter((x) => x.kpi.exact)) {
      for (const [i, d] of days.entries()) {
        const b = sampleBounds(d);
        expectEqualFigure(
          `${r.kpi.key} on ${d.start.toISOString().slice(0, 10)}`,
          r.daily[i] ?? null,
          await TRUTH[r.kpi.key]!(b.from, b.to),
        );
      }
    }
  });

  test('GMV by currency is exact per currency', async () => {
    const b = report.data.breakdowns.find((x) => x.breakdown.key === 'gmv_by_currency')!;
    const want = await db.pool.query<{ currency: string; v: number }>(
      'SELECT currency, sum(total_amount) AS v FROM orders WHERE created_at > $1 AND created_at <= $2 GROUP BY currency ORDER BY currency',
      [period.start.toISOString(), period.end.toISOString()],
    );
    expect(want.rows.length).toBeGreaterThan(1);
    expect(b.rows.map((r) => r.label)).toEqual(want.rows.map((r) => r.currency));
    for (const [i, row] of want.rows.entries()) expect(Math.abs(b.rows[i]!.value! - Number(row.v))).toBeLessThan(1e-6);
  });

  test('the CSV carries integer counts', () => {
    const csv = report.files.find((f) => f.filename.endsWith('-summary.csv'))!;
    const line = readFileSync(csv.path, 'utf8')
      .split('\r\n')
      .find((l) => l.startsWith('orders,'));
    expect(line).toMatch(/^orders,Orders,\d+,\d+,/);
  });
});

describe('daily values from range queries over a period without resets', () => {
  const period = weeklyPeriod('2026-W37', 'UTC');
  const days = localDayStarts(period, 'UTC').map((start, i, a) => ({ start, end: a[i + 1] ?? period.end }));

  test('week 37: every day of every counter KPI is exact', async () => {
    const report = await renderReport(client, out(), period);
    for (const r of report.data.kpis.filter((x) => x.kpi.exact)) {
      expect({ key: r.kpi.key, resetsSeen: r.bounds?.resetsSeen }).toEqual({ key: r.kpi.key, resetsSeen: false });
      for (const [i, d] of days.entries()) {
        const b = sampleBounds(d);
        expectEqualFigure(
          `${r.kpi.key} on ${d.start.toISOString().slice(0, 10)}`,
          r.daily[i] ?? null,
          await TRUTH[r.kpi.key]!(b.from, b.to),
        );
      }
    }
  });

  test('all days of a counter come from a spacing probe and two range queries', async () => {
    const calls: string[] = [];
    const counting = new (class extends PrometheusClient {
      override query(expr: string, time: Date) {
        calls.push(`query ${expr}`);
        return super.query(expr, time);
      }
      override rangeSelector(expr: string, time: Date) {
        calls.push(`raw ${expr}`);
        return super.rangeSelector(expr, time);
      }
      override queryRange(expr: string, start: Date, end: Date, step: number) {
        calls.push(`range ${expr}`);
        return super.queryRange(expr, start, end, step);
      }
    })({ url: prom.url });
    const got = await exactDeltasOfSpans(counting, { metric: M.ordersTotal.name }, days);
    // Per-day raw queries took 2 per day (14 here) and more for gaps.
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['raw', 'range', 'range']);
    for (const [i, d] of days.entries()) {
      const b = sampleBounds(d);
      expect({ day: i, v: got[i] }).toEqual({ day: i, v: await TRUTH.orders!(b.from, b.to) });
    }
  });

  test('a day with a bound in a gap is left to exactDelta (the blackout of 16 September 00:00–04:00)', async () => {
    const spans = localDayStarts({ start: new Date('2026-09-12T00:00:00Z'), end: BLACKOUT.to }, 'UTC').map((start) => ({
      start,
      end: new Date(start.getTime() + 24 * HOUR),
    }));
    const got = await exactDeltasOfSpans(client, { metric: M.ordersTotal.name }, spans);
    expect(got.length).toBe(5);
    // 12–14 September are proven from the range queries; 15 September ends and 16 September starts in the gap.
    for (const [i, d] of spans.slice(0, 3).entries()) {
      const b = sampleBounds(d);
      expect({ day: i, v: got[i] }).toEqual({ day: i, v: await TRUTH.orders!(b.from, b.to) });
    }
    expect(got.slice(3)).toEqual([null, null]);
  });

  test('days before the history have no sample at all: no data, as exactDelta says', async () => {
    const spans = [4, 5, 6].map((d) => ({ start: new Date(Date.UTC(2026, 8, d)), end: new Date(Date.UTC(2026, 8, d + 1)) }));
    const got = await exactDeltasOfSpans(client, { metric: M.ordersTotal.name }, spans);
    // 6 September ends on the first sample (7 September 00:00): not empty, left to exactDelta.
    expect(got).toEqual([NO_SAMPLE, NO_SAMPLE, null]);
    for (const s of spans.slice(0, 2)) expect((await exactDelta(client, { metric: M.ordersTotal.name }, s)).from).toBeNull();
  });
});

describe('daily report over the blackout (2026-09-16)', () => {
  test('counts from the first sample, says so, and stays exact', async () => {
    const period = dailyPeriod('2026-09-16', 'UTC');
    const report = await renderReport(client, out(), period);
    for (const r of report.data.kpis.filter((x) => x.kpi.exact)) {
      expect(r.bounds?.from).toEqual(BLACKOUT.to);
      expectEqualFigure(r.kpi.key, r.value, await TRUTH[r.kpi.key]!(BLACKOUT.to, period.end));
      // The comparison day (9 September) had no gap.
      expectEqualFigure(`${r.kpi.key} (previous)`, r.previous, await TRUTH[r.kpi.key]!(period.previous.start, period.previous.end));
    }
    // The blackout hid activity: the figure is the covered part, and says so.
    const sessions = report.data.kpis.find((r) => r.kpi.key === 'sessions')!;
    expect(sessions.value).toBeLessThan((await TRUTH.sessions!(period.start, period.end))!);
    expect(report.email.text).toMatch(/- Orders: [\d,]+ \([^)]*\)[^\n]*counted from 2026-09-16 04:00 \(UTC\): no earlier sample/);
  });
});

describe('counter resets', () => {
  test('a reset on every replica: the increases of each stretch are summed and the reset is reported', async () => {
    const span = { start: new Date('2026-09-18T00:00:00Z'), end: new Date('2026-09-19T00:00:00Z') };
    const f = await exactDelta(client, { metric: 'pulse_test_resets_total' }, span, ['kind']);
    const by = Object.fromEntries([...f.groups.values()].map((g) => [g.labels.kind, g.value]));
    // steady: 10→30 (+20), reset to 5, 5→15 (+10); late: first seen at 06:00 with 4, then 7.
    expect(by).toEqual({ steady: 30, late: 7 });
    expect(f.resets).toEqual([new Date('2026-09-18T06:00:00Z')]);
  });

  test('a reset on one replica only: the other replica is used (the weekly figures above are exact)', async () => {
    const span = { start: REPLICA_B_ZERO.from, end: new Date(REPLICA_B_ZERO.to.getTime() + 4 * HOUR) };
    const f = await exactDelta(client, { metric: M.ordersTotal.name }, span);
    expect(f.resets).toEqual([]);
    const b = sampleBounds(span);
    expect([...f.groups.values()].reduce((n, g) => n + g.value, 0)).toBe(await TRUTH.orders!(b.from, b.to));
  });
});

describe('settle lag: an exporter counting rows up to 1 h before each sample', () => {
  const LAG = 3600;
  const day = dailyPeriod('2026-09-10', 'UTC');
  let lagged: RunningPrometheus;
  let laggedClient: PrometheusClient;

  beforeAll(async () => {
    const config = parseConfig(
      {
        database: { url: db.url },
        collection: { settle_lag: LAG, start_jitter: 0 },
        collectors: GAUGES_OFF,
        demo: { mode: 'off' },
        log: { level: 'silent' },
      },
      { env: {} },
    );
    // Hourly samples from the day's start to 2 h after its end: the shifted bounds fall on samples.
    const at: Date[] = [];
    for (let t = day.start.getTime(); t <= day.end.getTime() + 2 * HOUR; t += HOUR) at.push(new Date(t));
    const a = await simulateHistory({ config, instants: at, job: SELECTORS.exporterJob, instance: 'exporter-a:9464' });
    const tsdb = path.join(work, 'tsdb-lagged');
    await createBlocks(path.join(work, 'history-lagged.om.txt'), tsdb, a.text);
    lagged = await startPrometheus(tsdb);
    laggedClient = new PrometheusClient({ url: lagged.url });
  });

  afterAll(async () => {
    await lagged?.stop();
  });

  test('bounds shifted by settle_lag: every counter KPI counts exactly the rows of the day', async () => {
    const report = await renderReport(laggedClient, { ...out(), settle_lag: LAG }, day);
    for (const r of report.data.kpis.filter((x) => x.kpi.exact)) {
      expectEqualFigure(r.kpi.key, r.value, await TRUTH[r.kpi.key]!(day.start, day.end));
      expectEqualFigure(`${r.kpi.key} (day)`, r.daily[0] ?? null, await TRUTH[r.kpi.key]!(day.start, day.end));
      // In row time the figure covers the whole day: nothing to state.
      expect({ key: r.kpi.key, from: r.bounds?.from, to: r.bounds?.to }).toEqual({ key: r.kpi.key, from: day.start, to: day.end });
    }
    expect(report.email.text).not.toMatch(/counted from/);
  });

  test('without the shift the figures are the rows one hour earlier', async () => {
    const early = { start: new Date(day.start.getTime() - LAG * 1000), end: new Date(day.end.getTime() - LAG * 1000) };
    // The fixture has activity in the hour that differs: the test can tell the two apart.
    expect(await TRUTH.orders!(early.start, early.end)).not.toBe(await TRUTH.orders!(day.start, day.end));
    const report = await renderReport(laggedClient, { ...out(), settle_lag: 0 }, day);
    const orders = report.data.kpis.find((r) => r.kpi.key === 'orders')!;
    expect(orders.value).toBe(await TRUTH.orders!(early.start, early.end));
  });
});
