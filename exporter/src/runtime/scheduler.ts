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
  /**
   * What the collector's numbers depend on besides its schedule: a reload keeps the running instance
   * (state, schedule) when the new config gives the same key.
   */
  key?: string;
  /** Its counter states (IncrementalState), each able to write itself to collection.state_dir. */
  counters?: readonly { save(): void }[];
  /** Writes every persisted state of the collector now (counters and window facts); set by the app. */
  saveState?: () => void;
}

/** Everything a reload may change at once. */
export interface SchedulerConfig {
  entries: readonly ScheduledCollector[];
  config: Config;
  pool: pg.Pool | null;
}

/** A collector instance with the pool it reads through (an instance keeps its pool until retired). */
interface Slot {
  entry: ScheduledCollector;
  pool: pg.Pool | null;
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

function newStatus(e: ScheduledCollector): CollectorStatus {
  return {
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
  };
}

/**
 * A reload (`reconfigure`) keeps every collector whose key did not change: same instance, state,
 * status and timer. A changed collector gets a new instance that runs beside the old one, unpublished,
 * until its first successful cycle; then its samples replace the old instance's in one step and the
 * old one is retired. So a reload never empties a series and readiness, once reached, stays.
 */
export class Scheduler {
  private readonly statuses = new Map<string, CollectorStatus>();
  /** Published instances, by collector name. */
  private readonly active = new Map<string, Slot>();
  /** New instances of changed collectors, waiting for their first success; their own status drives retries. */
  private readonly pending = new Map<string, { slot: Slot; status: CollectorStatus }>();
  private readonly timers = new Map<ScheduledCollector, NodeJS.Timeout>();
  private readonly inflight = new Map<ScheduledCollector, { ctrl: AbortController; done: Promise<void> }>();
  private stopped = false;
  private started = false;
  private wasReady = false;
  private readyWaiters: (() => void)[] = [];
  private staleTimer?: NodeJS.Timeout;
  private pool: pg.Pool | null;
  private config: Config;

