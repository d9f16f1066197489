/**
 * Payments as the marketplace database recorded them (source="db"). Each status a payment enters
 * has its own timestamp column, and each is read incrementally through its own index, so a payment
 * going pending -> succeeded -> refunded days apart is counted once per status, when it happens.
 */
import { M, PAYMENT_STATUSES } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';
import { allowList, fold, OTHER } from '../metrics/labels';

/** One branch per status column; `failure_code` only matters for failures. */
export const PAYMENT_STATUS_EVENTS_SQL = `
  SELECT 'succeeded' AS status, provider, currency, NULL::text AS failure_code, count(*) AS n, sum(amount) AS amount
    FROM payments WHERE succeeded_at > $1::timestamptz AND succeeded_at <= $2::timestamptz
   GROUP BY provider, currency
  UNION ALL
  SELECT 'failed', provider, currency, failure_code, count(*), sum(amount)
    FROM payments WHERE failed_at > $1::timestamptz AND failed_at <= $2::timestamptz
   GROUP BY provider, currency, failure_code
  UNION ALL
  SELECT 'refunded', provider, currency, NULL, count(*), sum(amount)
    FROM payments WHERE refunded_at > $1::timestamptz AND refunded_at <= $2::timestamptz
   GROUP BY provider, currency
  UNION ALL
  SELECT 'disputed', provider, currency, NULL, count(*), sum(amount)
    FROM payments WHERE disputed_at > $1::timestamptz AND disputed_at <= $2::timestamptz
   GROUP BY provider, currency`;

const PROVIDERS: ReadonlySet<string> = new Set(['stripe', 'paypal']);
const SOURCE = 'db';

export const paymentsDb: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const currencies = allowList(config, 'currencies');
  const failureCodes = allowList(config, 'failure_codes');
  return {
    name: 'payments',
    usesDatabase: true,
    metrics: [M.paymentsTotal, M.paymentAmountTotal, M.paymentFailuresTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        // Every known provider/status series exists from the first cycle, so success-rate rules see 0, not absence.
        for (const provider of PROVIDERS)
          for (const status of PAYMENT_STATUSES) staged.add(M.paymentsTotal, { provider, status, source: SOURCE }, 0);
        // Same for failure reasons: a reason series born at its first failure would lose that increase
        // to rate()/increase(), and the payment-success alert reads failures by reason.
        for (const provider of PROVIDERS)
          for (const reason of [...failureCodes, OTHER]) staged.add(M.paymentFailuresTotal, { provider, reason, source: SOURCE }, 0);
        for (const r of await db.query(PAYMENT_STATUS_EVENTS_SQL, [from, to])) {
          const provider = fold(String(r.provider).trim().toLowerCase(), PROVIDERS);
          const status = String(r.status);
          const n = Number(r.n);
          staged.add(M.paymentsTotal, { provider, status, source: SOURCE }, n);
          staged.add(
            M.paymentAmountTotal,
            { provider, currency: fold(String(r.currency).trim(), currencies), status, source: SOURCE },
            Number(r.amount),
          );
          if (status === 'failed')
            staged.add(M.paymentFailuresTotal, { provider, reason: fold(r.failure_code, failureCodes), source: SOURCE }, n);
        }
      });
      return state.totals.samples();
    },
  };
};
