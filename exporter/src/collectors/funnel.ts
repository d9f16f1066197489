/**
 * Funnel steps and conversion per trailing window, as a continuous aggregate (./window-facts.ts):
 * one fact per session of the last 30 days (channel, steps reached). A session's steps change when
 * an event, order or payment success arrives, each with its own event time, so a cycle reads only
 * the step rows dated since the previous horizon, once, and ORs their bits into the facts of the
 * sessions they belong to (steps only grow): a new session is not probed for its rows, and an older
 * one is probed in full only when the store does not hold it. Sessions started after now that such
 * rows already touch are kept as facts no window counts yet (FUNNEL_CHANGED_SQL says why).
 */
import { M, WINDOWS, WINDOW_SECONDS } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';
import { OTHER, allowList, fold } from '../metrics/labels';
import {
  BlockSums,
  type FactStore,
  LONGEST_WINDOW_SECONDS,
  queryFacts,
  streamFacts,
  usOf,
  usToTimestamp,
  windowRange,
  WindowFacts,
  factOfSession,
  type FactRow,
  type WindowSpec,
} from './window-facts';

export const FUNNEL_STEPS = ['visit', 'product_view', 'add_to_cart', 'checkout', 'paid'] as const;
const STEP_BITS = { product_view: 1, add_to_cart: 2, checkout: 4, ordered: 8, paid: 16 } as const;

// The event types that are funnel steps, and an event's step bit: one definition for the first load,
// the full probe of a session and the steps added by new events.
const STEP_EVENTS = "('product_view', 'add_to_cart', 'checkout')";
const eventBits = (type: string) =>
  `CASE ${type} WHEN 'product_view' THEN ${STEP_BITS.product_view} WHEN 'add_to_cart' THEN ${STEP_BITS.add_to_cart} ELSE ${STEP_BITS.checkout} END`;

// "Has at least one row" as a per-session index probe. A plain EXISTS in the select list may be
// planned as a hash over the whole table (seen on events); a LIMIT inside a counted sub-select cannot.
const anyRow = (query: string) => `((SELECT count(*) FROM (${query} LIMIT 1) one) > 0)`;

/**
 * A session's steps as STEP_BITS, with two probes: its step events in one range of
 * events_session_type_idx, and its orders (orders_session_idx), each with one payments_order_idx probe
 * for a success.
 */
const FACT_COLUMNS = `
  s.id, ${usOf('s.started_at')} AS t, s.channel,
  (SELECT coalesce(bit_or(${eventBits('e.type')}), 0)
     FROM events e WHERE e.session_id = s.id AND e.type IN ${STEP_EVENTS})
  | (SELECT coalesce(bit_or(${STEP_BITS.ordered} | CASE WHEN ${anyRow('SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.succeeded_at IS NOT NULL')} THEN ${STEP_BITS.paid} ELSE 0 END), 0)
       FROM orders o WHERE o.session_id = s.id) AS steps`;

/**
 * First load and full refresh: the same facts for ($1, $2], set-based. Per-session probes cost one
 * index descent per session and step (the bulk of a first build); instead events, orders and payments
 * are grouped once over the id range of the window's sessions. Ids grow with time, so that range holds
 * about the window's rows; an older session with a larger id only widens it, the join keeps it exact.
 */
export const FUNNEL_LOAD_SQL = `
  WITH s AS MATERIALIZED (
    SELECT id, started_at, channel FROM sessions
     WHERE started_at > $1::timestamptz AND started_at <= $2::timestamptz
  ),
  lo AS (SELECT coalesce(min(id), 0) AS id FROM s),
  e AS (
    SELECT session_id AS id,
           bit_or(${eventBits('type')}) AS bits
      FROM events
     WHERE session_id >= (SELECT id FROM lo) AND type IN ${STEP_EVENTS}
     GROUP BY session_id
  ),
  o AS MATERIALIZED (SELECT id, session_id FROM orders WHERE session_id >= (SELECT id FROM lo)),
  paid AS (
    SELECT DISTINCT order_id FROM payments
     WHERE order_id >= (SELECT coalesce(min(id), 0) FROM o) AND succeeded_at IS NOT NULL
  ),
  ob AS (
    SELECT o.session_id AS id, ${STEP_BITS.ordered} | max(CASE WHEN paid.order_id IS NULL THEN 0 ELSE ${STEP_BITS.paid} END) AS bits
      FROM o LEFT JOIN paid ON paid.order_id = o.id
     GROUP BY o.session_id
  )
  SELECT s.id, ${usOf('s.started_at')} AS t, s.channel, coalesce(e.bits, 0) | coalesce(ob.bits, 0) AS steps
    FROM s LEFT JOIN e ON e.id = s.id LEFT JOIN ob ON ob.id = s.id`;

