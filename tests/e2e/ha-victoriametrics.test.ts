/**
 * HA Prometheus into VictoriaMetrics, real binaries on loopback: the exporter on a seeded test
 * database, scraped by two Prometheus servers (external label replica=a|b) that remote-write to
 * single-node VictoriaMetrics (replica label dropped on ingestion, dedup at the scrape interval) and
 * send alerts to a two-node Alertmanager cluster. Replica a is killed mid-run: every dashboard query
 * through VictoriaMetrics is unchanged, with no gap and no double counting (checked against the
 * database rows), the monthly report read from VictoriaMetrics is unchanged, and the cluster pages
 * exactly once while both servers send the alert.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startExporter, type RunningExporter } from '../../exporter/src/app';
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { parseConfig } from '../../exporter/src/config/load';
import { seedHistory } from '../../exporter/src/demo/simulator';
import { buildDashboard, DASHBOARDS } from '../../dashboards';
import { queriesOf, substitute } from '../../dashboards/inspect';
import { startAlertmanagerCluster, startHaPair, type AlertmanagerCluster, type HaPair } from '../../scripts/stack/ha';
import { COMPOSE_ADDRESSES, REPLICA_LABEL } from '../../dashboards/provisioning/prometheus';
import { freePort } from '../../scripts/stack/processes';
import { buildBreakdowns, buildKpis } from '../../reports/kpis';
import { monthlyPeriod } from '../../reports/periods';
import { PrometheusClient } from '../../reports/prometheus-client';
import { fetchReportData } from '../../reports/report-data';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/exporter';
import { writeHistory } from '../support/report-history';

jest.setTimeout(300_000);

const ALERT = 'HaPairCheck';
const PEER_TIMEOUT_S = 2;
const job = `job="${SELECTORS.exporterJob}"`;

let db: TestDatabase;
let exporter: RunningExporter;
let cluster: AlertmanagerCluster;
let pair: HaPair;
let receiver: http.Server;
let dir: string;
const notifications: { status: string; alerts: { labels: Record<string, string>; status: string }[] }[] = [];

type Result = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] };

async function api(base: string, endpoint: string, params: Record<string, string>): Promise<Result[]> {
  const r = await fetch(`${base}${endpoint}`, { method: 'POST', body: new URLSearchParams({ ...params, nocache: '1' }) });
  const body = (await r.json()) as { status: string; error?: string; data: { result: Result[] } };
  if (body.status !== 'success') throw new Error(`${endpoint} ${params.query}: ${body.error}`);
  return body.data.result;
}
const instant = (base: string, query: string, at: number) => api(base, '/api/v1/query', { query, time: String(at) });

/** A query result as comparable text: series sorted by labels, values to 10 significant digits. */
function canonical(rs: Result[]): string {
  return rs
    .map((r) => `${JSON.stringify(Object.entries(r.metric).sort())}=${Number(r.value?.[1]).toPrecision(10)}`)
    .sort()
    .join('\n');
}

/**
 * The same series with values equal to 1e-10 relative, the precision of `canonical`'s 10 digits:
 * comparing those rounded strings failed when two engines' sums differed in the last bit of a value
 * whose 11th digit is a 5 (5/77 = 0.0649350649|35…: 0.06493506493 against 0.06493506494).
 */
function sameSeries(a: Result[], b: Result[]): boolean {
  const values = (rs: Result[]) => new Map(rs.map((r) => [JSON.stringify(Object.entries(r.metric).sort()), Number(r.value?.[1])]));
  const [va, vb] = [values(a), values(b)];
  if (va.size !== vb.size) return false;
  for (const [k, x] of va) {
    const y = vb.get(k);
    if (y === undefined) return false;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    // Infinities and NaN equal only themselves; finite values within 1e-10 relative.
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x - y) > 1e-10 * Math.max(Math.abs(x), Math.abs(y))) return false;
  }
  return true;
}

/** Every dashboard panel query, with Grafana's variables as the "All" selection over a 1 h range. */
const panelQueries = DASHBOARDS.flatMap((d) => queriesOf(buildDashboard(d))).map((q) => ({
  label: `${q.dashboard} / ${q.panel} / ${q.refId}`,
  expr: substitute(q.expr),
}));

async function snapshot(base: string, at: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const q of panelQueries) out.set(q.label, canonical(await instant(base, q.expr, at)));
  return out;
}

