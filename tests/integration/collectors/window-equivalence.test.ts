/**
 * Every window collector kept as a continuous aggregate equals the full-window SQL it replaced
 * (tests/support/reference/) after randomized histories: inserts, late commits inside settle_lag,
 * updates inside mutable_horizon, clock moves across hour, day, ISO-week and exact 1d/7d/30d edges,
 * a restart from the persisted state, reloads that keep or swap the instance, restarts from truncated
 * and corrupt state files, its state handed to another database, and a change older than
 * mutable_horizon (drift, then fixed by the full refresh). The collector runs as the exporter runs
 * it: built by the app's buildRuntime, cycled by its Scheduler into the MetricStore scrapes read, and
 * reloaded through the app's reloadRuntime. The clock is pinned in the database. Revenue runs twice:
 * alone (its own copy of the signed-in sessions) and beside active_users (the one store they share,
 * advanced by whichever runs first; active_users' series compared too). The open bug reports, a running
 * count per severity rather than a window, go through the same history against their whole count.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { M } from '../../../shared/catalogue';
import type { Collector, CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import * as ref from '../../support/reference';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { collectOnce, testConfig } from '../../support/collect';
import { pinClock, type PinnedClock } from '../../support/pinned-clock';
import { labelKey } from '../../../exporter/src/metrics/labels';
import { buildRuntime, reloadRuntime, type Runtime } from '../../../exporter/src/app';
import {
  WINDOW_STATE_FORMAT,
  type WindowFacts,
  windowStateFile,
  windowStateHeaderSchema,
} from '../../../exporter/src/collectors/window-facts';
import { readBinaryStateFile } from '../../../exporter/src/runtime/durable-file';
import { COLLECTOR_DEFAULTS, type CollectorName } from '../../../exporter/src/collectors';
import type { Config } from '../../../exporter/src/config/load';
import { MetricStore } from '../../../exporter/src/metrics/store';
import { createLogger } from '../../../exporter/src/runtime/logger';
import type { CollectorStatus, Scheduler, ScheduledCollector } from '../../../exporter/src/runtime/scheduler';
import { mulberry32 } from '../../../exporter/src/demo/random';
import { setFactSearchReach } from '../../../exporter/src/collectors/window-facts';

const SETTLE = 120;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let stateDir = '';
let config = testConfig();

/**
 * The test's configuration with only `name` enabled, on the test database (whose pool, on the pinned
 * clock, the runtime is given and a reload keeps). Its cycles are run by the test after each step,
 * so its interval (a day) never comes round: a timer cycle in the middle of a step's inserts would
 * see rows the next one expects to find new.
 */
/** Collection settings of the pair under test (its variant), under every config the test builds for it. */
let variant: Record<string, unknown> = {};
/** The collector under test, and those enabled beside it (each compared with its own reference too). */
let tested: CollectorName = 'funnel';
let companions: CollectorName[] = [];
/** References of the companions a pair may have. */
const COMPANION_REFERENCES: Partial<Record<CollectorName, CollectorFactory>> = { active_users: ref.activeUsers };

function configFor(name: string, collection: Record<string, unknown> = {}, own: Record<string, unknown> = {}): Config {
  const collectors: Record<string, unknown> = Object.fromEntries(Object.keys(COLLECTOR_DEFAULTS).map((n) => [n, { enabled: false }]));
  for (const c of companions) collectors[c] = { enabled: true, interval: '1d' };
  collectors[name] = { enabled: true, interval: '1d', ...own };
  return testConfig({
    database: { url: tdb.url },
    collection: { settle_lag: SETTLE, mutable_horizon: '6h', full_refresh: '10d', state_dir: stateDir, ...variant, ...collection },
    collectors,
  });
}

/**
 * Rows of the tables a collector reads beyond the shared session workload, from their own random
 * stream (so the session workload, and the collectors tested on it alone, see the same history).
 */
interface Traffic {
  /** `n` units of traffic with event times in (from, to]. */
  between(from: number, to: number, n: number): Promise<void>;
  /** Changes to existing rows at `now` (inside mutable_horizon). */
  updates?(now: number): Promise<void>;
  /** An instant exactly one window after one of its facts, so the window edge is hit. */
  edgeAt?(now: number, windowMs: number): number | null;
}

/** Each window collector (built from the registry, as the exporter builds it) and its reference. */
const PAIRS: {
  name: CollectorName;
  reference: CollectorFactory;
  traffic?: (r: () => number) => Traffic;
  /** A variant's collection settings, and its name in the test's title. */
  collection?: Record<string, unknown>;
  label?: string;
  /** Collectors enabled beside it, cycled with it by turns before and after it. */
  with?: CollectorName[];
  /**
   * Also a step whose clock moves back (clockBack): the linked reads of visitors and active users. Not
   * revenue alone: its extra rows would be history that the next pair's registered-user count, read
   * incrementally, takes as late; nor the store revenue shares with active users, which reads nothing
   * until its clock passes the latest now it was advanced to (./shared-window-facts.ts).
   */
  clockBack?: boolean;
  /** A knob of the collector's own set for the run; returns what undoes it. */
  around?: () => () => void;
}[] = [
  { name: 'funnel', reference: ref.funnel, traffic: (r) => new EarlyStepTraffic(r) },
  {
    name: 'funnel',
    // As for bounce below: the older sessions a cycle's step rows touch, mostly looked up by primary key.
    label: 'funnel (older sessions looked up by primary key)',
    reference: ref.funnel,
    traffic: (r) => new EarlyStepTraffic(r),
    around: () => {
      const reach = setFactSearchReach(0);
      return () => setFactSearchReach(reach);
    },
  },
  { name: 'bounce', reference: ref.bounce },
  {
    name: 'bounce',
    // Only a fact at the very place a search by id lands is found: the older sessions given a view
    // are mostly looked up by primary key instead (the initial history's ids do not follow its times).
    label: 'bounce (older sessions looked up by primary key)',
    reference: ref.bounce,
    around: () => {
      const reach = setFactSearchReach(0);
      return () => setFactSearchReach(reach);
    },
  },
  { name: 'visitors', reference: ref.visitors, clockBack: true },
  { name: 'active_users', reference: ref.activeUsers, clockBack: true },
  { name: 'revenue', reference: ref.revenue, traffic: (r) => new SubscriptionTraffic(r) },
  {
    name: 'revenue',
    label: 'revenue beside active_users (one store of signed-in sessions)',
    with: ['active_users'],
    reference: ref.revenue,
    traffic: (r) => new SubscriptionTraffic(r),
  },
  {
    name: 'carts',
    label: 'carts (by the open tail)',
    collection: { cart_changes: 'open_tail' },
    reference: ref.carts,
  },
  {
    name: 'carts',
    label: 'carts (by updated_at)',
    collection: { cart_changes: 'updated_at' },
    reference: ref.carts,
  },
  { name: 'logins', reference: ref.logins, traffic: (r) => new LoginTraffic(r) },
  {
    name: 'support',
    label: 'support (by the tail check)',
    collection: { ticket_changes: 'tail_check' },
    reference: ref.support,
    traffic: (r) => new SupportTraffic(r),
  },
  {
    name: 'support',
    label: 'support (by updated_at)',
    collection: { ticket_changes: 'updated_at' },
    reference: ref.support,
    traffic: (r) => new SupportTraffic(r),
  },
  {
    name: 'sellers',
    label: 'sellers (by row versions)',
    collection: { seller_changes: 'row_versions' },
    reference: ref.sellers,
    traffic: (r) => new SellerTraffic(r),
  },
  {
    name: 'sellers',
    label: 'sellers (by updated_at)',
    collection: { seller_changes: 'updated_at' },
    reference: ref.sellers,
    traffic: (r) => new SellerTraffic(r),
  },
  { name: 'bug_reports', reference: ref.bugReports, traffic: (r) => new BugTraffic(r) },
  { name: 'retention', reference: ref.retention, traffic: (r) => new SignupTraffic(r) },
  { name: 'cohort_retention', reference: ref.cohortRetention, traffic: (r) => new SignupTraffic(r, 'week') },
];

