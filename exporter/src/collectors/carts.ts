/**
 * Carts: abandoned carts as an incremental counter on carts.abandoned_at, and the abandonment ratio
 * per trailing window over carts created in it, as a continuous aggregate (./window-facts.ts): one
 * fact per cart of the last 30 days. A cart's status changes without a timestamp of its own, so a
 * cycle finds the changed carts either by carts.updated_at (collection.cart_changes: where a trigger
 * keeps it, by default) or by checking the open carts of collection.mutable_horizon's tail.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Db } from '../runtime/db';
import type { Sample } from '../metrics/sample';
import { IncrementalState } from './incremental';
import { readsWriteStamps, stampsOf } from './write-stamps';
import {
  BlockSums,
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  queryFacts,
  streamFacts,
  ratioByWindow,
  usOf,
  usToTimestamp,
  windowRange,
  WindowFacts,
  type FactRow,
  type WindowSpec,
} from './window-facts';

export const CARTS_ABANDONED_SQL = `
  SELECT count(*) AS n
    FROM carts
   WHERE abandoned_at > $1::timestamptz AND abandoned_at <= $2::timestamptz`;

const FACT_COLUMNS = `c.id, ${usOf('c.created_at')} AS t, CASE c.status WHEN 'open' THEN 0 WHEN 'abandoned' THEN 1 ELSE 2 END AS state`;

/** Carts created in ($1, $2]. */
export const CART_FACTS_SQL = `
  SELECT ${FACT_COLUMNS} FROM carts c
   WHERE c.created_at > $1::timestamptz AND c.created_at <= $2::timestamptz`;

/**
 * Where carts.updated_at moves with every write: the carts written at or after $1 (the previous read's
 * now() less settle_lag) and created in ($3, $2], one index range on carts_updated_at_idx. New carts,
 * conversions and abandonments are all writes, so no open-tail check and no anti-join; the cost follows
 * the carts written. What it cannot see waits for the full refresh, which publishes the difference as
 * rollup drift: a write that kept updated_at, a deleted cart, a write committed more than settle_lag
 * after its stamp (or stamped more than settle_lag before its created_at).
 * The upper bound 'infinity' is for the planner: a column just added has no statistics until carts is
 * analyzed (autovacuum waits for 10 % of the rows to change), and `updated_at >= $1` alone is then guessed
 * at a third of the table, so the window was read by carts_created_at_idx instead (copy of bench_1m:
 * 60–74 ms, 6,121 pages a cycle); a two-sided range is guessed at 0.5 %. Bounded by 'infinity', not by
 * the read's now(): with now(), window-equivalence's carts by updated_at differed from the reference.
 */
export const CART_STAMPED_SQL = `
  SELECT ${FACT_COLUMNS} FROM carts c
   WHERE c.updated_at >= $1::timestamptz AND c.updated_at <= 'infinity'::timestamptz
     AND c.created_at > $3::timestamptz AND c.created_at <= $2::timestamptz`;

/**
 * Without a stamp: carts created in ($3, $2] that were created or abandoned in ($1, $2] (abandonment is the one status
 * change with a timestamp), or are in $6 and no longer open: a cart turns `converted` without a
 * timestamp. $6 holds only the carts held as open in the buckets CART_OPEN_BUCKETS_SQL found changed
 * (none when no cart of the tail closed), not the ~9,400 open carts of a 48h tail at 10× bench_1m's
 * rate, whose sending, parsing and hashing was most of the carts cycle (steady DB time on copies of
 * bench_busy_1m 2.1–3.3 → 0.8–1.1 ms, of bench_1m 0.28–0.30 → 0.16–0.20 ms: README, "Carts' open
 * tail, counted per bucket"). A closed cart does not reopen, so only the carts of $6 missing from the
 * open carts of ($4, $5] (the changed buckets' span, an index-only scan of carts_open_idx) are read,
 * by primary key. Without carts_open_idx the anti-join scans the span's carts (slower, same rows).
 * The carts that left are gathered into one array (ARRAY(…)) and looked up by primary key: written as
 * `id IN (…)`, the planner hash-joined them against a sequential scan of the window (345 ms, busy).
 * Three index-driven parts (created_at, abandoned_at, primary key): one OR would scan the whole window.
 */
