/**
 * Runs every enabled collector on its own schedule, isolated from the others and from scrapes.
 * A failure marks the collector down, counts the error, and retries sooner with backoff; its last
 * good series stay published until max_staleness, then are dropped.
 */
import type pg from 'pg';
import { ERROR_KINDS, M } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Collector } from '../collectors/types';
import type { CappedSamples, Sample } from '../metrics/sample';
import type { MetricStore } from '../metrics/store';
import { errorKind, sessionLimits, TimeoutError, withReadOnly, type Db } from './db';
import type { Logger } from './logger';

export interface CollectorStatus {
  name: string;
  interval: number;
  timeout: number;
  /** Finished at least one cycle (successfully or not). */
  attempted: boolean;
  up: boolean;
  stale: boolean;
  running: boolean;
  lastSuccess: number | null;
  lastDuration: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  errors: Record<string, number>;
  seriesDropped: Record<string, number>;
}

export interface ScheduledCollector {
  collector: Collector;
  interval: number;
  timeout: number;
}

export const RUNTIME_OWNER = '__runtime__';

const noDatabase: Db = {
  query() {
    return Promise.reject(new Error('this collector does not use the database'));
  },
};

/** Settles with `work`, or rejects as soon as `signal` aborts (the work's late result is ignored). */
export function raceDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason ?? new TimeoutError('collection aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new TimeoutError('collection aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export class Scheduler {
  private readonly statuses = new Map<string, CollectorStatus>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Map<string, { ctrl: AbortController; done: Promise<void> }>();
  private stopped = false;
  private readyWaiters: (() => void)[] = [];
  private staleTimer?: NodeJS.Timeout;

  constructor(
    private readonly entries: readonly ScheduledCollector[],
    private readonly deps: {
      config: Config;
      store: MetricStore;
      pool: pg.Pool | null;
      log: Logger;
      version: string;
      random?: () => number;
      now?: () => number;
    },
  ) {
    for (const e of entries) {
      this.statuses.set(e.collector.name, {
        name: e.collector.name,
        interval: e.interval,
        timeout: e.timeout,
        attempted: false,
        up: false,
        stale: false,
        running: false,
        lastSuccess: null,
        lastDuration: null,
        lastError: null,
        consecutiveFailures: 0,
        errors: {},
        seriesDropped: {},
      });
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    const jitter = this.deps.config.collection.start_jitter;
    const rnd = this.deps.random ?? Math.random;
    for (const e of this.entries) this.schedule(e, jitter > 0 ? rnd() * jitter : 0);
    this.publishSelf();
    // Staleness is also checked on every scrape; this timer covers an exporter nobody scrapes.
    this.staleTimer = setInterval(() => this.sweepStale(), 5_000);
    this.staleTimer.unref();
  }

  private schedule(e: ScheduledCollector, delaySeconds: number): void {
    // A cycle run directly (runOnce from a benchmark) must not leave the pending one unreachable.
    clearTimeout(this.timers.get(e.collector.name));
    if (this.stopped) return;
    const t = setTimeout(() => void this.runOnce(e), Math.max(0, delaySeconds * 1000));
    this.timers.set(e.collector.name, t);
  }

  /** One cycle of one collector; never throws. Exposed for tests and for the benchmark. */
  async runOnce(e: ScheduledCollector): Promise<void> {
    const name = e.collector.name;
    const status = this.statuses.get(name)!;
    if (status.running || this.stopped) return;
    status.running = true;
    const ctrl = new AbortController();
    const deadline = setTimeout(() => ctrl.abort(new TimeoutError(`timeout after ${e.timeout}s`)), e.timeout * 1000);
    const started = this.now();
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    this.inflight.set(name, { ctrl, done });
    try {
      const samples = await this.collect(e.collector, e.timeout, ctrl.signal);
      if (ctrl.signal.aborted) throw new TimeoutError(`timeout after ${e.timeout}s`);
      const { dropped } = this.deps.store.replace(name, samples);
      for (const [metric, n] of dropped) status.seriesDropped[metric] = (status.seriesDropped[metric] ?? 0) + n;
      // Rows a collector cut off before building samples (custom SQL reads at most the series cap).
      for (const [metric, n] of Object.entries((samples as CappedSamples).droppedSeries ?? {}))
        status.seriesDropped[metric] = (status.seriesDropped[metric] ?? 0) + n;
      status.up = true;
      status.stale = false;
      status.lastSuccess = this.now();
      status.lastError = null;
      status.consecutiveFailures = 0;
    } catch (err) {
      const kind = ctrl.signal.aborted ? 'timeout' : errorKind(err);
      status.up = false;
      status.errors[kind] = (status.errors[kind] ?? 0) + 1;
      status.consecutiveFailures += 1;
      // Public pages show only the prefix (kind + SQLSTATE); the message may hold names and data values.
      const code = (err as { code?: unknown })?.code;
      const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
      status.lastError = `${kind}${sqlstate}: ${(err as Error)?.message ?? String(err)}`.slice(0, 300);
      this.deps.log.warn(
        { collector: name, kind, err: (err as Error)?.message, failures: status.consecutiveFailures },
        'collector cycle failed',
      );
    } finally {
      clearTimeout(deadline);
      status.running = false;
      status.attempted = true;
      status.lastDuration = (this.now() - started) / 1000;
      this.inflight.delete(name);
      resolveDone();
      this.sweepStale();
      this.publishSelf();
      this.checkReady();
      this.schedule(e, this.nextDelay(e, status));
    }
  }

  private async collect(collector: Collector, timeout: number, signal: AbortSignal): Promise<Sample[]> {
    const { config, log, pool } = this.deps;
    const ctxBase = { config, log: log.child({ collector: collector.name }), signal };
    // A collector that ignores its signal (a hung socket, a sleep without the signal) is raced against
    // its deadline, so the cycle still ends on time. Database cycles end through withReadOnly, which on
    // abort destroys the connection and cancels the backend before settling (shutdown relies on that).
    // Remote calls first, so no transaction stays open across them (Collector.prefetch).
    if (collector.prefetch) await raceDeadline(collector.prefetch(ctxBase), signal);
    if (!collector.usesDatabase) return raceDeadline(collector.collect({ ...ctxBase, db: noDatabase }), signal);
    if (!pool) throw new Error('no database configured');
    return withReadOnly(pool, timeout, signal, (db) => collector.collect({ ...ctxBase, db }), sessionLimits(config));
  }

  /** After a failure retry sooner than the interval, doubling up to retry_backoff_max. */
  private nextDelay(e: ScheduledCollector, s: CollectorStatus): number {
    if (s.consecutiveFailures === 0) return e.interval;
    const { retry_backoff_initial: initial, retry_backoff_max: max } = this.deps.config.collection;
    return Math.min(e.interval, max, initial * 2 ** (s.consecutiveFailures - 1));
  }

  /** Drops the series of collectors whose last success is older than max_staleness. */
  sweepStale(): void {
    const maxAge = this.deps.config.collection.max_staleness * 1000;
    const now = this.now();
    let changed = false;
    for (const s of this.statuses.values()) {
      if (s.stale || s.up || s.lastSuccess === null) continue;
      if (now - s.lastSuccess > maxAge) {
        this.deps.store.drop(s.name);
        s.stale = true;
        changed = true;
        this.deps.log.warn(
          { collector: s.name, last_success: new Date(s.lastSuccess).toISOString() },
          'collector data stale: series dropped',
        );
      }
    }
    if (changed) this.publishSelf();
  }

  /** Self-metrics are samples like any other, owned by the runtime. */
  private publishSelf(): void {
    const out: Sample[] = [{ metric: M.buildInfo, labels: { version: this.deps.version, nodejs: process.version }, value: 1 }];
    const dropped = new Map<string, number>();
    for (const s of this.statuses.values()) {
      const labels = { collector: s.name };
      out.push({ metric: M.collectorUp, labels, value: s.up ? 1 : 0 });
      out.push({ metric: M.collectorStale, labels, value: s.stale ? 1 : 0 });
      out.push({ metric: M.collectorLastSuccessTimestampSeconds, labels, value: s.lastSuccess === null ? 0 : s.lastSuccess / 1000 });
      if (s.lastDuration !== null) out.push({ metric: M.collectorDurationSeconds, labels, value: s.lastDuration });
      for (const kind of ERROR_KINDS) {
        out.push({ metric: M.collectorErrorsTotal, labels: { collector: s.name, kind }, value: s.errors[kind] ?? 0 });
      }
      for (const [metric, n] of Object.entries(s.seriesDropped)) dropped.set(metric, (dropped.get(metric) ?? 0) + n);
    }
    for (const [metric, n] of dropped) out.push({ metric: M.seriesDroppedTotal, labels: { metric }, value: n });
    this.deps.store.replace(RUNTIME_OWNER, out, false);
  }

  private checkReady(): void {
    if (!this.isReady()) return;
    for (const w of this.readyWaiters.splice(0)) w();
  }

  isReady(): boolean {
    for (const s of this.statuses.values()) if (!s.attempted) return false;
    return true;
  }

  ready(): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  status(): CollectorStatus[] {
    return [...this.statuses.values()].map((s) => ({ ...s, errors: { ...s.errors }, seriesDropped: { ...s.seriesDropped } }));
  }

  /**
   * Stops scheduling; in-flight cycles get `graceMs` to finish, then are aborted (their connection
   * is destroyed, which cancels the query server-side).
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.staleTimer) clearInterval(this.staleTimer);
    const pending = [...this.inflight.values()];
    if (!pending.length) return;
    const all = Promise.all(pending.map((p) => p.done));
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([all, timer])) === 'timeout') {
      for (const p of pending) p.ctrl.abort(new TimeoutError('exporter shutting down'));
      await Promise.race([all, new Promise((r) => setTimeout(r, 1_000).unref())]);
    }
  }
}
