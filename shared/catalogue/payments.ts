import { fixed, fromConfig, internal, metric } from './types';

const area = 'payments' as const;
const provider = fixed('stripe', 'paypal');
const source = fixed('db', 'provider');
export const PAYMENT_STATUSES = ['succeeded', 'failed', 'refunded', 'disputed'] as const;
const status = fixed(...PAYMENT_STATUSES);

export const paymentsTotal = metric({
  name: 'marketplace_payments_total',
  type: 'counter',
  unit: 'count',
  help: 'Payments that reached each status, by provider and data source (db = marketplace records, provider = payment API).',
  labels: { provider, status, source },
  area,
  collector: ['payments', 'stripe', 'paypal'],
  source: 'payments.succeeded_at/failed_at/refunded_at/disputed_at; Stripe events, PayPal transactions',
  definition:
    'A payment is counted once per status it enters, when it enters it: `succeeded` at `succeeded_at`, `failed` at `failed_at`, `refunded` at `refunded_at` (first refund), `disputed` at `disputed_at`. Pending payments are not counted until they settle. Providers other than stripe/paypal count as `other`. Success rate = succeeded / (succeeded + failed). Partial refunds: a payment enters `refunded` once, at its first refund, however many (partial) refunds follow — in the database (`refunded_at`), at Stripe (the first `charge.refunded` event) and at PayPal (the first refund transaction referencing the payment) alike; the refunded money itself is `marketplace_refunded_amount_total`.',
});

export const paymentAmountTotal = metric({
  name: 'marketplace_payment_amount_total',
  type: 'counter',
  unit: 'currency',
  help: 'Payment amounts by status reached, in major currency units.',
  labels: { provider, currency: fromConfig('currencies'), status, source },
  area,
  collector: ['payments', 'stripe', 'paypal'],
  source: 'payments.amount',
  definition:
    "Sum of `amount` over the same events as `marketplace_payments_total`; for `refunded`, the payment's full amount (database, Stripe). Exception: PayPal's Reporting API carries only the refund's own amount, so source=\"provider\" PayPal adds the first refund's amount, which is less than the payment for a partial refund.",
});

/**
 * Failure codes caused by the buyer (their card, their funds, their typo), a subset of the default
 * `failure_codes` allow-list. They stay visible on dashboards but never count against payment-success
 * SLIs or alerts: they say nothing about our checkout or the provider.
 */
export const CUSTOMER_DECLINE_CODES = ['card_declined', 'insufficient_funds', 'expired_card', 'incorrect_cvc'] as const;

export const paymentFailuresTotal = metric({
  name: 'marketplace_payment_failures_total',
  type: 'counter',
  unit: 'count',
  help: 'Failed payments by allow-listed failure (decline) code.',
  labels: { provider, reason: fromConfig('failure_codes'), source },
  area,
  collector: ['payments', 'stripe', 'paypal'],
  source: 'payments.failure_code, failed_at',
  definition: 'Failed payments at `failed_at`, grouped by `failure_code` (unknown codes and NULL count as `other`).',
});

export const paymentProviderBalance = metric({
  name: 'marketplace_payment_provider_balance',
  type: 'gauge',
  unit: 'currency',
  help: 'Balance held at the payment provider, by currency and type (available, pending).',
  labels: { provider, currency: fromConfig('currencies'), type: fixed('available', 'pending') },
  area,
  collector: ['stripe', 'paypal'],
  source: 'Stripe /v1/balance, PayPal /v1/reporting/balances',
  definition: 'Latest balance reported by the provider API.',
});

export const paymentDisputesOpen = metric({
  name: 'marketplace_payment_disputes_open',
  type: 'gauge',
  unit: 'count',
  help: 'Disputes (chargebacks) currently open at the provider.',
  labels: { provider },
  area,
  collector: ['stripe', 'paypal'],
  source: 'Stripe /v1/disputes, PayPal /v1/customer/disputes',
  definition: 'Disputes in a non-final state according to the provider API.',
});

export const paymentPayoutsFailedTotal = metric({
  name: 'marketplace_payment_payouts_failed_total',
  type: 'counter',
  unit: 'count',
  help: 'Payouts to the marketplace bank account that failed at the provider.',
  labels: { provider },
  area,
  collector: ['stripe', 'paypal'],
  source: 'Stripe payout.failed events',
  definition: 'One per payout failure event reported by the provider.',
});

export const paymentProviderUp = metric({
  name: 'marketplace_payment_provider_up',
  type: 'gauge',
  unit: 'count',
  help: '1 when the last poll of the provider API succeeded, else 0.',
  labels: { provider },
  area,
  collector: ['stripe', 'paypal'],
  source: 'provider API',
  definition: 'Set after every poll: 1 if every request of the poll succeeded (after retries), 0 otherwise.',
});

export const paymentProviderRequestDurationSeconds = metric({
  name: 'marketplace_payment_provider_request_duration_seconds',
  type: 'histogram',
  unit: 'seconds',
  help: 'Duration of requests to the payment provider API, by endpoint.',
  labels: { provider, endpoint: internal('fixed endpoint names of each poller') },
  area,
  collector: ['stripe', 'paypal'],
  source: 'provider API',
  definition: 'Wall time of each HTTP request including failed ones, retries observed individually.',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const paymentProviderRequestsTotal = metric({
  name: 'marketplace_payment_provider_requests_total',
  type: 'counter',
  unit: 'count',
  help: 'Requests made to the payment provider API, by endpoint and HTTP status code.',
  labels: {
    provider,
    endpoint: internal('fixed endpoint names of each poller'),
    code: internal('HTTP status code, or "error" for network errors/timeouts'),
  },
  area,
  collector: ['stripe', 'paypal'],
  source: 'provider API',
  definition: 'One per HTTP request attempt, retries included.',
});

export const paymentReconciliationMismatches = metric({
  name: 'marketplace_payment_reconciliation_mismatches',
  type: 'gauge',
  unit: 'count',
  help: 'Payments where the provider and the marketplace database disagree over the settled reconciliation window.',
  labels: { provider, kind: fixed('missing_in_db', 'missing_at_provider', 'status_differs', 'amount_differs') },
  area,
  collector: 'reconciliation',
  source: 'payments.provider_ref vs provider API',
  definition:
    'Over the settled window, provider payments matched to `payments` rows by `provider_ref`: in the provider but not the DB, in the DB but not the provider, status differs, amount/currency differs.',
});

export const paymentProviderRecordsRejectedTotal = metric({
  name: 'marketplace_payment_provider_records_rejected_total',
  type: 'counter',
  unit: 'count',
  help: 'Records from a payment provider API that failed validation (missing or mistyped amount, currency, status, time) and were skipped.',
  labels: { provider },
  area,
  collector: ['stripe', 'paypal'],
  source: 'Stripe /v1/events, PayPal /v1/reporting/transactions',
  definition: 'Counted when a record is skipped; the totals never include it (a NaN amount would poison them forever).',
});
