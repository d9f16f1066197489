/**
 * CSAT's mutable tail, checked per bucket, where support does not follow support_tickets.updated_at
 * (collection.ticket_changes: tail_check, or auto without a trigger keeping it; with one, the written
 * tickets are read instead, ./ticket-writes.ts, and only staleFacts here serves). A ticket's closed_at
 * and csat_score change after the fact (scored after closing, rescored, reopened, closed again), so
 * each cycle must learn which facts of the tickets closed inside `mutable_horizon` no longer hold.
 * Re-reading all of them (≈ 2,000 at 10×
 * bench_1m's rate) to find the few that changed was the costliest statement of support's cycle; now
 * the facts held for the already-read part of the tail are cut into buckets, each sent as its time
 * range and a fingerprint of its facts, and the database returns only the tickets of the buckets
 * whose fingerprint differs, with those of the new range. On a copy of bench_busy_1m, alternated
 * (README, "CSAT's tail, checked per bucket"): the statement 1.14–2.17 → 0.41–0.74 ms of database time,
 * support 1.53–2.70 → 0.74–1.30 ms, the exporter's CPU for the read 2.2 → 0.6 ms.
 */
import type { Db } from '../runtime/db';
import { type FactPatch, type FactRow, type FactStore, queryFacts, usOf, usToTimestamp, windowRange } from './window-facts';

/** Score 1..5; 0 marks a fact that no longer holds (it is skipped until it leaves the window). */
export type Col = 'score';

export const toScore = (r: Record<string, unknown>): FactRow<Col> => ({ id: Number(r.id), t: Number(r.t), score: Number(r.score) });

/**
 * Scored tickets closed in ($1, $2] (index-only on support_tickets_closed_scored_idx when present): a
 * build, and the tail re-read whole after a check that found most of its buckets changed (CsatTail).
 */
export const CSAT_FACTS_SQL = `
  SELECT id, ${usOf('closed_at')} AS t, csat_score AS score
    FROM support_tickets
   WHERE closed_at > $1::timestamptz AND closed_at <= $2::timestamptz
     AND csat_score IS NOT NULL`;

/**
 * The tickets CSAT must re-read: those of the new range ($1, $2] (k = 0), and those of each bucket
 * (lo, hi] of ($3, $4) whose fingerprint in the database is not $5's, the one of the facts held (k its
 * 1-based number). A changed bucket with no scored ticket left comes back as one row without an id, so
 * the caller knows its held facts are all stale.
 *
 * The fingerprint (fingerprintOf) is a bucket's count and sums of id, dt, score and id·score, dt being
 * closed_at less the bucket's lower bound in µs. One ticket's change moves the count or Σid (it joined
 * or left), Σdt (closed again inside the bucket) or Σscore; scores moved +1 and −1 on two tickets move
 * Σid·score. Two changes of one bucket in one cycle cancel only by coincidence, e.g. two of its tickets
 * closed again, one δ µs later and one δ earlier, with the same score: then the full refresh corrects
 * it and publishes the drift. An md5 of the facts in (t, id) order, exact up to a collision, cost more
 * database time than the re-read it replaces: busy copy, the whole tail at once (EXPLAIN, no timing,
 * medians of 9–11): md5 1.7–2.3 ms, the plain re-read 0.85–0.91 ms before sending its 2,000 rows,
 * these sums 0.47 ms, and a product of id and dt modulo a prime, against the ±δ case, 0.76 ms. Σdt
 * sums the intervals closed_at − lo and converts once per bucket: extract()'s numeric per row was
 * half the cost.
 */
