/** Executive overview: the business at a glance, with week-over-week and month-over-month deltas. */
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { atLeast, informational, MONEY, type DashboardSpec, type PanelSpec } from './common';
import * as q from './queries/business';
import { RANGE } from './queries/promql';

const growth = atLeast(0);

function deltaStat(title: string, what: string, now: string, before: string, offset: '1w' | '30d'): PanelSpec {
  const span = offset === '1w' ? 'the same range one week earlier' : 'the same range 30 days earlier';
  return {
    kind: 'stat',
    title,
    description: `${what} over the selected range compared with ${span}: (now / before) - 1. Empty when the earlier value is zero.`,
    unit: 'percentunit',
    thresholds: growth,
    queries: [{ expr: q.wow(now, before), legend: '{{currency}}', instant: true }],
    w: 4,
  };
}

export const executive: DashboardSpec = {
  uid: DASHBOARD_UIDS.executive,
  title: 'Marketplace Pulse / Executive overview',
  description: 'GMV, orders, conversion, AOV, active users, payment success and uptime, with WoW and MoM deltas.',
  tags: ['business'],
  alertTeams: ['payments', 'growth', 'sre'],
  from: '7d',
  sections: [
    {
      title: 'Revenue and orders',
      panels: [
        {
          kind: 'stat',
          title: 'GMV',
          description:
            'Gross merchandise value of orders placed in the selected range, per currency (major units): increase of the GMV counter, exporter replicas merged.',
          unit: MONEY,
          thresholds: informational(),
          queries: [{ expr: q.gmvBy(), legend: '{{currency}}', instant: true }],
          w: 4,
        },
        deltaStat('GMV WoW', 'GMV per currency', q.gmvBy(RANGE), q.gmvBy(RANGE, '1w'), '1w'),
        deltaStat('GMV MoM', 'GMV per currency', q.gmvBy(RANGE), q.gmvBy(RANGE, '30d'), '30d'),
        {
          kind: 'stat',
          title: 'Orders',
          description: 'Orders placed in the selected range (all currencies selected), whatever their later status.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.ordersSum(), legend: 'orders', instant: true }],
          w: 4,
        },
        deltaStat('Orders WoW', 'Orders placed', q.ordersSum(RANGE), q.ordersSum(RANGE, '1w'), '1w'),
        deltaStat('Orders MoM', 'Orders placed', q.ordersSum(RANGE), q.ordersSum(RANGE, '30d'), '30d'),
        {
          kind: 'stat',
          title: 'Average order value',
          description: 'AOV per currency over the selected range: increase of the order value histogram sum divided by its count.',
          unit: MONEY,
          thresholds: informational(),
          queries: [{ expr: q.aovBy(), legend: '{{currency}}', instant: true }],
          w: 4,
        },
        deltaStat('AOV WoW', 'Average order value per currency', q.aovBy(RANGE), q.aovBy(RANGE, '1w'), '1w'),
        {
          kind: 'stat',
          title: 'Conversion (paid sessions, 1d)',
          description:
            'Sessions of the last 24 h that reached a paid order, over all sessions of the last 24 h (funnel steps paid / visit).',
          unit: 'percentunit',
          thresholds: informational(),
          queries: [{ expr: q.paidConversion(), legend: 'conversion', instant: true }],
          w: 4,
        },
        deltaStat('Conversion WoW', 'Paid-session conversion of the last 24 h', q.paidConversion(), q.paidConversion('1w'), '1w'),
        {
          kind: 'stat',
          title: 'Daily active users',
          description: 'Distinct signed-in users with a session in the last 24 h (DAU).',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.dau(), legend: 'DAU', instant: true }],
          w: 4,
        },
        deltaStat('DAU WoW', 'Daily active users', q.dau(), q.dau('1w'), '1w'),
      ],
    },
    {
      title: 'Payments and availability',
      panels: [
        {
          kind: 'stat',
          title: 'Payment success',
          description: `Payments that succeeded over succeeded + failed in the selected range, as recorded by the marketplace (source=db). Benchmark ≥ ${BENCHMARKS.paymentSuccessRatio * 100} %.`,
          unit: 'percentunit',
          thresholds: atLeast(BENCHMARKS.paymentSuccessRatio),
          queries: [{ expr: q.paymentSuccess(), legend: 'success', instant: true }],
          w: 6,
          decimals: 2,
        },
        {
          kind: 'stat',
          title: 'Uptime',
          description: `Share of successful blackbox probes of the public marketplace URLs over the selected range. SLO ≥ ${BENCHMARKS.uptimeRatio * 100} %.`,
          unit: 'percentunit',
          thresholds: atLeast(BENCHMARKS.uptimeRatio),
          queries: [{ expr: q.uptime(), legend: 'uptime', instant: true }],
          w: 6,
          decimals: 3,
        },
        {
          kind: 'timeseries',
          title: 'GMV per hour',
          description: 'GMV per currency placed in each trailing hour (increase over 1h of the GMV counter).',
          unit: MONEY,
          thresholds: informational(),
          queries: [{ expr: q.gmvBy('1h'), legend: '{{currency}}' }],
          w: 12,
        },
        {
          kind: 'timeseries',
          title: 'Orders per hour, this week vs last week',
          description: 'Orders placed in each trailing hour, and the same hour one week earlier.',
          unit: 'short',
          thresholds: informational(),
          queries: [
            { expr: q.ordersSum('1h'), legend: 'this week' },
            { expr: q.ordersSum('1h', '1w'), legend: 'last week' },
          ],
          w: 12,
        },
        {
          kind: 'timeseries',
          title: 'Payment success and uptime',
          description: 'Payment success ratio (db) and probe uptime over trailing hours, against their benchmarks.',
          unit: 'percentunit',
          thresholds: atLeast(BENCHMARKS.uptimeRatio),
          queries: [
            { expr: q.paymentSuccess([], '1h'), legend: 'payment success' },
            { expr: q.uptime('1h'), legend: 'uptime' },
          ],
          w: 12,
          max: 1,
        },
      ],
    },
  ],
};
