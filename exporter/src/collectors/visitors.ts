/**
 * Distinct visitors per trailing window, split into new and returning, as a continuous aggregate
 * (./window-facts.ts): one fact per session of the last 30 days with the start of the same visitor's
 * next session and of their first session ever. A visitor counts once per window (through their
 * latest session in it) and is returning when their first session is at or before the window start.
 * A cycle reads sessions started since the previous horizon; each one's previous session of the same
 * visitor (whose fact gives the first one) comes from the store's entity index (a 64-bit hash of the
 * visitor id → the visitor's latest fact, ./entity-index.ts), and only for visitors without a fact kept
 * (new, or back after 30 days) from a probe of sessions_visitor_started_id_idx. Windows are summed per block of
 * facts (BlockSums), so a cycle re-adds only the blocks that changed, not every fact of 30 days.
 */
import { M, WINDOW_SECONDS, WINDOWS } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import {
  BlockSums,
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  streamFacts,
  readLinked,
  keyOf,
  linkedLoadSql,
  linkedRangeSql,
  linkedPrevSql,
  linkedFirstSql,
  nextOf,
  windowRange,
  WindowFacts,
  type FactRow,
  type WindowSpec,
  type LinkedRows,
  US,
} from './window-facts';

/** Sessions linked per visitor, with the visitor's first session. */
export const VISITOR_SESSIONS: LinkedRows = {
  table: 'sessions',
  key: 'visitor_id',
  time: 'started_at',
  extra: [],
  first: true,
  keyKind: 'text',
};

/** What a cycle reads (readLinked): sessions started in ($1, $2] with their visitor's next one; previous ones from the entity index. */
export const VISITOR_READ_SQL = linkedRangeSql(VISITOR_SESSIONS);

/** The previous session of the ones the entity index cannot answer (new or lapsed visitors, rows out of order). */
export const VISITOR_PREV_SQL = linkedPrevSql(VISITOR_SESSIONS);

/** Their entity's first row by id, where the facts read so far do not hold it. */
export const VISITOR_FIRST_SQL = linkedFirstSql(VISITOR_SESSIONS);

/** First load: the linked facts of ($1, $2], set-based. */
export const VISITOR_SESSIONS_LOAD_SQL = linkedLoadSql(VISITOR_SESSIONS);

export type Col = 'next' | 'first' | 'khi' | 'klo';

/**
 * New and returning visitors per window, summed per block of facts. A session counts while it is its
 * visitor's latest (until the next one starts); it counts as new until the visitor's first session is
 * a window old, as returning from then on, so its contribution holds until the earlier of the two.
 */
export function visitorsByWindow(): (store: FactStore<Col>, nowUs: number) => Sample[] {
  const sums = new Map(WINDOWS.map((w) => [w, new BlockSums<Col>(2)]));
  return (store, nowUs) => {
    const { n, t, cols } = store.view();
    const out: Sample[] = [];
    for (const window of WINDOWS) {
      const windowUs = WINDOW_SECONDS[window] * US;
      const add = (acc: Float64Array, i: number, now: number) => {
        const next = cols.next[i]!;
        if (next <= now) return Infinity; // not this visitor's latest session up to now
        // Returning once the first session is at or before the window start (first <= now - window).
        const returningFrom = cols.first[i]! + windowUs;
        if (returningFrom <= now) {
          acc[1] += 1;
          return next;
        }
        acc[0] += 1;
        return Math.min(next, returningFrom);
      };
      const [a, b] = windowRange(t, n, nowUs, WINDOW_SECONDS[window]);
      const [fresh, returning] = sums.get(window)!.sum(store, a, b, nowUs, new Float64Array(2), add);
      out.push({ metric: M.visitors, labels: { visitor_type: 'new', window }, value: fresh! });
      out.push({ metric: M.visitors, labels: { visitor_type: 'returning', window }, value: returning! });
    }
    return out;
  };
}

export const visitors: CollectorFactory = (config) => {
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({
    id: Number(r.id),
    t: Number(r.t),
    next: nextOf(r),
    first: Number(r.first_t),
    ...keyOf(r),
  });
  const spec: WindowSpec<Col> = {
    columns: { next: 'f64', first: 'f64', khi: 'u32', klo: 'u32' },
    entityKey: { hi: 'khi', lo: 'klo', next: 'next' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, VISITOR_SESSIONS_LOAD_SQL, [from, to], toFact, sink),
    readChanged: readLinked<Col>(VISITOR_SESSIONS, toFact, 'next', 'first'),
  };
  const evaluate = visitorsByWindow();
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
