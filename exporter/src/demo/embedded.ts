/**
 * The zero-setup database of the demo: PGlite (Postgres compiled to WASM) served over the Postgres
 * wire protocol on loopback, so the exporter reaches it through `pg` exactly like a real server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export const SCHEMA_PATH = path.join(__dirname, '../db/schema.sql');

export interface EmbeddedDatabase {
  url: string;
  /** The engine itself, for in-process callers (the backfill) that skip the socket. */
  pglite: PGlite;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(
  opts: { dataDir?: string; port?: number; maxConnections?: number } = {},
): Promise<EmbeddedDatabase> {
  const db = await PGlite.create(opts.dataDir);
  await db.exec(readFileSync(SCHEMA_PATH, 'utf8'));
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: opts.maxConnections ?? 16 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pglite: db,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