/**
 * Sessions started after $1 with a step row dated at or before $1, each probed in full: a first load
 * or full refresh adds them after the window's facts. No window counts them yet; they are kept because
 * those rows lie before every later cycle's range (FUNNEL_CHANGED_SQL). Usually none: the later
 * sessions are a range of sessions_started_at_idx that finds nothing, 0.1 ms on a copy of bench_1m. A
 * history replayed at a past instant has many: then one hash join per kind of row (1.4 s beside the
 * load's 2.1 s, bench_1m 35 days before its end; bench/results/funnel-rows.md).
 */
export const FUNNEL_LATER_SQL = `
  WITH later AS MATERIALIZED (SELECT id FROM sessions WHERE started_at > $1::timestamptz),
  early AS (
    SELECT e.session_id AS id FROM events e JOIN later l ON l.id = e.session_id
     WHERE e.occurred_at <= $1::timestamptz AND e.type IN ${STEP_EVENTS}
    UNION
    SELECT o.session_id FROM orders o JOIN later l ON l.id = o.session_id WHERE o.created_at <= $1::timestamptz
    UNION
    SELECT o.session_id FROM payments p JOIN orders o ON o.id = p.order_id JOIN later l ON l.id = o.session_id
     WHERE p.succeeded_at <= $1::timestamptz
  )
  SELECT ${FACT_COLUMNS}
    FROM sessions s
   WHERE s.id IN (SELECT id FROM early)`;

/**
 * Rows of a kind dated after now beyond which a cycle probes its new sessions in full instead of reading
 * them. Live there are none; a replayed history has the rest of it: 1,000 made the 35-day backfill
 * (`bench/backfill-replay.ts 35 direct`) spend 11.0 s of CPU in funnel, 50 8.5 s (main: 6.4 s), its
 * last hours reading and looking up up to that many rows every cycle.
 */
const CROWDED_FUTURE = 50;

/**
 * One read per cycle, of the step rows dated after $1 (events by occurred_at, orders by created_at,
 * payments by succeeded_at), each as its session id and the bit it adds (`t` NULL), and of the
 * sessions started in ($1, $2] (`t` set, `steps` 0). readChanged ORs the rows' bits per session (steps
 * only grow and OR is idempotent): into a new session's fact, and for any other session into the fact
 * the store holds, found by id (factOfSession) or, for the rest, looked up by primary key
 * (FUNNEL_SESSIONS_SQL), which was 4 buffer pages a session when this read did it for all of them.
 * The rows come back as read, not grouped or joined to the sessions in SQL: on a copy of bench_busy_1m
 * (a minute: 208 events, 69 orders, 139 sessions) the grouped form (hash aggregates over a
 * materialized union, a hash join and a NOT IN) cost 0.28 ms of the database's time and this one
 * 0.14; the exporter does the same work on a few hundred rows (bench/statement-cost.ts; bench/results/raw-rows.md).
 * A session's bits are complete without a probe of its older rows: under the schema's foreign keys a
 * child row is committed after its session, so a row dated before the range was read by the cycle
 * whose range held its date, with its session then visible: older, new (its fact holds the bit) or
 * later (kept as a fact after now, FUNNEL_LATER_SQL). A row committed after its date left the
 * re-read overlap (settle_lag) is the late commit the contract leaves to the full refresh. An older
 * session the store does not hold (itself committed after settle_lag) is still probed in full.
 * Rows dated after now ($2) count already ("at any time"), so they are read too, every cycle until
 * their date passes: usually none, the end of each range. Where they are many (a history replayed at
 * a past instant: every later row is after now), `crowded` (on the sessions' rows) says so after
 * counting at most CROWDED_FUTURE index entries of a kind (orders and payments first, all
 * index-only), they are not read, and readChanged probes the new sessions in full (FUNNEL_NEW_SQL),
 * as before this read existed.
 * The ranges after now are their own, gated by `crowded`, not one range under a bound chosen in the
 * statement: the planner cannot see such a bound, and planned a few payment successes as a hash join
 * over every order (14 ms instead of 0.1 on a copy of bench_1m).
 */
