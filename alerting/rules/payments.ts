/** Payments: success rate per provider, provider API health, disputes, reconciliation. */
import { M } from '../../shared/catalogue';
import { BENCHMARKS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { num, type RuleGroup } from '../model';
import { gaugeOf, rateOf, increaseOf, spike, sumBy } from '../../shared/promql';

const P = M.paymentsTotal.name;
export const PAYMENT_RATE = 'provider_status:marketplace_payments:rate10m';
export const PAYMENT_SUCCESS = 'provider:marketplace_payments_success:ratio_rate10m';
export const PAYMENT_VOLUME = 'provider:marketplace_payments_settled:increase10m';

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
      {
        record: PAYMENT_SUCCESS,
        expr: `sum by (provider) (${PAYMENT_RATE}{status="succeeded"})\n/\nsum by (provider) (${PAYMENT_RATE}{status=~"succeeded|failed"})`,
      },
      { record: PAYMENT_VOLUME, expr: sumBy(['provider'], increaseOf(P, { status: '~succeeded|failed', source: 'db' }, '10m')) },
      ...disputes.rules,
      {
        alert: 'PaymentSuccessRateLow',
        expr: `${PAYMENT_SUCCESS} < ${num(BENCHMARKS.paymentSuccessRatio)}\nand on (provider)\n${PAYMENT_VOLUME} >= ${ALERT.paymentMinVolume10m}`,
        for: '5m',
        severity: 'page',
        team: 'payments',
        feed: 'exporter_db',
        summary: '{{ $labels.provider }} payment success rate is {{ $value | humanizePercentage }}.',
        description: `Only {{ $value | humanizePercentage }} of {{ $labels.provider }} payments succeeded over the last 10 minutes (benchmark ${num(BENCHMARKS.paymentSuccessRatio * 100)} %, judged from ${ALERT.paymentMinVolume10m} payments up).`,
      },
      {
        alert: 'PaymentProviderDown',
        expr: `${gaugeOf(M.paymentProviderUp.name)} == 0`,
        for: '10m',
        severity: 'page',
        team: 'payments',
        feed: 'exporter_api',
        summary: 'The {{ $labels.provider }} API is unreachable.',
        description: 'Every poll of the {{ $labels.provider }} API failed for 10 minutes (after retries): payments, balances and disputes from the provider are not updating.',
      },
      {
        alert: 'DisputeSpike',
        expr: disputes.expr,
        for: '15m',
        severity: 'ticket',
        team: 'payments',
        feed: 'exporter_db',
        summary: 'Disputes on {{ $labels.provider }} payments are spiking.',
        description: `{{ $value | printf "%.0f" }} {{ $labels.provider }} payments were disputed in the last hour, more than ${ALERT.spikeFactor}x the hourly average of the last day.`,
      },
      {
        alert: 'PaymentReconciliationMismatch',
        expr: `${sumBy(['provider', 'kind'], gaugeOf(M.paymentReconciliationMismatches.name))} > 0`,
        for: '30m',
        severity: 'ticket',
        team: 'payments',
        feed: 'exporter_api',
        summary: '{{ $labels.provider }} and the marketplace disagree on {{ $value }} payments ({{ $labels.kind }}).',
        description: 'Reconciliation found {{ $value }} {{ $labels.provider }} payments of kind {{ $labels.kind }} over the settled window: money may be missing on one side.',
      },
    ],
  };
}
