/** Sellers: onboarding, activation, churn, activity segments and listing credits. */
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { M } from '../shared/catalogue';
import { atLeast, band, below, informational, MONEY, ordered, zeroIsOk, type DashboardSpec } from './common';
import * as q from './queries/sellers';

export const sellers: DashboardSpec = {
  uid: DASHBOARD_UIDS.sellers,
  title: 'Marketplace Pulse / Sellers',
  description: 'Seller applications, approvals, activation, churn, activity segments and credits.',
  tags: ['business', 'sellers'],
  alertTeams: ['growth'],
  from: '30d',
  sections: [
    {
      title: 'Onboarding',
      panels: [
        {
          kind: 'stat',
          title: 'Applications',
          description: 'Seller applications received in the selected range.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.applications(), legend: 'applications', instant: true }],
        },
        {
          kind: 'stat',
          title: 'Approvals',
          description: 'Seller applications approved in the selected range.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.approvals(), legend: 'approved', instant: true }],
        },
        {
          kind: 'gauge',
          title: 'Seller activation (30d)',
          description: `Sellers approved in the last 30 days who made a first sale, over sellers approved in those days. Benchmark ≥ ${BENCHMARKS.sellerActivationRatio * 100} %.`,
          unit: 'percentunit',
          thresholds: atLeast(BENCHMARKS.sellerActivationRatio),
          queries: [{ expr: q.activation('30d'), legend: 'activation', instant: true }],
          h: 4,
          min: 0,
          max: 1,
        },
        {
          kind: 'stat',
          title: 'Churned sellers',
          description: 'Sellers that left the marketplace in the selected range.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.churned(), legend: 'churned', instant: true }],
        },
      ],
    },
    {
      title: 'Activity',
      panels: [
        {
          kind: 'timeseries',
          title: 'Sellers by segment',
          description: 'Live sellers by orders received in the last 30 days: power, active, occasional, dormant.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.segments(), legend: '{{segment}}' }],
          stacked: true,
        },
        {
          kind: 'gauge',
          title: 'Active sellers',
          description: `Live sellers with at least one order in the last 30 days, over all live sellers. Benchmark ≥ ${BENCHMARKS.sellersActiveRatio * 100} %.`,
          unit: 'percentunit',
          thresholds: atLeast(BENCHMARKS.sellersActiveRatio),
          queries: [{ expr: q.activeRatio(), legend: 'active', instant: true }],
          w: 6,
          h: 8,
          min: 0,
          max: 1,
        },
        {
          kind: 'bargauge',
          title: 'Seller churn rate',
          description: 'Sellers live at the start of the window who churned during it, per window.',
          unit: 'percentunit',
          thresholds: below(1 - BENCHMARKS.sellersActiveRatio),
          queries: ordered(M.sellerChurnRatio, 'window', q.churn),
          w: 6,
          min: 0,
          max: 1,
        },
      ],
    },
    {
      title: 'Credits and subscriptions',
      panels: [
        {
          kind: 'gauge',
          title: 'Credit consumption',
          description: `Used listing credits over granted credits across live sellers. Ideal ${BENCHMARKS.creditConsumptionLow * 100}–${BENCHMARKS.creditConsumptionHigh * 100} %.`,
          unit: 'percentunit',
          thresholds: band(BENCHMARKS.creditConsumptionLow, BENCHMARKS.creditConsumptionHigh),
          queries: [{ expr: q.creditConsumption(), legend: 'consumption', instant: true }],
          min: 0,
          max: 1,
        },
        {
          kind: 'bargauge',
          title: 'Credits',
          description: 'Listing credits across live sellers: total granted, used, unallocated.',
          unit: 'short',
          thresholds: informational(),
          queries: ordered(M.sellerCredits, 'state', q.credits),
          w: 6,
          h: 6,
        },
        {
          kind: 'stat',
          title: 'Sellers low on credit',
          description:
            'Live sellers with less than the low-credit threshold (default 10 %) of their credits left: candidates for a top-up.',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.lowCredit(), legend: 'low credit', instant: true }],
          h: 6,
        },
        {
          kind: 'stat',
          title: 'Subscription MRR',
          description: 'Monthly recurring revenue from active seller subscriptions, per currency.',
          unit: MONEY,
          thresholds: informational(),
          queries: [{ expr: q.mrr(), legend: '{{currency}}', instant: true }],
          h: 6,
        },
      ],
    },
  ],
};
