/**
 * Every window collector kept as a continuous aggregate equals the full-window SQL it replaced
 * (tests/support/reference/) after randomized histories: inserts, late commits inside settle_lag,
 * updates inside mutable_horizon, clock moves across hour, day, ISO-week and exact 1d/7d/30d edges,
 * and a restart from the persisted state. The clock is pinned in the database.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import type { Collector, CollectorFactory } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { activeUsers } from '../../../exporter/src/collectors/active-users';
import { bounce } from '../../../exporter/src/collectors/bounce';
import { carts } from '../../../exporter/src/collectors/carts';
import { cohortRetention } from '../../../exporter/src/collectors/cohort-retention';
import { funnel } from '../../../exporter/src/collectors/funnel';
import { logins } from '../../../exporter/src/collectors/logins';
import { retention } from '../../../exporter/src/collectors/retention';
import { revenue } from '../../../exporter/src/collectors/revenue';
import { sellers } from '../../../exporter/src/collectors/sellers';
import { support } from '../../../exporter/src/collectors/support';
import { visitors } from '../../../exporter/src/collectors/visitors';
import * as ref from '../../support/reference';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { collectOnce, testConfig } from '../../support/collect';
import { pinClock, type PinnedClock } from '../../support/pinned-clock';
import { labelKey } from '../../../exporter/src/metrics/labels';
import { WINDOW_STATE_FORMAT, windowStateFile, windowStateHeaderSchema } from '../../../exporter/src/collectors/window-facts';
import { readBinaryStateFile } from '../../../exporter/src/runtime/durable-file';

const SETTLE = 120;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let stateDir = '';
let config = testConfig();

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

const PAIRS: { name: string; factory: CollectorFactory; reference: CollectorFactory; traffic?: (r: () => number) => Traffic }[] = [
  { name: 'funnel', factory: funnel, reference: ref.funnel },
  { name: 'bounce', factory: bounce, reference: ref.bounce },
  { name: 'visitors', factory: visitors, reference: ref.visitors },
  { name: 'active_users', factory: activeUsers, reference: ref.activeUsers },
  { name: 'revenue', factory: revenue, reference: ref.revenue },
  { name: 'carts', factory: carts, reference: ref.carts },
  { name: 'logins', factory: logins, reference: ref.logins, traffic: (r) => new LoginTraffic(r) },
  { name: 'support', factory: support, reference: ref.support, traffic: (r) => new SupportTraffic(r) },
  { name: 'sellers', factory: sellers, reference: ref.sellers, traffic: (r) => new SellerTraffic(r) },
  { name: 'retention', factory: retention, reference: ref.retention, traffic: (r) => new SignupTraffic(r) },
  { name: 'cohort_retention', factory: cohortRetention, reference: ref.cohortRetention, traffic: (r) => new SignupTraffic(r, 'week') },
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

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  config = testConfig({ collection: { settle_lag: SETTLE, mutable_horizon: '6h', full_refresh: '10d', state_dir: stateDir } });
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

  /** `n` sessions with children, event times in (from, to]. */
  async sessionsBetween(from: number, to: number, n: number): Promise<void> {
    const q = (text: string, params: unknown[]) => tdb.pool.query(text, params);
    for (let i = 0; i < n; i++) {
      const at = to - Math.floor(this.r() * (to - from));
      const userId = this.r() < 0.7 ? 1 + Math.floor(this.r() * 30) : null;
      if (userId !== null) await q(`INSERT INTO users (id, created_at) VALUES ($1, '2025-06-01') ON CONFLICT DO NOTHING`, [userId]);
      const { rows } = await q(
        `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES ($1, $2, 'web', $3, $4) RETURNING id`,
        [userId, `v${Math.floor(this.r() * 40)}`, this.pick(CHANNELS), this.ts(at)],
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
      await q(`INSERT INTO carts (user_id, session_id, created_at, status) VALUES (NULL, $1, $2, 'open')`, [sid, within()]);
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
    await q(
      `UPDATE carts SET status = CASE WHEN id % 2 = 0 THEN 'abandoned' ELSE 'converted' END,
                        abandoned_at = CASE WHEN id % 2 = 0 THEN $1::timestamptz END
        WHERE id IN (SELECT id FROM carts WHERE status = 'open' AND created_at > $1::timestamptz - interval '5 hours' ORDER BY id LIMIT 2)`,
      [this.ts(now)],
    );
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

/** Values the reference took per series over a run: a history where nothing varies proves little. */
/** Compared too, but not windowed and not fed by this workload (MRR comes from subscriptions): may stay at 0. */
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
      const { rows } = await q(`INSERT INTO support_tickets (opened_at, closed_at, csat_score) VALUES ($1, $2, $3) RETURNING id`, [
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
      await q(`UPDATE support_tickets SET closed_at = $2, csat_score = $3 WHERE id = $1`, [id, iso(at), this.score()]);
      this.closed.push({ id, at });
      this.times.push(at);
    }
    // Inside the test's 6h mutable_horizon: scored late, rescored, reopened.
    const recent = this.closed.filter((c) => c.at > now - 5 * HOUR && c.at <= now);
    for (let i = 0; i < 2 && recent.length; i++) {
      const c = recent[Math.floor(this.r() * recent.length)]!;
      if (this.r() < 0.3) {
        await q(`UPDATE support_tickets SET closed_at = NULL, csat_score = NULL WHERE id = $1`, [c.id]);
        this.closed = this.closed.filter((x) => x.id !== c.id);
        this.open.push(c.id);
      } else await q(`UPDATE support_tickets SET csat_score = $2 WHERE id = $1`, [c.id, this.score()]);
    }
  }
  edgeAt(now: number, windowMs: number): number | null {
    const t = this.times.find((x) => x + windowMs > now);
    return t === undefined ? null : t + windowMs;
  }
}

/**
 * Sellers applying, approved and churned (late, inside settle_lag), a churn undone inside
 * mutable_horizon, and orders spread over a few of them so their 30-day segments move.
 */
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
    const { rows } = await q(
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
  async updates(now: number): Promise<void> {
    const late = () => now - Math.floor(this.r() * SETTLE * 1000);
    if (this.pending.length && this.r() < 0.5) {
      const id = this.pending.splice(Math.floor(this.r() * this.pending.length), 1)[0]!;
      const at = late();
      await q(`UPDATE sellers SET approved_at = $2 WHERE id = $1`, [id, iso(at)]);
      this.live.push(id);
      this.times.push(at);
    }
    if (this.live.length > 2 && this.r() < 0.3) {
      const id = this.live.splice(Math.floor(this.r() * this.live.length), 1)[0]!;
      const at = late();
      await q(`UPDATE sellers SET churned_at = $2 WHERE id = $1`, [id, iso(at)]);
      this.churned.push({ id, at });
      this.times.push(at);
    }
    // Inside the test's 6h mutable_horizon: a churn undone.
    const recent = this.churned.filter((c) => c.at > now - 5 * HOUR && c.at <= now);
    if (recent.length && this.r() < 0.3) {
      const c = recent[0]!;
      await q(`UPDATE sellers SET churned_at = NULL WHERE id = $1`, [c.id]);
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

async function compare(c: Collector, reference: Collector, step: string): Promise<void> {
  const got = windowSeries(await collectOnce(c, clock.pool, config), reference);
  const want = windowSeries(await collectOnce(reference, clock.pool, config), reference);
  for (const [k, v] of Object.entries(want)) seen.set(k, (seen.get(k) ?? new Set()).add(v));
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    // Money is summed in numeric by the reference and in float here: equal to the cent's billionth.
    if (Math.abs(got[k]! - want[k]!) > 1e-9 * Math.max(1, Math.abs(want[k]!))) {
      throw new Error(`${c.name} ${step}: ${k} = ${got[k]} but the full-window SQL says ${want[k]}`);
    }
  }
}

test.each(PAIRS)(
  '$name equals the full-window SQL through a randomized history and a restart from saved state',
  async ({ factory, reference, traffic }) => {
    const r = rng(0x5eed);
    const w = new Workload(r);
    const x = traffic?.(rng(0xfeed));
    seen = new Map();
    // 40 days of history, then the collector starts.
    await clock.set(START);
    await w.sessionsBetween(START - 40 * DAY, START, 60);
    await x?.between(START - 40 * DAY, START, 60);
    let c = factory(config);
    await compare(c, reference(config), 'first load');
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
      let restarted: Collector | null = null;
      if (step === 20) {
        // Restart: a new collector resumes from the state last saved (up to 5 minutes old).
        // Collectors that keep no window state (retention) simply start again.
        if (c.windowStates) expect(existsSync(windowStateFile(stateDir, c.windowStates[0]!.name))).toBe(true);
        restarted = factory(config);
      }
      const saved =
        restarted && c.windowStates
          ? readBinaryStateFile(windowStateFile(stateDir, c.windowStates[0]!.name), WINDOW_STATE_FORMAT, windowStateHeaderSchema)
          : null;
      const savedNext = saved?.kind === 'ok' ? saved.value.payload.nextRefreshUs : 0;
      if (restarted) c = restarted;
      await compare(c, reference(config), `step ${step} at ${new Date(next).toISOString()}`);
      // Resumed, not rebuilt: a rebuild would have scheduled a full refresh of its own.
      if (restarted && c.windowStates) expect(c.windowStates[0]!.nextRefreshUs).toBe(savedNext);
      prev = next;
    }
    // No full refresh is due within this run (full_refresh 10d): the values above are the incremental
    // path alone. The refresh and its drift are tested in window-state.test.ts.
    for (const s of c.windowStates ?? []) expect(s.drift).toBe(0);
    // Every window metric of the collector took at least three values along the way.
    const byMetric = new Map<string, Set<number>>();
    for (const [k, vs] of seen) {
      const name = k.slice(0, k.indexOf('{'));
      byMetric.set(name, new Set([...(byMetric.get(name) ?? []), ...vs]));
    }
    for (const [name, vs] of byMetric)
      if (vs.size < 3 && !POINT_IN_TIME.has(name)) throw new Error(`${name} took only the values ${[...vs].join(', ')}`);
  },
);
