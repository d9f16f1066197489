/**
 * Every panel shows data: the real exporter on a real PostgreSQL database seeded by the simulator,
 * 35 days of simulated history backfilled with promtool, the Debian prometheus and blackbox exporter
 * binaries running the generated configuration (rewritten for loopback), then every panel query of
 * every dashboard through the Prometheus HTTP API.
 *
 * Independent of the time of day: the last two hours of history are written on a simulated clock at
 * a rate that keeps every hour busy even at the simulator's 03:00 trough (writeBusyTail; proven at
 * pinned times in tests/integration/history-tail.test.ts), so `increase(…[1h])` panels always have
 * orders and payments in the range they are evaluated over.
 *
 * Panels without data are not faked: a panel may only come back empty when it needs a metric no
 * enabled collector produces, or a series that exists only in some deployments (DEPLOYMENT_DEPENDENT);
 * those are listed with the reason, and every other panel must return data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scheduledCollectors, startExporter, type RunningExporter } from '../../exporter/src/app';
import { catalogue, M, metricByName } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { parseConfig, type Config } from '../../exporter/src/config/load';
import { startPaymentFakes, type PaymentFakes } from '../../exporter/src/demo/payment-fakes';
import { LiveTraffic, seedHistory } from '../../exporter/src/demo/simulator';
import { buildDashboard, DASHBOARDS } from '../../dashboards';
import { ALL_VALUES, queriesOf, substitute, type PanelQuery } from '../../dashboards/inspect';
import { metricNames } from '../../shared/promql-check';
import { createBlocks, historyInstants, simulateHistory, writeBusyTail } from '../../scripts/stack/history';
import { DASHBOARD_TAIL } from './dashboards-tail';
import { writeLocalConfig } from '../../scripts/stack/local-config';
import { freePort, startChild, waitForHttp, type Child } from '../../scripts/stack/processes';
import { createTestDatabase, type TestDatabase } from '../support/db';

jest.setTimeout(15 * 60_000);

const HISTORY_DAYS = 35;
/**
 * Series that exist only for some deployments, with the reason: not faked, reported.
 * The test probes the exporter over plain HTTP, so there is no certificate to report on.
 */
const DEPLOYMENT_DEPENDENT: Record<string, string> = {
  probe_ssl_earliest_cert_expiry: 'only HTTPS probe targets expose a certificate',
};
let db: TestDatabase;
let traffic: LiveTraffic;
let payments: PaymentFakes;
let exporter: RunningExporter;
let config: Config;
const children: Child[] = [];
let dir: string;
let promUrl: string;