const SELF = new Set<string>([M.rollupDrift.name, M.rollupStateBytes.name]);
/**
 * Window series only: the families the reference computes (counters and point-in-time gauges kept
 * by the same collector are covered by their own tests).
 */
function windowSeries(samples: Sample[], reference: Collector): Record<string, number> {
  const names = new Set(reference.metrics.map((m) => m.name));
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (SELF.has(s.metric.name) || !names.has(s.metric.name) || s.metric.type !== 'gauge' || !('value' in s)) continue;
    out[`${s.metric.name}{${labelKey(s.labels)}}`] = s.value;
  }
  return out;
}

// Monday 2026-03-02 00:00 UTC minus 90 minutes: the run crosses hours, days and ISO weeks.
const START = Date.UTC(2026, 2, 1, 22, 30);
const CHANNELS = ['direct', 'organic', 'paid', 'tiktok'];
const EVENT_TYPES = ['product_view', 'add_to_cart', 'checkout', 'click'];

let tdb: TestDatabase;
let clock: PinnedClock;
beforeAll(async () => {
  tdb = await createTestDatabase();
  clock = await pinClock(tdb, START);
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'pulse-window-state-'));
  await tdb.pool.query(`INSERT INTO sellers (id, applied_at) VALUES (1, '2025-01-01')`);
});
afterAll(async () => {
  await clock.end();
  await tdb.drop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A random marketplace workload around the pinned time `at` (ms). */
class Workload {
  private sessions: { id: number; at: number }[] = [];
  private payments: number[] = [];
  constructor(private readonly r: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  private ts(ms: number): string {
    return new Date(ms).toISOString();
  }

  private newVisitors = 0;

  /**
   * `n` sessions with children, event times in (from, to]; with `newVisitors` (a prefix no other
   * history of the database uses), each of a visitor never seen.
   */
  async sessionsBetween(from: number, to: number, n: number, newVisitors?: string): Promise<void> {
    const q = (text: string, params: unknown[]) => tdb.pool.query(text, params);
    for (let i = 0; i < n; i++) {
      const at = to - Math.floor(this.r() * (to - from));
      const userId = this.r() < 0.7 ? 1 + Math.floor(this.r() * 30) : null;
      if (userId !== null) await q(`INSERT INTO users (id, created_at) VALUES ($1, '2025-06-01') ON CONFLICT DO NOTHING`, [userId]);
      const visitor = newVisitors ? `${newVisitors}${this.newVisitors++}` : `v${Math.floor(this.r() * 40)}`;
      const { rows } = await q(
        `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES ($1, $2, 'web', $3, $4) RETURNING id`,
        [userId, visitor, this.pick(CHANNELS), this.ts(at)],
      );
      const sid = Number(rows[0].id);
      this.sessions.push({ id: sid, at });
      await this.children(sid, at, to);
    }
  }

  private async children(sid: number, from: number, to: number): Promise<void> {
    const q = (text: string, params: unknown[]) => tdb.pool.query(text, params);
    const within = () => this.ts(Math.min(to, from + Math.floor(this.r() * Math.max(1, to - from))));
    const views = Math.floor(this.r() * 3);
    for (let v = 0; v < views; v++)
      await q(`INSERT INTO page_views (session_id, viewed_at, path, http_status) VALUES ($1, $2, '/', 200)`, [sid, within()]);
    for (let e = 0; e < Math.floor(this.r() * 3); e++)
      await q(`INSERT INTO events (session_id, type, occurred_at) VALUES ($1, $2, $3)`, [sid, this.pick(EVENT_TYPES), within()]);
    if (this.r() < 0.3) {
      const buyer = 1 + Math.floor(this.r() * 30);
      await q(`INSERT INTO users (id, created_at) VALUES ($1, '2025-06-01') ON CONFLICT DO NOTHING`, [buyer]);
      const { rows } = await q(
        `INSERT INTO orders (user_id, seller_id, session_id, category, created_at, status, total_amount, currency)
         VALUES ($1, 1, $2, 'books', $3, 'paid', $4, $5) RETURNING id`,
        [buyer, sid, within(), (Math.floor(this.r() * 10000) / 100).toFixed(2), this.pick(['USD', 'EUR', 'JPY'])],
      );
      const succeeded = this.r() < 0.5;
      const { rows: p } = await q(
        `INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at, succeeded_at)
         VALUES ($1, 'stripe', $2, 1, 'USD', $3, $3, $4) RETURNING id`,
        [rows[0].id, succeeded ? 'succeeded' : 'pending', this.ts(from), succeeded ? this.ts(from) : null],
      );
      if (!succeeded) this.payments.push(Number(p[0].id));
    }
    if (this.r() < 0.3) {
      // Carts through the pinned clock: carts_stamp_write stamps them with the test's now().
      await qc(`INSERT INTO carts (user_id, session_id, created_at, status) VALUES (NULL, $1, $2, 'open')`, [sid, within()]);
    }
  }

  /** Changes to existing rows whose own timestamps are `now`: events on older sessions, payment success, cart status. */
  async updates(now: number): Promise<void> {
    const q = (text: string, params: unknown[]) => tdb.pool.query(text, params);
    const recent = this.sessions.filter((s) => s.at > now - 20 * DAY);
    for (let i = 0; i < 3 && recent.length; i++) {
      const s = this.pick(recent);
      await q(`INSERT INTO events (session_id, type, occurred_at) VALUES ($1, $2, $3)`, [
        s.id,
        this.pick(EVENT_TYPES),
        this.ts(now - Math.floor(this.r() * SETTLE * 1000)),
      ]);
      if (this.r() < 0.4)
        await q(`INSERT INTO page_views (session_id, viewed_at, path, http_status) VALUES ($1, $2, '/', 200)`, [s.id, this.ts(now)]);
    }
    if (this.payments.length && this.r() < 0.6) {
      const id = this.payments.splice(Math.floor(this.r() * this.payments.length), 1)[0]!;
      await q(`UPDATE payments SET status = 'succeeded', succeeded_at = $2, updated_at = $2 WHERE id = $1`, [id, this.ts(now)]);
    }
    // Cart status changes carry no timestamp of their own: they land inside mutable_horizon.
    await qc(
      `UPDATE carts SET status = CASE WHEN id % 2 = 0 THEN 'abandoned' ELSE 'converted' END,
                        abandoned_at = CASE WHEN id % 2 = 0 THEN $1::timestamptz END
        WHERE id IN (SELECT id FROM carts WHERE status = 'open' AND created_at > $1::timestamptz - interval '5 hours' ORDER BY id LIMIT 2)`,
      [this.ts(now)],
    );
  }

  /** Open carts created at or before `before` turn `converted` (a change without a timestamp of its own). */
  async convertCartsBefore(before: number): Promise<void> {
    await qc(`UPDATE carts SET status = 'converted' WHERE status = 'open' AND created_at <= $1`, [this.ts(before)]);
  }

  /** Some session's start exactly one window ago, so the next instant sits on the edge. */
  edgeAt(now: number, windowMs: number): number | null {
    const s = this.sessions.find((x) => x.at + windowMs > now);
    return s ? s.at + windowMs : null;
  }
}

const q = (text: string, params: unknown[]) => tdb.pool.query(text, params);
const iso = (ms: number) => new Date(ms).toISOString();
const user = async (id: number) => q(`INSERT INTO users (id, created_at) VALUES ($1, '2025-06-01') ON CONFLICT DO NOTHING`, [id]);

/** Login attempts of a few accounts (so several cross the failed-login threshold), some of unknown accounts. */
class LoginTraffic implements Traffic {
  private failures: number[] = [];
  constructor(private readonly r: () => number) {}
  async between(from: number, to: number, n: number): Promise<void> {
    for (let i = 0; i < 4 * n; i++) {
      const at = to - Math.floor(this.r() * (to - from));
      const id = this.r() < 0.9 ? 1 + Math.floor(this.r() * 8) : null;
      if (id !== null) await user(id);
      const success = this.r() < 0.3;
      await q(`INSERT INTO login_events (user_id, occurred_at, success, failure_reason) VALUES ($1, $2, $3, $4)`, [
        id,
        iso(at),
        success,
        success ? null : 'bad_password',
      ]);
      if (!success && id !== null) this.failures.push(at);
    }
  }
  edgeAt(now: number, windowMs: number): number | null {
    const t = this.failures.find((x) => x + windowMs > now);
    return t === undefined ? null : t + windowMs;
  }
}

/**
 * Funnel rows dated before their session's start, which a cycle reading only the range's rows must not
 * lose: sessions starting up to two hours after `to` (so after now) whose step events, orders and
 * payment successes are dated in (from, to], read while no window counts the session yet, across cycles,
 * restarts, reloads and full refreshes; and sessions of (from, to] with a step dated before their start,
 * inside the range or, for late commits, in the settle_lag overlap the next cycle re-reads; and steps
 * dated after now, which count at once.
 */
class EarlyStepTraffic implements Traffic {
  constructor(private readonly r: () => number) {}
  async between(from: number, to: number, n: number): Promise<void> {
    await user(1);
    for (let i = 0; i < n; i++) {
      const future = this.r() < 0.5;
      const start = future ? to + 1 + Math.floor(this.r() * 2 * HOUR) : to - Math.floor(this.r() * (to - from));
      const { rows } = await q(`INSERT INTO sessions (visitor_id, platform, channel, started_at) VALUES ($1, 'web', $2, $3) RETURNING id`, [
        `early${Math.floor(this.r() * 20)}`,
        CHANNELS[Math.floor(this.r() * CHANNELS.length)],
        iso(start),
      ]);
      const sid = Number(rows[0].id);
      // Before the start, and inside (from, to]: the cycle whose range holds it reads it.
      const early = () => iso(Math.max(from + 1, Math.min(start, to) - Math.floor(this.r() * Math.max(1, Math.min(start, to) - from))));
      if (this.r() < 0.8)
        await q(`INSERT INTO events (session_id, type, occurred_at) VALUES ($1, $2, $3)`, [
          sid,
          EVENT_TYPES[Math.floor(this.r() * 3)],
          early(),
        ]);
      // And one dated up to an hour after `to` (after now), which counts at once.
      if (this.r() < 0.3)
        await q(`INSERT INTO events (session_id, type, occurred_at) VALUES ($1, $2, $3)`, [
          sid,
          EVENT_TYPES[Math.floor(this.r() * 3)],
          iso(to + 1 + Math.floor(this.r() * HOUR)),
        ]);
      if (this.r() < 0.4) {
        const { rows: o } = await q(
          `INSERT INTO orders (user_id, seller_id, session_id, category, created_at, status, total_amount, currency)
           VALUES (1, 1, $1, 'books', $2, 'paid', 1, 'USD') RETURNING id`,
          [sid, future && this.r() < 0.5 ? iso(start + 60_000) : early()],
        );
        if (this.r() < 0.6) {
          const paid = early();
          await q(
            `INSERT INTO payments (order_id, provider, status, amount, currency, created_at, updated_at, succeeded_at)
             VALUES ($1, 'stripe', 'succeeded', 1, 'USD', $2, $2, $2)`,
            [o[0].id, paid],
          );
        }
      }
    }
  }
}

/** Values the reference took per series over a run: a history where nothing varies proves little. */
/** Compared too, but not windowed: MRR moves only in the revenue run (SubscriptionTraffic). */
const POINT_IN_TIME = new Set<string>([M.recurringRevenue.name]);
let seen = new Map<string, Set<number>>();

/**
 * Tickets opened and closed with or without a score, and reviews; then tickets closed late, scored
 * after closing, rescored and reopened inside mutable_horizon (a reopened ticket may close again later).
 */
class SupportTraffic implements Traffic {
  private open: number[] = [];
  private closed: { id: number; at: number }[] = [];
  private times: number[] = [];
  private order: number | null = null;
  constructor(private readonly r: () => number) {}
  private score(): number | null {
    return this.r() < 0.8 ? 1 + Math.floor(this.r() * 5) : null;
  }
  async between(from: number, to: number, n: number): Promise<void> {
    if (this.order === null) {
      await user(1);
      const { rows } = await q(
        `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency)
         VALUES (1, 1, 'books', '2025-01-01', 'delivered', 1, 'USD') RETURNING id`,
        [],
      );
      this.order = Number(rows[0].id);
    }
    for (let i = 0; i < 2 * n; i++) {
      const opened = to - Math.floor(this.r() * (to - from));
      const closed = this.r() < 0.6 ? opened + Math.floor(this.r() * (to - opened)) : null;
      // Tickets through the pinned clock: support_tickets_stamp_write stamps them with the test's now().
      const { rows } = await qc(`INSERT INTO support_tickets (opened_at, closed_at, csat_score) VALUES ($1, $2, $3) RETURNING id`, [
        iso(opened),
        closed === null ? null : iso(closed),
        closed === null ? null : this.score(),
      ]);
      if (closed === null) this.open.push(Number(rows[0].id));
      else {
        this.closed.push({ id: Number(rows[0].id), at: closed });
        this.times.push(closed);
      }
    }
    for (let i = 0; i < n; i++) {
      const at = to - Math.floor(this.r() * (to - from));
      await q(`INSERT INTO reviews (order_id, rating, created_at) VALUES ($1, $2, $3)`, [
        this.order,
        1 + Math.floor(this.r() * 5),
        iso(at),
      ]);
      this.times.push(at);
    }
  }
  async updates(now: number): Promise<void> {
    for (let i = 0; i < 2 && this.open.length; i++) {
      const id = this.open.splice(Math.floor(this.r() * this.open.length), 1)[0]!;
      const at = now - Math.floor(this.r() * SETTLE * 1000);
      await qc(`UPDATE support_tickets SET closed_at = $2, csat_score = $3 WHERE id = $1`, [id, iso(at), this.score()]);
      this.closed.push({ id, at });
      this.times.push(at);
    }
    // Inside the test's 6h mutable_horizon: scored late, rescored, reopened.
    const recent = this.closed.filter((c) => c.at > now - 5 * HOUR && c.at <= now);
    for (let i = 0; i < 2 && recent.length; i++) {
      const c = recent[Math.floor(this.r() * recent.length)]!;
      if (this.r() < 0.3) {
        await qc(`UPDATE support_tickets SET closed_at = NULL, csat_score = NULL WHERE id = $1`, [c.id]);
        this.closed = this.closed.filter((x) => x.id !== c.id);
        this.open.push(c.id);
      } else await qc(`UPDATE support_tickets SET csat_score = $2 WHERE id = $1`, [c.id, this.score()]);
    }
  }
  edgeAt(now: number, windowMs: number): number | null {
    const t = this.times.find((x) => x + windowMs > now);
    return t === undefined ? null : t + windowMs;
  }
}

/**
 * Bug reports of the allow-listed severities and one outside it, half resolved when written; open ones
 * resolved late (inside settle_lag), and recently resolved ones re-opened inside mutable_horizon.
 */
class BugTraffic implements Traffic {
  private open: number[] = [];
  private resolved: { id: number; at: number }[] = [];
  constructor(private readonly r: () => number) {}
  async between(from: number, to: number, n: number): Promise<void> {
    for (let i = 0; i < 2 * n; i++) {
      const reported = to - Math.floor(this.r() * (to - from));
      const resolved = this.r() < 0.5 ? reported + Math.floor(this.r() * (to - reported)) : null;
      const severity = ['critical', 'major', 'minor', 'Blocker'][Math.floor(this.r() * 4)];
      const { rows } = await q(`INSERT INTO bug_reports (severity, reported_at, resolved_at) VALUES ($1, $2, $3) RETURNING id`, [
        severity,
        iso(reported),
        resolved === null ? null : iso(resolved),
      ]);
      if (resolved === null) this.open.push(Number(rows[0].id));
      else this.resolved.push({ id: Number(rows[0].id), at: resolved });
    }
  }
  async updates(now: number): Promise<void> {
    for (let i = 0; i < 2 && this.open.length; i++) {
      const id = this.open.splice(Math.floor(this.r() * this.open.length), 1)[0]!;
      const at = now - Math.floor(this.r() * SETTLE * 1000);
      await q(`UPDATE bug_reports SET resolved_at = $2 WHERE id = $1`, [id, iso(at)]);
      this.resolved.push({ id, at });
    }
    // Inside the test's 6h mutable_horizon: re-opened.
    const recent = this.resolved.filter((c) => c.at > now - 5 * HOUR && c.at <= now);
    if (recent.length && this.r() < 0.5) {
      const c = recent[Math.floor(this.r() * recent.length)]!;
      await q(`UPDATE bug_reports SET resolved_at = NULL WHERE id = $1`, [c.id]);
      this.resolved = this.resolved.filter((x) => x.id !== c.id);
      this.open.push(c.id);
    }
  }
}

/**
 * Sellers applying, approved and churned (late, inside settle_lag), a churn undone inside
 * mutable_horizon, and orders spread over a few of them so their 30-day segments move.
 */
/** Seller writes on the pinned clock: sellers.updated_at is stamped with the test's now(). */
const qc = (text: string, params: unknown[]) => clock.pool.query(text, params);

class SellerTraffic implements Traffic {
  private ids: number[] = [];
  private pending: number[] = [];
  private live: number[] = [];
  private churned: { id: number; at: number }[] = [];
  private times: number[] = [];
  constructor(private readonly r: () => number) {}
  private async apply(at: number, now: number): Promise<void> {
    // Some sellers are approved, and a few churned, by the time they are inserted.
    const approved = this.r() < 0.6 ? at + Math.floor(this.r() * (now - at)) : null;
    const churned = approved !== null && this.r() < 0.3 ? approved + Math.floor(this.r() * (now - approved)) : null;
    const { rows } = await qc(
      `INSERT INTO sellers (id, applied_at, approved_at, churned_at) SELECT max(id) + 1, $1, $2, $3 FROM sellers RETURNING id`,
      [iso(at), approved === null ? null : iso(approved), churned === null ? null : iso(churned)],
    );
    const id = Number(rows[0].id);
    this.ids.push(id);
    if (approved === null) this.pending.push(id);
    else if (churned === null) this.live.push(id);
    else this.churned.push({ id, at: churned });
    for (const t of [approved, churned]) if (t !== null) this.times.push(t);
  }
  async between(from: number, to: number, n: number): Promise<void> {
    await user(1);
    if (this.ids.length === 0) for (let i = 0; i < 8; i++) await this.apply(from + Math.floor(this.r() * (to - from)), to);
    if (this.r() < 0.3) await this.apply(to - Math.floor(this.r() * (to - from)), to);
    // An approval written now, at the end of the late interval too: stamped after the previous cycle.
    if (this.pending.length && this.r() < 0.3) await this.approve(to);
    for (let i = 0; i < 3 * n; i++) {
      const at = to - Math.floor(this.r() * (to - from));
      // Skewed towards the first sellers, so some cross the power threshold and others stay dormant.
      const seller = this.ids[Math.floor(this.r() * this.r() * this.ids.length)]!;
      await q(
        `INSERT INTO orders (user_id, seller_id, category, created_at, status, total_amount, currency)
         VALUES (1, $1, 'books', $2, 'paid', 1, 'USD')`,
        [seller, iso(at)],
      );
      this.times.push(at);
    }
  }
  private async approve(at: number): Promise<void> {
    const id = this.pending.splice(Math.floor(this.r() * this.pending.length), 1)[0]!;
    await qc(`UPDATE sellers SET approved_at = $2 WHERE id = $1`, [id, iso(at)]);
    this.live.push(id);
    this.times.push(at);
  }
  async updates(now: number): Promise<void> {
    const late = () => now - Math.floor(this.r() * SETTLE * 1000);
    if (this.pending.length && this.r() < 0.5) await this.approve(late());
    if (this.live.length > 2 && this.r() < 0.3) {
      const id = this.live.splice(Math.floor(this.r() * this.live.length), 1)[0]!;
      const at = late();
      await qc(`UPDATE sellers SET churned_at = $2 WHERE id = $1`, [id, iso(at)]);
      this.churned.push({ id, at });
      this.times.push(at);
    }
    // Inside the test's 6h mutable_horizon: a churn undone.
    const recent = this.churned.filter((c) => c.at > now - 5 * HOUR && c.at <= now);
    if (recent.length && this.r() < 0.3) {
      const c = recent[0]!;
      await qc(`UPDATE sellers SET churned_at = NULL WHERE id = $1`, [c.id]);
      this.churned = this.churned.filter((x) => x.id !== c.id);
      this.live.push(c.id);
    }
  }
  edgeAt(now: number, windowMs: number): number | null {
    const t = this.times.find((x) => x + windowMs > now);
    return t === undefined ? null : t + windowMs;
  }
}

/**
 * Seller subscriptions for MRR, which is kept as a running sum: started (late ones inside settle_lag),
 * some cancelled by the time they are inserted, some scheduled to cancel hours ahead; later ones
 * cancelled late or scheduled, and inside mutable_horizon a cancellation undone, one moved, and the
 * amount of a subscription started there corrected.
 */
class SubscriptionTraffic implements Traffic {
  private subs: { id: number; started: number; cancelled: number | null }[] = [];
  constructor(private readonly r: () => number) {}
  private any<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  async between(from: number, to: number, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const started = to - Math.floor(this.r() * (to - from));
      const u = this.r();
      const cancelled = u < 0.2 ? started + Math.floor(this.r() * (to - started)) : u < 0.4 ? to + Math.floor(this.r() * 20 * HOUR) : null;
      const { rows } = await q(
        `INSERT INTO subscriptions (seller_id, plan, amount_monthly, currency, started_at, cancelled_at)
         VALUES (1, 'pro', $1, $2, $3, $4) RETURNING id`,
        [
          (Math.floor(this.r() * 30000) / 100).toFixed(2),
          this.any(['USD', 'EUR', 'JPY']),
          iso(started),
          cancelled === null ? null : iso(cancelled),
        ],
      );
      this.subs.push({ id: Number(rows[0].id), started, cancelled });
    }
  }
  async updates(now: number): Promise<void> {
    const live = this.subs.filter((s) => s.cancelled === null);
    if (live.length && this.r() < 0.6) {
      const s = this.any(live);
      s.cancelled = this.r() < 0.5 ? now - Math.floor(this.r() * SETTLE * 1000) : now + Math.floor(this.r() * 10 * HOUR);
      await q(`UPDATE subscriptions SET cancelled_at = $2 WHERE id = $1`, [s.id, iso(s.cancelled)]);
    }
    // Inside the test's 6h mutable_horizon.
    const cancelled = this.subs.filter((s) => s.cancelled !== null && s.cancelled > now - 5 * HOUR);
    if (cancelled.length && this.r() < 0.6) {
      const s = this.any(cancelled);
      s.cancelled = this.r() < 0.5 ? null : now - Math.floor(this.r() * 4 * HOUR);
      await q(`UPDATE subscriptions SET cancelled_at = $2 WHERE id = $1`, [s.id, s.cancelled === null ? null : iso(s.cancelled)]);
    }
    const started = this.subs.filter((s) => s.started > now - 5 * HOUR);
    if (started.length && this.r() < 0.6) {
      await q(`UPDATE subscriptions SET amount_monthly = $2 WHERE id = $1`, [
        this.any(started).id,
        (Math.floor(this.r() * 30000) / 100).toFixed(2),
      ]);
    }
  }
}

/**
 * Users signing up, and sessions of users who signed up in the month before them (late ones
 * included); the clock's edges are the next day or ISO week start.
 */
class SignupTraffic implements Traffic {
  /**
   * Just after the next UTC midnight (ISO week start), inside settle_lag: the late sessions of the
   * next step land on the day (week) before.
   */
  edgeAt(now: number): number {
    const day = Math.floor(now / DAY);
    const next = this.period === 'day' ? day + 1 : Math.floor((day + 3) / 7) * 7 - 3 + 7;
    return next * DAY + (SETTLE * 1000) / 2;
  }
  private users: { id: number; at: number }[] = [];
  constructor(
    private readonly r: () => number,
    private readonly period: 'day' | 'week' = 'day',
  ) {}
  async between(from: number, to: number, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const at = to - Math.floor(this.r() * (to - from));
      const { rows } = await q(`INSERT INTO users (id, created_at) SELECT max(id) + 1000, $1 FROM users RETURNING id`, [iso(at)]);
      this.users.push({ id: Number(rows[0].id), at });
    }
    for (let i = 0; i < 6 * n; i++) {
      const at = to - Math.floor(this.r() * (to - from));
      // Late commits go to users of a day-N cohort, so a session committed just after midnight for
      // the day before changes that day's retention.
      const day = Math.floor(at / DAY) - 1 - [1, 7, 30][i % 3]!;
      const late = this.period === 'day' && to - from <= SETTLE * 1000 ? this.users.filter((u) => Math.floor(u.at / DAY) === day) : [];
      const cohort = late.length ? late : this.users.filter((u) => u.at < at && u.at > at - 32 * DAY);
      if (!cohort.length) continue;
      const u = cohort[Math.floor(this.r() * cohort.length)]!;
      await q(`INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES ($1, $2, 'web', 'direct', $3)`, [
        u.id,
        `u${u.id}`,
        iso(at),
      ]);
    }
  }
}

/**
 * One collector run as the exporter runs it: the app's buildRuntime (scheduledCollectors' entry with
 * its reload key and state files, the Scheduler cycling it into the MetricStore scrapes read) on the
 * pinned clock's pool, and reloads through the app's reloadRuntime, as SIGHUP and POST /-/reload apply
 * them. A restart is a new Running on the same state_dir.
 */
class Running {
  readonly lines: string[] = [];
  private readonly log = createLogger('info', { write: (l: string) => void this.lines.push(l) });
  private readonly rt: Runtime;
  readonly store: MetricStore;
  readonly scheduler: Scheduler;
  /** The entry the test cycles: the published instance, or a reload's new one until it takes over. */
  entry: ScheduledCollector;
  /** Likewise for the companions. */
  companions: ScheduledCollector[];
  private turn = 0;

  constructor(
    cfg: Config,
    private readonly pool = clock.pool,
  ) {
    this.rt = buildRuntime(cfg, this.log, pool);
    expect(this.rt.entries.map((e) => e.collector.name).sort()).toEqual([tested, ...companions].sort());
    this.entry = this.named(tested);
    this.companions = companions.map((n) => this.named(n));
    this.store = this.rt.store;
    this.scheduler = this.rt.scheduler;
  }

  private named(name: string): ScheduledCollector {
    return this.rt.entries.find((e) => e.collector.name === name)!;
  }

  get collector(): Collector {
    return this.entry.collector;
  }

  /** Window states of the collector and its companions (a store they share is listed by its owner only). */
  get states(): WindowFacts<string>[] {
    return [this.entry, ...this.companions].flatMap((e) => e.collector.windowStates ?? []);
  }

  /** Status of the collector under test. */
  status(): CollectorStatus {
    return this.scheduler.status().find((st) => st.name === tested)!;
  }

  /**
   * One cycle of `entry` (and of the companions, before and after it by turns: either may be the one
   * that advances a store they share), as their timers run them; throws when one failed or did not take over.
   */
  async cycle(step: string): Promise<void> {
    const order = this.turn++ % 2 ? [...this.companions, this.entry] : [this.entry, ...this.companions];
    for (const e of order) await this.scheduler.runOnce(e);
    const st = this.scheduler.status().find((x) => !x.up);
    if (st || this.scheduler.pendingReloads().length)
      throw new Error(`${this.entry.collector.name} ${step}: cycle failed: ${this.lines.at(-1) ?? st?.lastError}`);
  }

  /** The reference's families as a scrape reads them. */
  published(reference: Collector): Sample[] {
    return reference.metrics.flatMap((m) => this.store.samplesFor(m.name));
  }

  /**
   * A reload to `next` (same database: the runtime keeps the pinned clock's pool); returns the entry
   * built from it, which the scheduler adopts only if the key changed.
   */
  reload(next: Config): ScheduledCollector {
    const before = this.companions;
    reloadRuntime(this.rt, next, this.log);
    expect(this.rt.pool).toBe(this.pool);
    this.companions = companions.map((n, i) => (this.named(n).key === before[i]!.key ? before[i]! : this.named(n)));
    return this.named(tested);
  }

  /** Whether cycling `e` publishes anything (false once it is retired, or when it was never adopted). */
  async runs(e: ScheduledCollector): Promise<boolean> {
    const before = this.store.version;
    await this.scheduler.runOnce(e);
    return this.store.version !== before;
  }

  /** Log lines holding every one of `texts`. */
  logged(...texts: string[]): number {
    return this.lines.filter((l) => texts.every((t) => l.includes(t))).length;
  }
}

async function compare(run: Running, tested: Collector, step: string, pool = clock.pool): Promise<void> {
  await run.cycle(step);
  for (const s of run.states) expectEntityIndex(s);
  for (const reference of [tested, ...companions.map((n) => COMPANION_REFERENCES[n]!(config))])
    await compareWith(run, reference, step, pool);
}

async function compareWith(run: Running, reference: Collector, step: string, pool: pg.Pool): Promise<void> {
  const got = windowSeries(run.published(reference), reference);
  // The reference's samples go through a store too, so both sides are folded the same way.
  const truth = new MetricStore(config);
  truth.replace('reference', await collectOnce(reference, pool, config));
  const want = windowSeries(
    reference.metrics.flatMap((m) => truth.samplesFor(m.name)),
    reference,
  );
  for (const [k, v] of Object.entries(want)) seen.set(k, (seen.get(k) ?? new Set()).add(v));
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    // Money is summed in numeric by the reference and in float here: equal to the cent's billionth.
    if (Math.abs(got[k]! - want[k]!) > 1e-9 * Math.max(1, Math.abs(want[k]!))) {
      throw new Error(`${run.collector.name} ${step}: ${k} = ${got[k]} but the full-window SQL says ${want[k]}`);
    }
  }
}

