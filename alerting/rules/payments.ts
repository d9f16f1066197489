/** Payments: success rate per provider, provider API health, disputes, reconciliation. */
import { CUSTOMER_DECLINE_CODES, M } from '../../shared/catalogue';
import { BENCHMARKS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { num, type RuleGroup } from '../model';
import { gaugeOf, rateOf, increaseOf, spike, sumBy } from '../../shared/promql';

const P = M.paymentsTotal.name;
export const PAYMENT_RATE = 'provider_status:marketplace_payments:rate10m';
export const PAYMENT_SUCCESS = 'provider:marketplace_payments_success:ratio_rate10m';
export const PAYMENT_VOLUME = 'provider:marketplace_payments_settled:increase10m';
/** Failures that are ours or the provider's: buyer declines (CUSTOMER_DECLINE_CODES) left out. */
export const PAYMENT_FAILURES_OURS = 'provider:marketplace_payment_failures_not_buyer:increase10m';
export const PAYMENT_SUCCEEDED = 'provider:marketplace_payments_succeeded:increase10m';
const notBuyer = { source: 'db', reason: `!~${CUSTOMER_DECLINE_CODES.join('|')}` };

const disputes = spike({
  level: 'provider',
  stem: 'marketplace_payments_disputed',
  metric: P,
  matchers: { status: 'disputed', source: 'db' },
  by: ['provider'],
  window: '1h',
  perDay: 24,
  factor: ALERT.spikeFactor,
  min: ALERT.disputeSpikeMin,
});

export function paymentsGroup(): RuleGroup {
  return {
    file: 'payments',
    name: 'marketplace-payments',
    rules: [
      // What the marketplace recorded (source="db"); the provider's view feeds reconciliation.
      { record: PAYMENT_RATE, expr: sumBy(['provider', 'status'], rateOf(P, { source: 'db' }, '10m')) },
      { record: PAYMENT_SUCCEEDED, expr: sumBy(['provider'], increaseOf(P, { status: 'succeeded', source: 'db' }, '10m')) },
      {
        record: PAYMENT_FAILURES_OURS,
        // 0, not absent, for a provider whose payments all succeeded.
        expr: `${sumBy(['provider'], increaseOf(M.paymentFailuresTotal.name, notBuyer, '10m'))}\nor\n${PAYMENT_SUCCEEDED} * 0`,
      },
      // Settled payments judged for success: buyer declines are neither success nor failure here.
      { record: PAYMENT_VOLUME, expr: `${PAYMENT_SUCCEEDED} + ${PAYMENT_FAILURES_OURS}` },
      { record: PAYMENT_SUCCESS, expr: `${PAYMENT_SUCCEEDED}\n/\n(${PAYMENT_VOLUME} > 0)` },
      ...disputes.rules,
      {
        alert: 'PaymentSuccessRateLow',
        expr:
          `${PAYMENT_SUCCESS} < ${num(BENCHMARKS.paymentSuccessRatio)}\nand on (provider)\n${PAYMENT_VOLUME} >= ${ALERT.paymentMinVolume10m}` +
          `\nand on (provider)\n${PAYMENT_FAILURES_OURS} >= ${ALERT.paymentMinFailures10m}`,
        for: '5m',
        // A provider outage has short bursts of retries that succeed: do not resolve and re-page on them.
        keepFiringFor: '10m',
        severity: 'page',
        team: 'payments',
        feed: 'exporter_db',
        summary: '{{ $labels.provider }} payment success rate is {{ $value | humanizePercentage }}.',
        description: `Only {{ $value | humanizePercentage }} of {{ $labels.provider }} payments succeeded over the last 10 minutes, buyer declines (${CUSTOMER_DECLINE_CODES.join(', ')}) left out (benchmark ${num(BENCHMARKS.paymentSuccessRatio * 100)} %, judged from ${ALERT.paymentMinVolume10m} payments and ${ALERT.paymentMinFailures10m} failures up).`,
      },
      {
        alert: 'PaymentProviderDown',
        expr: `${gaugeOf(M.paymentProviderUp.name)} == 0`,
        for: '10m',
        severity: 'page',
        team: 'payments',
        feed: 'exporter_api',
        summary: 'The {{ $labels.provider }} API is unreachable.',
        description:
          'Every poll of the {{ $labels.provider }} API failed for 10 minutes (after retries): payments, balances and disputes from the provider are not updating.',
      },
      {
        alert: 'DisputeSpike',
        expr: disputes.expr,
        for: '15m',
        keepFiringFor: ALERT.spikeKeepFiring,
        severity: 'ticket',
        team: 'payments',
        feed: 'exporter_db',
        summary: 'Disputes on {{ $labels.provider }} payments are spiking.',
        description: `{{ $value | printf "%.0f" }} {{ $labels.provider }} payments were disputed in the last hour, more than ${ALERT.spikeFactor}x the same hour last week and last week's hourly average.`,
      },
      {
        alert: 'PayoutFailed',
        expr: `${sumBy(['provider'], increaseOf(M.paymentPayoutsFailedTotal.name, {}, '1h'))} > 0`,
        severity: 'ticket',
        team: 'payments',
        feed: 'exporter_api',
        summary: 'A payout from {{ $labels.provider }} to the marketplace bank account failed.',
        description:
          '{{ $value | printf "%.0f" }} payout(s) from {{ $labels.provider }} to the marketplace bank account failed in the last hour: sellers will not be paid on time until the bank details or balance are fixed.',
      },
      {
        alert: 'PaymentReconciliationMismatch',
        expr: `${sumBy(['provider', 'kind'], gaugeOf(M.paymentReconciliationMismatches.name))} > 0`,
        for: '30m',
        severity: 'ticket',
        team: 'payments',
        feed: 'exporter_api',
        summary: '{{ $labels.provider }} and the marketplace disagree on {{ $value }} payments ({{ $labels.kind }}).',
        description:
          'Reconciliation found {{ $value }} {{ $labels.provider }} payments of kind {{ $labels.kind }} over the settled window: money may be missing on one side.',
      },
    ],
  };
}
