/**
 * Refunds issued: count by currency and reason, amount by currency. Incremental on
 * refunds.created_at (refunds_created_at_idx).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';
import { allowList, fold } from '../metrics/labels';

export const REFUNDS_SQL = `
  SELECT currency, reason, count(*) AS n, coalesce(sum(amount), 0) AS amount
    FROM refunds
   WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz
   GROUP BY currency, reason`;

export const refunds: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const currencies = allowList(config, 'currencies');
  const reasons = allowList(config, 'refund_reasons');
  return {
    name: 'refunds',
    usesDatabase: true,
    metrics: [M.refundsTotal, M.refundedAmountTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        for (const r of await db.query(REFUNDS_SQL, [from, to])) {
          const currency = fold(String(r.currency).trim(), currencies);
          staged.add(M.refundsTotal, { currency, reason: fold(r.reason, reasons) }, Number(r.n));
          staged.add(M.refundedAmountTotal, { currency }, Number(r.amount));
        }
      });
      return state.totals.samples();
    },
  };
};
