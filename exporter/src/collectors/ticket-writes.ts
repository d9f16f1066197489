/**
 * Support tickets read by their write stamp (collection.ticket_changes). Where support_tickets.updated_at
 * moves with every write (the reference schema's support_tickets_stamp_write), one statement a cycle
 * reads the tickets written since the previous read, and both CSAT (./csat-tail.ts facts) and the open
 * set (./open-ticket-set.ts) follow those rows alone: no bucket check of the closed tail, no count of
 * the open tickets. What a stamp read cannot see waits for the full refresh, which publishes the
 * difference as rollup drift: a write that kept updated_at (trigger disabled), a deleted ticket, a
 * write committed more than settle_lag after its stamp.
 */
import type { Db } from '../runtime/db';
import { type Col, staleFacts, toScore } from './csat-tail';
import { type FactPatch, type FactRow, type FactStore, usOf, usToTimestamp } from './window-facts';

/**
 * The tickets written at or after $1 (the previous read's now() less settle_lag): one range of
 * support_tickets_updated_at_idx. Bounded by 'infinity' for the planner, as carts' CART_STAMPED_SQL is:
 * a column just added has no statistics, and `updated_at >= $1` alone is guessed at a third of the table.
 */
export const TICKETS_WRITTEN_SQL = `
  SELECT id, ${usOf('opened_at')} AS opened, ${usOf('closed_at')} AS t, csat_score AS score
    FROM support_tickets
   WHERE updated_at >= $1::timestamptz AND updated_at <= 'infinity'::timestamptz`;

/** A ticket as written: times in epoch µs, closed and score null while it has none. */
export interface TicketWrite {
  id: number;
  openedUs: number;
  closedUs: number | null;
  score: number | null;
}

/** The tickets of one stamp read and the instant it read from: whoever followed the stamps up to there may use them. */
export interface TicketWrites {
  fromUs: number;
  rows: TicketWrite[];
}

export async function readTicketWrites(db: Db, fromUs: number): Promise<TicketWrites> {
  const result = await db.query(TICKETS_WRITTEN_SQL, [usToTimestamp(fromUs)]);
  const rows = result.map((r) => ({
    id: Number(r.id),
    openedUs: Number(r.opened),
    closedUs: r.t === null ? null : Number(r.t),
    score: r.score === null ? null : Number(r.score),
  }));
  return { fromUs, rows };
}

/**
 * CSAT facts from written tickets: a ticket scored and closed in (minTUs, toUs] is upserted at its
 * closed_at; the held facts of the others (reopened, unscored, closed later than now), and those of a
 * scored ticket at another closed_at (closed again), are set to score 0 by patches.
 */
export function csatOfWrites(
  store: FactStore<Col>,
  writes: readonly TicketWrite[],
  minTUs: number,
  toUs: number,
): { rows: FactRow<Col>[]; patches: FactPatch<Col>[] } {
  const rows: FactRow<Col>[] = [];
  const gone: number[] = [];
  for (const w of writes) {
    if (w.score !== null && w.closedUs !== null && w.closedUs > minTUs && w.closedUs <= toUs) {
      rows.push(toScore({ id: w.id, t: w.closedUs, score: w.score }));
    } else gone.push(w.id);
  }
  return { rows, patches: staleFacts(store, [], rows, gone) };
}