/**
 * A store of linked facts (visitors, active users, revenue) keeps its entity index exact: every entity
 * with a fact dated at or before the index's horizon maps to its latest such fact, and no other entity
 * is held (one whose facts were all pruned is forgotten). Checked after every cycle, first builds,
 * restores and full refreshes included.
 */
function expectEntityIndex(state: WindowFacts<string>): void {
  const key = state.spec.entityKey;
  if (!key) return;
  const index = state.entities;
  if (!index) throw new Error(`${state.name}: no entity index`);
  const { n, t, id, cols } = state.store!.view();
  const want = new Map<string, [number, number, number, number]>();
  // Facts are in (t, id) order: the last of each key is its latest.
  for (let i = 0; i < n && t[i]! <= state.indexedThroughUs; i++) {
    want.set(`${cols[key.hi]![i]}:${cols[key.lo]![i]}`, [cols[key.hi]![i]!, cols[key.lo]![i]!, t[i]!, id[i]!]);
  }
  expect(index.size).toBe(want.size);
  for (const [k, [hi, lo, ft, fid]] of want) {
    const got = state.latestOf(hi, lo);
    if (got?.t !== ft || got.id !== fid)
      throw new Error(`${state.name}: entity ${k} indexed at ${got ? `(${got.t}, ${got.id})` : 'nothing'}, latest fact (${ft}, ${fid})`);
  }
}

