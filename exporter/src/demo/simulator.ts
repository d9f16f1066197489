/**
 * The marketplace simulator behind the demo: `seedHistory` writes weeks of deterministic past activity,
 * `LiveTraffic` keeps appending activity as it happens. Both write through `pg` into any Postgres
 * holding the reference schema (the embedded PGlite database or a real server).
 */
import type pg from 'pg';
import type { Logger } from '../runtime/logger';
import { MarketActivity, type MarketState } from './activity';
import { Random } from './random';
import { IdAllocator, type Queryable, RowWriter, addStats, emptyStats, type SimulationStats } from './row-writer';
import { DAY_MS } from './traffic-shape';

export type { SimulationStats } from './row-writer';
export type { TableName } from './rows';

/** Demo defaults: lively dashboards, and 35 days seed into embedded PGlite in a few seconds. */
export const DEFAULT_SEED = 42;
export const DEFAULT_HISTORY_DAYS = 35;
export const DEFAULT_SESSIONS_PER_DAY = 1_200;
export const DEFAULT_SESSIONS_PER_MINUTE = DEFAULT_SESSIONS_PER_DAY / 1440;

export interface SeedOptions {
  seed: number;
  days: number;
  sessionsPerDay: number;
  /** End of the history (default now); the same seed and end give the same rows. */
  end?: Date;
  onProgress?(p: { day: number; days: number }): void;
}

const DAYS_PER_WRITE = 7;

/** Where a history is written: a `pg` pool, or anything handing out one client the same way. */
export interface SeedTarget {
  connect(): Promise<Queryable & { release(): void }>;
}

/** Writes `days` of activity ending at `end`, one transaction per simulated week. */
export async function seedHistory(pool: SeedTarget, opts: SeedOptions): Promise<SimulationStats> {
  const endMs = (opts.end ?? new Date()).getTime();
  const startMs = endMs - opts.days * DAY_MS;
  const ids = new IdAllocator();
  const writer = new RowWriter();
  const activity = new MarketActivity(new Random(opts.seed), ids, writer, opts.sessionsPerDay);
  const stats = emptyStats();
  const client = await pool.connect();
  try {
    await ids.sync(client);
    for (let day = 0; day < opts.days; day++) {
      const from = startMs + day * DAY_MS;
      activity.generate(from, Math.min(endMs, from + DAY_MS));
      // A week per write keeps round trips few (they dominate on PGlite) and memory bounded.
      if ((day + 1) % DAYS_PER_WRITE === 0 || day === opts.days - 1) {
        await inTransaction(client, async () => {
          // History is written as it stands at `end`: a refund nine days after a day-one order is
          // already there, and whatever lies after `end` is left out.
          addStats(stats, await writer.flush(client, endMs, false));
          await ids.advanceSequences(client);
        });
      }
      opts.onProgress?.({ day: day + 1, days: opts.days });
    }
  } finally {
    client.release();
  }
  return stats;
}

export interface LiveTrafficOptions {
  seed: number;
  sessionsPerMinute: number;
  /** How often `start()` ticks; default 5 s. */
  intervalMs?: number;
  log?: Logger;
  /** Source of "now" in epoch ms (default Date.now); tests move it forward to see rows finish. */
  clock?: () => number;
}

/** Longest stretch one tick makes up for (after a laptop sleeps, say). */
const MAX_CATCH_UP_MS = 10 * 60_000;

/**
 * Appends activity "now". Each tick generates what happened since the previous one and writes what
 * has happened by now; rows with a future (a session still going on, a payment confirmed minutes
 * later, a refund next week) stay in memory and are inserted or updated when their moment comes.
 */
