/**
 * Database access for collectors: a pg Pool whose every use is a READ ONLY transaction with the
 * collector's statement_timeout, plus a client-side deadline in case the server never answers.
 */
import type { ErrorKind } from '../../../shared/catalogue';
import pg from 'pg';
import type { Config } from '../config/load';
import { readSecret } from '../config/load';

// NUMERIC and BIGINT arrive as strings by default; every value we read is a count or an amount that
// fits a double, and the metrics are doubles anyway.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface Db {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs a statement that returns no rows and resolves to the row count of its command tag (how many
   * rows a MOVE passed over). Optional: a caller that can do without the count checks for it.
   */
  rowCount?(text: string, params?: readonly unknown[]): Promise<number>;
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export function createPool(config: Config, overrides: pg.PoolConfig = {}): pg.Pool {
  const db = config.database;
  // pg uses one setting both for opening a connection and for waiting for a free pool slot. At start
  // many collectors queue for a few connections behind slow first cycles; that wait must not fail
  // them, so it is bounded by the longest collector timeout (each cycle's own deadline still applies).
  const longestCycle = Math.max(
    config.collection.default_timeout,
    ...Object.values(config.collectors).map((c) => c?.timeout ?? 0),
    ...config.custom_metrics.map((m) => m.timeout ?? 0),
  );
  const pool = new pg.Pool({
    connectionString: db.url,
    password: db.password ? readSecret(db.password) : undefined,
    max: db.pool_max,
    application_name: db.application_name,
    connectionTimeoutMillis: Math.max(db.connect_timeout, longestCycle) * 1000,
    idleTimeoutMillis: 30_000,
    ...overrides,
  });
  // An idle client losing its connection (server restart) must not crash the process; the next
  // checkout opens a fresh connection.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `fn` inside `BEGIN READ ONLY` with `statement_timeout = timeoutSeconds`. If the deadline passes
 * (server unresponsive, network gone) the client is destroyed rather than returned to the pool.
 */
export interface SessionLimits {
  statementTimeout: number;
  lockTimeout: number;
  idleInTransactionTimeout: number;
}

const DEFAULT_LIMITS: SessionLimits = { statementTimeout: Infinity, lockTimeout: 5, idleInTransactionTimeout: 60 };

export function sessionLimits(config: Config): SessionLimits {
  const d = config.database;
  return {
    statementTimeout: d.statement_timeout,
    lockTimeout: d.lock_timeout,
    idleInTransactionTimeout: d.idle_in_transaction_session_timeout,
  };
}

export async function withReadOnly<T>(
  pool: pg.Pool,
  timeoutSeconds: number,
  signal: AbortSignal,
  fn: (db: Db) => Promise<T>,
  limits: SessionLimits = DEFAULT_LIMITS,
  /** `repeatable read`: every query of `fn` sees one snapshot (reports reading several measures). */
  isolation: 'read committed' | 'repeatable read' = 'read committed',
): Promise<T> {
  const client = await connectUnlessAborted(pool, signal);
  let broken = false;
  let cancelling: Promise<void> = Promise.resolve();
  // A connection dying mid-cycle (server gone, our own abort) surfaces as the query's rejection;
  // without a listener it would also be an unhandled 'error' event.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  // The collector itself is raced against the deadline too: one awaiting something other than a
  // query (a hung remote call) still ends its cycle on time.
  let abortWork!: (e: Error) => void;
  const aborted = new Promise<never>((_, reject) => (abortWork = reject));
  aborted.catch(() => undefined);
  const onAbort = () => {
    abortWork(new TimeoutError('collection aborted'));
    broken = true;
    // The server does not notice a closed socket while a query runs, so cancel the backend explicitly
    // (own-role backends may always be cancelled), and end the socket so the pending query rejects now.
    cancelling = cancelBackend(pool, (client as unknown as { processID?: number }).processID);
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.query(isolation === 'repeatable read' ? 'BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ' : 'BEGIN READ ONLY');
    // Timeouts in the same round trip as the read-only check: the collector's deadline capped by
    // database.statement_timeout, plus lock and idle-in-transaction limits.
    const ms = (seconds: number) => String(Math.max(1, Math.round(seconds * 1000)));
    const { rows } = await client.query<{ ro: string }>({
      text: `SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true),
                    set_config('idle_in_transaction_session_timeout', $3, true), current_setting('transaction_read_only') AS ro`,
      values: [ms(Math.min(timeoutSeconds, limits.statementTimeout)), ms(limits.lockTimeout), ms(limits.idleInTransactionTimeout)],
    });
    if (rows[0]?.ro !== 'on') throw new Error('the transaction is not read-only (transaction_read_only is off); refusing to run queries');
    const run = (text: string, params: readonly unknown[] | undefined) => {
      if (signal.aborted) throw new TimeoutError('collection aborted');
      // The extended protocol takes exactly one statement: "SELECT 1; COMMIT; DELETE …" is a syntax
      // error at the server instead of three statements, so no query can end the READ ONLY transaction.
      return client.query({ text, values: (params as unknown[] | undefined) ?? [], queryMode: 'extended' } as pg.QueryConfig);
    };
    const db: Db = {
      query: async (text, params) => (await run(text, params)).rows,
      rowCount: async (text, params) => (await run(text, params)).rowCount ?? 0,
    };
    const out = await Promise.race([fn(db), aborted]);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
    if (signal.aborted) throw new TimeoutError(`collection exceeded its ${timeoutSeconds}s timeout`);
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.off('error', onError);
    client.release(broken ? true : undefined);
    await cancelling;
  }
}

/** Waits for a pool connection, giving up when the cycle's deadline passes first. */
function connectUnlessAborted(pool: pg.Pool, signal: AbortSignal): Promise<pg.PoolClient> {
  if (signal.aborted) return Promise.reject(new TimeoutError('collection aborted before a connection was free'));
  return new Promise((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(new TimeoutError('collection aborted while waiting for a database connection'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pool.connect().then(
      (client) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) client.release();
        else resolve(client);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        if (!settled) reject(err);
      },
    );
  });
}

async function cancelBackend(pool: pg.Pool, pid: number | undefined): Promise<void> {
  if (!pid) return;
  const c = new pg.Client({ ...(pool as unknown as { options: pg.ClientConfig }).options, application_name: 'marketplace-pulse-cancel' });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // Best effort: statement_timeout still bounds the query.
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Whether the exporter's role could write (superuser, or INSERT/UPDATE/DELETE/TRUNCATE on any table
 * outside the system schemas). The exporter never writes, but a role that can is one bug or one
 * leaked password away from it, so start-up says so (log + metric).
 */
export const ROLE_CAN_WRITE_SQL = `
  SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
      OR EXISTS (
           SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
              AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
                   OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))) AS can_write`;

export async function roleCanWrite(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ can_write: boolean }>({
    text: ROLE_CAN_WRITE_SQL,
    values: [],
    queryMode: 'extended',
  } as pg.QueryConfig);
  return rows[0]?.can_write === true;
}

/** Classifies a failure for `collector_errors_total{kind}`. */
export function errorKind(e: unknown): ErrorKind {
  const err = e as { name?: string; code?: string; message?: string };
  if (err?.name === 'TimeoutError' || err?.code === '57014') return 'timeout'; // 57014 = query_canceled (statement_timeout)
  const code = err?.code ?? '';
  if (/^(08|57P)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(code))
    return 'connection';
  if (/timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(err?.message ?? '')) return 'connection';
  if (/^[0-9A-Z]{5}$/.test(code)) return 'query';
  return 'other';
}