/** When the clock of the pairs with `clockBack` moves back. */
const CLOCK_BACK_STEP = 9;

/**
 * The database clock moves back 10 minutes (a failover to a server whose clock is behind), then sessions
 * and orders arrive dated around that now: before facts their visitor, user or buyer already has in
 * the entity index (probed in the database, out of order) or after them (from memory).
 */
async function clockBack(run: Running, reference: Collector, w: Workload, now: number, at: string): Promise<void> {
  const back = now - 10 * 60_000;
  await clock.set(back);
  await compare(run, reference, `${at}, clock moved back 10 minutes`);
  // Written at the clock's now (carts are stamped with it), dated no later.
  await clock.set(back + 90_000);
  await w.sessionsBetween(back - SETTLE * 1000 + 1, back + 60_000, 6);
  await compare(run, reference, `${at}, rows dated before facts already indexed`);
}

const RESTART_STEP = 20;
/**
 * Restarts whose saved window state files were damaged, by step: each file is discarded with one log
 * line giving the reason and rebuilt from the database, and the numbers stay exact.
 */
const DAMAGED_RESTARTS = new Map<number, { reason: string; damage: (file: Buffer) => Buffer }>([
  [36, { reason: 'truncated', damage: (b) => b.subarray(0, Math.floor(b.length / 2)) }],
  // One byte of the raw fact columns (the file's last byte), the checksum left as it was.
  [38, { reason: 'checksum mismatch', damage: (b) => Buffer.concat([b.subarray(0, -1), Buffer.from([b[b.length - 1]! ^ 0x01])]) }],
]);
const stateFiles = (states: readonly WindowFacts<string>[]) => states.map((s) => windowStateFile(stateDir, s.name));
/**
 * Reloads after the restart, by step: `kept` changes only the collector's timeout and the staleness
 * limit (same key: the instance, its state and timer stay); `rebuilt` changes mutable_horizon (new
 * key, and the saved window state's fingerprint no longer matches: the new instance rebuilds);
 * `restored` changes full_refresh (new key, same fingerprint: the new instance resumes from the file).
 */
