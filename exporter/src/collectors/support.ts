/**
 * Support and satisfaction: open tickets (a running count, ./open-tickets.ts), tickets opened
 * (incremental on opened_at), and two continuous aggregates (./window-facts.ts): CSAT of tickets
 * closed per window (one fact per scored ticket closed in the last 30 days) and review rating per
 * window (one fact per review). Averages are absent for a window with nothing scored: no score is
 * not a score of zero.
 *
 * A ticket's closed_at and csat_score change after the fact (closed, scored, reopened, closed again)
 * without a timestamp of their own. Where support_tickets.updated_at moves with every write
 * (collection.ticket_changes: by default where a trigger keeps it), one statement a cycle reads the
 * tickets written since the previous read (./ticket-writes.ts) and both CSAT and the open tickets (held
 * as a set, ./open-ticket-set.ts) follow those rows. Elsewhere each cycle checks the tickets closed
 * inside `mutable_horizon` bucket by bucket (./csat-tail.ts), re-reads those of the buckets that changed
 * and neutralises the facts that no longer hold (a fact of a re-read range missing from the re-read, an
 * older fact of a ticket the re-read found closed at another time), and the open tickets are a running
 * count (./open-tickets.ts). Reviews never change: a cycle reads the new ones.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';
import type { MetricDef } from '../../../shared/catalogue';
import { IncrementalState } from './incremental';
import { RunningOpenTickets } from './open-tickets';
import { OpenTicketSet } from './open-ticket-set';
import { csatOfWrites, readTicketWrites, type TicketWrites } from './ticket-writes';
import { readsWriteStamps, stampsOf } from './write-stamps';
import { type Col, CSAT_FACTS_SQL, CsatTail, toScore } from './csat-tail';
import { type FactStore, queryFacts, streamFacts, usOf, windowSlices, windowSettings, WindowFacts, type WindowSpec } from './window-facts';

export const SUPPORT_TICKETS_OPENED_SQL = `
  SELECT count(*) AS n
    FROM support_tickets
   WHERE opened_at > $1::timestamptz AND opened_at <= $2::timestamptz`;

/** Reviews created in ($1, $2] (reviews_created_at_idx). */
export const REVIEW_FACTS_SQL = `
  SELECT id, ${usOf('created_at')} AS t, rating AS score
    FROM reviews
   WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz`;

const readScores = (db: Db, sql: string, from: number, to: number) => queryFacts(db, sql, [from, to], toScore);

const averages =
  (metric: MetricDef) =>
  (store: FactStore<Col>, nowUs: number): Sample[] => {
    const { n, t, cols } = store.view();
    const out: Sample[] = [];
    for (const { window, a, b } of windowSlices(t, n, nowUs)) {
      let sum = 0;
      let count = 0;
      for (let i = a; i < b; i++) {
        const s = cols.score[i]!;
        if (s === 0) continue;
        sum += s;
        count += 1;
      }
      if (count > 0) out.push({ metric, labels: { window }, value: sum / count });
    }
    return out;
  };

export const support: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const retainSeconds = Math.max(...WINDOWS.map((w) => WINDOW_SECONDS[w]));
  const csatTail = new CsatTail();
  // Decided on the first cycle (collection.ticket_changes, and whether a trigger keeps support_tickets.updated_at).
  let stamped: boolean | undefined;
  // This cycle's stamp read, made by CSAT and then followed by the open set (null: none made).
  let written: TicketWrites | null = null;
  const csatSpec: WindowSpec<Col> = {
    columns: { score: 'u8' },
    retainSeconds,
    loadRange: (db, from, to, sink) => streamFacts(db, CSAT_FACTS_SQL, [from, to], toScore, sink),
    async readChanged(db, from, to, minT, tail) {
      if (!stamped) return csatTail.read(db, tail!.store, tail!.fromUs, from, to);
      written = await readTicketWrites(db, from);
      return csatOfWrites(tail!.store, written.rows, minT, to);
    },
  };
  const reviewSpec: WindowSpec<Col> = {
    columns: { score: 'u8' },
    retainSeconds,
    loadRange: (db, from, to, sink) => streamFacts(db, REVIEW_FACTS_SQL, [from, to], toScore, sink),
    readChanged: async (db, from, to) => ({ rows: await readScores(db, REVIEW_FACTS_SQL, from, to) }),
  };
  const csat = new WindowFacts('support', csatSpec);
  const reviews = new WindowFacts('support_reviews', reviewSpec);
  const open = new RunningOpenTickets('support_open');
  const openSet = new OpenTicketSet('support_open');
  const csatOf = averages(M.csatScore);
  const ratingOf = averages(M.reviewRating);
  return {
    name: 'support',
    usesDatabase: true,
    metrics: [M.supportTicketsOpen, M.supportTicketsTotal, M.csatScore, M.reviewRating, M.rollupDrift, M.rollupStateBytes],
    windowStates: [csat, reviews],
    async collect({ db, log }) {
      stamped ??= await readsWriteStamps(
        stampsOf(config, 'support_tickets'),
        db,
        log,
        'support',
        'checking the tickets closed inside the mutable tail and counting the open ones',
      );
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [r] = await db.query(SUPPORT_TICKETS_OPENED_SQL, [from, to]);
        staged.add(M.supportTicketsTotal, {}, Number(r?.n ?? 0));
      });
      const out: Sample[] = [...state.totals.samples()];
      const settings = windowSettings(config);
      let csatNow: number;
      if (stamped) {
        written = null;
        csatNow = await csat.cycle(db, settings, csatOf, log);
        const openNow = await openSet.cycle(db, settings, csatNow, written);
        out.push({ metric: M.supportTicketsOpen, labels: {}, value: openNow }, ...openSet.selfSamples());
      } else {
        out.push({ metric: M.supportTicketsOpen, labels: {}, value: await open.cycle(db, settings) }, ...open.selfSamples());
        csatNow = await csat.cycle(db, settings, csatOf, log);
      }
      const reviewsNow = await reviews.cycle(db, settings, ratingOf, log);
      out.push(...csatOf(csat.store!, csatNow), ...ratingOf(reviews.store!, reviewsNow), ...csat.selfSamples(), ...reviews.selfSamples());
      return out;
    },
  };
};