export class LiveTraffic {
  private readonly ids = new IdAllocator();
  private readonly writer = new RowWriter();
  private readonly activity: MarketActivity;
  private lastTick: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SimulationStats> = Promise.resolve(emptyStats());
  private readonly intervalMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: LiveTrafficOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 5_000;
    this.activity = new MarketActivity(new Random(opts.seed), this.ids, this.writer, opts.sessionsPerMinute * 1440);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.opts.log?.warn({ err }, 'live traffic tick failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }

  /** One step; ticks never overlap (a slow one delays the next). */
  tick(): Promise<SimulationStats> {
    const next = this.running.catch(() => emptyStats()).then(() => this.step());
    this.running = next;
    return next;
  }

  private async step(): Promise<SimulationStats> {
    const client = await this.pool.connect();
    try {
      const now = (this.opts.clock ?? Date.now)();
      return await inTransaction(client, async () => {
        await this.ids.sync(client);
        if (this.lastTick === null) {
          await settleLeftovers(client);
          this.activity.adopt(await loadState(client));
          this.lastTick = now - this.intervalMs;
        }
        const from = Math.max(this.lastTick, now - MAX_CATCH_UP_MS);
        this.activity.generate(from, now);
        const stats = await this.writer.flush(client, now, true);
        await this.ids.advanceSequences(client);
        this.lastTick = now;
        return stats;
      });
    } finally {
      client.release();
    }
  }
}

async function inTransaction<T>(client: Queryable, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Recent visitors, users and live sellers, so live traffic continues the marketplace it finds. */
async function loadState(client: pg.PoolClient): Promise<MarketState> {
  const visitors = await client.query<{ visitor_id: string; user_id: number | null; since: Date | null }>(`
    SELECT v.visitor_id, v.user_id::float8 AS user_id, u.created_at AS since
      FROM (SELECT visitor_id, max(user_id) AS user_id, max(started_at) AS last
              FROM sessions WHERE started_at > now() - interval '30 days'
             GROUP BY visitor_id ORDER BY last DESC LIMIT 20000) v
      LEFT JOIN users u ON u.id = v.user_id
     ORDER BY v.last`);
  const users = await client.query<{ id: number; created_at: Date }>(
    `SELECT id::float8 AS id, created_at FROM users ORDER BY id DESC LIMIT 50000`,
  );
  const sellers = await client.query<{ id: number; approved_at: Date; churned_at: Date | null }>(
    `SELECT id::float8 AS id, approved_at, churned_at FROM sellers WHERE approved_at IS NOT NULL AND (churned_at IS NULL OR churned_at > now()) ORDER BY id`,
  );
  return {
    visitors: visitors.rows.map((r) => ({ id: r.visitor_id, userId: r.user_id, userSince: r.since ? r.since.getTime() : Infinity })),
    users: users.rows.map((r) => ({ id: r.id, createdAt: r.created_at.getTime() })),
    sellers: sellers.rows.map((r) => ({
      id: r.id,
      approvedAt: r.approved_at.getTime(),
      churnedAt: r.churned_at ? r.churned_at.getTime() : null,
    })),
  };
}

/**
 * Things a seeded history (or an earlier run) left half-way have nobody to finish them: confirm
 * pending payments, abandon open carts, end open sessions, resolve open incidents — all as of now,
 * so every fact is still counted once, when it happens.
 */
async function settleLeftovers(client: pg.PoolClient): Promise<void> {
  await client.query(`
    WITH p AS (UPDATE payments SET status = 'succeeded', succeeded_at = now(), updated_at = now()
                WHERE status = 'pending' AND created_at <= now() RETURNING order_id),
         o AS (UPDATE orders SET status = 'paid' WHERE status = 'pending' AND id IN (SELECT order_id FROM p) RETURNING 1),
         c AS (UPDATE carts SET status = 'abandoned', abandoned_at = now() WHERE status = 'open' AND created_at <= now() RETURNING 1),
         s AS (UPDATE sessions SET ended_at = now() WHERE ended_at IS NULL AND started_at <= now() RETURNING 1),
         i AS (UPDATE incidents SET resolved_at = now() WHERE resolved_at IS NULL AND started_at <= now() RETURNING 1)
    SELECT (SELECT count(*) FROM o) + (SELECT count(*) FROM c) + (SELECT count(*) FROM s) + (SELECT count(*) FROM i) AS n`);
}