const RELOADS = new Map<number, 'kept' | 'rebuilt' | 'restored'>([
  [24, 'kept'],
  [28, 'rebuilt'],
  [32, 'restored'],
]);

/** Applies the reload planned at a step and checks the instance was kept or swapped as it should. */
async function reloadAt(run: Running, name: string, kind: 'kept' | 'rebuilt' | 'restored', step: string): Promise<void> {
  const old = run.entry;
  const states = run.states;
  if (kind === 'kept') {
    const built = run.reload(configFor(name, { max_staleness: 900 }, { timeout: 25 }));
    expect(run.scheduler.pendingReloads()).toEqual([]);
    expect(run.status().timeout).toBe(25);
    // The instance built from the new config is never adopted: cycling it publishes nothing.
    expect(await run.runs(built)).toBe(false);
    expect(built.collector.windowStates?.every((s) => s.store === null) ?? true).toBe(true);
    return;
  }
  const next =
    kind === 'rebuilt' ? configFor(name, { mutable_horizon: '8h' }) : configFor(name, { mutable_horizon: '8h', full_refresh: '20d' });
  const refused = run.logged('window state discarded', 'built from another database or configuration');
  const discarded = run.logged('window state discarded');
  const restored = run.logged('window state restored');
  const built = run.reload(next);
  expect(run.scheduler.pendingReloads().sort()).toEqual([name, ...companions].sort());
  config = next;
  run.entry = built;
  const takeovers = run.logged('reloaded collector took over');
  await run.cycle(`${step} (reload: ${kind})`);
  expect(run.logged('reloaded collector took over')).toBe(takeovers + 1 + companions.length);
  // The old instance is retired: its timer is gone and a cycle of it publishes nothing.
  expect(await run.runs(old)).toBe(false);
  expect(built.collector).not.toBe(old.collector);
  if (kind === 'rebuilt') {
    expect(run.logged('window state discarded', 'built from another database or configuration') - refused).toBe(states.length);
  } else {
    expect(run.logged('window state restored') - restored).toBe(states.length);
    expect(run.logged('window state discarded')).toBe(discarded);
    // Resumed, not rebuilt: a rebuild would have scheduled a full refresh of its own.
    expect(built.collector.windowStates?.map((s) => s.nextRefreshUs)).toEqual(old.collector.windowStates?.map((s) => s.nextRefreshUs));
  }
}