async function promQuery(expr: string): Promise<{ status: string; data: { resultType: string; result: unknown[] }; error?: string }> {
  const r = await fetch(`${promUrl}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
  return (await r.json()) as never;
}

/** What Grafana draws for a time-series panel: a range query over the last hour (the densely backfilled one). */
async function promRange(expr: string): Promise<{ status: string; data: { resultType: string; result: unknown[] }; error?: string }> {
  const end = Date.now() / 1000;
  const r = await fetch(`${promUrl}/api/v1/query_range`, {
    method: 'POST',
    body: new URLSearchParams({ query: expr, start: String(end - 3600), end: String(end), step: '30' }),
  });
  return (await r.json()) as never;
}

async function scalar(expr: string): Promise<number> {
  const res = await promQuery(expr);
  const v = (res.data?.result?.[0] as { value?: [number, string] } | undefined)?.value?.[1];
  return v === undefined ? 0 : Number(v);
}

const phase = (what: string) => process.stderr.write(`[dashboards e2e] ${what}\n`);

beforeAll(async () => {
  phase('seeding the database');
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-dashboards-e2e-'));
  db = await createTestDatabase('pulse_dash');
  const end = new Date();
  const tailStart = new Date(end.getTime() - DASHBOARD_TAIL.minutes * 60_000);
  await seedHistory(db.pool, { seed: 11, days: HISTORY_DAYS, sessionsPerDay: 600, end: tailStart });
  await writeBusyTail(db.pool, { ...DASHBOARD_TAIL, end });

  const exporterPort = await freePort();
  const raw = {
    database: { url: db.url },
    listen: { address: '127.0.0.1', port: exporterPort },
    collection: { settle_lag: 0, default_interval: '2s', start_jitter: 0 },
    demo: { mode: 'off' },
    log: { level: 'silent' },
  };
  // History comes from the database collectors; the payment providers (the demo's Stripe and PayPal
  // fakes, fed from this database and polled by the real pollers) join for the live part.
  const historyConfig = parseConfig(raw, { env: {} });
  payments = await startPaymentFakes(db.pool, undefined, HISTORY_DAYS);
  // Secrets are read from the process environment when used, as `npm start` does for the demo.
  Object.assign(process.env, payments.env);
  config = parseConfig({ ...payments.config, ...raw }, { env: payments.env });
  const instance = `127.0.0.1:${exporterPort}`;

  phase('simulating history');
  // History first, into the TSDB directory Prometheus will open.
  const tsdb = path.join(dir, 'tsdb');
  // Two-minute steps in the dense stretches: every 1 h window still holds ~30 samples and every gauge
  // a sample inside the 5-minute lookback, at half the cost of collecting every minute.
  const instants = historyInstants(end, HISTORY_DAYS, 6 * 3600, undefined, 120);
  const history = await simulateHistory({
    config: historyConfig,
    instants,
    job: SELECTORS.exporterJob,
    instance,
    onProgress: (done, total) => {
      if (done % 50 === 0 || done === total) phase(`history ${done}/${total} instants`);
    },
  });
  expect(history.samples).toBeGreaterThan(1000);
  await createBlocks(path.join(dir, 'history.om.txt'), tsdb, history.text);

  phase('starting exporter, blackbox exporter and prometheus');
  // Live activity keeps counters moving while Prometheus scrapes, as in the demo.
  traffic = new LiveTraffic(db.pool, { seed: 12, sessionsPerMinute: 120, intervalMs: 1_000 });
  traffic.start();
  exporter = await startExporter({ config });
  await exporter.ready();

  const blackboxPort = await freePort();
  const promPort = await freePort();
  const files = writeLocalConfig({
    dir,
    exporter: instance,
    blackbox: `127.0.0.1:${blackboxPort}`,
    alertmanager: null,
    probeTargets: [`${exporter.url}/healthz`],
    scrapeInterval: '1s',
    evaluationInterval: '1s',
  });
  const blackbox = startChild('blackbox', '/usr/bin/prometheus-blackbox-exporter', [
    `--config.file=${files.blackboxYml}`,
    `--web.listen-address=127.0.0.1:${blackboxPort}`,
  ]);
  children.push(blackbox);
  await waitForHttp(`http://127.0.0.1:${blackboxPort}/`, blackbox);
  const prometheus = startChild('prometheus', '/usr/bin/prometheus', [
    `--config.file=${files.prometheusYml}`,
    `--storage.tsdb.path=${tsdb}`,
    '--storage.tsdb.retention.time=90d',
    `--web.listen-address=127.0.0.1:${promPort}`,
  ]);
  children.push(prometheus);
  promUrl = `http://127.0.0.1:${promPort}`;
  await waitForHttp(`${promUrl}/-/ready`, prometheus);

  phase('waiting for scrapes and rule evaluations');
  // A few scrapes of every job and a few rule evaluations (polling, no timing assertion).
  for (let i = 0; i < 600; i++) {
    const scrapes = await scalar(`min(count_over_time(up{job="${SELECTORS.exporterJob}"}[5m]))`);
    const probes = await scalar(`min(count_over_time(probe_success{job="${SELECTORS.blackboxJob}"}[5m]))`);
    const rules = await scalar('count(slo:error_budget_remaining:ratio30d)');
    // Provider pollers run every 15 s: wait until a second poll shows in the request histogram.
    const polls = await scalar(`sum(increase(${M.paymentProviderRequestDurationSeconds.name}_count[5m]))`);
    if (scrapes >= 5 && probes >= 5 && rules > 0 && polls > 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
});

afterAll(async () => {
  for (const c of children.reverse()) await c.stop();
  // Exporter first, so its pollers are not left retrying against stopped fakes.
  await exporter?.stop();
  await payments?.stop();
  await traffic?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Catalogue metrics a query needs, mapped from exposed series names (histograms expose three). */
function catalogueMetricsOf(expr: string): string[] {
  return metricNames(expr)
    .map((n) => metricByName(n) ?? metricByName(n.replace(/_(bucket|sum|count)$/, '')))
    .filter((d) => d !== undefined)
    .map((d) => d!.name);
}

function producedByThisBuild(): Set<string> {
  const names = new Set(scheduledCollectors(config).flatMap((e) => e.collector.metrics.map((m) => m.name)));
  for (const m of catalogue) if (m.collector === 'runtime') names.add(m.name);
  return names;
}

const queries: PanelQuery[] = DASHBOARDS.flatMap((d) => queriesOf(buildDashboard(d)));

test('history was backfilled: month-over-month data exists 30 days back', async () => {
  expect(await scalar(`count(marketplace_orders_total offset 30d)`)).toBeGreaterThan(0);
  expect(await scalar(`count(marketplace_active_users offset 1w)`)).toBeGreaterThan(0);
});

test('every panel query returns data, except panels listed with a stated reason', async () => {
  const produced = producedByThisBuild();
  const empty: string[] = [];
  const pending: string[] = [];
  const failed: string[] = [];
  for (const q of queries) {
    // A one-day dashboard range: a whole daily cycle, so a small simulated marketplace has orders in
    // every currency in both compared periods of a week-over-week ratio (6h was flaky at night).
    const expr = substitute(q.expr, { ...ALL_VALUES, range: '1d' });
    const label = `${q.dashboard} / ${q.panel} / ${q.refId}`;
    const missing = catalogueMetricsOf(expr).filter((m) => !produced.has(m));
    const conditional = metricNames(expr).filter((n) => DEPLOYMENT_DEPENDENT[n]);
    const res = q.instant ? await promQuery(expr) : await promRange(expr);
    if (res.status !== 'success') {
      failed.push(`${label}: ${res.error}`);
      continue;
    }
    const hasData = res.data.result.length > 0;
    if (conditional.length && !hasData) {
      pending.push(`${label} (${conditional.map((n) => DEPLOYMENT_DEPENDENT[n]).join('; ')})`);
      continue;
    }
    if (missing.length) {
      pending.push(`${label} (needs ${[...new Set(missing)].join(', ')})${hasData ? ' — has data anyway' : ''}`);
      continue;
    }
    if (!hasData) empty.push(`${label}: ${expr}`);
  }
  if (pending.length) process.stdout.write(`panels without data for a stated reason (${pending.length}):\n  ${pending.join('\n  ')}\n`);
  expect(failed).toEqual([]);
  expect(empty).toEqual([]);
  // Most of the product is covered by real data, not by the pending list.
  expect(queries.length - pending.length).toBeGreaterThan(queries.length / 2);
});
