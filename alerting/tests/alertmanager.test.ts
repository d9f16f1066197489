/**
 * Alertmanager config: amtool accepts it, every severity/team lands on the right receiver, and
 * inhibition works in a real Alertmanager (amtool cannot test inhibition).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../shared/generated';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import {
  DEAD_MANS_SWITCH_RECEIVER,
  INFO_RECEIVER,
  NOTIFICATION_TEMPLATES,
  SECRET_FILES,
  TEAMS,
  pageReceiver,
  renderAlertmanager,
  ticketReceiver,
} from '../alertmanager';
import { ALERTMANAGER_DIR } from '../generate';
import { freePort } from '../../scripts/stack/processes';

const CONFIG = path.join(ROOT, ALERTMANAGER_DIR, 'alertmanager.yml');

function amtool(...args: string[]): string {
  const r = spawnSync('amtool', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`amtool ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

test('amtool check-config accepts the generated config and its templates', () => {
  const out = amtool('check-config', CONFIG);
  expect(out).toContain('SUCCESS');
  expect(out).toMatch(/1 templates/);
});

describe('routing', () => {
  const route = (...labels: string[]) => amtool('config', 'routes', 'test', `--config.file=${CONFIG}`, ...labels);

  test.each(TEAMS.map((t) => [t]))('page for team %s goes to its pager', (team) => {
    expect(route('alertname=X', 'severity=page', `team=${team}`)).toBe(pageReceiver(team));
  });
  test.each(TEAMS.map((t) => [t]))('ticket for team %s goes to its email and chat', (team) => {
    expect(route('alertname=X', 'severity=ticket', `team=${team}`)).toBe(ticketReceiver(team));
  });
  test('info goes to chat only', () => {
    expect(route('alertname=HighValueOrder', 'severity=info', 'team=growth')).toBe(INFO_RECEIVER);
  });
  test.each(TEAMS.map((t) => [t]))('mixin severities: critical pages and warning tickets team %s', (team) => {
    expect(route('alertname=X', 'severity=critical', `team=${team}`)).toBe(pageReceiver(team));
    expect(route('alertname=X', 'severity=warning', `team=${team}`)).toBe(ticketReceiver(team));
  });
  test("the Watchdog goes to the dead-man's switch only; severity none is info", () => {
    expect(route('alertname=Watchdog', 'severity=info', 'team=sre')).toBe(DEAD_MANS_SWITCH_RECEIVER);
    expect(route('alertname=Watchdog', 'severity=none')).toBe(DEAD_MANS_SWITCH_RECEIVER);
    expect(route('alertname=InfoInhibitor', 'severity=none')).toBe(INFO_RECEIVER);
  });
  test('a page without a known team still pages SRE; an unlabelled alert becomes an SRE ticket', () => {
    expect(route('alertname=X', 'severity=page', 'team=unknown')).toBe(pageReceiver('sre'));
    expect(route('alertname=X')).toBe(ticketReceiver('sre'));
  });
});

describe('committed config', () => {
  const text = readFileSync(CONFIG, 'utf8');
  const config = YAML.parse(text) as {
    route: { routes: Array<Record<string, unknown>> };
    receivers: Array<Record<string, Array<Record<string, unknown>>>>;
  };

  test('no route is muted by a time interval: tickets are never dropped overnight', () => {
    const all: Array<Record<string, unknown>> = [];
    const walk = (r: Record<string, unknown>) => {
      all.push(r);
      for (const c of (r.routes as Array<Record<string, unknown>> | undefined) ?? []) walk(c);
    };
    walk(config.route as unknown as Record<string, unknown>);
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((r) => r.active_time_intervals || r.mute_time_intervals)).toEqual([]);
  });

  test('secrets come from files: no inline routing key, webhook URL or placeholder', () => {
    expect(text).not.toMatch(/REPLACE|routing_key:|api_url:|auth_password:/);
    for (const t of TEAMS) expect(text).toContain(`routing_key_file: /etc/alertmanager/secrets/${SECRET_FILES.routingKey(t)}`);
    expect(text).toContain(`api_url_file: /etc/alertmanager/secrets/${SECRET_FILES.chatWebhookUrl}`);
    expect(text).toContain(`smtp_auth_password_file: /etc/alertmanager/secrets/${SECRET_FILES.smtpPassword}`);
  });
});

describe('inhibition in a real Alertmanager', () => {
  let am: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'am-inhibit-'));
    mkdirSync(path.join(dir, 'templates'));
    writeFileSync(path.join(dir, 'templates', 'marketplace.tmpl'), NOTIFICATION_TEMPLATES);
    writeFileSync(
      path.join(dir, 'alertmanager.yml'),
      renderAlertmanager({ pagerUrl: 'http://127.0.0.1:9/', chatWebhookUrl: 'http://127.0.0.1:9/' }),
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    am = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${url}/-/ready`)).ok) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('alertmanager did not become ready');
  });
  afterAll(() => {
    am?.kill();
  });

  const post = (alerts: Array<Record<string, string>>) =>
    fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, annotations: { summary: 's' } }))),
    });

  async function inhibitedBy(alertname: string, extra: Record<string, string> = {}): Promise<string[] | null> {
    for (let i = 0; i < 50; i++) {
      const list = (await (await fetch(`${url}/api/v2/alerts`)).json()) as Array<{
        labels: Record<string, string>;
        status: { inhibitedBy: string[] };
      }>;
      const a = list.find((x) => x.labels.alertname === alertname && Object.entries(extra).every(([k, v]) => x.labels[k] === v));
      if (a) return a.status.inhibitedBy;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  test('database unreachable silences the business alerts it feeds, not the provider API ones', async () => {
    expect(
      (
        await post([
          { alertname: 'DatabaseUnreachable', severity: 'page', team: 'sre', feed: 'self' },
          { alertname: 'OrdersStopped', severity: 'page', team: 'sre', feed: 'exporter_db' },
          { alertname: 'PaymentProviderDown', severity: 'page', team: 'payments', feed: 'exporter_api', provider: 'paypal' },
        ])
      ).ok,
    ).toBe(true);
    expect(await inhibitedBy('OrdersStopped')).toHaveLength(1);
    expect(await inhibitedBy('PaymentProviderDown')).toEqual([]);
    expect(await inhibitedBy('DatabaseUnreachable')).toEqual([]);
  });

  test('exporter down silences provider API alerts too', async () => {
    await post([
      { alertname: 'ExporterTargetDown', severity: 'page', team: 'sre', feed: 'self', job: 'marketplace-pulse' },
      { alertname: 'PaymentReconciliationMismatch', severity: 'ticket', team: 'payments', feed: 'exporter_api', provider: 'stripe' },
      { alertname: 'SiteSlow', severity: 'ticket', team: 'sre', feed: 'blackbox', instance: 'https://shop.example.com' },
    ]);
    expect(await inhibitedBy('PaymentReconciliationMismatch')).toHaveLength(1);
    expect(await inhibitedBy('SiteSlow')).toEqual([]);
  });

  test('a page inhibits the ticket of the same alert and instance, not of another instance', async () => {
    await post([
      { alertname: 'TLSCertificateExpiring', severity: 'page', team: 'sre', feed: 'blackbox', instance: 'https://a.example.com' },
      { alertname: 'TLSCertificateExpiring', severity: 'ticket', team: 'sre', feed: 'blackbox', instance: 'https://a.example.com' },
      { alertname: 'TLSCertificateExpiring', severity: 'ticket', team: 'sre', feed: 'blackbox', instance: 'https://b.example.com' },
    ]);
    expect(await inhibitedBy('TLSCertificateExpiring', { severity: 'ticket', instance: 'https://a.example.com' })).toHaveLength(1);
    expect(await inhibitedBy('TLSCertificateExpiring', { severity: 'ticket', instance: 'https://b.example.com' })).toEqual([]);
    expect(await inhibitedBy('TLSCertificateExpiring', { severity: 'page' })).toEqual([]);
  });

  // Last: these alerts stay active and would inhibit the alerts of the tests above.
  test('a critical (mixin) alert inhibits the warning of the same alert', async () => {
    await post([
      { alertname: 'NodeFilesystemAlmostFull', severity: 'critical', team: 'sre', instance: 'db-1' },
      { alertname: 'NodeFilesystemAlmostFull', severity: 'warning', team: 'sre', instance: 'db-1' },
    ]);
    expect(await inhibitedBy('NodeFilesystemAlmostFull', { severity: 'warning' })).toHaveLength(1);
  });

  test('exporter absent from discovery silences the business alerts it feeds', async () => {
    await post([
      { alertname: 'ExporterAbsent', severity: 'page', team: 'sre', feed: 'self', job: 'marketplace-pulse' },
      { alertname: 'GMVFarBelowLastWeek', severity: 'ticket', team: 'growth', feed: 'exporter_db', currency: 'EUR' },
    ]);
    expect(await inhibitedBy('GMVFarBelowLastWeek')).toHaveLength(1);
  });
});