/**
 * The collector's saved state copied next to an exporter reading another database (same schema, no
 * rows, same pinned time): every file is refused with one log line and the numbers are that
 * database's (a state taken for its own would show this run's facts).
 */
async function foreignDatabase(run: Running, reference: CollectorFactory): Promise<void> {
  const other = await createTestDatabase();
  const otherClock = await pinClock(other, clock.nowMs);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-window-foreign-'));
  let foreign: Running | null = null;
  try {
    for (const file of stateFiles(run.states)) copyFileSync(file, path.join(dir, path.basename(file)));
    // The same settings: only the database differs.
    const foreignConfig = {
      ...config,
      database: { ...config.database, url: other.url },
      collection: { ...config.collection, state_dir: dir },
    };
    foreign = new Running(foreignConfig, otherClock.pool);
    await compare(foreign, reference(config), 'state from another database', otherClock.pool);
    expect(foreign.logged('window state discarded', 'built from another database or configuration')).toBe(run.states.length);
  } finally {
    await foreign?.scheduler.stop();
    rmSync(dir, { recursive: true, force: true });
    await otherClock.end();
    await other.drop();
  }
}

/**
 * A change older than mutable_horizon (rows committed hours or days after their event time) is not
 * read by the incremental cycles: the published value differs from the full-window SQL, with no
 * drift yet. The next full refresh publishes the drift and brings the value back to the reference.
 * Short settings (mutable_horizon 1h, full_refresh 2h) and a fresh instance without state; the run
 * starts at 02:00 UTC so yesterday, the day and the ISO week do not change before the refresh.
 */
