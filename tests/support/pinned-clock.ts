/**
 * A database whose now() is pinned by the test: a `now()` in a schema searched before pg_catalog,
 * reading one row. Collectors and the reference queries run unchanged and both see the pinned time,
 * so a test can move the clock across hour, day, ISO-week and window edges.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './db';

export interface PinnedClock {
  /** Pool whose sessions see the pinned now(). */
  pool: pg.Pool;
  /** Current pinned time, epoch milliseconds. */
  nowMs: number;
  set(ms: number): Promise<void>;
  end(): Promise<void>;
}

export async function pinClock(tdb: TestDatabase, startMs: number): Promise<PinnedClock> {
  await tdb.pool.query(`
    CREATE SCHEMA pulse_clock;
    CREATE TABLE pulse_clock.pinned (at timestamptz NOT NULL);
    INSERT INTO pulse_clock.pinned VALUES (to_timestamp(${startMs / 1000}));
    CREATE FUNCTION pulse_clock.now() RETURNS timestamptz STABLE LANGUAGE sql AS 'SELECT at FROM pulse_clock.pinned';
    GRANT USAGE ON SCHEMA pulse_clock TO PUBLIC;
    ALTER DATABASE ${tdb.name} SET search_path = pulse_clock, pg_catalog, public;`);
  const pool = new pg.Pool({ connectionString: tdb.url, max: 4 });
  pool.on('error', () => undefined);
  const clock: PinnedClock = {
    pool,
    nowMs: startMs,
    async set(ms: number) {
      clock.nowMs = ms;
      await pool.query(`UPDATE pulse_clock.pinned SET at = to_timestamp($1::float8 / 1000)`, [ms]);
    },
    end: () => pool.end(),
  };
  const [{ now }] = (await pool.query(`SELECT now() AS now`)).rows as [{ now: Date }];
  if (now.getTime() !== startMs) throw new Error(`clock not pinned: now() = ${now.toISOString()}`);
  return clock;
}

/**
 * A test database for the whole file with its clock pinned at `startMs`: registers the beforeAll that
 * creates both and the afterAll that drops them. Read `tdb` and `clock` inside tests and hooks. With
 * `stateDirPrefix`, also a fresh directory for the exporter's state files (`stateDir`, under the OS's
 * temporary directory), removed with the database.
 */
export function pinnedDatabase(
  startMs: number,
  options: { stateDirPrefix?: string } = {},
): { readonly tdb: TestDatabase; readonly clock: PinnedClock; readonly stateDir: string } {
  let tdb: TestDatabase | undefined;
  let clock: PinnedClock | undefined;
  let stateDir: string | undefined;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    clock = await pinClock(tdb, startMs);
    if (options.stateDirPrefix !== undefined) stateDir = mkdtempSync(path.join(os.tmpdir(), options.stateDirPrefix));
  });
  afterAll(async () => {
    await clock?.end();
    await tdb?.drop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });
  return {
    get tdb() {
      if (!tdb) throw new Error('pinnedDatabase: read tdb inside a test or hook');
      return tdb;
    },
    get clock() {
      if (!clock) throw new Error('pinnedDatabase: read clock inside a test or hook');
      return clock;
    },
    get stateDir() {
      if (!stateDir) throw new Error('pinnedDatabase: read stateDir inside a test or hook, after asking for one with stateDirPrefix');
      return stateDir;
    },
  };
}
