/**
 * The running count of open tickets (exporter/src/collectors/open-tickets.ts) against a count of the
 * fixture kept by hand, with the clock pinned: closings and reopenings inside mutable_horizon are
 * exact on the next cycle; a reopening of a ticket closed before it, and a ticket committed with an
 * opened_at already older than it, wait for the full refresh, which publishes the drift.
 */
import { M } from '../../../shared/catalogue';
import { support } from '../../../exporter/src/collectors/support';
import { valueOf } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';
import { isoOrNull as at, openCountCycles, startEachTestEmpty } from '../../support/running-open-count';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 4, 12, 12, 0);

const pinned = pinnedDatabase(T);

/** Ticket ids by name, and what each one is by the fixture's own bookkeeping. */
let tickets = new Map<string, { id: number; opened: number; closed: number | null }>();
startEachTestEmpty(pinned, T, 'support_tickets', () => {
  tickets = new Map();
});
async function ticket(name: string, opened: number, closed: number | null): Promise<void> {
  const { rows } = await pinned.tdb.pool.query(`INSERT INTO support_tickets (opened_at, closed_at) VALUES ($1, $2) RETURNING id`, [
    at(opened),
    at(closed),
  ]);
  tickets.set(name, { id: Number(rows[0].id), opened, closed });
}
async function setClosed(name: string, closed: number | null): Promise<void> {
  const t = tickets.get(name)!;
  await pinned.tdb.pool.query(`UPDATE support_tickets SET closed_at = $2 WHERE id = $1`, [t.id, at(closed)]);
  t.closed = closed;
}
/** METRICS.md: opened_at <= now and no closed_at, counted over the fixture. */
const expected = () => [...tickets.values()].filter((t) => t.opened <= pinned.clock.nowMs && t.closed === null).length;

/**
 * A support collector with mutable_horizon 1h and its first full refresh 1.5–3 h after its first cycle
 * (per-collector phase); each call runs one cycle and returns the open count and its drift.
 */
const supportCycles = () =>
  // The running count is the path without a followed write stamp (open-ticket-set.ts is the other).
  openCountCycles(
    pinned,
    support,
    { settle_lag: 0, mutable_horizon: '1h', full_refresh: '2h', ticket_changes: 'tail_check' },
    'support_open',
    (s) => valueOf(s, M.supportTicketsOpen.name),
  );

test('closings and reopenings inside mutable_horizon are exact; older changes wait for the full refresh and show as drift', async () => {
  const cycle = supportCycles();

  for (let i = 0; i < 5; i++) await ticket(`backlog${i}`, T - (30 + i) * DAY, null);
  await ticket('oldClosed', T - 10 * DAY, T - 3 * DAY);
  await ticket('recentClosed', T - 2 * DAY, T - 20 * MINUTE); // closed inside the horizon
  await ticket('fresh', T - 10 * MINUTE, null);
  await ticket('future', T + 30 * MINUTE, null); // not open until its opened_at
  expect(expected()).toBe(6);
  expect(await cycle()).toEqual({ open: 6, drift: 0 });

  // Inside the horizon: a backlog ticket closes, the recently closed one reopens, a new one opens.
  await pinned.clock.set(T + 5 * MINUTE);
  await setClosed('backlog0', T + 4 * MINUTE);
  await setClosed('recentClosed', null);
  await ticket('new', T + 5 * MINUTE, null);
  expect(expected()).toBe(7);
  expect(await cycle()).toEqual({ open: 7, drift: 0 });

  // The future ticket's opened_at passes; the reopened one closes again at another time.
  await pinned.clock.set(T + 40 * MINUTE);
  await setClosed('recentClosed', T + 39 * MINUTE);
  expect(expected()).toBe(7);
  expect(await cycle()).toEqual({ open: 7, drift: 0 });

  // Both older than the horizon: a ticket closed 3 days ago reopens, and one is committed with an
  // opened_at of 5 hours ago. The running count cannot see them: stale, no drift yet.
  await pinned.clock.set(T + 70 * MINUTE);
  await setClosed('oldClosed', null);
  await ticket('late', T + 70 * MINUTE - 5 * HOUR, null);
  expect(expected()).toBe(9);
  expect(await cycle()).toEqual({ open: 7, drift: 0 });

  // The full refresh (within 1.5 × full_refresh) rebuilds the count and publishes the difference.
  await pinned.clock.set(T + 3 * HOUR + MINUTE);
  expect(await cycle()).toEqual({ open: 9, drift: 2 });
  // And the running count goes on from the rebuilt one.
  await pinned.clock.set(T + 3 * HOUR + 2 * MINUTE);
  await setClosed('late', T + 3 * HOUR + 2 * MINUTE);
  expect(expected()).toBe(8);
  expect(await cycle()).toEqual({ open: 8, drift: 2 });
});

test("a small backlog against the horizon's closings is counted whole: exact at once, whatever the age of the change", async () => {
  const cycle = supportCycles();
  // One old open ticket; six tickets opened before the horizon and closed inside it.
  await ticket('backlog', T - 30 * DAY, null);
  await ticket('oldClosed', T - 10 * DAY, T - 3 * DAY);
  for (let i = 0; i < 6; i++) await ticket(`closing${i}`, T - 5 * HOUR, T - (10 + i) * MINUTE);
  expect(expected()).toBe(1);
  expect(await cycle()).toEqual({ open: 1, drift: 0 });

  // A reopening days after the close, and a late row: the running count would miss both until the
  // refresh; the whole count sees them on the next cycle.
  await pinned.clock.set(T + 5 * MINUTE);
  await setClosed('oldClosed', null);
  await ticket('late', T - 5 * HOUR, null);
  expect(expected()).toBe(3);
  expect(await cycle()).toEqual({ open: 3, drift: 0 });
  await pinned.clock.set(T + 3 * HOUR + MINUTE);
  expect(await cycle()).toEqual({ open: 3, drift: 0 });
});
