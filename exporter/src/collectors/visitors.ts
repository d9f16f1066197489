/**
 * Distinct visitors per trailing window, split into new and returning, as a continuous aggregate
 * (./window-facts.ts): one fact per session of the last 30 days with the start of the same visitor's
 * next session and of their first session ever. A visitor counts once per window (through their
 * latest session in it) and is returning when their first session is at or before the window start.
 * A cycle reads sessions started since the previous horizon, with index probes on
 * sessions_visitor_started_idx; no visitor id is held in memory.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import {
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  streamFacts,
  queryLinked,
  linkedLoadSql,
  neighbourColumns,
  nextOf,
  usOf,
  windowSlices,
  WindowFacts,
  type FactRow,
  type WindowSpec,
} from './window-facts';

/** Sessions started in ($1, $2] with their visitor's next and first session. */
export const VISITOR_SESSIONS_SQL = `
  SELECT s.id, ${usOf('s.started_at')} AS t, ${neighbourColumns('visitor_id')},
         (SELECT ${usOf('min(p.started_at)')} FROM sessions p WHERE p.visitor_id = s.visitor_id) AS first_t
    FROM sessions s
   WHERE s.started_at > $1::timestamptz AND s.started_at <= $2::timestamptz`;

/** First load: the same facts for ($1, $2], set-based. */
export const VISITOR_SESSIONS_LOAD_SQL = linkedLoadSql({
  table: 'sessions',
  key: 'visitor_id',
  time: 'started_at',
  extra: [],
  first: true,
});

type Col = 'next' | 'first';

export const visitors: CollectorFactory = (config) => {
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({
    id: Number(r.id),
    t: Number(r.t),
    next: nextOf(r),
    first: Number(r.first_t),
  });
  const spec: WindowSpec<Col> = {
    columns: { next: 'f64', first: 'f64' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, VISITOR_SESSIONS_LOAD_SQL, [from, to], toFact, sink),
    readChanged: (db, from, to) => queryLinked<Col>(db, VISITOR_SESSIONS_SQL, from, to, toFact, 'next'),
  };
  const evaluate = (store: FactStore<Col>, nowUs: number): Sample[] => {
    const { n, t, cols } = store.view();
    const out: Sample[] = [];
    for (const { window, a, b, since } of windowSlices(t, n, nowUs)) {
      let fresh = 0;
      let returning = 0;
      for (let i = a; i < b; i++) {
        if (cols.next[i]! <= nowUs) continue; // not this visitor's latest session up to now
        if (cols.first[i]! <= since) returning += 1;
        else fresh += 1;
      }
      out.push({ metric: M.visitors, labels: { visitor_type: 'new', window }, value: fresh });
      out.push({ metric: M.visitors, labels: { visitor_type: 'returning', window }, value: returning });
    }
    return out;
  };
  const state = new WindowFacts('visitors', spec);
  return {
    name: 'visitors',
    usesDatabase: true,
    metrics: [M.visitors, M.rollupDrift, M.rollupStateBytes],
    windowStates: [state],
    async collect({ db, log }) {
      return state.samples(db, config, evaluate, log);
    },
  };
};
