/**
 * collection.seller_changes decides how the seller collectors find changed sellers: through
 * sellers.updated_at (an index range: the cost follows the sellers written) or by row version and
 * mutable_horizon (exact whatever the application writes, but a scan of every seller).
 *
 * - `updated_at`: the operator vouches that every write moves the column; usable wherever the relation
 *   (table or view) has it, otherwise each collector says so once and keeps its exact fallback.
 * - `auto` (the default): updated_at only where the database itself keeps it, i.e. an enabled BEFORE
 *   UPDATE row trigger on sellers whose function assigns NEW.updated_at, as the reference schema's
 *   sellers_stamp_write does. An application cannot forget a trigger, so the stamp is as good as the
 *   row version; without one, a batch job updating balances in raw SQL would leave the column behind
 *   and credits stale until the full refresh, so auto follows row versions there. Triggers are in the
 *   catalogue, which a physical replica has too.
 */
import type { Config } from '../config/load';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';

/**
 * Whether sellers has updated_at, and the first trigger that keeps it: row-level (tgtype bit 1),
 * BEFORE (2), on UPDATE (16), firing in normal operation ('O' origin or 'A' always; 'D' is disabled and
 * 'R' fires only while replication applies changes), whose function's source assigns NEW.updated_at.
 */
export const SELLER_STAMPS_SQL = `
  SELECT EXISTS (SELECT FROM pg_attribute
                  WHERE attrelid = to_regclass('sellers') AND attname = 'updated_at' AND NOT attisdropped) AS stamped,
         (SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE t.tgrelid = to_regclass('sellers') AND NOT t.tgisinternal AND t.tgenabled IN ('O', 'A')
             AND t.tgtype & 19 = 19
             AND p.prosrc ~* 'new\\s*\\.\\s*"?updated_at"?\\s*:?='
           ORDER BY t.tgname LIMIT 1) AS kept_by`;

/**
 * Whether `who` reads sellers by updated_at. `updated_at`: when the column is there (else one warning);
 * `auto`: when a trigger keeps it (one info line either way, naming the trigger or the fallback).
 */
export async function readsSellerStamps(config: Config, db: Db, log: Logger, who: string, fallback: string): Promise<boolean> {
  const mode = config.collection.seller_changes;
  if (mode === 'row_versions') return false;
  const [r] = await db.query<{ stamped: boolean; kept_by: string | null }>(SELLER_STAMPS_SQL);
  if (mode === 'updated_at') {
    if (r?.stamped) return true;
    // Exact numbers at the old cost beat no numbers.
    log.warn(`${who}: collection.seller_changes is updated_at but sellers has no updated_at column; ${fallback}`);
    return false;
  }
  if (r?.stamped && r.kept_by) {
    log.info(
      `${who}: trigger ${r.kept_by} keeps sellers.updated_at; reading the sellers written since the previous read (collection.seller_changes: auto)`,
    );
    return true;
  }
  log.info(`${who}: no enabled trigger keeps sellers.updated_at; ${fallback} (collection.seller_changes: auto)`);
  return false;
}
