/** Business: orders, GMV, refunds, carts, high-value orders, sellers. */
import { M } from '../../shared/catalogue';
import { BENCHMARKS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { num, type RuleGroup } from '../model';
import { gaugeOf, increaseOf, spike, sumBy } from '../../shared/promql';

export const ORDERS_NOW = ':marketplace_orders:increase30m';
export const ORDERS_LAST_WEEK = ':marketplace_orders:increase30m_last_week';
export const GMV_NOW = 'currency:marketplace_gmv:increase1h';
export const GMV_LAST_WEEK = 'currency:marketplace_gmv:increase1h_last_week';

const refunds = spike({
  level: '',
  stem: 'marketplace_refunds',
  metric: M.refundsTotal.name,
  matchers: {},
  by: [],
  window: '1h',
  perDay: 24,
  factor: ALERT.spikeFactor,
  min: ALERT.refundSpikeMin,
});

const abandonment = (offset?: string) => gaugeOf(M.cartAbandonmentRatio.name, { window: '1d' }, offset);

export function businessGroup(): RuleGroup {
  return {
    file: 'business',
    name: 'marketplace-business',
    rules: [
      { record: ORDERS_NOW, expr: sumBy([], increaseOf(M.ordersTotal.name, {}, '30m')) },
      { record: ORDERS_LAST_WEEK, expr: sumBy([], increaseOf(M.ordersTotal.name, {}, '30m', '1w')) },
      { record: GMV_NOW, expr: sumBy(['currency'], increaseOf(M.gmvTotal.name, {}, '1h')) },
      { record: GMV_LAST_WEEK, expr: sumBy(['currency'], increaseOf(M.gmvTotal.name, {}, '1h', '1w')) },
      ...refunds.rules,
      {
        alert: 'OrdersStopped',
        // The value is last week's count, so the description can say what is missing.
        expr: `${ORDERS_LAST_WEEK} >= ${ALERT.ordersStoppedMinLastWeek}\nand on ()\n${ORDERS_NOW} == 0`,
        for: '10m',
        severity: 'page',
        team: 'sre',
        feed: 'exporter_db',
        summary: 'No orders in the last 30 minutes.',
        description:
          'No order was placed in the last 30 minutes, while the same 30 minutes last week had {{ $value | printf "%.0f" }}: checkout is probably broken.',
      },
      {
        alert: 'GMVFarBelowLastWeek',
        expr: `${GMV_NOW} / ${GMV_LAST_WEEK} < ${num(ALERT.gmvDropRatio)}\nand\n${GMV_LAST_WEEK} >= ${ALERT.gmvMinLastWeek}`,
        for: '30m',
        severity: 'ticket',
        team: 'growth',
        feed: 'exporter_db',
        summary: 'GMV in {{ $labels.currency }} is far below the same hour last week.',
        description: `GMV in {{ $labels.currency }} over the last hour is {{ $value | humanizePercentage }} of the same hour last week (alert below ${num(ALERT.gmvDropRatio * 100)} %).`,
      },
      {
        alert: 'RefundSpike',
        expr: refunds.expr,
        for: '15m',
        keepFiringFor: ALERT.spikeKeepFiring,
        severity: 'ticket',
        team: 'payments',
        feed: 'exporter_db',
        summary: 'Refunds are spiking.',
        description: `{{ $value | printf "%.0f" }} refunds in the last hour, more than ${ALERT.spikeFactor}x the same hour last week and last week's hourly average.`,
      },
      {
        alert: 'CartAbandonmentSpike',
        expr: `${abandonment()} > ${abandonment('1w')} + ${num(ALERT.cartAbandonmentRise)}`,
        for: '1h',
        severity: 'ticket',
        team: 'growth',
        feed: 'exporter_db',
        summary: 'Cart abandonment rose to {{ $value | humanizePercentage }}.',
        description: `{{ $value | humanizePercentage }} of carts were abandoned over the last day, more than ${num(ALERT.cartAbandonmentRise * 100)} points above the same time last week.`,
      },
      {
        alert: 'HighValueOrder',
        expr: `${sumBy(['currency'], increaseOf(M.highValueOrdersTotal.name, {}, '5m'))} > 0`,
        severity: 'info',
        team: 'growth',
        feed: 'exporter_db',
        summary: 'High-value order placed in {{ $labels.currency }}.',
        description:
          '{{ $value | printf "%.0f" }} order(s) at or above the high-value threshold in {{ $labels.currency }} in the last 5 minutes: worth a fraud check and a thank-you.',
      },
      {
        alert: 'NewSellerApplication',
        // Info for the growth team: grouped by Alertmanager and delivered within the hour.
        expr: `${sumBy([], increaseOf(M.sellerApplicationsTotal.name, {}, '15m'))} > 0`,
        severity: 'info',
        team: 'growth',
        feed: 'exporter_db',
        summary: 'New seller application(s) to review.',
        description: '{{ $value | printf "%.0f" }} seller(s) applied in the last 15 minutes: review and approve them while they are keen.',
      },
      {
        alert: 'SellersLowCredit',
        expr: `${gaugeOf(M.sellersLowCredit.name)} > ${ALERT.sellersLowCreditMax}`,
        for: '1h',
        severity: 'ticket',
        team: 'growth',
        feed: 'exporter_db',
        summary: '{{ $value }} sellers are running out of listing credits.',
        description: `{{ $value }} live sellers have less than 10 % of their credits left (alert above ${ALERT.sellersLowCreditMax}): they will stop listing soon.`,
      },
      {
        alert: 'SellerActivationLow',
        expr: `${gaugeOf(M.sellerActivationRatio.name, { window: '30d' })} < ${num(BENCHMARKS.sellerActivationRatio)}`,
        for: '6h',
        severity: 'ticket',
        team: 'growth',
        feed: 'exporter_db',
        summary: 'Seller activation is {{ $value | humanizePercentage }}.',
        description: `Only {{ $value | humanizePercentage }} of sellers approved in the last 30 days made a first sale (benchmark ${num(BENCHMARKS.sellerActivationRatio * 100)} %).`,
      },
    ],
  };
}
