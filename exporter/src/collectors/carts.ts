/**
 * Carts: abandoned carts as an incremental counter on carts.abandoned_at, and the abandonment ratio
 * per trailing window over carts created in it, as a continuous aggregate (./window-facts.ts): one
 * fact per cart of the last 30 days, its status re-read while inside collection.mutable_horizon.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { IncrementalState } from './incremental';
import {
  BlockSums,
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  queryFacts,
  streamFacts,
  ratioByWindow,
  usOf,
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
 * Carts created in ($3, $2] that were created or abandoned in ($1, $2] (abandonment is the one status
 * change with a timestamp), or are in $5 (carts open in the mutable tail ($4, $2] when last read) and
 * no longer open: a cart turns `converted` without a timestamp. A closed cart does not reopen, so only
 * the carts of $5 missing from the tail's open carts (an index-only scan of carts_open_idx) are read,
 * by primary key: the database returns what changed, not the ~9,400 open carts of a 48h tail at 10×
 * bench_1m's rate. Without carts_open_idx the anti-join scans the tail's carts (slower, same rows).
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
           SELECT was.id FROM unnest($5::bigint[]) AS was (id)
            WHERE NOT EXISTS (
                    SELECT FROM carts o
                     WHERE o.id = was.id AND o.status = 'open'
                       AND o.created_at > $4::timestamptz AND o.created_at <= $2::timestamptz)))
     AND c.status <> 'open' AND c.created_at > $3::timestamptz AND c.created_at <= $2::timestamptz`;

type Col = 'state';
const OPEN = 0;
const ABANDONED = 1;

export const carts: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({ id: Number(r.id), t: Number(r.t), state: Number(r.state) });
  // A cart turns `converted` without a timestamp of its own: open carts of the mutable_horizon tail are re-read.
  const spec: WindowSpec<Col> = {
    columns: { state: 'u8' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, CART_FACTS_SQL, [from, to], toFact, sink),
    async readChanged(db, from, to, minT, tail) {
      // Open carts of the tail ($5), as facts after tail.fromUs: the same bound as $4.
      const open: number[] = [];
      if (tail) {
        const { n, t, id, cols } = tail.store.view();
        for (let i = windowRange(t, n, tail.fromUs, 0)[0]; i < n; i++) if (cols.state[i] === OPEN) open.push(id[i]!);
      }
      return { rows: await queryFacts(db, CART_CHANGED_SQL, [from, to, minT, tail?.fromUs ?? to], toFact, [open]) };
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
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [row] = await db.query(CARTS_ABANDONED_SQL, [from, to]);
        staged.add(M.cartsAbandonedTotal, {}, Number(row?.n ?? 0));
      });
      return [...state.totals.samples(), ...(await windows.samples(db, config, evaluate, log))];
    },
  };
};
