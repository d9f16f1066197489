/**
 * Bounce ratio per trailing window, as a continuous aggregate (./window-facts.ts): one fact per
 * session of the last 30 days, its page views counted up to two ("none, one or more" is all the
 * ratio needs). A cycle reads the sessions started since the previous horizon, their views counted
 * by one index range scan over their (consecutive) ids (BOUNCE_CHANGED_SQL), and the ids of older
 * sessions given a page view since then. An older session whose fact already holds two views is done
 * (views are never taken back); the others are counted again by id, their start time taken from their
 * fact, and only a session not found among the facts is looked up in `sessions` (BOUNCE_RECOUNT_SQL).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import {
  BlockSums,
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  streamFacts,
  ratioByWindow,
  usOf,
  usToTimestamp,
  WindowFacts,
  factOfSession,
  type FactRow,
  type WindowSpec,
} from './window-facts';

/** Page views of session `id`, counted up to two: an index probe of page_views_session_idx. */
const viewsOf = (id: string) => `(SELECT count(*) FROM (SELECT 1 FROM page_views pv WHERE pv.session_id = ${id} LIMIT 2) two)`;

/** Sessions started in ($1, $2], one probe of their page views each: the first load and full refresh. */
export const BOUNCE_FACTS_SQL = `
  SELECT s.id, ${usOf('s.started_at')} AS t, ${viewsOf('s.id')} AS views
    FROM sessions s
   WHERE s.started_at > $1::timestamptz AND s.started_at <= $2::timestamptz`;

/**
 * One read per cycle, three kinds of rows (`kind`), returned as read for readChanged to match up:
 *  - NEW: the sessions started in ($1, $2], with `t`;
 *  - COUNTED: their page views, however dated, counted per session. The new sessions of a minute hold
 *    consecutive ids, so their views lie together in page_views_session_idx: one range scan from the
 *    lowest id to the highest instead of a probe per session, each of which descended the index (3
 *    pages, most of them for a session without a view yet). All of a new session's views are counted,
 *    not two: they are rows of the last minutes (a view is not committed before its session). Where
 *    the ids are not that close (the range would span more other ids than new sessions, plus 64), the
 *    NEW rows carry each session's views from a probe instead, and no COUNTED row is read (nor with
 *    no new session: `close` is then false, not NULL, which would also drop every VIEWED row);
 *  - VIEWED: the session of each page view dated in ($1, $2], one row per view, for the caller to
 *    settle the older sessions against their facts. Views of a session in the COUNTED range are left
 *    out: the caller settles every COUNTED session that is not new instead (an older session whose id
 *    lies among the new ones, committed out of order; settling one without a new view changes nothing).
 * Matching them in the exporter instead of joining, de-duplicating and excluding in SQL cut the read's
 * database time on a busy minute (139 sessions, 208 page views) from 0.21 to 0.16 ms where the new
 * sessions have no views yet and from 0.20 to 0.17 ms on the dataset's real last minute
 * (bench/statement-cost.ts; bench/results/raw-rows.md). (Splitting the ids into runs of close ones with window
 * functions read as few pages but cost more time than it saved: 0.31 against 0.22 ms on a busy minute.)
 */
const NEW = 0;
const COUNTED = 1;
const VIEWED = 2;
export const BOUNCE_CHANGED_SQL = `
  WITH new AS MATERIALIZED (
    SELECT s.id, s.started_at FROM sessions s
     WHERE s.started_at > $1::timestamptz AND s.started_at <= $2::timestamptz
  ), span AS MATERIALIZED (
    SELECT min(id) AS lo, max(id) AS hi, coalesce(max(id) - min(id) < 2 * count(*) + 64, false) AS close FROM new
  )
  SELECT ${NEW} AS kind, n.id, ${usOf('n.started_at')} AS t,
         CASE WHEN (SELECT close FROM span) THEN NULL ELSE ${viewsOf('n.id')} END AS views
    FROM new n
  UNION ALL
  SELECT ${COUNTED}, pv.session_id, NULL, count(*) FROM page_views pv
   WHERE (SELECT close FROM span) AND pv.session_id >= (SELECT lo FROM span) AND pv.session_id <= (SELECT hi FROM span)
   GROUP BY pv.session_id
  UNION ALL
  SELECT ${VIEWED}, pv.session_id, NULL, NULL FROM page_views pv
   WHERE pv.viewed_at > $1::timestamptz AND pv.viewed_at <= $2::timestamptz
     AND NOT ((SELECT close FROM span) AND pv.session_id >= (SELECT lo FROM span) AND pv.session_id <= (SELECT hi FROM span))`;

