/**
 * CSAT's tail checked per bucket (exporter/src/collectors/csat-tail.ts): tickets of the mutable tail
 * reopened, scored after closing, rescored or closed again are seen, and only the buckets that changed
 * are re-read. The clock is pinned; the expected averages come from SQL over the table, counted apart
 * from the collector.
 */
import { M } from '../../../shared/catalogue';
import { CSAT_CHANGED_SQL, CSAT_FACTS_SQL } from '../../../exporter/src/collectors/csat-tail';
import { support } from '../../../exporter/src/collectors/support';
import type { Collector } from '../../../exporter/src/collectors/types';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { build, collectOnce, observed, seriesOf, testConfig, valueOf } from '../../support/collect';
import * as ref from '../../support/reference';
import { pinnedDatabase } from '../../support/pinned-clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 4, 12, 12, 0);
/** Facts per bucket (BUCKET_FACTS in csat-tail.ts). */
const BUCKET = 256;

const pinned = pinnedDatabase(T);

/** The bucket check is the path without a followed write stamp (collection.ticket_changes: tail_check). */
const tailConfig = (collection: Record<string, unknown> = {}) =>
  testConfig({ collection: { settle_lag: 0, ticket_changes: 'tail_check', ...collection } });

/** Tail tickets the last cycle's CSAT check, or whole re-read, returned (rows with an id). */
let tailRows = 0;

/** Last cycle's rollup_drift{collector="support"}. */
let drift: number | undefined;

async function cycle(collector: Collector, atMs: number, config = tailConfig()) {
  await pinned.clock.set(atMs);
  const ctrl = new AbortController();
  tailRows = 0;
  const out = await withReadOnly(pinned.clock.pool, 30, ctrl.signal, (db) =>
    collector.collect({
      db: observed(db, (sql, rows) => {
        if (sql === CSAT_CHANGED_SQL || sql === CSAT_FACTS_SQL) tailRows += rows.filter((r) => r.id !== null).length;
      }),
      config,
      log: createLogger('silent'),
      signal: ctrl.signal,
    }),
  );
  drift = valueOf(out, M.rollupDrift.name, { collector: 'support' });
  return seriesOf(out, M.csatScore.name);
}

/** CSAT per window from the table itself: the average score of tickets closed in (now - W, now] (the full-window reference). */
async function expected(): Promise<Record<string, number>> {
  const config = testConfig();
  return seriesOf(await collectOnce(ref.support(config), pinned.clock.pool, config), M.csatScore.name);
}

async function expectExact(collector: Collector, atMs: number, config = tailConfig()) {
  const got = await cycle(collector, atMs, config);
  const want = await expected();
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(got[k]).toBeCloseTo(want[k]!, 12);
}

/**
 * `n` scored tickets closed every 4 minutes from `firstMs` (ticket i at firstMs + 4i min, score
 * 1 + i mod 5; `at` may place them otherwise); returns their ids in closing order.
 */
async function ticketsFrom(firstMs: number, n: number, at: (i: number) => number = (i) => firstMs + i * 4 * MINUTE): Promise<number[]> {
  const { rows } = await pinned.tdb.pool.query(
    `INSERT INTO support_tickets (opened_at, closed_at, csat_score)
     SELECT to_timestamp(($1::float8[])[i] / 1000) - interval '1 hour', to_timestamp(($1::float8[])[i] / 1000), 1 + (i - 1) % 5
       FROM generate_series(1, $2::int) AS i ORDER BY i RETURNING id`,
    [Array.from({ length: n }, (_, i) => at(i)), n],
  );
  return rows.map((r) => Number(r.id));
}

const setTicket = (id: number, closedAtMs: number | null, score: number | null) =>
  pinned.tdb.pool.query(`UPDATE support_tickets SET closed_at = to_timestamp($2::float8 / 1000), csat_score = $3 WHERE id = $1`, [
    id,
    closedAtMs,
    score,
  ]);

