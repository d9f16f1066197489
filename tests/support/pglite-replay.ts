/**
 * Run as a child process by tests/integration/history-pglite.test.ts (PGlite loads its WASM through a
 * dynamic import, which jest's module VM refuses). Seeds an embedded database, replays it in process
 * and through its socket with `pg`, checks the in-process guard, seeds a second one in process to
 * compare its tables, and prints one JSON line.
 */
import pg from 'pg';
import { parseConfig } from '../../exporter/src/config/load';
import type { PGlite } from '@electric-sql/pglite';
import { inProcessSeedTarget, startEmbeddedDatabase } from '../../exporter/src/demo/embedded';
import { TABLE_ORDER } from '../../exporter/src/demo/rows';
import { seedHistory } from '../../exporter/src/demo/simulator';
import { historyInstants, pgliteReplayDatabase, pgReplayDatabase, simulateHistory } from '../../scripts/stack/history';

export const PARITY_END = new Date('2026-11-21T18:40:00Z');
const SEED = { seed: 5, days: 2, sessionsPerDay: 120, end: PARITY_END };

/** Every table's rows in id order, as text: the content two seedings are compared by. */
async function tableContents(pglite: PGlite): Promise<Record<string, { rows: number; text: string }>> {
  const out: Record<string, { rows: number; text: string }> = {};
  for (const t of TABLE_ORDER) {
    const { rows } = await pglite.query<{ n: number; text: string | null }>(
      // sellers, carts and support_tickets.updated_at are the wall-clock time of the write, not part of the seeded history.
      `SELECT count(*)::int AS n, string_agg((to_jsonb(x) - 'updated_at')::text, E'\\n' ORDER BY x.id) AS text FROM ${t} x`,
    );
    out[t] = { rows: rows[0]!.n, text: rows[0]!.text ?? '' };
  }
  return out;
}

/** The same history seeded in process (the backfill's way) instead of through the socket with `pg`. */
async function seededInProcess(): Promise<Record<string, { rows: number; text: string }>> {
  const other = await startEmbeddedDatabase({ maxConnections: 1 });
  try {
    await seedHistory(inProcessSeedTarget(other.pglite), SEED);
    return await tableContents(other.pglite);
  } finally {
    await other.stop();
  }
}

async function main(): Promise<void> {
  const embedded = await startEmbeddedDatabase({ maxConnections: 4 });
  try {
    const pool = new pg.Pool({ connectionString: embedded.url, max: 1 });
    await seedHistory(pool, SEED).finally(() => pool.end());
    const throughSocket = await tableContents(embedded.pglite);
    const seededHere = await seededInProcess();
    const seedDifferences = TABLE_ORDER.filter((t) => throughSocket[t]!.text !== seededHere[t]!.text);
    const config = parseConfig(
      { database: { url: embedded.url }, collection: { settle_lag: 0 }, demo: { mode: 'off' }, log: { level: 'silent' } },
      { env: {} },
    );
    const instants = historyInstants(PARITY_END, 2, 4 * 3600, [0], 600);
    const run = async (direct: boolean) =>
      simulateHistory({
        config,
        instants,
        job: 'pulse',
        instance: 'replay:9464',
        database: direct ? await pgliteReplayDatabase(embedded.pglite) : await pgReplayDatabase(config),
      });
    const inProcess = await run(true);
    const socket = await run(false);

    const replay = await pgliteReplayDatabase(embedded.pglite);
    let writeError = '';
    try {
      await replay.at(PARITY_END, (cycle) => cycle(60, (db) => db.query(`INSERT INTO users (created_at) VALUES (now())`)));
    } catch (e) {
      writeError = (e as Error).message;
    }
    const now = await replay.at(PARITY_END, (cycle) => cycle(60, (db) => db.query<{ now: Date }>('SELECT now() AS now')));
    await replay.end();
    const q = async (sql: string) => (await embedded.pglite.query<{ n: number }>(sql)).rows[0]!.n;
    process.stdout.write(
      `${JSON.stringify({
        instants: instants.length,
        inProcess: { samples: inProcess.samples, text: inProcess.text },
        socket: { samples: socket.samples, text: socket.text },
        writeError,
        pinnedNow: now[0]!.now.toISOString(),
        clockSchemasLeft: await q(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pulse_clock'`),
        seedDifferences,
        seededRows: Object.fromEntries(TABLE_ORDER.map((t) => [t, throughSocket[t]!.rows])),
        statementsLeft: await q(`SELECT count(*)::int AS n FROM pg_prepared_statements`),
        usersAfterEnd: await q(`SELECT count(*)::int AS n FROM users WHERE created_at > '${PARITY_END.toISOString()}'`),
        nowAfterEnd: (await embedded.pglite.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now.toISOString(),
      })}\n`,
    );
  } finally {
    await embedded.stop();
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
