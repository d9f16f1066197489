/**
 * Runs reports on their node-cron schedules in the configured time zone. A tick marks the last
 * complete period as pending (in the state file); pending periods are rendered and sent until one
 * succeeds, then recorded as delivered, so a period goes out exactly once across restarts and a
 * failure is retried (every `retry_interval` and on every tick) rather than dropped.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../shared/logger';
import type { ReportsConfig } from './config';
import type { Sender } from './mailer';
import type { ReportMetrics } from './metrics';
import { lastCompletePeriod, periodFor, REPORT_TYPES, type ReportType } from './periods';
import type { PrometheusClient } from './prometheus-client';
import { renderReport, type RenderedReport } from './render';
import type { StateFile } from './state';

export interface SchedulerDeps {
  config: ReportsConfig;
  prom: PrometheusClient;
  state: StateFile;
  metrics: ReportMetrics;
  log: Logger;
  /** Undefined: reports are written to the output folder only. */
  send?: Sender;
  now?: () => Date;
}

export type SchedulerEvent =
  | { event: 'tick'; type: ReportType; at: Date; period: string }
  | { event: 'delivered'; type: ReportType; period: string; report: RenderedReport }
  | { event: 'failed'; type: ReportType; period: string; error: Error };

/** Longest gap scanned for a missed tick at start-up (a monthly report fires within days of period end). */
const CATCH_UP_MINUTES = 32 * 24 * 60;

export class ReportScheduler {
  private tasks: ScheduledTask[] = [];
  private retryTimer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private readonly listeners: ((e: SchedulerEvent) => void)[] = [];
  private readonly now: () => Date;

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  on(listener: (e: SchedulerEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(e: SchedulerEvent): void {
    for (const l of this.listeners) l(e);
  }

  scheduledTypes(): ReportType[] {
    return REPORT_TYPES.filter((t) => this.deps.config.schedules[t]);
  }

  start(): void {
    const tz = this.deps.config.time_zone;
    for (const type of this.scheduledTypes()) {
      const task = cron.schedule(this.deps.config.schedules[type]!, (ctx) => this.tick(type, ctx.date), {
        timezone: tz,
        name: `report-${type}`,
        noOverlap: true,
      });
      this.tasks.push(task);
      this.catchUp(type, task);
    }
    this.retryTimer = setInterval(() => void this.runPending(), this.deps.config.retry_interval * 1000);
    this.retryTimer.unref?.();
    void this.runPending();
  }

  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks = [];
    if (this.retryTimer) clearInterval(this.retryTimer);
    await this.chain;
  }

  /** Next fire times per report kind (for logs and the landing line). */
  nextRuns(): Partial<Record<ReportType, Date | null>> {
    return Object.fromEntries(this.scheduledTypes().map((t, i) => [t, this.tasks[i]?.getNextRun() ?? null]));
  }

  /** A schedule fired: the last complete period as of `at` becomes due. */
  tick(type: ReportType, at: Date): Promise<void> {
    const period = lastCompletePeriod(type, at, this.deps.config.time_zone);
    this.emit({ event: 'tick', type, at, period: period.key });
    this.deps.state.addPending(type, period.key);
    return this.runPending();
  }

  /** If a tick for the last complete period fired while the scheduler was down, that period is due. */
  private catchUp(type: ReportType, task: ScheduledTask): void {
    const now = this.now();
    const period = lastCompletePeriod(type, now, this.deps.config.time_zone);
    if (this.deps.state.isDelivered(type, period.key)) return;
    const firstMinute = Math.ceil(period.end.getTime() / 60_000);
    const lastMinute = Math.min(Math.floor(now.getTime() / 60_000), firstMinute + CATCH_UP_MINUTES);
    for (let m = firstMinute; m <= lastMinute; m++) {
      if (task.match(new Date(m * 60_000))) {
        this.deps.log.info({ report: type, period: period.key }, 'report tick missed while stopped: catching up');
        this.deps.state.addPending(type, period.key);
        return;
      }
    }
  }

  /** Runs every pending period, one at a time (ticks and retries never overlap). */
  runPending(): Promise<void> {
    this.chain = this.chain.then(async () => {
      for (const type of REPORT_TYPES) for (const key of this.deps.state.pending(type)) await this.runOne(type, key);
    });
    return this.chain;
  }

  private async runOne(type: ReportType, key: string): Promise<void> {
    const { config, log, metrics, state } = this.deps;
    if (state.isDelivered(type, key)) return;
    try {
      const period = periodFor(type, key, config.time_zone);
      const report = await renderReport(this.deps.prom, config, period, { now: this.now() });
      const to = config.recipients[type];
      if (this.deps.send && to.length) await this.deps.send(report, to);
      state.markDelivered(type, key);
      metrics.succeeded(type, this.now());
      log.info({ report: type, period: key, files: report.files.map((f) => f.path), recipients: to.length }, 'report delivered');
      this.emit({ event: 'delivered', type, period: key, report });
    } catch (e) {
      const error = e as Error;
      metrics.failed(type);
      log.error(
        { report: type, period: key, err: { type: error.name, message: error.message } },
        'report failed; it stays pending and is retried',
      );
      this.emit({ event: 'failed', type, period: key, error });
    }
  }
}
