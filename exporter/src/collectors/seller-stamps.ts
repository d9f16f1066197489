/**
 * collection.seller_changes: updated_at lets the seller collectors find changed sellers through
 * sellers.updated_at instead of re-reading by row version or by mutable_horizon. It is usable only
 * where the relation (table or view) has that column; otherwise each collector says so once and
 * keeps its exact fallback.
 */
import type { Config } from '../config/load';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';

export const SELLER_STAMPS_SQL = `
  SELECT EXISTS (SELECT FROM pg_attribute
                  WHERE attrelid = to_regclass('sellers') AND attname = 'updated_at' AND NOT attisdropped) AS stamped`;

/** Whether `who` reads sellers by updated_at: configured, and the column is there (else one warning). */
export async function readsSellerStamps(config: Config, db: Db, log: Logger, who: string, fallback: string): Promise<boolean> {
  if (config.collection.seller_changes !== 'updated_at') return false;
  const [r] = await db.query<{ stamped: boolean }>(SELLER_STAMPS_SQL);
  if (r?.stamped) return true;
  // Exact numbers at the old cost beat no numbers.
  log.warn(`${who}: collection.seller_changes is updated_at but sellers has no updated_at column; ${fallback}`);
  return false;
}