  constructor(
    entries: readonly ScheduledCollector[],
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
    this.pool = deps.pool;
    this.config = deps.config;
    for (const e of entries) {
      this.active.set(e.collector.name, { entry: e, pool: this.pool });
      this.statuses.set(e.collector.name, newStatus(e));
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private jitter(): number {
    const jitter = this.config.collection.start_jitter;
    return jitter > 0 ? (this.deps.random ?? Math.random)() * jitter : 0;
  }

  start(): void {
    this.started = true;
    for (const { entry } of this.active.values()) this.schedule(entry, this.jitter());
    this.publishSelf();
    // Staleness is also checked on every scrape; this timer covers an exporter nobody scrapes.
    this.staleTimer = setInterval(() => this.sweepStale(), 5_000);
    this.staleTimer.unref();
  }

  /**
   * Applies a reloaded configuration (see the class comment). Collectors the new config no longer
   * enables are stopped and their series dropped; new ones start at once.
   */
  reconfigure(next: SchedulerConfig): void {
    if (this.stopped) return;
    this.config = next.config;
    this.pool = next.pool;
    const names = new Set(next.entries.map((e) => e.collector.name));
    for (const [name, slot] of [...this.active]) {
      if (names.has(name)) continue;
      this.active.delete(name);
      this.retire(slot);
      this.deps.store.drop(name);
      this.statuses.delete(name);
    }
    for (const [name, p] of [...this.pending]) {
      if (names.has(name)) continue;
      this.pending.delete(name);
      this.retire(p.slot);
    }
    for (const e of next.entries) {
      const name = e.collector.name;
      const current = this.active.get(name);
      const waiting = this.pending.get(name);
      if (current && current.entry.key !== undefined && current.entry.key === e.key) {
        // Same behaviour: keep the instance and its timer; the new schedule applies from its next cycle.
        current.entry.interval = e.interval;
        current.entry.timeout = e.timeout;
        const st = this.statuses.get(name)!;
        st.interval = e.interval;
        st.timeout = e.timeout;
        if (waiting) {
          this.pending.delete(name);
          this.retire(waiting.slot);
        }
        continue;
      }
      if (waiting) {
        this.pending.delete(name);
        this.retire(waiting.slot);
      }
      const slot = { entry: e, pool: this.pool };
      if (!current) {
        this.active.set(name, slot);
        this.statuses.set(name, newStatus(e));
        if (this.started) this.schedule(e, this.jitter());
        continue;
      }
      this.pending.set(name, { slot, status: newStatus(e) });
      // Runs at once: the sooner it succeeds, the sooner the new settings show.
      if (this.started) this.schedule(e, 0);
    }
    this.publishSelf();
  }

  /** Stops an instance for good: no more cycles; an in-flight one is aborted and its result ignored. */
  private retire(slot: Slot): void {
    const e = slot.entry;
    clearTimeout(this.timers.get(e));
    this.timers.delete(e);
    const running = this.inflight.get(e);
    running?.ctrl.abort(new TimeoutError('collector replaced by a reload'));
    const pool = slot.pool;
    if (pool && pool !== this.pool && !this.usesPool(pool)) {
      void (running?.done ?? Promise.resolve()).then(() => pool.end()).catch(() => undefined);
    }
  }

  private usesPool(pool: pg.Pool): boolean {
    for (const s of this.active.values()) if (s.pool === pool) return true;
    for (const p of this.pending.values()) if (p.slot.pool === pool) return true;
    return false;
  }

  private schedule(e: ScheduledCollector, delaySeconds: number): void {
    // A cycle run directly (runOnce from a benchmark) must not leave the pending one unreachable.
    clearTimeout(this.timers.get(e));
    if (this.stopped) return;
    const t = setTimeout(() => void this.runOnce(e), Math.max(0, delaySeconds * 1000));
    this.timers.set(e, t);
  }

  /** The slot `e` runs in and the status driving it, or null when `e` was retired. */
  private roleOf(e: ScheduledCollector): { slot: Slot; status: CollectorStatus; shadow: boolean } | null {
    const name = e.collector.name;
    const a = this.active.get(name);
    if (a?.entry === e) return { slot: a, status: this.statuses.get(name)!, shadow: false };
    const p = this.pending.get(name);
    if (p?.slot.entry === e) return { slot: p.slot, status: p.status, shadow: true };
    return null;
  }

  /** One cycle of one collector; never throws. Exposed for tests and for the benchmark. */
  async runOnce(e: ScheduledCollector): Promise<void> {
    const name = e.collector.name;
    const role = this.roleOf(e);
    if (!role || role.status.running || this.stopped) return;
    const { status, slot } = role;
    status.running = true;
    const ctrl = new AbortController();
    const deadline = setTimeout(() => ctrl.abort(new TimeoutError(`timeout after ${e.timeout}s`)), e.timeout * 1000);
    const started = this.now();
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    this.inflight.set(e, { ctrl, done });
    try {
      const samples = await this.collect(e.collector, slot.pool, e.timeout, ctrl.signal);
      if (ctrl.signal.aborted) throw new TimeoutError(`timeout after ${e.timeout}s`);
      // Retired while collecting (a reload replaced or removed it): its result is not published.
      const now = this.roleOf(e);
      if (!now) return;
      const visible = this.statuses.get(name)!;
      if (now.shadow) this.promote(name, now.slot, visible);
      const { dropped } = this.deps.store.replace(name, samples);
      for (const [metric, n] of dropped) visible.seriesDropped[metric] = (visible.seriesDropped[metric] ?? 0) + n;
      // Rows a collector cut off before building samples (custom SQL reads at most the series cap).
      for (const [metric, n] of Object.entries((samples as CappedSamples).droppedSeries ?? {}))
        visible.seriesDropped[metric] = (visible.seriesDropped[metric] ?? 0) + n;
      for (const st of new Set([status, visible])) {
        st.up = true;
        st.stale = false;
        st.lastSuccess = this.now();
        st.lastError = null;
        st.consecutiveFailures = 0;
      }
    } catch (err) {
      const kind = ctrl.signal.aborted ? 'timeout' : errorKind(err);
      status.up = false;
      status.errors[kind] = (status.errors[kind] ?? 0) + 1;
      status.consecutiveFailures += 1;
      // A new instance waiting for its first success: the old one still serves, so the collector is
      // not down, but the error is counted where it is published.
      const visible = this.statuses.get(name);
      if (role.shadow && visible) visible.errors[kind] = (visible.errors[kind] ?? 0) + 1;
      // Public pages show only the prefix (kind + SQLSTATE); the message may hold names and data values.
      const code = (err as { code?: unknown })?.code;
      const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
      status.lastError = `${kind}${sqlstate}: ${(err as Error)?.message ?? String(err)}`.slice(0, 300);
      if (this.roleOf(e))
        this.deps.log.warn(
          {
            collector: name,
            kind,
            err: (err as Error)?.message,
            failures: status.consecutiveFailures,
            ...(role.shadow ? { reloaded: true } : {}),
          },
          role.shadow ? 'reloaded collector cycle failed; the previous instance keeps serving' : 'collector cycle failed',
        );
    } finally {
      clearTimeout(deadline);
      status.running = false;
      status.attempted = true;
      status.lastDuration = (this.now() - started) / 1000;
      this.inflight.delete(e);
      resolveDone();
      const after = this.roleOf(e);
      if (after) {
        this.sweepStale();
        this.publishSelf();
        this.checkReady();
        this.schedule(e, this.nextDelay(e, after.status));
      }
    }
  }

  /** A changed collector's first success: it takes the old instance's place, status and counters kept. */
  private promote(name: string, slot: Slot, visible: CollectorStatus): void {
    const old = this.active.get(name)!;
    this.pending.delete(name);
    this.active.set(name, slot);
    visible.interval = slot.entry.interval;
    visible.timeout = slot.entry.timeout;
    visible.running = false;
    this.retire(old);
    this.deps.log.info({ collector: name }, 'reloaded collector took over');
  }

  private async collect(collector: Collector, pool: pg.Pool | null, timeout: number, signal: AbortSignal): Promise<Sample[]> {
    const { log } = this.deps;
    const config = this.config;
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
    const { retry_backoff_initial: initial, retry_backoff_max: max } = this.config.collection;
    return Math.min(e.interval, max, initial * 2 ** (s.consecutiveFailures - 1));
  }

  /** Drops the series of collectors whose last success is older than max_staleness. */
  sweepStale(): void {
    const maxAge = this.config.collection.max_staleness * 1000;
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

  /** Collectors whose reloaded instance has not yet succeeded (the previous one still serves). */
  pendingReloads(): string[] {
    return [...this.pending.keys()];
  }

  /** Every collector finished a cycle; once true it stays true (a collector added by a reload does not un-ready). */
  isReady(): boolean {
    if (this.wasReady) return true;
    for (const s of this.statuses.values()) if (!s.attempted) return false;
    this.wasReady = true;
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
   * Writes every collector's persisted state (counter totals, window facts) now; used at shutdown,
   * after the last cycle ended. A new instance still waiting for its first success is written last:
   * it was built from the newest config, which is the one a restart reads.
   */
  saveState(): void {
    const slots = [...this.active.values(), ...[...this.pending.values()].map((p) => p.slot)];
    for (const { entry } of slots) entry.saveState?.();
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