/** Scored tickets whose closed_at lies in (lo, hi] (ms): what re-reading that range returns. */
async function scoredIn(loMs: number, hiMs: number): Promise<number> {
  const { rows } = await pinned.tdb.pool.query(
    `SELECT count(*)::int AS n FROM support_tickets
      WHERE closed_at > to_timestamp($1::float8 / 1000) AND closed_at <= to_timestamp($2::float8 / 1000) AND csat_score IS NOT NULL`,
    [loMs, hiMs],
  );
  return rows[0].n;
}

/**
 * 700 scored tickets closed every 4 minutes from T - 47h: three buckets of the tail at the next
 * cycle (tickets 0–255, 256–511, 512–699), the 1d edge near ticket 345, inside the second.
 */
const FIRST = T - 47 * HOUR;
const closedAt = (i: number) => FIRST + i * 4 * MINUTE;

test('a ticket of an old bucket reopened while another of the same bucket gets its score: both seen, exact', async () => {
  await pinned.tdb.pool.query('DELETE FROM support_tickets');
  const ids = await ticketsFrom(FIRST, 700);
  // Closed without a score yet, inside the second bucket.
  const { rows } = await pinned.tdb.pool.query(
    `INSERT INTO support_tickets (opened_at, closed_at) VALUES (to_timestamp($1::float8 / 1000) - interval '1 hour', to_timestamp($1::float8 / 1000)) RETURNING id`,
    [closedAt(300) + MINUTE],
  );
  const late = Number(rows[0].id);
  const collector = build(support, tailConfig());
  await expectExact(collector, T);

  // Same bucket, same count of scored tickets: one reopened (a 5), one scored (a 1).
  await setTicket(ids[299]!, null, null);
  await pinned.tdb.pool.query('UPDATE support_tickets SET csat_score = 1 WHERE id = $1', [late]);
  await expectExact(collector, T + MINUTE);
  // Still exact on a cycle with no change.
  await expectExact(collector, T + 2 * MINUTE);
});

test('a score changed inside a bucket, two moved +1 and −1, a ticket closed again inside its bucket and one into another: exact', async () => {
  await pinned.tdb.pool.query('DELETE FROM support_tickets');
  const ids = await ticketsFrom(FIRST, 700);
  const collector = build(support, tailConfig());
  await expectExact(collector, T);

  // One change a cycle, so that no other change of the same bucket gives it away.
  await pinned.tdb.pool.query('UPDATE support_tickets SET csat_score = 4 WHERE id = $1', [ids[102]]); // a 3 (1 + 102 mod 5)
  await expectExact(collector, T + MINUTE);
  expect(tailRows).toBe(BUCKET);
  // Two scores of the second bucket moved +1 and −1: ticket 330 (a 1, outside 1d) and 361 (a 2, inside).
  await pinned.tdb.pool.query('UPDATE support_tickets SET csat_score = 3 - csat_score WHERE id IN ($1, $2)', [ids[330], ids[361]]);
  await expectExact(collector, T + 90_000);
  expect(tailRows).toBe(BUCKET);
  // Ticket 340, closed 24h20m before the next cycle, closed again 30 minutes later: across the 1d edge,
  // still between tickets 347 and 348, inside the second bucket.
  await setTicket(ids[340]!, closedAt(340) + 30 * MINUTE, 1);
  await expectExact(collector, T + 2 * MINUTE);
  expect(tailRows).toBe(BUCKET);
  // Ticket 600 of the third bucket closed again inside the first, 1d → 7d.
  await setTicket(ids[600]!, closedAt(50) + MINUTE, 5);
  await expectExact(collector, T + 3 * MINUTE);
  await expectExact(collector, T + 4 * MINUTE);
});

test('only the tickets of the buckets that changed are re-read', async () => {
  await pinned.tdb.pool.query('DELETE FROM support_tickets');
  const ids = await ticketsFrom(FIRST, 700);
  const collector = build(support, tailConfig());
  await expectExact(collector, T);
  // No change: nothing of the tail comes back.
  await expectExact(collector, T + MINUTE);
  expect(tailRows).toBe(0);

  // A score in the second bucket (tickets 256–511): that bucket's tickets only.
  await pinned.tdb.pool.query('UPDATE support_tickets SET csat_score = 5 WHERE id = $1', [ids[400]]); // a 1
  await expectExact(collector, T + 2 * MINUTE);
  expect(tailRows).toBe(await scoredIn(closedAt(BUCKET - 1), closedAt(2 * BUCKET - 1)));
  expect(tailRows).toBe(BUCKET);

  // A ticket closed and scored after the previous cycle's horizon: the new range only.
  await ticketsFrom(T + 2 * MINUTE + 30_000, 1);
  await expectExact(collector, T + 3 * MINUTE);
  expect(tailRows).toBe(1);
});

