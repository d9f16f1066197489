/**
 * Real PostgreSQL for tests. TEST_DATABASE_URL names a server (CI starts Debian's); each test file
 * gets its own freshly created database with the reference schema loaded, dropped afterwards.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import '../../exporter/src/runtime/db'; // installs NUMERIC/INT8 parsers

export const SCHEMA_SQL = readFileSync(path.join(__dirname, '../../exporter/src/db/schema.sql'), 'utf8');

export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: tests need a real PostgreSQL server, e.g. TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres (see README, "Running the tests").',
    );
  }
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Superuser pool on the test database, for fixtures. */
  pool: pg.Pool;
  drop(): Promise<void>;
}

let counter = 0;

export async function createTestDatabase(prefix = 'pulse_test'): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  await pool.query(SCHEMA_SQL);
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