export const CART_CHANGED_SQL = `
  SELECT ${FACT_COLUMNS} FROM carts c
   WHERE c.created_at > greatest($1::timestamptz, $3::timestamptz) AND c.created_at <= $2::timestamptz
  UNION
  SELECT ${FACT_COLUMNS} FROM carts c
   WHERE c.abandoned_at > $1::timestamptz AND c.abandoned_at <= $2::timestamptz
     AND c.created_at > $3::timestamptz AND c.created_at <= $2::timestamptz
  UNION
  SELECT ${FACT_COLUMNS} FROM carts c
   WHERE c.id = ANY (ARRAY(
           SELECT was.id FROM unnest($6::bigint[]) AS was (id)
            WHERE NOT EXISTS (
                    SELECT FROM carts o
                     WHERE o.id = was.id AND o.status = 'open'
                       AND o.created_at > $4::timestamptz AND o.created_at <= $5::timestamptz)))
     AND c.status <> 'open' AND c.created_at > $3::timestamptz AND c.created_at <= $2::timestamptz`;

/**
 * Numbers (1-based) of the buckets (lo $1, hi $2] whose count of open carts is not $3, the count held
 * as open: ~37 index-only range counts on carts_open_idx (0.63 ms, busy) where the anti-join of all
 * ~9,400 ids took 2.0 ms, plus their sending and parsing. See openCartsChanged for why counts suffice.
 * One index-only scan grouped by width_bucket() reads fewer pages (37 against 94) but took 1.6 ms.
 */
export const CART_OPEN_BUCKETS_SQL = `
  SELECT b.k FROM unnest($1::timestamptz[], $2::timestamptz[], $3::int8[]) WITH ORDINALITY AS b (lo, hi, held, k)
   WHERE b.held <> (SELECT count(*) FROM carts o
                     WHERE o.status = 'open' AND o.created_at > b.lo AND o.created_at <= b.hi)`;

/**
 * Carts held as open per bucket: a bucket whose count dropped costs this many ids at most (a few
 * more when carts share the boundary's timestamp). Smaller buckets add range counts (64: 280 pages and
 * 0.81 ms for 7,900 open carts; 256: 94 pages, 0.63 ms; one count of all: 34 pages, 0.60 ms).
 */
const OPEN_BUCKET_CARTS = 256;

type Col = 'state';
const OPEN = 0;
const ABANDONED = 1;

/**
 * Carts held as open with created_at in (tailFromUs, horizonUs] whose bucket lost an open cart in the
 * database, and the span of those buckets: the carts CART_CHANGED_SQL must look up. Carts created
 * after the horizon need no check: that statement re-reads them all with their status.
 *
 * Why a count per bucket is exact: every cart created by the previous horizon was visible by the
 * previous cycle (the data contract: committed within settle_lag of created_at) and is held with the
 * status last read; a closed cart never reopens. So the database's open carts of the range are a
 * subset of the held ones, and a bucket's count equals its held count only when none of its carts
 * closed. The counts stop at the horizon because carts still arriving (created after it, committed
 * since the last cycle) would offset a closed cart in a count. What breaks it: a cart committed more
 * than settle_lag after its created_at is missed (as every read misses it) and may hide a closed cart
 * of its bucket; both wait for the full refresh, which publishes the difference as rollup drift.
 */
async function openCartsChanged(
  db: Db,
  store: FactStore<Col>,
  tailFromUs: number,
  horizonUs: number,
): Promise<{ ids: number[]; fromUs: number; toUs: number }> {
  const { ids, lo, hi, first, held } = openBuckets(store, tailFromUs, horizonUs);
  const none = { ids: [], fromUs: horizonUs, toUs: horizonUs };
  if (!held.length) return none;
  const rows = await db.query(CART_OPEN_BUCKETS_SQL, [lo.map(usToTimestamp), hi.map(usToTimestamp), held]);
  const changed = rows.map((r) => Number(r.k) - 1);
  if (!changed.length) return none;
  const check: number[] = [];
  for (const k of changed) check.push(...ids.slice(first[k], first[k]! + held[k]!));
  return { ids: check, fromUs: Math.min(...changed.map((k) => lo[k]!)), toUs: Math.max(...changed.map((k) => hi[k]!)) };
}

