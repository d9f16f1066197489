/**
 * The backfill replays the embedded PGlite database in process instead of through its socket server.
 * The history must not depend on that: the same seeded database replayed both ways gives the same
 * OpenMetrics text, byte for byte (every series, every value, every timestamp). The in-process replay
 * keeps the exporter's read-only guard and leaves no clock or prepared statement behind, and seeding
 * in process (as the backfill does) writes the same rows as seeding through the socket. PGlite runs
 * in a child process (tests/support/pglite-replay.ts): jest's module VM refuses the dynamic import
 * that loads its WASM.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PARITY_END } from '../support/pglite-replay';

jest.setTimeout(600_000);

interface Result {
  instants: number;
  inProcess: { samples: number; text: string };
  socket: { samples: number; text: string };
  writeError: string;
  pinnedNow: string;
  clockSchemasLeft: number;
  statementsLeft: number;
  seedDifferences: string[];
  seededRows: Record<string, number>;
  usersAfterEnd: number;
  nowAfterEnd: string;
}

let r: Result;
beforeAll(async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(__dirname, '../support/pglite-replay.ts')], {
    maxBuffer: 256 * 1024 * 1024,
  });
  r = JSON.parse(stdout) as Result;
});

test('in-process replay of PGlite equals the replay through its socket with pg, byte for byte', () => {
  expect(r.instants).toBe(20);
  expect(r.inProcess.samples).toBeGreaterThan(2000);
  expect(r.inProcess.samples).toBe(r.socket.samples);
  expect(r.inProcess.text).toBe(r.socket.text);
});

test('the in-process replay runs cycles read-only at the pinned instant and leaves no clock or statement behind', () => {
  expect(r.writeError).toMatch(/read-only transaction/);
  expect(r.usersAfterEnd).toBe(0);
  expect(r.pinnedNow).toBe(PARITY_END.toISOString());
  expect(r.clockSchemasLeft).toBe(0);
  // The replay's prepared statements are closed with it.
  expect(r.statementsLeft).toBe(0);
  // now() is the real clock again once the replay ended.
  expect(new Date(r.nowAfterEnd).getTime()).toBeGreaterThan(PARITY_END.getTime());
});

test('seeding in process (the backfill) writes the same rows as seeding through the socket with pg', () => {
  expect(r.seedDifferences).toEqual([]);
  // The comparison covers real rows: two days of 120 sessions, with their views, events and orders.
  expect(r.seededRows.sessions).toBeGreaterThan(200);
  for (const t of ['page_views', 'events', 'orders', 'payments']) expect(r.seededRows[t]).toBeGreaterThan(5);
});