/** Report history (two months, two exporter replicas) imported into VictoriaMetrics as a long-term store holds it. */
async function importHistory(victoriaUrl: string): Promise<void> {
  const file = path.join(dir, 'history.om');
  await writeHistory(file, { start: new Date('2026-08-01T00:00:00Z'), days: 62, stepSeconds: 3600 });
  // OpenMetrics stamps seconds; the Prometheus text import takes milliseconds.
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/ (\d+(?:\.\d+)?)$/, (_, ts: string) => ` ${Math.round(Number(ts) * 1000)}`));
  for (let i = 0; i < lines.length; i += 50_000) {
    const r = await fetch(`${victoriaUrl}/api/v1/import/prometheus`, {
      method: 'POST',
      body: `${lines.slice(i, i + 50_000).join('\n')}\n`,
    });
    if (!r.ok) throw new Error(`import failed: ${r.status} ${await r.text()}`);
  }
  // Make imported rows searchable at once instead of after the periodic flush.
  await fetch(`${victoriaUrl}/internal/force_flush`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-ha-'));
  db = await createTestDatabase('pulse_ha');
  // Two days of history and no live traffic: counters stand still, so exact values can be compared.
  await seedHistory(db.pool, { seed: 21, days: 2, sessionsPerDay: 300, end: new Date() });

  const exporterPort = await freePort();
  const config = parseConfig(
    {
      database: { url: db.url },
      listen: { address: '127.0.0.1', port: exporterPort },
      collection: { settle_lag: 0, default_interval: '2s', start_jitter: 0 },
      demo: { mode: 'off' },
      log: { level: 'silent' },
    },
    { env: {} },
  );
  exporter = await startExporter({ config });
  await exporter.ready();

  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      notifications.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/page`;
  const amConfig = path.join(dir, 'alertmanager.yml');
  writeFileSync(
    amConfig,
    YAML.stringify({
      route: { receiver: 'pager', group_by: ['alertname'], group_wait: '1s', group_interval: '2s', repeat_interval: '1h' },
      receivers: [{ name: 'pager', webhook_configs: [{ url: hook, send_resolved: false }] }],
    }),
  );
  cluster = await startAlertmanagerCluster({
    dir,
    config: amConfig,
    n: 2,
    extraArgs: [`--cluster.peer-timeout=${PEER_TIMEOUT_S}s`, '--cluster.gossip-interval=50ms', '--cluster.pushpull-interval=1s'],
  });

  // One always-true alert over exporter data, so both servers send the same alert all along.
  const rules = path.join(dir, 'rules.yml');
  writeFileSync(
    rules,
    YAML.stringify({
      groups: [
        {
          name: 'ha',
          rules: [
            {
              alert: ALERT,
              expr: `max without (instance, pod) (${M.collectorUp.name}{${job}, collector="orders"}) == 1`,
              labels: { severity: 'page' },
            },
          ],
        },
      ],
    }),
  );
  const targets = path.join(dir, 'probe-targets.yml');
  writeFileSync(targets, '[]\n');
  pair = await startHaPair({
    dir,
    addresses: {
      ...COMPOSE_ADDRESSES,
      exporter: `127.0.0.1:${exporterPort}`,
      blackbox: '127.0.0.1:9',
      alertmanager: null,
      rules,
      probeTargetsFile: targets,
      scrapeInterval: '1s',
      evaluationInterval: '1s',
    },
    alertmanagers: cluster.targets,
    // An alert is valid for 4 resend delays: 5 s keeps it alive in Alertmanager on a busy machine.
    prometheusArgs: ['--rules.alert.resend-delay=5s'],
    victoriaLatencyOffset: '1s',
  });
  await importHistory(pair.victoriaUrl);
  await eventually(
    'both servers scrape the exporter and VictoriaMetrics has their samples',
    async () => {
      for (const p of pair.prometheus) if ((await instant(p.url, `up{${job}}`, Date.now() / 1000)).length !== 1) return false;
      // 25 s of samples in the store, so the test's t0 (15 s back) has data well behind it.
      const vm = await instant(pair.victoriaUrl, `count_over_time(up{${job}}[25s])`, Date.now() / 1000 - 2);
      return vm.length === 1 && Number(vm[0]!.value![1]) >= 15;
    },
    120_000,
    500,
  );
}, 300_000);

afterAll(async () => {
  await pair?.stop();
  await cluster?.stop();
  await exporter?.stop();
  receiver?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const orderRows = async () => Number((await db.pool.query('SELECT count(*) AS n FROM orders')).rows[0].n);

test('one replica killed mid-run: dashboards and the monthly report through VictoriaMetrics unchanged, no gap, no double counting; one page', async () => {
  const vm = pair.victoriaUrl;
  const [a, b] = pair.prometheus;

  // Both servers fire the alert and send it to both Alertmanagers; the cluster notifies once.
  await eventually(
    'the alert fires on both servers',
    async () => {
      for (const p of [a!, b!]) {
        const r = (await (await fetch(`${p.url}/api/v1/alerts`)).json()) as {
          data: { alerts: { labels: { alertname: string }; state: string }[] };
        };
        if (!r.data.alerts.some((x) => x.labels.alertname === ALERT && x.state === 'firing')) return false;
      }
      return true;
    },
    60_000,
    250,
  );
  await eventually('the page arrives', () => notifications.length > 0, 60_000, 100);
  // Both servers deliver the alert to both cluster members.
  await eventually(
    'both servers have sent to both Alertmanagers',
    async () => {
      for (const p of [a!, b!]) {
        const text = await (await fetch(`${p.url}/metrics`)).text();
        const sent = [...text.matchAll(/^prometheus_notifications_sent_total\{alertmanager="([^"]+)"\} (\S+)$/gm)].filter(
          (m) => Number(m[2]) > 0,
        );
        if (sent.length !== cluster.targets.length) return false;
      }
      return true;
    },
    30_000,
    250,
  );
  await new Promise((r) => setTimeout(r, 3 * PEER_TIMEOUT_S * 1000));
  expect(notifications).toHaveLength(1);
  expect(notifications[0]!.alerts.map((x) => x.labels.alertname)).toEqual([ALERT]);
  // The replica label was dropped before Alertmanager: the two senders' alerts are one alert.
  expect(notifications[0]!.alerts[0]!.labels[REPLICA_LABEL]).toBeUndefined();

  // Before the kill: one series per exporter series (the replica label is gone, dedup keeps one
  // sample per interval), and the order counter equals the database's rows, not twice them.
  const orders = await orderRows();
  // Remote write batches for up to 5 s: t0 lies well before anything still in flight.
  const t0 = Math.floor(Date.now() / 1000) - 15;
  const value = async (query: string, at: number) => (await instant(vm, query, at)).map((r) => Number(r.value![1]));
  expect(await value(`count(up{${job}})`, t0)).toEqual([1]);
  expect(await value(`sum(${M.ordersTotal.name}{${job}})`, t0)).toEqual([orders]);
  const before = await snapshot(vm, t0);
  const withData = [...before.values()].filter((v) => v !== '').length;
  expect(withData).toBeGreaterThan(panelQueries.length / 3);
  const period = monthlyPeriod('2026-09', 'UTC');
  const client = new PrometheusClient({ url: vm });
  const kpis = buildKpis({ currency: 'EUR' });
  const breakdowns = buildBreakdowns();
  const generatedAt = new Date('2026-10-01T06:00:00Z');
  const reportBefore = await fetchReportData(client, period, kpis, breakdowns, { now: generatedAt });
  expect(reportBefore.kpis.filter((k) => k.value !== null).length).toBeGreaterThan(kpis.length / 2);

  // Kill replica a without a chance to flush anything, then let b carry on alone.
  const killedAt = Date.now() / 1000;
  a!.child.proc.kill('SIGKILL');
  await new Promise((r) => a!.child.proc.once('exit', r));
  await new Promise((r) => setTimeout(r, 10_000));

  // The past as the store holds it did not change: every panel query at t0 gives the same answer.
  const after = await snapshot(vm, t0);
  const changed = panelQueries
    .filter((q) => before.get(q.label) !== after.get(q.label))
    .map((q) => `${q.label}:\n  before ${before.get(q.label)}\n  after  ${after.get(q.label)}`);
  expect(changed).toEqual([]);

  // No gap and no double counting across the kill: at every second from 10 s before to 3 s after
  // it, the exporter's samples are there (within 3 scrape intervals), and the counter is the
  // database's count, once.
  const start = Math.floor(killedAt) - 10;
  const end = Math.floor(killedAt) + 3;
  const range = (query: string) => api(vm, '/api/v1/query_range', { query, start: String(start), end: String(end), step: '1' });
  const samplesPerStep = (await range(`count_over_time(up{${job}}[3s])`))[0]!.values!;
  expect(samplesPerStep).toHaveLength(end - start + 1);
  for (const [t, v] of samplesPerStep) expect([t, Number(v) >= 1]).toEqual([t, true]);
  const ordersPerStep = await range(`sum(${M.ordersTotal.name}{${job}})`);
  expect(ordersPerStep).toHaveLength(1);
  expect(new Set(ordersPerStep[0]!.values!.map(([, v]) => Number(v)))).toEqual(new Set([orders]));
  expect(await value(`count(up{${job}})`, end)).toEqual([1]);

  // After the kill, the store gives the surviving server's numbers for every gauge panel. Counter
  // panels are left out on purpose: MetricsQL's increase()/rate() do not extrapolate and count a
  // series' first sample, so over a window reaching before the series began they differ from
  // PromQL by design (see README, HA section).
  const t1 = Math.floor(Date.now() / 1000) - 2;
  const differ: string[] = [];
  const gaugePanels = panelQueries.filter(
    (x) => !x.label.startsWith('mp-exporter') && !/\b(increase|rate|histogram_quantile|\w+_over_time)\(/.test(x.expr),
  );
  expect(gaugePanels.length).toBeGreaterThan(20);
  for (const q of gaugePanels) {
    const [vmSeries, bSeries] = [await instant(vm, q.expr, t1), await instant(b!.url, q.expr, t1)];
    if (!sameSeries(vmSeries, bSeries))
      differ.push(`${q.label}:\n  victoriametrics ${canonical(vmSeries)}\n  prometheus b    ${canonical(bSeries)}`);
  }
  expect(differ).toEqual([]);

  // The monthly report read from the long-term store is the same report.
  expect(await fetchReportData(client, period, kpis, breakdowns, { now: generatedAt })).toEqual(reportBefore);

  // Replica b alone keeps the alert firing; the cluster does not page again.
  await new Promise((r) => setTimeout(r, 3 * PEER_TIMEOUT_S * 1000));
  expect(notifications).toHaveLength(1);
});
