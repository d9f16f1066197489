/**
 * Management reports against a real Prometheus over backfilled simulated history (two months, a
 * 3-day exporter blackout, a checkout outage, a PayPal dip): the monthly PDF's sections and headline
 * numbers, rendered pages, email delivery over SMTP, and the schedule (time zone, once per period
 * across a restart, Prometheus down then back).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { SMTPServer } from 'smtp-server';
import { type CapturedMail, captureSmtp } from '../support/smtp-capture';
import { M } from '../../shared/catalogue';
import { parseReportsConfig, type ReportsConfig } from '../../reports/config';
import { SECTIONS } from '../../reports/kpis';
import { smtpSender } from '../../reports/mailer';
import { ReportMetrics } from '../../reports/metrics';
import { dailyPeriod, monthlyPeriod } from '../../reports/periods';
import { PrometheusClient } from '../../reports/prometheus-client';
import { renderReport } from '../../reports/render';
import { ReportScheduler, type SchedulerEvent } from '../../reports/scheduler';
import { StateFile } from '../../reports/state';
import { writeHistory } from '../support/report-history';
import { createBlocks, freePort, startPrometheus, type RunningPrometheus } from '../support/report-prometheus';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');
const OUTPUT = path.join(ROOT, 'tests/output/reports');

let work: string;
let tsdb: string;
let prom: RunningPrometheus;

let smtp: SMTPServer;
let smtpPort: number;
const mails: CapturedMail[] = [];

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'pulse-reports-'));
  tsdb = path.join(work, 'tsdb');
  const file = path.join(work, 'history.om');
  await writeHistory(file, {
    start: new Date('2026-08-01T00:00:00Z'),
    days: 64,
    gapDays: { from: 40, count: 3 }, // 10-12 September
    outage: { start: new Date('2026-09-17T09:00:00Z'), minutes: 260 },
    paypalDipFromDay: 45,
  });
  await createBlocks(file, tsdb);
  prom = await startPrometheus(tsdb);
  smtpPort = await freePort();
  smtp = captureSmtp(mails);
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', () => r()));
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  rmSync(work, { recursive: true, force: true });
});

function config(over: Record<string, unknown> = {}): ReportsConfig {
  return parseReportsConfig({
    prometheus: { url: prom.url, timeout: '20s' },
    grafana: { url: 'https://grafana.example.com' },
    time_zone: 'UTC',
    // The synthetic history's counters are not lagged behind the rows they count.
    settle_lag: 0,
    output_dir: path.join(work, 'out'),
    state_dir: path.join(work, 'state'),
    smtp: { host: '127.0.0.1', port: smtpPort, from: 'reports@example.com', insecure_allow_plaintext: true },
    recipients: { monthly: ['ceo@example.com'], daily: ['ops@example.com'], weekly: [] },
    listen: { port: 0 },
    ...over,
  });
}

/** The number printed after a label on one line of `pdftotext -layout` output. */
function numberAfter(text: string, label: string): number {
  const line = text.split('\n').find((l) => l.trimStart().startsWith(label));
  if (!line) throw new Error(`no line starting with "${label}"`);
  const m = /(-?[\d,]+(?:\.\d+)?)\s*(%)?/.exec(line.slice(line.indexOf(label) + label.length));
  if (!m) throw new Error(`no number on: ${line}`);
  return Number(m[1]!.replace(/,/g, '')) / (m[2] ? 100 : 1);
}

async function direct(expr: string, at: Date): Promise<number> {
  const r = await new PrometheusClient({ url: prom.url }).query(expr, at);
  expect(r).toHaveLength(1);
  return r[0]!.value;
}