export const CSAT_CHANGED_SQL = `
  WITH ranges AS (
    SELECT 0::int8 AS k, $1::timestamptz AS lo, $2::timestamptz AS hi
    UNION ALL
    SELECT b.k, b.lo, b.hi
      FROM unnest($3::timestamptz[], $4::timestamptz[], $5::text[]) WITH ORDINALITY AS b (lo, hi, held, k)
     WHERE b.held <> (
             SELECT concat_ws(':', count(*), sum(id), (extract(epoch FROM sum(closed_at - b.lo)) * 1000000)::int8,
                              sum(csat_score), sum(id * csat_score))
               FROM support_tickets
              WHERE closed_at > b.lo AND closed_at <= b.hi AND csat_score IS NOT NULL)
  )
  SELECT r.k, f.id, f.t, f.score
    FROM ranges r
    LEFT JOIN LATERAL (
      SELECT id, ${usOf('closed_at')} AS t, csat_score AS score
        FROM support_tickets
       WHERE closed_at > r.lo AND closed_at <= r.hi AND csat_score IS NOT NULL
    ) f ON true`;

/** Facts held per bucket: fewer add range scans, more re-read more rows when one fact changes. */
const BUCKET_FACTS = 256;

/** The fingerprint of facts of a bucket starting after `loUs`, as CSAT_CHANGED_SQL computes it. */
export function fingerprintOf(facts: readonly { id: number; t: number; score: number }[], loUs: number): string {
  if (facts.length === 0) return '0'; // sums of no rows are NULL, which concat_ws leaves out
  const sums = [0, 0, 0, 0];
  for (const { id, t, score } of facts) {
    sums[0] += id;
    sums[1] += t - loUs;
    sums[2] += score;
    sums[3] += id * score;
  }
  // Positive terms add exactly while the total stays a safe integer; else count in BigInt.
  if (facts.every((f) => f.id > 0) && sums.every(Number.isSafeInteger)) return [facts.length, ...sums].join(':');
  const big = [0n, 0n, 0n, 0n];
  for (const { id, t, score } of facts) {
    big[0] += BigInt(id);
    big[1] += BigInt(t - loUs);
    big[2] += BigInt(score);
    big[3] += BigInt(id) * BigInt(score);
  }
  return [facts.length, ...big].join(':');
}

/**
 * The held facts with t in (fromUs, horizonUs] that still count (score ≠ 0), cut into buckets of about
 * BUCKET_FACTS: bucket k covers (lo[k], hi[k]]; together they cover the whole range, an empty one too
 * (a ticket may be scored into it). A bucket never ends between two facts of the same t: the range
 * (lo, hi] would hold the next one too.
 */
export function csatBuckets(store: FactStore<Col>, fromUs: number, horizonUs: number) {
  const lo: number[] = [];
  const hi: number[] = [];
  const fingerprint: string[] = [];
  if (horizonUs <= fromUs) return { lo, hi, fingerprint };
  const { n, t, id, cols } = store.view();
  const held: { id: number; t: number; score: number }[] = [];
  for (let i = windowRange(t, n, fromUs, 0)[0]; i < n && t[i]! <= horizonUs; i++) {
    if (cols.score[i] !== 0) held.push({ id: id[i]!, t: t[i]!, score: cols.score[i]! });
  }
  let start = 0;
  const cut = (end: number, last: boolean) => {
    lo.push(start === 0 ? fromUs : held[start - 1]!.t);
    hi.push(last ? horizonUs : held[end - 1]!.t);
    fingerprint.push(fingerprintOf(held.slice(start, end), lo[lo.length - 1]!));
    start = end;
  };
  for (let i = 0; i < held.length - 1; i++) {
    if (i + 1 - start >= BUCKET_FACTS && held[i + 1]!.t !== held[i]!.t) cut(i + 1, false);
  }
  cut(held.length, true);
  return { lo, hi, fingerprint };
}

/** Half-open-below ranges (lo, hi] of event time that a read covered in full. */
export type Ranges = readonly (readonly [lo: number, hi: number])[];

/**
 * The CSAT facts to upsert and the ranges they cover in full: the new range (from, to] and every bucket
 * of the tail (tailFromUs, from] whose facts in the database differ from those held.
 */
