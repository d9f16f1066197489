/**
 * Open support tickets (METRICS.md: `opened_at <= now` and no `closed_at`) where support does not follow
 * support_tickets.updated_at (with it, ./open-ticket-set.ts holds them as a set), as a running count
 * (./running-open-count.ts), so a cycle costs the tickets of the last `mutable_horizon`, not the whole
 * backlog (16,278 open tickets at 10M orders: the partial index's count grew with history, ≈ 1 ms a
 * cycle). A ticket reopened more than `mutable_horizon` after it was closed, or committed with an
 * opened_at older than the horizon, waits for the full refresh (drift `collector="support_open"`).
 * The tail terms are index-only with the optional support_tickets_closed_opened_idx and the partial
 * support_tickets_open_idx.
 */
import type { Db } from '../runtime/db';
import { type OpenSpan, RunningOpenCount } from './running-open-count';
import type { WindowSettings } from './window-facts';

/** The whole count, as METRICS.md defines it (partial index support_tickets_open_idx). */
export const OPEN_TICKETS_SQL = `
  SELECT NULL::text AS g, count(*)::int8 AS n FROM support_tickets WHERE closed_at IS NULL AND opened_at <= now()`;

/** Open tickets as a running count. */
export const OPEN_SUPPORT_TICKETS: OpenSpan = {
  table: 'support_tickets',
  opened: 'opened_at',
  closed: 'closed_at',
  wholeSql: OPEN_TICKETS_SQL,
};

export class RunningOpenTickets {
  private readonly count: RunningOpenCount;

  constructor(readonly name: string) {
    this.count = new RunningOpenCount(name, OPEN_SUPPORT_TICKETS);
  }

  /** The open tickets now. One statement a cycle; a failed one leaves the state as it was. */
  async cycle(db: Db, s: WindowSettings): Promise<number> {
    return (await this.count.cycle(db, s)).get('') ?? 0;
  }

  selfSamples() {
    return this.count.selfSamples();
  }
}