async function driftThenRefresh(name: CollectorName, reference: CollectorFactory, w: Workload, x: Traffic | undefined): Promise<void> {
  const t = (Math.floor(clock.nowMs / DAY) + 1) * DAY + 2 * HOUR;
  await clock.set(t);
  config = configFor(name, { mutable_horizon: '1h', full_refresh: '2h', state_dir: undefined });
  const run = new Running(config);
  // MRR's running sum publishes its own drift: subscriptions committed days late were among the rows.
  // So do the running counts of open tickets and bug reports: rows committed with an opened time hours old.
  const running = { revenue: 'revenue_mrr', support: 'support_open', bug_reports: 'bug_reports_open' }[name as string];
  // Published per window state (sellers and sellers_orders, …), per running count, or per collector without one.
  const owners = new Set([name, ...run.states.map((s) => s.name), ...(running ? [running] : [])]);
  const drift = () =>
    run.store
      .samplesFor(M.rollupDrift.name)
      .filter((d) => owners.has(d.labels.collector ?? ''))
      .reduce((sum, d) => sum + ('value' in d ? d.value : Number.NaN), 0);
  try {
    await compare(run, reference(config), 'drift: first load');
    // Late rows 3 hours, a day and 8 days old (yesterday for day-N retention, last week for cohorts),
    // sessions of new visitors among them, and carts of 2 hours ago converted.
    for (const age of [3 * HOUR, 25 * HOUR, 8 * DAY]) {
      // Every collector's history replays the same instants: visitor ids of its own.
      await w.sessionsBetween(t - age - HOUR, t - age, 6, `${name}-late`);
      await x?.between(t - age - HOUR, t - age, 6);
    }
    await w.convertCartsBefore(t - 2 * HOUR);
    if (config.collection.seller_changes === 'updated_at') {
      // The late sellers stamped when they applied, as by a writer that stamps at the event and commits
      // hours later: the read by updated_at cannot see them before the full refresh.
      await q('ALTER TABLE sellers DISABLE TRIGGER sellers_stamp_write', []);
      await q('UPDATE sellers SET updated_at = applied_at WHERE updated_at >= $1', [iso(t)]);
      await q('ALTER TABLE sellers ENABLE TRIGGER sellers_stamp_write', []);
    }
    if (config.collection.cart_changes === 'updated_at') {
      // Likewise the late carts and the conversions, stamped at the cart's creation: committed hours
      // after their stamp, which the read by updated_at cannot see before the full refresh.
      await q('ALTER TABLE carts DISABLE TRIGGER carts_stamp_write', []);
      await q('UPDATE carts SET updated_at = created_at WHERE updated_at >= $1', [iso(t)]);
      await q('ALTER TABLE carts ENABLE TRIGGER carts_stamp_write', []);
    }
    if (config.collection.ticket_changes === 'updated_at') {
      // Likewise the late tickets, stamped at their last event (closing, or opening if still open).
      await q('ALTER TABLE support_tickets DISABLE TRIGGER support_tickets_stamp_write', []);
      await q('UPDATE support_tickets SET updated_at = coalesce(closed_at, opened_at) WHERE updated_at >= $1', [iso(t)]);
      await q('ALTER TABLE support_tickets ENABLE TRIGGER support_tickets_stamp_write', []);
    }
    await clock.set(t + 10 * 60_000);
    await expect(compare(run, reference(config), 'drift: before the refresh')).rejects.toThrow(/full-window SQL says|toEqual/);
    expect(drift()).toBe(0);
    // The first refresh comes within 1.5 × full_refresh (spread by a per-collector phase).
    await clock.set(t + 3 * HOUR + 60_000);
    await compare(run, reference(config), 'drift: after the full refresh');
    expect(drift()).toBeGreaterThan(0);
    if (running) {
      const d = run.store.samplesFor(M.rollupDrift.name).find((s) => s.labels.collector === running);
      expect(d && 'value' in d ? d.value : 0).toBeGreaterThan(0);
    }
  } finally {
    await run.scheduler.stop();
  }
}

