/**
 * Active users (DAU/WAU/MAU), user activation and usage frequency, as a continuous aggregate
 * (./window-facts.ts): one fact per signed-in session of the last 30 days with the start of the same
 * user's next session, so distinct users per window are exact without a Map of users. A cycle reads
 * the sessions started since the previous horizon and links each to its predecessor, found in the
 * store's entity index (user id → latest fact) or, for users without a fact kept, through
 * sessions_user_started_id_idx; registered users are counted incrementally. When revenue is enabled
 * too, its ARPU divides by these same users: the two read one store of signed-in sessions (owned here,
 * see sharedActiveUserFacts) instead of two copies.
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { Db } from '../runtime/db';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { settledHorizon } from './incremental';
import { SharedWindowFacts } from './shared-window-facts';
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
  nextOf,
  windowRange,
  windowSettings,
  WindowFacts,
  type FactRow,
  type WindowSpec,
  type LinkedRows,
} from './window-facts';

/** Signed-in sessions linked per user. */
export const SIGNED_IN_SESSIONS: LinkedRows = {
  table: 'sessions',
  key: 'user_id',
  time: 'started_at',
  extra: [],
  where: 'AND s.user_id IS NOT NULL',
  first: false,
  keyKind: 'int8',
};

/** What a cycle reads (readLinked): signed-in sessions started in ($1, $2] with their user's next one; previous ones from the entity index. */
export const ACTIVE_SESSIONS_READ_SQL = linkedRangeSql(SIGNED_IN_SESSIONS);

/** The previous session of the ones the entity index cannot answer (new or lapsed users, rows out of order). */
export const ACTIVE_SESSIONS_PREV_SQL = linkedPrevSql(SIGNED_IN_SESSIONS);

/** First load: the linked facts of ($1, $2], set-based. */
export const ACTIVE_SESSIONS_LOAD_SQL = linkedLoadSql(SIGNED_IN_SESSIONS);

/** Users registered in ($1, $2]. */
export const REGISTERED_USERS_SQL = `SELECT count(*) AS n FROM users WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz`;
const REGISTERED_TAIL_SQL = `SELECT count(*) AS n FROM users WHERE created_at > $1::timestamptz AND created_at <= now()`;

export type ActiveCol = 'next' | 'khi' | 'klo';
type Col = ActiveCol;

/** Facts and evaluation shared with revenue (ARPU's denominator is the same active-user count). */
export function activeUserFacts(name: string): WindowFacts<Col> {
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({ id: Number(r.id), t: Number(r.t), next: nextOf(r), ...keyOf(r) });
  const spec: WindowSpec<Col> = {
    columns: { next: 'f64', khi: 'u32', klo: 'u32' },
    entityKey: { hi: 'khi', lo: 'klo', next: 'next' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    loadRange: (db, from, to, sink) => streamFacts(db, ACTIVE_SESSIONS_LOAD_SQL, [from, to], toFact, sink),
    readChanged: readLinked<Col>(SIGNED_IN_SESSIONS, toFact, 'next'),
  };
  return new WindowFacts(name, spec);
}

/** Per window: distinct signed-in users with a session in it, and their sessions. */
export type WindowCounts = Map<string, { active: number; sessions: number }>;

/**
 * Per window: distinct users with a session in it, and their sessions. A session counts while its
 * user's next one is later than now, so its block sum holds until that next session's start.
 */
export function activeUsersByWindow(): (store: FactStore<Col>, nowUs: number) => WindowCounts {
  const sums = new BlockSums<Col>(1);
  return (store, nowUs) => {
    const { n, t, cols } = store.view();
    const add = (acc: Float64Array, i: number, now: number) => {
      const next = cols.next[i]!;
      if (next <= now) return Infinity;
      acc[0] += 1;
      return next;
    };
    const out: WindowCounts = new Map();
    for (const window of WINDOWS) {
      const [a, b] = windowRange(t, n, nowUs, WINDOW_SECONDS[window]);
      out.set(window, { active: sums.sum(store, a, b, nowUs, new Float64Array(1), add)[0]!, sessions: b - a });
    }
    return out;
  };
}

/** Registered users: settled part counted incrementally, the unsettled tail live. */
export function registeredUsers(settleLag: number): (db: Db) => Promise<number> {
  let horizon = '-infinity';
  let settled = 0;
  return async (db) => {
    const to = await settledHorizon(db, settleLag);
    const [r] = await db.query(REGISTERED_USERS_SQL, [horizon, to]);
    const [tail] = await db.query(REGISTERED_TAIL_SQL, [to]);
    settled += Number(r?.n ?? 0);
    horizon = to;
    return settled + Number(tail?.n ?? 0);
  };
}

/** Per window: active users, and with the registered users' count, activation; usage frequency. */
function samplesOf(counts: WindowCounts, users?: number): Sample[] {
  const out: Sample[] = [];
  for (const [window, { active, sessions }] of counts) {
    const labels = { window };
    out.push({ metric: M.activeUsers, labels, value: active });
    if (users !== undefined) out.push({ metric: M.userActivationRatio, labels, value: users > 0 ? active / users : 0 });
    out.push({ metric: M.usageFrequency, labels, value: active > 0 ? sessions / active : 0 });
  }
  return out;
}

/**
 * The signed-in sessions active_users and revenue read together when both are enabled: active_users'
 * store (its name, its state file), advanced by whichever of the two runs first (./shared-window-facts.ts).
 * Its drift is measured on the series that are the facts' own (active users, usage frequency): the
 * activation ratio divides by a count kept by active_users alone.
 */
export function sharedActiveUserFacts(): SharedWindowFacts<Col> {
  const byWindow = activeUsersByWindow();
  return new SharedWindowFacts(activeUserFacts('active_users'), (store, nowUs) => samplesOf(byWindow(store, nowUs)));
}

export const activeUsers: CollectorFactory = (config, shared) => {
  const together = shared?.activeUserFacts;
  // Alone, its own store as before; with revenue, the shared one, whose self-metrics and state file are
  // published and saved here only (revenue lists neither).
  const state = together?.facts ?? activeUserFacts('active_users');
  const registered = registeredUsers(config.collection.settle_lag);
  const activeByWindow = activeUsersByWindow();
  let users = 0;
  return {
    name: 'active_users',
    usesDatabase: true,
    metrics: [M.activeUsers, M.userActivationRatio, M.usageFrequency, M.rollupDrift, M.rollupStateBytes],
    windowStates: [state],
    async collect({ db, log }) {
      users = await registered(db);
      const settings = windowSettings(config);
      let counts: WindowCounts;
      if (together) counts = await together.read(db, settings, activeByWindow, log);
      else {
        const nowUs = await state.cycle(db, settings, (s, now) => samplesOf(activeByWindow(s, now), users), log);
        counts = activeByWindow(state.store!, nowUs);
      }
      return [...samplesOf(counts, users), ...state.selfSamples()];
    },
  };
};
