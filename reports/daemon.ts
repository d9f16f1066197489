/** The report daemon (`npm run reports`): schedules, self-metrics, graceful shutdown. */
import { createLogger, type Logger } from '../shared/logger';
import { loadReportsConfig, type ReportsConfig } from './config';
import { smtpSender } from './mailer';
import { ReportMetrics } from './metrics';
import { PrometheusClient } from './prometheus-client';
import { ReportScheduler } from './scheduler';
import { StateFile } from './state';

export interface RunningReports {
  scheduler: ReportScheduler;
  metrics: ReportMetrics;
  metricsPort: number;
  stop(): Promise<void>;
}

export async function startReports(
  config: ReportsConfig,
  opts: { log?: Logger; env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Promise<RunningReports> {
  const log = opts.log ?? createLogger(config.log_level);
  const metrics = new ReportMetrics();
  const scheduler = new ReportScheduler({
    config,
    prom: new PrometheusClient({ url: config.prometheus.url, timeoutSeconds: config.prometheus.timeout }),
    state: new StateFile(config.state_dir),
    metrics,
    log,
    send: config.smtp ? smtpSender(config.smtp, opts.env) : undefined,
    now: opts.now,
  });
  const server = await metrics.listen(config.listen.address, config.listen.port);
  scheduler.start();
  log.info(
    { schedules: config.schedules, timeZone: config.time_zone, nextRuns: scheduler.nextRuns(), metricsPort: server.port },
    'report scheduler started',
  );
  return {
    scheduler,
    metrics,
    metricsPort: server.port,
    async stop() {
      await scheduler.stop();
      await server.close();
    },
  };
}

export async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--config');
  const file = i >= 0 ? argv[i + 1] : process.env.REPORTS_CONFIG;
  if (!file) throw new Error('usage: npm run reports -- --config reports/config.yml (or REPORTS_CONFIG)');
  const running = await startReports(loadReportsConfig(file));
  const shutdown = () => void running.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
