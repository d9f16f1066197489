/**
 * On-demand rendering: `npm run report -- --type monthly --period 2026-10` (daily: --date
 * 2026-10-05, weekly: --week 2026-W41). Writes to the output folder; sends only with --send.
 */
import { createLogger } from '../shared/logger';
import { loadReportsConfig, parseReportsConfig } from './config';
import { smtpSender } from './mailer';
import { periodFor, type ReportType } from './periods';
import { PrometheusClient } from './prometheus-client';
import { renderReport } from './render';
import { runSellersCli } from './sellers/cli';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function runCli(argv: string[]): Promise<string[]> {
  if (arg(argv, 'type') === 'sellers' || arg(argv, 'type') === 'accounting') return runSellersCli(argv);
  const type = arg(argv, 'type') as ReportType | undefined;
  const key =
    type === 'monthly' ? arg(argv, 'period') : type === 'weekly' ? arg(argv, 'week') : type === 'daily' ? arg(argv, 'date') : undefined;
  if (!type || !key) {
    throw new Error(
      'usage: npm run report -- --type monthly --period 2026-10 | --type weekly --week 2026-W41 | --type daily --date 2026-10-05 | --type sellers --period 2026-10 | --type accounting --period 2026-10 [--config file] [--prometheus url] [--database-url url] [--out dir] [--send]',
    );
  }
  const file = arg(argv, 'config') ?? process.env.REPORTS_CONFIG;
  const config = file
    ? loadReportsConfig(file)
    : parseReportsConfig({
        prometheus: { url: arg(argv, 'prometheus') ?? 'http://127.0.0.1:9090' },
        grafana: { url: arg(argv, 'grafana') ?? 'http://127.0.0.1:3000' },
      });
  const out = arg(argv, 'out');
  const effective = out ? { ...config, output_dir: out } : config;
  const period = periodFor(type, key, effective.time_zone);
  const report = await renderReport(
    new PrometheusClient({ url: effective.prometheus.url, timeoutSeconds: effective.prometheus.timeout }),
    effective,
    period,
  );
  if (argv.includes('--send')) {
    if (!effective.smtp) throw new Error('--send needs an smtp section in the reports config');
    await smtpSender(effective.smtp)(report, effective.recipients[type]);
  }
  createLogger(effective.log_level).info({ report: type, period: key, files: report.files.map((f) => f.path) }, 'report written');
  return report.files.map((f) => f.path);
}