export async function readCsatChanged(
  db: Db,
  store: FactStore<Col>,
  tailFromUs: number,
  fromUs: number,
  toUs: number,
): Promise<{ rows: FactRow<Col>[]; reread: Ranges; buckets: number; changed: number }> {
  const { lo, hi, fingerprint } = csatBuckets(store, tailFromUs, fromUs);
  const result = await db.query(CSAT_CHANGED_SQL, [
    usToTimestamp(fromUs),
    usToTimestamp(toUs),
    lo.map(usToTimestamp),
    hi.map(usToTimestamp),
    fingerprint,
  ]);
  const rows: FactRow<Col>[] = [];
  const changed = new Set<number>();
  for (const r of result) {
    const k = Number(r.k);
    if (k > 0) changed.add(k - 1);
    if (r.id !== null) rows.push(toScore(r));
  }
  const reread: [number, number][] = [...changed].sort((a, b) => a - b).map((k) => [lo[k]!, hi[k]!]);
  // Facts after the previous horizon were read by the last cycle while still settling: all re-read.
  reread.push([fromUs, Infinity]);
  return { rows, reread, buckets: lo.length, changed: changed.size };
}

/** Longest run of whole re-reads after checks that kept finding most buckets changed. */
const MAX_WHOLE_CYCLES = 16;

/**
 * The CSAT tail's read of one collector. When a check finds most buckets changed, checking cost more
 * than re-reading the tail whole (busy, every bucket changed: 1.6 against 0.9 ms at the server, 5.1
 * against 3.4 ms at the client), so
 * the next cycle re-reads it whole, then checks again; while checks keep finding most buckets changed
 * the run of whole re-reads doubles, up to MAX_WHOLE_CYCLES. Both reads give the same facts.
 */
export class CsatTail {
  private wholeLeft = 0;
  private run = 1;

  async read(
    db: Db,
    store: FactStore<Col>,
    tailFromUs: number,
    fromUs: number,
    toUs: number,
  ): Promise<{ rows: FactRow<Col>[]; patches: FactPatch<Col>[] }> {
    if (this.wholeLeft > 0) {
      this.wholeLeft -= 1;
      const rows = await queryFacts(db, CSAT_FACTS_SQL, [tailFromUs, toUs], toScore);
      return { rows, patches: staleFacts(store, [[tailFromUs, Infinity]], rows) };
    }
    const { rows, reread, buckets, changed } = await readCsatChanged(db, store, tailFromUs, fromUs, toUs);
    if (changed * 2 > buckets) {
      this.wholeLeft = this.run;
      this.run = Math.min(2 * this.run, MAX_WHOLE_CYCLES);
    } else this.run = 1;
    return { rows, patches: staleFacts(store, reread, rows) };
  }
}

/**
 * Patches setting score 0 on facts the re-read contradicts: facts inside a re-read range that it did
 * not return, facts anywhere of an id it returned at another time, and every fact of an id in `gone`
 * (a ticket read without a fact: no longer scored or closed in the window). `reread` is sorted and
 * disjoint. One pass over the store, none when nothing was read.
 */
export function staleFacts(
  store: FactStore<Col>,
  reread: Ranges,
  rows: readonly FactRow<Col>[],
  gone: readonly number[] = [],
): FactPatch<Col>[] {
  const at = new Map<number, number>(rows.map((r) => [r.id, r.t]));
  // NaN equals no time, so every held fact of a gone ticket is contradicted.
  for (const g of gone) at.set(g, Number.NaN);
  const out: FactPatch<Col>[] = [];
  if (reread.length === 0 && at.size === 0) return out;
  const { n, t, id, cols } = store.view();
  let r = 0;
  for (let i = 0; i < n; i++) {
    if (cols.score[i] === 0) continue;
    const ti = t[i]!;
    while (r < reread.length && reread[r]![1] < ti) r++;
    const inRange = r < reread.length && ti > reread[r]![0];
    const seen = at.get(id[i]!);
    if (seen === undefined ? inRange : seen !== ti) out.push({ t: ti, id: id[i]!, col: 'score', value: 0 });
  }
  return out;
}