test('tickets closed at the same instant are never split between two buckets', async () => {
  await pinned.tdb.pool.query('DELETE FROM support_tickets');
  // 300 tickets, the 256th and 257th (i = 255, 256) closed at the same instant.
  const at = (i: number) => FIRST + Math.min(i, 255) * 4 * MINUTE + Math.max(i - 256, 0) * 4 * MINUTE;
  const ids = await ticketsFrom(FIRST, 300, at);
  expect(await scoredIn(at(254), at(255))).toBe(2);
  const collector = build(support, tailConfig());
  await expectExact(collector, T);
  // Cut between them, both buckets' ranges would disagree with what they hold on every cycle.
  await expectExact(collector, T + MINUTE);
  expect(tailRows).toBe(0);
  // A change to one of the pair is still seen.
  await setTicket(ids[256]!, null, null);
  await expectExact(collector, T + 2 * MINUTE);
});

test('a tail whose tickets all changed is re-read whole, and the next cycles too while that repeats: exact', async () => {
  await pinned.tdb.pool.query('DELETE FROM support_tickets');
  await ticketsFrom(FIRST, 700);
  const collector = build(support, tailConfig());
  await expectExact(collector, T);
  const reads: number[] = [];
  const step = async (minute: number, change?: string) => {
    if (change) await pinned.tdb.pool.query(change);
    await expectExact(collector, T + minute * MINUTE);
    reads.push(tailRows);
  };
  await step(1, 'UPDATE support_tickets SET csat_score = 6 - csat_score'); // every bucket changed
  await step(2); // re-read whole once
  await step(3, `UPDATE support_tickets SET closed_at = closed_at + interval '1 second'`); // again
  await step(4); // then twice
  // Rescored and reopened during a whole re-read.
  await step(
    5,
    'UPDATE support_tickets SET csat_score = 1 WHERE csat_score = 5; UPDATE support_tickets SET closed_at = NULL WHERE id = (SELECT min(id) FROM support_tickets)',
  );
  await step(6); // checked again: nothing changed
  await step(7);
  expect(reads).toEqual([700, 700, 700, 700, 699, 0, 0]);
});

test('what the sums cannot see (two closings moved +δ and −δ in one bucket and cycle) waits for the full refresh, published as drift', async () => {
  await pinned.tdb.pool.query('DELETE FROM support_tickets');
  // Two 3s in one bucket: a 30 minutes outside the next cycle's 1d window, b well inside the tail.
  const aAt = T - DAY - 30 * MINUTE;
  const bAt = FIRST + 10 * HOUR;
  const [a, b] = await ticketsFrom(FIRST, 2, (i) => (i === 0 ? aAt : bAt));
  await pinned.tdb.pool.query('UPDATE support_tickets SET csat_score = 3');
  // The first full refresh comes 5 to 15 minutes after the build (0.5 to 1.5 × full_refresh).
  const config = tailConfig({ full_refresh: 600 });
  const collector = build(support, config);
  await expectExact(collector, T, config);
  // One closed an hour later, the other an hour earlier: the count and every sum stay as they were.
  const delta = HOUR;
  await setTicket(a!, aAt + delta, 3); // into the 1d window
  await setTicket(b!, bAt - delta, 3);
  expect(await cycle(collector, T + MINUTE, config)).toEqual({ 'window=7d': 3, 'window=30d': 3 });
  expect(Object.keys(await expected())).toContain('window=1d'); // the table has a 1d value
  expect(drift).toBe(0);
  await expectExact(collector, T + 20 * MINUTE, config);
  expect(drift).toBe(3); // the 1d series the incremental facts lacked
});
