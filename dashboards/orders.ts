/** Orders & payments: volumes, funnel, carts, refunds, providers, balances, disputes, reconciliation. */
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { M } from '../shared/catalogue';
import { atLeast, below, informational, MONEY, ordered, zeroIsOk, type DashboardSpec } from './common';
import * as b from './queries/business';
import * as q from './queries/payments';

export const orders: DashboardSpec = {
  uid: DASHBOARD_UIDS.orders,
  title: 'Marketplace Pulse / Orders & payments',
  description: 'Orders and GMV by currency, conversion funnel, carts, refunds and returns, payment providers.',
  tags: ['business', 'payments'],
  alertTeams: ['payments', 'growth'],
  sections: [
    {
      title: 'Orders and revenue',
      panels: [
        { kind: 'timeseries', title: 'Orders per hour by currency', description: 'Orders placed in each trailing hour, per currency (filter: $currency).', unit: 'short', thresholds: informational(), queries: [{ expr: b.ordersBy('1h'), legend: '{{currency}}' }], w: 8 },
        { kind: 'timeseries', title: 'GMV per hour by currency', description: 'GMV (major units) placed in each trailing hour, per currency.', unit: MONEY, thresholds: informational(), queries: [{ expr: b.gmvBy('1h'), legend: '{{currency}}' }], w: 8 },
        { kind: 'timeseries', title: 'Average order value', description: 'AOV per currency over trailing 6 h: order value histogram sum / count.', unit: MONEY, thresholds: informational(), queries: [{ expr: b.aovBy('6h'), legend: '{{currency}}' }], w: 8 },
        { kind: 'stat', title: 'High-value orders', description: 'Orders at or above the configured high-value threshold of their currency, in the selected range.', unit: 'short', thresholds: informational(), queries: [{ expr: q.highValueOrders(), legend: '{{currency}}', instant: true }] },
        { kind: 'stat', title: 'Monthly recurring revenue', description: 'MRR from active seller subscriptions, per currency.', unit: MONEY, thresholds: informational(), queries: [{ expr: q.mrr(), legend: '{{currency}}', instant: true }] },
        { kind: 'stat', title: 'ARPU (30d)', description: 'GMV of the last 30 days divided by the users active in those 30 days, per currency.', unit: MONEY, thresholds: informational(), queries: [{ expr: q.arpu('30d'), legend: '{{currency}}', instant: true }] },
        { kind: 'bargauge', title: 'Repeat purchase rate', description: 'Buyers of the window who had ordered before the window, over all buyers of the window.', unit: 'percentunit', thresholds: informational(), queries: ordered(M.repeatPurchaseRatio, 'window', q.repeatPurchase), w: 6, min: 0, max: 1 },
        { kind: 'bargauge', title: 'Orders by category', description: 'Orders placed in the selected range by allow-listed top category (the rest as other).', unit: 'short', thresholds: informational(), queries: [{ expr: q.ordersByCategory(), legend: '{{category}}', instant: true }], w: 24 },
      ],
    },
    {
      title: 'Conversion funnel and carts',
      panels: [
        { kind: 'bargauge', title: 'Funnel (sessions, last 24 h)', description: 'Sessions of the last 24 h reaching each step: visit → product view → add to cart → checkout → paid. The drop between bars is the drop-off.', unit: 'short', thresholds: informational(), queries: ordered(M.funnelSessions, 'step', (step) => q.funnelStep(step, '1d')), w: 8 },
        { kind: 'bargauge', title: 'Conversion by channel (1d)', description: 'Sessions of the last 24 h that placed an order, over sessions of the last 24 h, per acquisition channel.', unit: 'percentunit', thresholds: informational(), queries: [{ expr: q.conversionByChannel('1d'), legend: '{{channel}}', instant: true }], w: 8, min: 0, max: 1 },
        { kind: 'bargauge', title: 'Cart abandonment rate', description: 'Carts created in the window that were abandoned, over carts of the window no longer open.', unit: 'percentunit', thresholds: informational(), queries: ordered(M.cartAbandonmentRatio, 'window', q.cartAbandonment), w: 8, min: 0, max: 1 },
        { kind: 'timeseries', title: 'Abandoned carts per hour', description: 'Carts abandoned in each trailing hour.', unit: 'short', thresholds: informational(), queries: [{ expr: q.cartsAbandoned(), legend: 'abandoned' }], w: 8 },
        { kind: 'bargauge', title: 'Refunds by reason', description: 'Refunds issued in the selected range by reason (partial refunds count individually).', unit: 'short', thresholds: informational(), queries: [{ expr: q.refundsByReason(), legend: '{{reason}}', instant: true }], w: 8 },
        { kind: 'bargauge', title: 'Returns by reason', description: 'Product returns in the selected range by reason.', unit: 'short', thresholds: informational(), queries: [{ expr: q.returnsByReason(), legend: '{{reason}}', instant: true }], w: 8 },
        { kind: 'stat', title: 'Refunded amount', description: 'Amount refunded in the selected range, per currency (major units). Net GMV = GMV - refunded.', unit: MONEY, thresholds: informational(), queries: [{ expr: q.refundedAmount(), legend: '{{currency}}', instant: true }], w: 24 },
      ],
    },
    {
      title: 'Payments',
      panels: [
        { kind: 'timeseries', title: 'Payment success by provider', description: `Succeeded / (succeeded + failed) per provider over trailing hours, marketplace records (db). Benchmark ≥ ${BENCHMARKS.paymentSuccessRatio * 100} %.`, unit: 'percentunit', thresholds: atLeast(BENCHMARKS.paymentSuccessRatio), queries: [{ expr: b.paymentSuccess(['provider'], '1h'), legend: '{{provider}}' }], w: 12, max: 1 },
        { kind: 'timeseries', title: 'Payments per hour by status', description: 'Payments entering each status in each trailing hour, per provider (db records).', unit: 'short', thresholds: informational(), queries: [{ expr: q.paymentsByStatus(), legend: '{{provider}} {{status}}' }], w: 12 },
        { kind: 'bargauge', title: 'Failure reasons', description: 'Failed payments in the selected range by decline code (unknown codes as other), db records.', unit: 'short', thresholds: informational(), queries: [{ expr: q.failureReasons(), legend: '{{reason}}', instant: true }], w: 8 },
        { kind: 'table', title: 'Provider balances', description: 'Latest balance reported by each provider API, per currency and type (available, pending).', unit: MONEY, thresholds: informational(), queries: [{ expr: q.balances(), instant: true }], table: { kind: 'matrix', row: 'account', column: 'currency', rowTitle: 'Provider balance' }, w: 8 },
        { kind: 'stat', title: 'Open disputes', description: 'Disputes (chargebacks) currently open at each provider.', unit: 'short', thresholds: zeroIsOk(), queries: [{ expr: q.disputesOpen(), legend: '{{provider}}', instant: true }], w: 8 },
        { kind: 'table', title: 'Reconciliation mismatches', description: 'Payments on which provider and marketplace database disagree over the settled window, by kind. Anything above 0 needs a look.', unit: 'short', thresholds: zeroIsOk(), queries: [{ expr: q.reconciliationMismatches(), instant: true }], table: { kind: 'columns', value: 'Mismatches', rename: { provider: 'Provider', kind: 'Kind' } }, w: 8 },
        { kind: 'stat', title: 'Provider API up', description: '1 when the last poll of the provider API succeeded (after retries), else 0.', unit: 'short', thresholds: atLeast(1), queries: [{ expr: q.providerUp(), legend: '{{provider}}', instant: true }], w: 8 },
        { kind: 'timeseries', title: 'Provider API latency p95', description: `95th percentile of provider API request duration, per provider. Benchmark < ${BENCHMARKS.responseSeconds} s.`, unit: 's', thresholds: below(BENCHMARKS.responseSeconds), queries: [{ expr: q.providerLatencyP95(), legend: '{{provider}}' }], w: 8 },
      ],
    },
  ],
};