test.each(PAIRS.map((p) => ({ ...p, label: p.label ?? p.name })))(
  '$label equals the full-window SQL through a randomized history, restarts from saved and damaged state, reloads and a full refresh',
  async ({ name, reference, traffic, collection, with: beside, clockBack: clockBackToo, around }) => {
    variant = collection ?? {};
    tested = name;
    companions = beside ?? [];
    // Every pair starts without saved state: revenue's two runs (and active_users') use the same file names.
    for (const f of readdirSync(stateDir)) rmSync(path.join(stateDir, f), { force: true });
    const r = mulberry32(0x5eed);
    const w = new Workload(r);
    const x = traffic?.(mulberry32(0xfeed));
    seen = new Map();
    config = configFor(name);
    // 40 days of history, then the collector starts.
    await clock.set(START);
    await w.sessionsBetween(START - 40 * DAY, START, 60);
    await x?.between(START - 40 * DAY, START, 60);
    const undo = around?.();
    let run = new Running(config);
    try {
      await compare(run, reference(config), 'first load');
      let prev = clock.nowMs;
      for (let step = 0; step < 40; step++) {
        let next = prev + Math.floor(r() * (step % 5 === 4 ? 30 * HOUR : 50 * 60_000));
        if (step % 7 === 3) {
          const windowMs = [DAY, 7 * DAY, 30 * DAY][step % 3]!;
          next = (x?.edgeAt ? x.edgeAt(prev, windowMs) : w.edgeAt(prev, windowMs)) ?? next;
        }
        if (next <= prev) next = prev + 1000;
        // Late commits: rows whose event time is before the previous cycle, inside settle_lag.
        await w.sessionsBetween(prev - SETTLE * 1000 + 1, prev, 2);
        await x?.between(prev - SETTLE * 1000 + 1, prev, 2);
        await clock.set(next);
        await w.sessionsBetween(prev, next, 3);
        await x?.between(prev, next, 3);
        await w.updates(next);
        await x?.updates?.(next);
        const at = `step ${step} at ${new Date(next).toISOString()}`;
        const reload = RELOADS.get(step);
        if (reload) await reloadAt(run, name, reload, at);
        const damaged = DAMAGED_RESTARTS.get(step);
        let savedNext: number[] = [];
        if (step === RESTART_STEP || damaged) {
          // Restart: a new exporter resumes from the state last saved (up to 5 minutes old), not from
          // a save at shutdown. Collectors that keep no window state (retention) simply start again.
          for (const file of stateFiles(run.states)) {
            const saved = readBinaryStateFile(file, WINDOW_STATE_FORMAT, windowStateHeaderSchema);
            if (saved.kind !== 'ok') throw new Error(`${file}: saved state not readable (${saved.kind})`);
            savedNext.push(saved.value.payload.nextRefreshUs);
            if (damaged) writeFileSync(file, damaged.damage(readFileSync(file)));
          }
          if (damaged) savedNext = [];
          await run.scheduler.stop();
          run = new Running(config);
        }
        await compare(run, reference(config), at);
        if (step === CLOCK_BACK_STEP && clockBackToo) await clockBack(run, reference(config), w, next, at);
        const states = run.states;
        // Resumed, not rebuilt: a rebuild would have scheduled a full refresh of its own.
        if (savedNext.length) expect(states.map((s) => s.nextRefreshUs)).toEqual(savedNext);
        if (step === RESTART_STEP) expect(run.logged('window state restored')).toBe(states.length);
        if (damaged) expect(run.logged('window state discarded', damaged.reason)).toBe(states.length);
        prev = next;
      }
      // All changes of this run are inside mutable_horizon: a full refresh, if one came, found nothing
      // to correct. A change outside it comes last (driftThenRefresh).
      for (const s of run.states) expect(s.drift).toBe(0);
      for (const d of run.store.samplesFor(M.rollupDrift.name)) expect(d).toMatchObject({ value: 0 });
      if (run.states.length) await foreignDatabase(run, reference);
      await driftThenRefresh(name, reference, w, x);
    } finally {
      await run.scheduler.stop();
      undo?.();
    }
    // Every window metric of the collector took at least three values along the way.
    const byMetric = new Map<string, Set<number>>();
    for (const [k, vs] of seen) {
      const metric = k.slice(0, k.indexOf('{'));
      byMetric.set(metric, new Set([...(byMetric.get(metric) ?? []), ...vs]));
    }
    for (const [metric, vs] of byMetric)
      if (vs.size < 3 && !POINT_IN_TIME.has(metric)) throw new Error(`${metric} took only the values ${[...vs].join(', ')}`);
  },
);
