/**
 * Whether a collector follows a table's updated_at (an index range: the cost follows the rows written)
 * or its exact fallback. collection.seller_changes decides it for sellers (fallback: row versions, or
 * re-reading inside mutable_horizon), collection.cart_changes for carts (fallback: the open carts of
 * the mutable tail checked each cycle), collection.ticket_changes for support (fallback: the tickets
 * closed inside the mutable tail checked per bucket, and the open tickets counted).
 *
 * - `updated_at`: the operator vouches that every write moves the column; usable wherever the relation
 *   (table or view) has it, otherwise each collector says so once and keeps its exact fallback.
 * - `auto` (the default): updated_at only where the database itself keeps it, i.e. an enabled BEFORE
 *   UPDATE row trigger on the table whose function assigns NEW.updated_at, as the reference schema's
 *   sellers_stamp_write, carts_stamp_write and support_tickets_stamp_write do. An application cannot forget a trigger, so the stamp
 *   is as good as the row version; without one, a batch job updating balances or converting carts in
 *   raw SQL would leave the column behind and the figures stale until the full refresh, so auto keeps
 *   the fallback there. Triggers are in the catalogue, which a physical replica has too.
 */
import type { Config } from '../config/load';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';

/**
 * Whether table $1 has updated_at, and the first trigger that keeps it: row-level (tgtype bit 1),
 * BEFORE (2), on UPDATE (16), firing in normal operation ('O' origin or 'A' always; 'D' is disabled and
 * 'R' fires only while replication applies changes), whose function's source assigns NEW.updated_at.
 */
export const WRITE_STAMPS_SQL = `
  SELECT EXISTS (SELECT FROM pg_attribute
                  WHERE attrelid = to_regclass($1) AND attname = 'updated_at' AND NOT attisdropped) AS stamped,
         (SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE t.tgrelid = to_regclass($1) AND NOT t.tgisinternal AND t.tgenabled IN ('O', 'A')
             AND t.tgtype & 19 = 19
             AND p.prosrc ~* 'new\\s*\\.\\s*"?updated_at"?\\s*:?='
           ORDER BY t.tgname LIMIT 1) AS kept_by`;

/** Each stamped table and the setting that decides whether its updated_at is followed. */
const STAMP_SETTINGS = { sellers: 'seller_changes', carts: 'cart_changes', support_tickets: 'ticket_changes' } as const;

/** Which table's stamp, under which setting, and its value: `updated_at`, `auto`, or the fallback's name. */
export interface StampChoice {
  table: keyof typeof STAMP_SETTINGS;
  setting: (typeof STAMP_SETTINGS)[keyof typeof STAMP_SETTINGS];
  mode: string;
}

/** The configured choice for `table`. */
export const stampsOf = (config: Config, table: keyof typeof STAMP_SETTINGS): StampChoice => ({
  table,
  setting: STAMP_SETTINGS[table],
  mode: config.collection[STAMP_SETTINGS[table]],
});

/**
 * Whether `who` reads `table` by updated_at. `updated_at`: when the column is there (else one warning);
 * `auto`: when a trigger keeps it (one info line either way, naming the trigger or the fallback); any
 * other mode is the fallback, without a query.
 */
export async function readsWriteStamps(
  { table, setting, mode }: StampChoice,
  db: Db,
  log: Logger,
  who: string,
  fallback: string,
): Promise<boolean> {
  if (mode !== 'updated_at' && mode !== 'auto') return false;
  const [r] = await db.query<{ stamped: boolean; kept_by: string | null }>(WRITE_STAMPS_SQL, [table]);
  if (mode === 'updated_at') {
    if (r?.stamped) return true;
    // Exact numbers at the old cost beat no numbers.
    log.warn(`${who}: collection.${setting} is updated_at but ${table} has no updated_at column; ${fallback}`);
    return false;
  }
  if (r?.stamped && r.kept_by) {
    log.info(
      `${who}: trigger ${r.kept_by} keeps ${table}.updated_at; reading the ${table} written since the previous read (collection.${setting}: auto)`,
    );
    return true;
  }
  log.info(`${who}: no enabled trigger keeps ${table}.updated_at; ${fallback} (collection.${setting}: auto)`);
  return false;
}
