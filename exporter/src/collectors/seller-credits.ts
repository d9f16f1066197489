/** Listing credits across live sellers: granted, used, unallocated, consumption and low-credit count. */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import type { Sample } from '../metrics/sample';

export const SELLER_CREDITS_SQL = `
  SELECT coalesce(sum(credits_total), 0) AS total,
         coalesce(sum(credits_used), 0) AS used,
         count(*) FILTER (WHERE credits_total > 0 AND credits_total - credits_used < $1::numeric * credits_total) AS low
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