/**
 * Older sessions given a page view whose fact holds fewer than two views, counted again: those of $1
 * found in the facts (`t` NULL: the fact's own), and those of $2 not found there (out of id order
 * beyond factOfSession's reach, or committed later than settle_lag), looked up by primary key and
 * kept if started in ($3, $4] (minT, the horizon).
 */
export const BOUNCE_RECOUNT_SQL = `
  SELECT x.id, NULL::int8 AS t, ${viewsOf('x.id')} AS views
    FROM unnest($1::int8[]) x(id)
  UNION ALL
  SELECT s.id, ${usOf('s.started_at')} AS t, ${viewsOf('s.id')} AS views
    FROM sessions s
   WHERE s.id = ANY($2::int8[]) AND s.started_at > $3::timestamptz AND s.started_at <= $4::timestamptz`;

type Col = 'views';

const toFact = (r: Record<string, unknown>): FactRow<Col> => ({ id: Number(r.id), t: Number(r.t), views: Number(r.views) });

/** readChanged: the cycle's read, then the recount of the older sessions that may have changed. */
const readChanged: NonNullable<WindowSpec<Col>['readChanged']> = async (db, from, to, minT, tail) => {
  const rows: FactRow<Col>[] = [];
  const facts = tail?.store.view();
  const found = new Map<number, number>();
  const missing: number[] = [];
  const fresh: Record<string, unknown>[] = [];
  const counted = new Map<number, number>();
  const viewed = new Set<number>();
  for (const r of await db.query(BOUNCE_CHANGED_SQL, [usToTimestamp(from), usToTimestamp(to)])) {
    if (r.kind === NEW) fresh.push(r);
    else if (r.kind === COUNTED) counted.set(Number(r.id), Number(r.views));
    else viewed.add(Number(r.id));
  }
  for (const r of fresh) {
    const id = Number(r.id);
    rows.push(toFact({ ...r, views: r.views ?? Math.min(counted.get(id) ?? 0, 2) }));
    counted.delete(id);
    viewed.delete(id);
  }
  // The rest of the counted range: older sessions, whose views in the range VIEWED left out.
  for (const id of counted.keys()) viewed.add(id);
  // Older sessions given a view: two views or more is final, so a fact that holds them needs no read.
  for (const id of viewed) {
    const i = facts ? factOfSession(facts.id, id) : -1;
    if (i < 0) missing.push(id);
    else if (facts!.cols.views[i]! < 2) found.set(id, facts!.t[i]!);
  }
  if (found.size > 0 || missing.length > 0) {
    const recounted = await db.query(BOUNCE_RECOUNT_SQL, [[...found.keys()], missing, usToTimestamp(minT), usToTimestamp(from)]);
    for (const r of recounted) rows.push(toFact(r.t === null ? { ...r, t: found.get(Number(r.id)) } : r));
  }
  return { rows };
};

export const bounce: CollectorFactory = (config) => {
  const spec: WindowSpec<Col> = {
    columns: { views: 'u8' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, BOUNCE_FACTS_SQL, [from, to], toFact, sink),
    readChanged,
  };
  // [viewed, bounced] per block of facts (BlockSums).
  const sums = new BlockSums<Col>(2);
  const evaluate = (store: FactStore<Col>, nowUs: number): Sample[] => {
    const { views } = store.view().cols;
    const add = (acc: Float64Array, i: number) => {
      const v = views[i]!;
      if (v >= 1) acc[0] += 1;
      if (v === 1) acc[1] += 1;
      return Infinity;
    };
    return ratioByWindow(sums, store, nowUs, add, M.bounceRatio);
  };
  const state = new WindowFacts('bounce', spec);
  return {
    name: 'bounce',
    usesDatabase: true,
    metrics: [M.bounceRatio, M.rollupDrift, M.rollupStateBytes],
    windowStates: [state],
    async collect({ db, log }) {
      return state.samples(db, config, evaluate, log);
    },
  };
};
