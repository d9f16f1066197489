/** Listing credits across live sellers: granted, used, unallocated, consumption and low-credit count. */
import { M } from '../../../shared/catalogue';
import type { Db } from '../runtime/db';
import type { Logger } from '../runtime/logger';
import type { Sample } from '../metrics/sample';
import { type CreditTotals, exactDecimal, SellerBalances } from './seller-balances';
import { readsWriteStamps, stampsOf } from './write-stamps';
import type { CollectorFactory } from './types';
import { windowSettings } from './window-facts';

/**
 * A full aggregate over live sellers: the reference for the in-memory balances (seller-balances.ts),
 * and what runs when `sellers` has no row versions to follow (a VIEW).
 * Low credit, (total - used) < ratio * total, is tested as used > (1 - ratio) * total: the same
 * inequality in exact numeric arithmetic, with one multiplication a row instead of a subtraction
 * and a multiplication (the per-row numeric work is most of this statement's cost at 10k sellers).
 * 1 - ratio is computed once, in numeric: in floating point 1 - 0.9 is 0.09999999999999998.
 */
export const SELLER_CREDITS_SQL = `
  SELECT coalesce(sum(credits_total), 0) AS total,
         coalesce(sum(credits_used), 0) AS used,
         count(*) FILTER (WHERE credits_used > credits_total * (1 - $1::numeric) AND credits_total > 0) AS low
    FROM sellers
   WHERE approved_at <= now() AND (churned_at IS NULL OR churned_at > now())`;

/** Relation kinds whose rows carry an xmin (a partitioned table reads it from its partitions). */
const VERSIONED_KINDS = new Set(['r', 'p', 'm']);

const NAME = 'seller_credits';

export const sellerCredits: CollectorFactory = (config) => {
  const ratio = config.thresholds.low_seller_credit_ratio;
  const balances = new SellerBalances(exactDecimal(ratio));
  // Decided on the first cycle: 'stamped' (collection.seller_changes: updated_at) and 'versions' read
  // the changed sellers into `balances`; 'aggregate' runs SELLER_CREDITS_SQL every cycle (a VIEW named
  // sellers, or a server without the functions).
  let mode: 'unknown' | 'stamped' | 'versions' | 'aggregate' = 'unknown';
  const settings = windowSettings(config);

  async function aggregate(db: Db): Promise<CreditTotals> {
    const [r] = await db.query(SELLER_CREDITS_SQL, [ratio]);
    return { total: Number(r?.total ?? 0), used: Number(r?.used ?? 0), low: Number(r?.low ?? 0) };
  }

  async function firstCycle(db: Db, log: Logger): Promise<CreditTotals> {
    if (await readsWriteStamps(stampsOf(config, 'sellers'), db, log, 'seller credits', 'following row versions')) {
      mode = 'stamped';
      return balances.refreshByStamp(db, settings, NAME);
    }
    const [k] = await db.query<{ relkind: string | null }>(
      `SELECT (SELECT relkind FROM pg_class WHERE oid = to_regclass('sellers'))::text AS relkind`,
    );
    if (!VERSIONED_KINDS.has(k?.relkind ?? '')) {
      mode = 'aggregate';
      log.info(
        { relkind: k?.relkind ?? null },
        'seller credits: sellers has no row versions to follow; every cycle aggregates all sellers',
      );
      return aggregate(db);
    }
    // A savepoint, so that a server lacking a function leaves the transaction usable for the aggregate.
    await db.query('SAVEPOINT seller_versions');
    try {
      const out = await balances.refresh(db);
      await db.query('RELEASE SAVEPOINT seller_versions');
      mode = 'versions';
      return out;
    } catch (e) {
      await db.query('ROLLBACK TO SAVEPOINT seller_versions');
      balances.reset();
      mode = 'aggregate';
      log.warn({ err: (e as Error).message }, 'seller credits: reading changed sellers failed; every cycle aggregates all sellers');
      return aggregate(db);
    }
  }

  return {
    name: NAME,
    usesDatabase: true,
    metrics: [M.sellerCredits, M.sellerCreditConsumptionRatio, M.sellersLowCredit, M.rollupStateBytes, M.rollupDrift],
    async collect({ db, log }): Promise<Sample[]> {
      let t: CreditTotals;
      if (mode === 'unknown') t = await firstCycle(db, log);
      else if (mode === 'aggregate') t = await aggregate(db);
      else {
        try {
          t = mode === 'stamped' ? await balances.refreshByStamp(db, settings, NAME) : await balances.refresh(db);
        } catch (e) {
          // A timeout or a lost connection mid-read: trust nothing, read every seller next time.
          balances.reset();
          throw e;
        }
      }
      const { total, used, low } = t;
      const held = mode === 'stamped' || mode === 'versions';
      return [
        { metric: M.sellerCredits, labels: { state: 'total' }, value: total },
        { metric: M.sellerCredits, labels: { state: 'used' }, value: used },
        { metric: M.sellerCredits, labels: { state: 'unallocated' }, value: total - used },
        { metric: M.sellerCreditConsumptionRatio, labels: {}, value: total > 0 ? used / total : 0 },
        { metric: M.sellersLowCredit, labels: {}, value: low },
        // 0 when every cycle aggregates in SQL: nothing is held.
        { metric: M.rollupStateBytes, labels: { collector: NAME }, value: held ? balances.bytes() : 0 },
        // Only a read by updated_at can miss a change until the full read; the others are exact every cycle.
        ...(mode === 'stamped' ? [{ metric: M.rollupDrift, labels: { collector: NAME }, value: balances.drift }] : []),
      ];
    },
  };
};
