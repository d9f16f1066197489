/**
 * Seller applications, approvals and churn as incremental counters, each on its own timestamp
 * column (sellers_applied_at_idx, sellers_approved_at_idx, sellers_churned_at_idx).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';

export const SELLER_ONBOARDING_SQL = `
  SELECT (SELECT count(*) FROM sellers WHERE applied_at  > $1::timestamptz AND applied_at  <= $2::timestamptz) AS applied,
         (SELECT count(*) FROM sellers WHERE approved_at > $1::timestamptz AND approved_at <= $2::timestamptz) AS approved,
         (SELECT count(*) FROM sellers WHERE churned_at  > $1::timestamptz AND churned_at  <= $2::timestamptz) AS churned`;

export const sellerOnboarding: CollectorFactory = (config) => {
  const state = new IncrementalState();
  return {
    name: 'seller_onboarding',
    usesDatabase: true,
    metrics: [M.sellerApplicationsTotal, M.sellersApprovedTotal, M.sellersChurnedTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [r] = await db.query(SELLER_ONBOARDING_SQL, [from, to]);
        staged.add(M.sellerApplicationsTotal, {}, Number(r?.applied ?? 0));
        staged.add(M.sellersApprovedTotal, {}, Number(r?.approved ?? 0));
        staged.add(M.sellersChurnedTotal, {}, Number(r?.churned ?? 0));
      });
      return state.totals.samples();
    },
  };
};
