/**
 * Open support tickets held as a set, for when support follows the tickets' write stamps
 * (./ticket-writes.ts). A build reads every ticket without closed_at (its id and opened_at: ≈ 16,000 at
 * 10M orders, 16 bytes apiece); each later cycle moves only the tickets written since the previous
 * read: in when it has no closed_at, out otherwise. The count is the members with opened_at <= now
 * (METRICS.md), so a ticket opened in the future counts from its opened_at on without another write.
 *
 * A cycle whose stamp read started later than the set was kept up to (the set was never built, or a
 * cycle failed after CSAT had moved on) rebuilds instead. The periodic full refresh rebuilds and
 * publishes the difference as rollup drift (`collector="support_open"`): what a stamp read misses (a
 * write with the trigger disabled, a deleted ticket, a late commit) is corrected there. Nothing is
 * persisted: a restart or a reload builds the set again with one statement.
 */
import { M } from '../../../shared/catalogue';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';
import type { TicketWrite, TicketWrites } from './ticket-writes';
import { nextRefreshAt, usOf, type WindowSettings, US } from './window-facts';

/** Every open ticket (partial index support_tickets_open_idx, then its rows), in id order. */
export const OPEN_TICKET_SET_SQL = `
  SELECT id, ${usOf('opened_at')} AS opened FROM support_tickets WHERE closed_at IS NULL ORDER BY id`;

export class OpenTicketSet {
  /** Members sorted by id, and each one's opened_at in epoch µs. */
  private ids = new Float64Array(0);
  private opened = new Float64Array(0);
  /** A stamp read from here on (the last read's now() less settle_lag) sees every write the set lacks. */
  private keptFromUs: number | null = null;
  private nextRefreshUs = 0;
  /** |incremental - rebuilt| at the last full refresh. */
  drift = 0;

  constructor(readonly name: string) {}

  /**
   * The open tickets at `nowUs` (this cycle's now()), after `writes` when they cover what the set lacks,
   * else after a build. The set changes only once its statements succeeded.
   */
  async cycle(db: Db, s: WindowSettings, nowUs: number, writes: TicketWrites | null): Promise<number> {
    const keptFrom = nowUs - s.settleLagSeconds * US;
    if (this.keptFromUs === null || writes === null || writes.fromUs > this.keptFromUs) {
      const first = this.keptFromUs === null;
      await this.build(db);
      if (first) this.nextRefreshUs = nextRefreshAt(this.name, nowUs, s, true);
      this.keptFromUs = keptFrom;
      return this.countAt(nowUs);
    }
    if (nowUs < this.nextRefreshUs) {
      this.apply(writes.rows);
      this.keptFromUs = keptFrom;
      return this.countAt(nowUs);
    }
    const ids = this.ids;
    const opened = this.opened;
    this.apply(writes.rows);
    const incremental = this.countAt(nowUs);
    try {
      await this.build(db);
    } catch (e) {
      [this.ids, this.opened] = [ids, opened];
      throw e;
    }
    this.keptFromUs = keptFrom;
    const fresh = this.countAt(nowUs);
    this.drift = Math.abs(incremental - fresh);
    this.nextRefreshUs = nextRefreshAt(this.name, nowUs, s, false);
    return fresh;
  }

  selfSamples(): Sample[] {
    return [
      { metric: M.rollupDrift, labels: { collector: this.name }, value: this.drift },
      { metric: M.rollupStateBytes, labels: { collector: this.name }, value: this.ids.byteLength + this.opened.byteLength },
    ];
  }

  private countAt(nowUs: number): number {
    let n = 0;
    for (const t of this.opened) if (t <= nowUs) n += 1;
    return n;
  }

  private async build(db: Db): Promise<void> {
    const rows = await db.query(OPEN_TICKET_SET_SQL);
    const ids = new Float64Array(rows.length);
    const opened = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      ids[i] = Number(r.id);
      opened[i] = Number(r.opened);
    });
    this.ids = ids;
    this.opened = opened;
  }

  /** Merges the written tickets into the members (one pass): a ticket without closed_at is in, any other out. */
  private apply(writes: readonly TicketWrite[]): void {
    if (writes.length === 0) return;
    const byId = new Map<number, TicketWrite>();
    for (const w of writes) byId.set(w.id, w);
    const written = [...byId.values()].sort((a, b) => a.id - b.id);
    const ids = new Float64Array(this.ids.length + written.length);
    const opened = new Float64Array(ids.length);
    let n = 0;
    let j = 0;
    for (let i = 0; i <= this.ids.length; i++) {
      const held = i < this.ids.length ? this.ids[i]! : Infinity;
      for (; j < written.length && written[j]!.id <= held; j++) {
        const w = written[j]!;
        if (w.closedUs !== null) continue;
        ids[n] = w.id;
        opened[n++] = w.openedUs;
      }
      if (held === Infinity || byId.has(held)) continue;
      ids[n] = held;
      opened[n++] = this.opened[i]!;
    }
    this.ids = ids.slice(0, n);
    this.opened = opened.slice(0, n);
  }
}