export const FUNNEL_CHANGED_SQL = `
  WITH crowded AS MATERIALIZED (
    SELECT (SELECT count(*) FROM (SELECT FROM orders WHERE created_at > $2::timestamptz LIMIT ${CROWDED_FUTURE}) f) >= ${CROWDED_FUTURE}
        OR (SELECT count(*) FROM (SELECT FROM payments WHERE succeeded_at > $2::timestamptz LIMIT ${CROWDED_FUTURE}) f) >= ${CROWDED_FUTURE}
        OR (SELECT count(*) FROM (SELECT FROM events WHERE occurred_at > $2::timestamptz LIMIT ${CROWDED_FUTURE}) f) >= ${CROWDED_FUTURE}
        AS yes
  )
  SELECT session_id AS id, NULL::int8 AS t, NULL::text AS channel, ${eventBits('type')} AS steps, NULL::bool AS crowded
    FROM events
   WHERE occurred_at > $1::timestamptz AND occurred_at <= $2::timestamptz AND type IN ${STEP_EVENTS}
  UNION ALL
  SELECT session_id, NULL, NULL, ${STEP_BITS.ordered}, NULL FROM orders WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz
  UNION ALL
  SELECT o.session_id, NULL, NULL, ${STEP_BITS.ordered | STEP_BITS.paid}, NULL FROM payments p JOIN orders o ON o.id = p.order_id
   WHERE p.succeeded_at > $1::timestamptz AND p.succeeded_at <= $2::timestamptz
  UNION ALL
  SELECT session_id, NULL, NULL, ${eventBits('type')}, NULL FROM events
   WHERE occurred_at > $2::timestamptz AND type IN ${STEP_EVENTS} AND NOT (SELECT yes FROM crowded)
  UNION ALL
  SELECT session_id, NULL, NULL, ${STEP_BITS.ordered}, NULL FROM orders WHERE created_at > $2::timestamptz AND NOT (SELECT yes FROM crowded)
  UNION ALL
  SELECT o.session_id, NULL, NULL, ${STEP_BITS.ordered | STEP_BITS.paid}, NULL FROM payments p JOIN orders o ON o.id = p.order_id
   WHERE p.succeeded_at > $2::timestamptz AND NOT (SELECT yes FROM crowded)
  UNION ALL
  SELECT id, ${usOf('started_at')}, channel, 0, (SELECT yes FROM crowded)
    FROM sessions WHERE started_at > $1::timestamptz AND started_at <= $2::timestamptz`;

/**
 * Sessions by id ($1) that a cycle's rows touched and the store's search by id did not find: kept if
 * older (started in ($2, $3], minT and the range's start) or later (after $4, now), as FUNNEL_CHANGED_SQL
 * kept them when it joined every touched session.
 */
export const FUNNEL_SESSIONS_SQL = `
  SELECT s.id, ${usOf('s.started_at')} AS t, s.channel
    FROM sessions s
   WHERE s.id = ANY($1::int8[])
     AND ((s.started_at > $2::timestamptz AND s.started_at <= $3::timestamptz) OR s.started_at > $4::timestamptz)`;

/** Sessions started in ($1, $2], each probed in full: the new sessions of a crowded cycle. */
export const FUNNEL_NEW_SQL = `
  SELECT ${FACT_COLUMNS}
    FROM sessions s
   WHERE s.started_at > $1::timestamptz AND s.started_at <= $2::timestamptz`;

/** Sessions by id ($1), each probed in full: touched sessions the store does not hold. */
export const FUNNEL_BY_ID_SQL = `
  SELECT ${FACT_COLUMNS}
    FROM sessions s
   WHERE s.id = ANY($1::int8[])`;

type Col = 'ch' | 'steps';
type StepCounts = Record<(typeof FUNNEL_STEPS)[number] | 'ordered', number>;
const zero = (): StepCounts => ({ visit: 0, product_view: 0, add_to_cart: 0, checkout: 0, paid: 0, ordered: 0 });