describe('monthly PDF', () => {
  let text: string;
  let pdf: string;
  const period = monthlyPeriod('2026-09', 'UTC');
  const range = `${30 * 86400}s`;

  beforeAll(async () => {
    const report = await renderReport(new PrometheusClient({ url: prom.url }), config(), period);
    pdf = report.files.find((f) => f.filename.endsWith('.pdf'))!.path;
    text = (await run('pdftotext', ['-layout', pdf, '-'])).stdout;
  }, 240_000);

  test('has every section, the period, page numbers, links and missing-data notes', () => {
    for (const s of SECTIONS) expect(text).toContain(s.title);
    for (const t of ['Actionable insights', 'Definitions', 'September 2026', 'Compared with: August 2026', 'Generated:'])
      expect(text).toContain(t);
    expect(text).toMatch(/Page 1 of \d+/);
    expect(text).toContain('no data for 3 of 30 days');
    expect(text).toContain(M.gmvTotal.name); // definitions come from the catalogue
    expect(text).toContain(M.gmvTotal.definition.replace(/`/g, '').slice(0, 40));
  });

  test('headline numbers equal the same series queried directly (replicas merged, not doubled)', async () => {
    // Counters: the value at the month end minus at its start (samples sit on both edges), no extrapolation.
    const at = (expr: string, t: Date) => direct(`sum(max without (instance, pod) (last_over_time(${expr}[1m])))`, t);
    const delta = async (expr: string) => (await at(expr, period.end)) - (await at(expr, period.start));
    const gmv = await delta(`${M.gmvTotal.name}{currency="EUR"}`);
    const orders = await delta(M.ordersTotal.name);
    const ok = await direct(
      `sum(max without (instance, pod) (increase(${M.paymentsTotal.name}{status="succeeded",source="db"}[${range}])))`,
      period.end,
    );
    const settled = await direct(
      `sum(max without (instance, pod) (increase(${M.paymentsTotal.name}{status=~"succeeded|failed",source="db"}[${range}])))`,
      period.end,
    );
    const uptime = await direct(`avg(avg_over_time(probe_success{job="blackbox"}[${range}]))`, period.end);
    expect(numberAfter(text, 'GMV (EUR)')).toBeCloseTo(gmv, 1);
    expect(numberAfter(text, 'Orders')).toBe(Math.round(orders));
    expect(numberAfter(text, 'Payment success rate')).toBeCloseTo(ok / settled, 4);
    expect(numberAfter(text, 'Uptime (blackbox probes)')).toBeCloseTo(uptime, 4);
    // The planted outage (260 min of 30 days) puts uptime under the 99.5 % benchmark.
    expect(uptime).toBeLessThan(0.995);
    expect(text).toMatch(/Uptime \(blackbox probes\)[^\n]*needs/);
  });

  test('insights name the move and its driver, computed from the data', () => {
    const insights = text.slice(text.indexOf('Actionable insights'), text.indexOf('Definitions'));
    expect(insights).toMatch(/Uptime \(blackbox probes\) was 99\.\d\d %, missing the benchmark/);
    expect(insights).toMatch(/reason\s+"not_as_described"/);
  });

  test('pages render to PNG (UPDATE_REPORT_SAMPLE=1 refreshes the README sample from page 1)', async () => {
    mkdirSync(OUTPUT, { recursive: true });
    await run('pdftoppm', ['-png', '-r', '80', pdf, path.join(OUTPUT, 'monthly-2026-09')]);
    const pages = readdirSync(OUTPUT)
      .filter((f) => f.startsWith('monthly-2026-09') && f.endsWith('.png'))
      .sort();
    expect(pages.length).toBeGreaterThanOrEqual(6);
    // The committed README sample is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_REPORT_SAMPLE === '1')
      copyFileSync(path.join(OUTPUT, pages[0]!), path.join(ROOT, 'docs/report-sample-page1.png'));
  }, 60_000);
});

describe('delivery and schedule', () => {
  const silent = pino({ level: 'silent' });

  test('daily summary and monthly report are emailed with their attachments', async () => {
    const cfg = config({ output_dir: path.join(work, 'mail-out') });
    const send = smtpSender(cfg.smtp!);
    const before = mails.length;
    const period = monthlyPeriod('2026-09', 'UTC');
    await send(await renderReport(new PrometheusClient({ url: prom.url }), cfg, period), ['ceo@example.com']);
    await send(await renderReport(new PrometheusClient({ url: prom.url }), cfg, dailyPeriod('2026-09-20', 'UTC')), ['ops@example.com']);
    expect(mails.length).toBe(before + 2);
    const [monthly, daily] = mails.slice(before);
    expect(monthly!.to).toEqual(['ceo@example.com']);
    expect(monthly!.raw).toContain('filename=marketplace-monthly-2026-09.pdf');
    expect(monthly!.raw).toContain('filename=marketplace-monthly-2026-09-daily.csv');
    expect(daily!.raw).toContain('filename=marketplace-daily-2026-09-20-summary.csv');
    // Quoted-printable: join soft line breaks, decode =XX.
    const body = daily!.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    expect(daily!.raw).toMatch(/^Subject: /m);
    expect(body).toContain('Marketplace Pulse daily summary');
    expect(body).toContain('Sunday 20 September 2026');
    expect(body).toContain('the same day last week');
    expect(body).toContain('Payment success rate');
    expect(body).toContain('https://grafana.example.com/d/mp-executive?from=1789862400000&to=1789948800000');
  }, 240_000);

  test('fires at local times in the configured zone, once per period across a restart; Prometheus down is retried', async () => {
    // Prometheus is down while the schedule fires: reports fail, are counted, and stay pending.
    await prom.stop();
    const tz = 'America/New_York';
    const cfg = config({
      time_zone: tz,
      schedules: { monthly: '0 7 1 * *', daily: '0 8 * * *' },
      state_dir: path.join(work, 'sched-state'),
      output_dir: path.join(work, 'sched-out'),
    });
    const events: SchedulerEvent[] = [];
    const metrics = new ReportMetrics();
    const make = (m: ReportMetrics) => {
      const s = new ReportScheduler({
        config: cfg,
        prom: new PrometheusClient({ url: prom.url, timeoutSeconds: 5 }),
        state: new StateFile(cfg.state_dir),
        metrics: m,
        log: silent,
        send: smtpSender(cfg.smtp!),
      });
      s.on((e) => events.push(e));
      return s;
    };
    jest.useFakeTimers({ now: new Date('2026-09-30T11:30:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const first = make(metrics);
    try {
      first.start();
      // 30 Sep 11:30Z → 2 Oct 00:00Z: daily at 08:00 EDT (12:00Z) twice, monthly at 07:00 EDT on 1 Oct (11:00Z).
      for (let i = 0; i < 37 * 4; i++) await jest.advanceTimersByTimeAsync(15 * 60_000);
      await first.runPending();
    } finally {
      await first.stop();
      jest.useRealTimers();
    }
    const ticks = events.filter((e): e is Extract<SchedulerEvent, { event: 'tick' }> => e.event === 'tick');
    expect(ticks.map((t) => [t.type, t.at.toISOString(), t.period])).toEqual([
      ['daily', '2026-09-30T12:00:00.000Z', '2026-09-29'],
      ['monthly', '2026-10-01T11:00:00.000Z', '2026-09'],
      ['daily', '2026-10-01T12:00:00.000Z', '2026-09-30'],
    ]);
    expect(events.some((e) => e.event === 'delivered')).toBe(false);
    expect(await metrics.failuresOf('monthly')).toBeGreaterThanOrEqual(1);
    expect(await metrics.failuresOf('daily')).toBeGreaterThanOrEqual(2);
    expect(await metrics.registry.metrics()).toContain(`${M.reportFailuresTotal.name}{report="monthly"}`);

    // Prometheus is back on the same port; a restarted scheduler delivers each pending period once.
    prom = await startPrometheus(tsdb, { port: prom.port });
    const sentBefore = mails.length;
    const second = make(new ReportMetrics());
    await second.runPending();
    const delivered = events
      .filter((e) => e.event === 'delivered')
      .map((e) => `${e.type}:${e.period}`)
      .sort();
    // August's tick (1 Sep 07:00) came before the first start: caught up at start-up.
    expect(delivered).toEqual(['daily:2026-09-29', 'daily:2026-09-30', 'monthly:2026-08', 'monthly:2026-09']);
    expect(mails.length - sentBefore).toBe(4);
    // Another restart and the same ticks again: nothing is sent twice.
    const third = make(new ReportMetrics());
    await third.tick('monthly', new Date('2026-10-01T11:00:00Z'));
    await third.tick('daily', new Date('2026-10-01T12:00:00Z'));
    expect(mails.length - sentBefore).toBe(4);
    await second.stop();
    await third.stop();
  }, 300_000);
});
