/** promtool cases for payments.ts: each alert fires, and stays quiet just below its threshold. */
import { M } from '../../shared/catalogue';
import type { PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';
import { PAYMENT_SUCCESS, PAYMENT_VOLUME } from './payments';

const pay = (provider: string, status: string, instance: string, values: string) => ({
  series: sel(M.paymentsTotal.name, { provider, status, source: 'db', instance, job: 'marketplace-pulse' }),
  values,
});
// Two replicas publish the same counters: nothing may be doubled.
const both = (provider: string, status: string, values: string) => [pay(provider, status, 'a', values), pay(provider, status, 'b', values)];
const failures = (provider: string, reason: string, values: string) =>
  ['a', 'b'].map((instance) => ({
    series: sel(M.paymentFailuresTotal.name, { provider, reason, source: 'db', instance, job: 'marketplace-pulse' }),
    values,
  }));
/** Failed payments as the exporter publishes them: the status counter and the reason breakdown. */
const failed = (provider: string, reasons: Record<string, number>, count = 30) => [
  ...both(provider, 'failed', `0+${Object.values(reasons).reduce((a, b) => a + b, 0)}x${count}`),
  ...Object.entries(reasons).flatMap(([reason, perMin]) => failures(provider, reason, `0+${perMin}x${count}`)),
];
const labels = { severity: 'page', team: 'payments', feed: 'exporter_db' } as const;

export const paymentsCases: PromTestCase[] = [
  {
    name: 'stripe at 75 % success fires; paypal at 99 % stays quiet; replicas are not doubled',
    series: [
      ...both('stripe', 'succeeded', '0+75x30'),
      ...failed('stripe', { processing_error: 25 }),
      ...both('paypal', 'succeeded', '0+99x30'),
      ...failed('paypal', { processing_error: 1 }),
    ],
    alerts: [
      {
        alert: 'PaymentSuccessRateLow',
        at: '20m',
        fires: [
          {
            labels: { ...labels, provider: 'stripe' },
            summary: 'stripe payment success rate is 75%.',
            description:
              'Only 75% of stripe payments succeeded over the last 10 minutes, buyer declines (card_declined, insufficient_funds, expired_card, incorrect_cvc) left out (benchmark 95 %, judged from 20 payments and 5 failures up).',
          },
        ],
      },
    ],
    values: [
      {
        expr: PAYMENT_VOLUME,
        at: '20m',
        samples: [
          { labels: `${PAYMENT_VOLUME}{provider="stripe"}`, value: 1000 },
          { labels: `${PAYMENT_VOLUME}{provider="paypal"}`, value: 1000 },
        ],
      },
      {
        expr: PAYMENT_SUCCESS,
        at: '20m',
        samples: [
          { labels: `${PAYMENT_SUCCESS}{provider="stripe"}`, value: 0.75 },
          { labels: `${PAYMENT_SUCCESS}{provider="paypal"}`, value: 0.99 },
        ],
      },
    ],
  },
  {
    name: 'just above the benchmark (96 %) stays quiet',
    series: [...both('stripe', 'succeeded', '0+96x30'), ...failed('stripe', { processing_error: 4 })],
    alerts: [{ alert: 'PaymentSuccessRateLow', at: '20m', fires: [] }],
  },
  {
    name: 'a quiet night (18 payments in 10 minutes, half failing) is below the volume guard',
    series: [...both('stripe', 'succeeded', '0+0.9x30'), ...failed('stripe', { processing_error: 0.9 })],
    alerts: [{ alert: 'PaymentSuccessRateLow', at: '20m', fires: [] }],
  },
  {
    // 40 payments in 10 minutes, 3 processing errors (92.5 %): too few failures to page on.
    name: 'an ordinary evening with a few failures close together is below the failure guard',
    series: [...both('stripe', 'succeeded', '0+3.7x30'), ...failed('stripe', { processing_error: 0.3 })],
    alerts: [{ alert: 'PaymentSuccessRateLow', at: '20m', fires: [] }],
  },
  {
    // 25 % of payments declined by buyers' banks, none failing on our side.
    name: 'buyer declines (card_declined, insufficient_funds, expired_card, incorrect_cvc) never page',
    series: [
      ...both('stripe', 'succeeded', '0+75x30'),
      ...failed('stripe', { card_declined: 10, insufficient_funds: 8, expired_card: 4, incorrect_cvc: 3 }),
    ],
    alerts: [{ alert: 'PaymentSuccessRateLow', at: '20m', fires: [] }],
    values: [
      { expr: PAYMENT_SUCCESS, at: '20m', samples: [{ labels: `${PAYMENT_SUCCESS}{provider="stripe"}`, value: 1 }] },
      { expr: PAYMENT_VOLUME, at: '20m', samples: [{ labels: `${PAYMENT_VOLUME}{provider="stripe"}`, value: 750 }] },
    ],
  },
  {
    name: 'provider API down on every replica for 10 minutes',
    series: [
      { series: sel(M.paymentProviderUp.name, { provider: 'paypal', instance: 'a' }), values: '1 0x20' },
      { series: sel(M.paymentProviderUp.name, { provider: 'paypal', instance: 'b' }), values: '1 0x20' },
    ],
    alerts: [
      { alert: 'PaymentProviderDown', at: '10m', fires: [] },
      {
        alert: 'PaymentProviderDown',
        at: '12m',
        fires: [
          {
            labels: { severity: 'page', team: 'payments', feed: 'exporter_api', provider: 'paypal' },
            summary: 'The paypal API is unreachable.',
            description:
              'Every poll of the paypal API failed for 10 minutes (after retries): payments, balances and disputes from the provider are not updating.',
          },
        ],
      },
    ],
  },
  {
    name: 'provider API down on one replica only stays quiet (the other still polls)',
    series: [
      { series: sel(M.paymentProviderUp.name, { provider: 'paypal', instance: 'a' }), values: '0x20' },
      { series: sel(M.paymentProviderUp.name, { provider: 'paypal', instance: 'b' }), values: '1x20' },
    ],
    alerts: [{ alert: 'PaymentProviderDown', at: '15m', fires: [] }],
  },
  {
    name: 'disputes jump from 3/h to 12/h',
    interval: '10m',
    series: both('stripe', 'disputed', '0+0.5x144 74+2x11'),
    alerts: [
      {
        alert: 'DisputeSpike',
        at: '25h10m',
        fires: [
          {
            labels: { severity: 'ticket', team: 'payments', feed: 'exporter_db', provider: 'stripe' },
            summary: 'Disputes on stripe payments are spiking.',
            description:
              "12 stripe payments were disputed in the last hour, more than 3x the same hour last week and last week's hourly average.",
          },
        ],
      },
    ],
  },
  {
    name: 'disputes rising to 9/h stay under 3x the baseline',
    interval: '10m',
    series: both('stripe', 'disputed', '0+0.5x144 73.5+1.5x11'),
    alerts: [{ alert: 'DisputeSpike', at: '25h10m', fires: [] }],
  },
  {
    name: 'reconciliation mismatches for 30 minutes',
    series: [
      {
        series: sel(M.paymentReconciliationMismatches.name, { provider: 'paypal', kind: 'amount_differs', instance: 'a' }),
        values: '3x40',
      },
      {
        series: sel(M.paymentReconciliationMismatches.name, { provider: 'paypal', kind: 'amount_differs', instance: 'b' }),
        values: '3x40',
      },
      {
        series: sel(M.paymentReconciliationMismatches.name, { provider: 'stripe', kind: 'amount_differs', instance: 'a' }),
        values: '0x40',
      },
    ],
    alerts: [
      // 25 minutes of mismatches is still inside the 30-minute hold (sync lag); zero never alerts.
      { alert: 'PaymentReconciliationMismatch', at: '25m', fires: [] },
      {
        alert: 'PaymentReconciliationMismatch',
        at: '35m',
        fires: [
          {
            labels: { severity: 'ticket', team: 'payments', feed: 'exporter_api', provider: 'paypal', kind: 'amount_differs' },
            summary: 'paypal and the marketplace disagree on 3 payments (amount_differs).',
            description:
              'Reconciliation found 3 paypal payments of kind amount_differs over the settled window: money may be missing on one side.',
          },
        ],
      },
    ],
  },
  {
    name: 'a payout fails at stripe',
    series: [
      { series: sel(M.paymentPayoutsFailedTotal.name, { provider: 'stripe', instance: 'a' }), values: '0x20 1x40' },
      { series: sel(M.paymentPayoutsFailedTotal.name, { provider: 'stripe', instance: 'b' }), values: '0x20 1x40' },
      { series: sel(M.paymentPayoutsFailedTotal.name, { provider: 'paypal', instance: 'a' }), values: '0x60' },
    ],
    alerts: [
      { alert: 'PayoutFailed', at: '15m', fires: [] },
      {
        alert: 'PayoutFailed',
        at: '30m',
        fires: [
          {
            labels: { severity: 'ticket', team: 'payments', feed: 'exporter_api', provider: 'stripe' },
            summary: 'A payout from stripe to the marketplace bank account failed.',
            description:
              '1 payout(s) from stripe to the marketplace bank account failed in the last hour: sellers will not be paid on time until the bank details or balance are fixed.',
          },
        ],
      },
    ],
  },
];
