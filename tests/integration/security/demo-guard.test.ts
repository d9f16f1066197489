/** Fault matrix, demo mode: simulated rows never go into a database that holds real data. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../../support/db';

const run = promisify(execFile);
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.pool.query(
    `INSERT INTO sessions (id, visitor_id, platform, channel, started_at) VALUES (1, 'real-visitor', 'web', 'direct', now())`,
  );
});
afterAll(() => tdb.drop());

test('demo.mode on against a non-empty database it did not seed: exit 2, one line without the password, nothing written', async () => {
  const url = new URL(tdb.url);
  const err = await run(path.join(__dirname, '../../../node_modules/.bin/tsx'), [path.join(__dirname, '../../../exporter/src/main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: tdb.url,
      PULSE_DEMO__MODE: 'on',
      PULSE_LISTEN__PORT: '0',
      PULSE_LISTEN__ADDRESS: '127.0.0.1',
      PULSE_LOG__LEVEL: 'silent',
    },
    timeout: 60_000,
  }).catch((e) => e);
  expect(err.code).toBe(2);
  expect(err.stderr).toMatch(
    /^demo error: demo\.mode is on but the database at postgres:\/\/.* already holds data the demo did not write; refusing to simulate into it \(set demo\.mode: off to only read it\)\n$/,
  );
  if (url.password) expect(err.stderr).not.toContain(`:${url.password}@`);
  const { rows } = await tdb.pool.query('SELECT count(*)::int AS n FROM sessions');
  expect(rows[0].n).toBe(1);
  const { rows: orders } = await tdb.pool.query('SELECT count(*)::int AS n FROM orders');
  expect(orders[0].n).toBe(0);
});
