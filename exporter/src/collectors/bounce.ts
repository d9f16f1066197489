/**
 * Bounce ratio per trailing window, as a continuous aggregate (./window-facts.ts): one fact per
 * session of the last 30 days, its page views counted up to two ("none, one or more" is all the
 * ratio needs). A cycle reads sessions started, or given a page view, since the previous horizon.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import {
  BlockSums,
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  queryFacts,
  streamFacts,
  NEW_SESSION_IDS,
  ratioByWindow,
  usOf,
  WindowFacts,
  type FactRow,
  type WindowSpec,
} from './window-facts';

const FACT_COLUMNS = `
  s.id, ${usOf('s.started_at')} AS t,
  (SELECT count(*) FROM (SELECT 1 FROM page_views pv WHERE pv.session_id = s.id LIMIT 2) two) AS views`;

/** Sessions started in ($1, $2]. */
export const BOUNCE_FACTS_SQL = `
  SELECT ${FACT_COLUMNS}
    FROM sessions s
   WHERE s.started_at > $1::timestamptz AND s.started_at <= $2::timestamptz`;

/**
 * Sessions started in ($3, $2] that started or were viewed in ($1, $2] ($3 <= $1): those started in
 * ($1, $2] straight from the range scan, older ones only through a page view in ($1, $2]. Disjoint by
 * start, so nothing is de-duplicated; the views of new sessions (most views) are dropped by id before
 * the older part looks sessions up by primary key.
 */
export const BOUNCE_CHANGED_SQL = `
  ${BOUNCE_FACTS_SQL}
  UNION ALL
  SELECT ${FACT_COLUMNS}
    FROM sessions s
   WHERE s.started_at > $3::timestamptz AND s.started_at <= $1::timestamptz
     AND s.id IN (
       SELECT session_id FROM page_views
        WHERE viewed_at > $1::timestamptz AND viewed_at <= $2::timestamptz AND session_id NOT IN (${NEW_SESSION_IDS})
     )`;

type Col = 'views';

export const bounce: CollectorFactory = (config) => {
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({ id: Number(r.id), t: Number(r.t), views: Number(r.views) });
  const spec: WindowSpec<Col> = {
    columns: { views: 'u8' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, BOUNCE_FACTS_SQL, [from, to], toFact, sink),
    readChanged: async (db, from, to, minT) => ({ rows: await queryFacts(db, BOUNCE_CHANGED_SQL, [from, to, minT], toFact) }),
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