/**
 * The carts held as open with created_at in (tailFromUs, horizonUs], in (t, id) order, cut into
 * buckets: bucket k covers (lo[k], hi[k]] and holds ids[first[k]] and the held[k] - 1 after it.
 */
function openBuckets(store: FactStore<Col>, tailFromUs: number, horizonUs: number) {
  const { n, t, id, cols } = store.view();
  const ids: number[] = [];
  const at: number[] = [];
  for (let i = windowRange(t, n, tailFromUs, 0)[0]; i < n && t[i]! <= horizonUs; i++) {
    if (cols.state[i] === OPEN) {
      ids.push(id[i]!);
      at.push(t[i]!);
    }
  }
  const lo: number[] = [];
  const hi: number[] = [];
  const first: number[] = [];
  const held: number[] = [];
  // A bucket ends after OPEN_BUCKET_CARTS carts, never between two carts created at the same instant:
  // its range (lo, hi] would count the next one too. The last bucket ends at the horizon.
  for (let start = 0, i = 0; i < ids.length; i++) {
    const last = i === ids.length - 1;
    if (last || (i + 1 - start >= OPEN_BUCKET_CARTS && at[i + 1] !== at[i])) {
      lo.push(start === 0 ? tailFromUs : at[start - 1]!);
      hi.push(last ? horizonUs : at[i]!);
      first.push(start);
      held.push(i + 1 - start);
      start = i + 1;
    }
  }
  return { ids, lo, hi, first, held };
}

export const carts: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({ id: Number(r.id), t: Number(r.t), state: Number(r.state) });
  // Decided on the first cycle (collection.cart_changes, and whether a trigger keeps carts.updated_at).
  let stamped: boolean | undefined;
  // A cart turns `converted` without a timestamp of its own: read by its stamp, or else the open carts of
  // the mutable_horizon tail are checked by bucket (openCartsChanged), and those of a bucket that lost one
  // are looked up.
  const spec: WindowSpec<Col> = {
    columns: { state: 'u8' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, CART_FACTS_SQL, [from, to], toFact, sink),
    async readChanged(db, from, to, minT, tail) {
      if (stamped) return { rows: await queryFacts(db, CART_STAMPED_SQL, [from, to, minT], toFact) };
      const check = tail ? await openCartsChanged(db, tail.store, tail.fromUs, from) : { ids: [], fromUs: to, toUs: to };
      return { rows: await queryFacts(db, CART_CHANGED_SQL, [from, to, minT, check.fromUs, check.toUs], toFact, [check.ids]) };
    },
  };
  // [closed, abandoned] per block of facts (BlockSums).
  const sums = new BlockSums<Col>(2);
  const evaluate = (store: FactStore<Col>, nowUs: number): Sample[] => {
    const { state: st } = store.view().cols;
    const add = (acc: Float64Array, i: number) => {
      if (st[i] !== OPEN) acc[0] += 1;
      if (st[i] === ABANDONED) acc[1] += 1;
      return Infinity;
    };
    return ratioByWindow(sums, store, nowUs, add, M.cartAbandonmentRatio);
  };
  const windows = new WindowFacts('carts', spec);
  return {
    name: 'carts',
    usesDatabase: true,
    metrics: [M.cartsAbandonedTotal, M.cartAbandonmentRatio, M.rollupDrift, M.rollupStateBytes],
    windowStates: [windows],
    async collect({ db, log }) {
      stamped ??= await readsWriteStamps(stampsOf(config, 'carts'), db, log, 'carts', 'checking the open carts of the mutable tail');
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [row] = await db.query(CARTS_ABANDONED_SQL, [from, to]);
        staged.add(M.cartsAbandonedTotal, {}, Number(row?.n ?? 0));
      });
      return [...state.totals.samples(), ...(await windows.samples(db, config, evaluate, log))];
    },
  };
};
