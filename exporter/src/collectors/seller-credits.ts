/** Listing credits across live sellers: granted, used, unallocated, consumption and low-credit count. */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';

/**
 * A full read of live sellers: balances change in place, with no timestamp to read increments by.
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

export const sellerCredits: CollectorFactory = (config) => ({
  name: 'seller_credits',
  usesDatabase: true,
  metrics: [M.sellerCredits, M.sellerCreditConsumptionRatio, M.sellersLowCredit],
  async collect({ db }): Promise<Sample[]> {
    const [r] = await db.query(SELLER_CREDITS_SQL, [config.thresholds.low_seller_credit_ratio]);
    const total = Number(r?.total ?? 0);
    const used = Number(r?.used ?? 0);
    return [
      { metric: M.sellerCredits, labels: { state: 'total' }, value: total },
      { metric: M.sellerCredits, labels: { state: 'used' }, value: used },
      { metric: M.sellerCredits, labels: { state: 'unallocated' }, value: total - used },
      { metric: M.sellerCreditConsumptionRatio, labels: {}, value: total > 0 ? used / total : 0 },
      { metric: M.sellersLowCredit, labels: {}, value: Number(r?.low ?? 0) },
    ];
  },
});
