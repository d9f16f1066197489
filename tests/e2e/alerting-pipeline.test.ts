/**
 * Live alerting pipeline on loopback, real binaries: exporter on a test database → Prometheus
 * (generated payment rules, hold time shortened) → a two-node Alertmanager cluster (generated
 * config, addresses pointed at the test) → a PagerDuty-compatible webhook receiver in the test.
 * A burst of failed payments fires PaymentSuccessRateLow once; successful payments resolve it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { RunningExporter } from '../../exporter/src/app';
import { SELECTORS } from '../../shared/conventions';
import { DEFAULT_OPTIONS, NOTIFICATION_TEMPLATES, renderAlertmanager } from '../../alerting/alertmanager';
import { isAlert, type RuleGroup } from '../../alerting/model';
import { renderGroup } from '../../alerting/render';
import { paymentsGroup } from '../../alerting/rules/payments';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually, exporterConfig, startTestExporter } from '../support/exporter';
import { freePort } from '../../scripts/stack/processes';

const ALERT = 'PaymentSuccessRateLow';
const PEER_TIMEOUT_S = 2;

interface PagerEvent {
  routing_key: string;
  dedup_key: string;
  event_action: 'trigger' | 'resolve';
  payload: { summary: string; custom_details: Record<string, string> };
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

let db: TestDatabase;
let exporter: RunningExporter;
let receiver: http.Server;
const events: PagerEvent[] = [];
const children: ChildProcess[] = [];
let dir: string;

function run(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr?.on('data', (d) => (err = (err + d).slice(-4000)));
  c.on('exit', (code) => {
    if (code && code !== 0 && !stopping) console.error(`${cmd} exited ${code}:\n${err}`);
  });
  children.push(c);
  return c;
}
let stopping = false;

async function insertPayments(status: 'succeeded' | 'failed', n: number): Promise<void> {
  const at = status === 'succeeded' ? 'succeeded_at' : 'failed_at';
  await db.pool.query(
    `INSERT INTO payments (order_id, provider, provider_ref, status, failure_code, amount, currency, created_at, updated_at, ${at})
     SELECT 1, 'stripe', 'ch_' || g, $1, CASE WHEN $1 = 'failed' THEN 'processing_error' END, 20, 'EUR', now(), now(), now()
       FROM generate_series(1, $2) g`,
    [status, n],
  );
}

/** The payments rule group as generated, with its hold times (for, keep_firing_for) cut so the test runs in seconds. */
function fastPaymentsGroup(): RuleGroup {
  const g = paymentsGroup();
  return {
    ...g,
    interval: '1s',
    rules: g.rules.map((r) => (isAlert(r) && r.alert === ALERT ? { ...r, for: '3s', keepFiringFor: undefined } : r)),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alerting-pipeline-'));
  db = await createTestDatabase();
  await db.pool.query(`INSERT INTO users (created_at) VALUES (now() - interval '1 day')`);
  await db.pool.query(`INSERT INTO sellers (applied_at, approved_at) VALUES (now() - interval '2 days', now() - interval '1 day')`);
  await db.pool.query(
    `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency) VALUES (1, 1, 'books', now() - interval '1 hour', 'paid', 20, 'EUR')`,
  );
  await insertPayments('succeeded', 100);

  exporter = await startTestExporter(
    exporterConfig({ url: db.url, only: ['payments'], extra: { collectors: { payments: { interval: 1 } } } }),
  );
  await exporter.ready();

  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      events.push(JSON.parse(body) as PagerEvent);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const pagerUrl = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/v2/enqueue`;

  // Two Alertmanagers gossiping on loopback: the cluster must notify once, not twice.
  mkdirSync(path.join(dir, 'templates'));
  writeFileSync(path.join(dir, 'templates', 'marketplace.tmpl'), NOTIFICATION_TEMPLATES);
  writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    renderAlertmanager({
      pagerUrl,
      chatWebhookUrl: pagerUrl,
      secretsDir: null,
      timing: { ...DEFAULT_OPTIONS.timing, groupWait: '1s', pageGroupWait: '1s', groupInterval: '2s' },
    }),
  );
  const [web1, web2, gossip1, gossip2, promPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const am = (web: number, gossip: number, peer: number) =>
    run('prometheus-alertmanager', [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, `am-${web}`)}`,
      `--web.listen-address=127.0.0.1:${web}`,
      `--cluster.listen-address=127.0.0.1:${gossip}`,
      `--cluster.advertise-address=127.0.0.1:${gossip}`,
      `--cluster.peer=127.0.0.1:${peer}`,
      `--cluster.peer-timeout=${PEER_TIMEOUT_S}s`,
      '--cluster.gossip-interval=50ms',
      '--cluster.pushpull-interval=1s',
    ]);
  am(web1, gossip1, gossip2);
  am(web2, gossip2, gossip1);

  writeFileSync(path.join(dir, 'payments.yml'), renderGroup(fastPaymentsGroup()));
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    YAML.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(dir, 'payments.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${web1}`, `127.0.0.1:${web2}`] }] }] },
      scrape_configs: [{ job_name: SELECTORS.exporterJob, static_configs: [{ targets: [new URL(exporter.url).host] }] }],
    }),
  );
  run('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'prom')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--rules.alert.resend-delay=1s',
  ]);

  await eventually(
    'both alertmanagers ready',
    async () => (await isReady(`http://127.0.0.1:${web1}/-/ready`)) && (await isReady(`http://127.0.0.1:${web2}/-/ready`)),
    30_000,
  );
  await eventually(
    'cluster of two',
    async () => {
      const s = (await (await fetch(`http://127.0.0.1:${web1}/api/v2/status`)).json()) as { cluster: { peers: unknown[]; status: string } };
      return s.cluster.peers.length === 2 && s.cluster.status === 'ready';
    },
    30_000,
  );
  // Prometheus must have scraped the healthy baseline, so the failure burst is an increase.
  await eventually(
    'prometheus sees the baseline payments',
    async () => {
      const q = encodeURIComponent('provider_status:marketplace_payments:rate10m');
      try {
        const r = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${q}`)).json()) as { data: { result: unknown[] } };
        return r.data.result.length > 0;
      } catch {
        return false;
      }
    },
    30_000,
  );
}, 120_000);

afterAll(async () => {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  await exporter?.stop();
  receiver?.close();
  await db?.drop();
});

test('failed payments page the payments team once through the cluster, and successful ones resolve it', async () => {
  await insertPayments('failed', 50);

  const triggers = () => events.filter((e) => e.event_action === 'trigger' && e.payload.custom_details.alertname === ALERT);
  await eventually('the payment alert reaches the pager', () => triggers().length > 0, 60_000);
  const first = triggers()[0]!;
  expect(first.routing_key).toBe(DEFAULT_OPTIONS.routingKeys.payments);
  expect(first.payload.custom_details).toMatchObject({ alertname: ALERT, team: 'payments', severity: 'page' });
  expect(first.payload.custom_details.labels).toContain('provider=stripe');
  expect(first.payload.custom_details.labels).toContain('feed=exporter_db');
  expect(first.payload.custom_details.summary).toMatch(/^stripe payment success rate is \d+(\.\d+)?%\.$/);
  expect(first.payload.custom_details.runbook_url).toMatch(/\/PaymentSuccessRateLow\.md$/);

  // Give the second cluster member several peer timeouts to (wrongly) send its own copy.
  await new Promise((r) => setTimeout(r, 3 * PEER_TIMEOUT_S * 1000));
  expect(triggers()).toHaveLength(1);

  await insertPayments('succeeded', 2000);
  await eventually('the alert resolves', () => events.some((e) => e.event_action === 'resolve' && e.dedup_key === first.dedup_key), 60_000);
  expect(triggers()).toHaveLength(1);
  expect(events.filter((e) => e.event_action === 'resolve' && e.dedup_key === first.dedup_key)).toHaveLength(1);
}, 150_000);