export const funnel: CollectorFactory = (config) => {
  const channels = allowList(config, 'channels');
  const labelsOf = [...channels, OTHER];
  const index = new Map(labelsOf.map((c, i) => [c, i]));
  const toFact = (r: Record<string, unknown>): FactRow<Col> => ({
    id: Number(r.id),
    t: Number(r.t),
    ch: index.get(fold(r.channel, channels))!,
    steps: Number(r.steps),
  });
  const spec: WindowSpec<Col> = {
    columns: { ch: 'u8', steps: 'u8' },
    retainSeconds: LONGEST_WINDOW_SECONDS,
    // 2: facts of sessions started after now are kept (FUNNEL_CHANGED_SQL); a state saved before lacks them.
    stateVersion: 2,
    loadRange: async (db, from, to, sink) => {
      // Facts after now last: they sort after the window's, so a build still only appends.
      await streamFacts(db, FUNNEL_LOAD_SQL, [from, to], toFact, sink);
      for (const r of await queryFacts(db, FUNNEL_LATER_SQL, [to], toFact)) sink.add(r);
    },
    readChanged: async (db, from, to, minT, tail) => {
      // The bits of the range's rows, added to the steps the store holds (steps only grow).
      const rows: FactRow<Col>[] = [];
      const unknown: number[] = [];
      const read = await db.query(FUNNEL_CHANGED_SQL, [from, to].map(usToTimestamp));
      // The bits the range's rows add, per session (orders without a session add none).
      const added = new Map<number, number>();
      const fresh: Record<string, unknown>[] = [];
      for (const r of read) {
        if (r.t !== null) fresh.push(r);
        else if (r.id !== null) added.set(Number(r.id), (added.get(Number(r.id)) ?? 0) | Number(r.steps));
      }
      // Crowded: the new sessions' rows after now were not read; their full probe has them all.
      const full = fresh.some((r) => r.crowded === true)
        ? new Map((await queryFacts(db, FUNNEL_NEW_SQL, [from, to], toFact)).map((f) => [f.id, f.steps]))
        : undefined;
      const facts = tail?.store.view();
      const touched: FactRow<Col>[] = [];
      for (const r of fresh) {
        const id = Number(r.id);
        touched.push(toFact({ ...r, steps: added.get(id) ?? 0 }));
        added.delete(id);
      }
      // Sessions the search by id did not find: their steps until their start time is known.
      const notFound = new Map<number, number>();
      for (const [id, steps] of added) {
        const i = facts ? factOfSession(facts.id, id) : -1;
        if (i < 0) notFound.set(id, steps);
        // Steps only grow: a fact that has them all already needs nothing.
        else if ((facts!.cols.steps[i]! | steps) !== facts!.cols.steps[i]!)
          touched.push({ id, t: facts!.t[i]!, ch: facts!.cols.ch[i]!, steps });
      }
      if (notFound.size > 0) {
        const found = await db.query(FUNNEL_SESSIONS_SQL, [[...notFound.keys()], ...[minT, from, to].map(usToTimestamp)]);
        for (const r of found) touched.push(toFact({ ...r, steps: notFound.get(Number(r.id)) }));
      }
      for (const r of touched) {
        r.steps |= full?.get(r.id) ?? 0;
        const stored = tail?.store.get(r.t, r.id, 'steps');
        // An older session the store lacks was committed after settle_lag: its rows so far are unread.
        if (stored === undefined && r.t <= from) unknown.push(r.id);
        else rows.push({ ...r, steps: (stored ?? 0) | r.steps });
      }
      if (unknown.length > 0) rows.push(...(await queryFacts(db, FUNNEL_BY_ID_SQL, [], toFact, [unknown])));
      return { rows };
    },
  };

  // Counters per channel × (visit + one per step bit), kept per block of facts (BlockSums).
  const K = 1 + Object.keys(STEP_BITS).length;
  const sums = new BlockSums<Col>(labelsOf.length * K);
  const evaluate = (store: FactStore<Col>, nowUs: number): Sample[] => {
    const { n, t, cols } = store.view();
    const ch = cols.ch as Uint8Array;
    const stepsOf = cols.steps as Uint8Array;
    const add = (acc: Float64Array, i: number) => {
      const base = ch[i]! * K;
      const steps = stepsOf[i]!;
      acc[base] += 1;
      for (let b = 0; b < K - 1; b++) if (steps & (1 << b)) acc[base + 1 + b] += 1;
      return Infinity;
    };
    const counts = new Float64Array(WINDOWS.length * sums.width);
    WINDOWS.forEach((w, k) => {
      const [a, b] = windowRange(t, n, nowUs, WINDOW_SECONDS[w]);
      sums.sum(store, a, b, nowUs, counts.subarray(k * sums.width, (k + 1) * sums.width), add);
    });
    const out: Sample[] = [];
    WINDOWS.forEach((window, w) => {
      const total = zero();
      labelsOf.forEach((channel, c) => {
        const base = (w * labelsOf.length + c) * K;
        const at = (bit: number) => counts[base + 1 + Math.log2(bit)]!;
        const cc: StepCounts = {
          visit: counts[base]!,
          product_view: at(STEP_BITS.product_view),
          add_to_cart: at(STEP_BITS.add_to_cart),
          checkout: at(STEP_BITS.checkout),
          ordered: at(STEP_BITS.ordered),
          paid: at(STEP_BITS.paid),
        };
        for (const k of Object.keys(total) as (keyof StepCounts)[]) total[k] += cc[k];
        out.push({ metric: M.conversionRatio, labels: { window, channel }, value: cc.visit > 0 ? cc.ordered / cc.visit : 0 });
      });
      for (const step of FUNNEL_STEPS) out.push({ metric: M.funnelSessions, labels: { step, window }, value: total[step] });
    });
    return out;
  };

  const state = new WindowFacts('funnel', spec);
  return {
    name: 'funnel',
    usesDatabase: true,
    metrics: [M.funnelSessions, M.conversionRatio, M.rollupDrift, M.rollupStateBytes],
    windowStates: [state],
    async collect({ db, log }) {
      return state.samples(db, config, evaluate, log);
    },
  };
};
