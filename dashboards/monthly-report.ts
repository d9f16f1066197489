/**
 * Monthly report: a printable, landscape-friendly dashboard mirroring the management PDF report
 * (executive summary, user activity, transactions, performance & reliability, satisfaction,
 * insights). Compact stats and bars only, no auto-refresh, default range the last 30 days.
 */
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { atLeast, below, informational, MONEY, type DashboardSpec, type PanelSpec } from './common';
import * as b from './queries/business';
import * as p from './queries/payments';
import { RANGE } from './queries/promql';
import * as r from './queries/reliability';
import * as s from './queries/satisfaction';
import * as se from './queries/sellers';
import * as u from './queries/users';

/**
 * Trend inside the report month: its second half against its first half. A month-over-month ratio
 * (`offset 30d` over 30 days) would need 60 days of history, more than Prometheus keeps (45 d).
 */
const HALF = '15d';

const stat = (
  title: string,
  description: string,
  expr: string,
  unit: string,
  thresholds = informational(),
  legend = '__auto',
): PanelSpec => ({
  kind: 'stat',
  title,
  description,
  unit,
  thresholds,
  queries: [{ expr, legend, instant: true }],
  w: 4,
  h: 4,
});

export const monthlyReport: DashboardSpec = {
  uid: DASHBOARD_UIDS.monthly,
  title: 'Marketplace Pulse / Monthly report',
  description: 'Printable monthly management report: the same sections and numbers as the scheduled PDF.',
  tags: ['business', 'report'],
  alertTeams: ['payments', 'growth', 'sre'],
  from: '30d',
  refresh: '',
  sections: [
    {
      title: '1. Executive summary',
      panels: [
        stat(
          'GMV',
          'GMV per currency over the report range (increase of the GMV counter).',
          b.gmvBy(),
          MONEY,
          informational(),
          '{{currency}}',
        ),
        stat(
          'GMV trend (last 15 d vs 15 d before)',
          'GMV per currency of the last 15 days against the 15 days before them: (now / before) - 1. Both halves lie inside the 30-day report range.',
          b.wow(b.gmvBy(HALF), b.gmvBy(HALF, HALF)),
          'percentunit',
          atLeast(0),
          '{{currency}}',
        ),
        stat('Orders', 'Orders placed over the report range.', b.ordersSum(), 'short'),
        stat(
          'Orders trend (last 15 d vs 15 d before)',
          'Orders of the last 15 days against the 15 days before them: (now / before) - 1.',
          b.wow(b.ordersSum(HALF), b.ordersSum(HALF, HALF)),
          'percentunit',
          atLeast(0),
        ),
        stat(
          'Average order value',
          'Order value histogram sum / count over the report range, per currency.',
          b.aovBy(),
          MONEY,
          informational(),
          '{{currency}}',
        ),
        stat(
          'Payment success',
          `Succeeded / (succeeded + failed) over the report range. Benchmark ≥ ${BENCHMARKS.paymentSuccessRatio * 100} %.`,
          b.paymentSuccess(),
          'percentunit',
          atLeast(BENCHMARKS.paymentSuccessRatio),
        ),
      ],
    },
    {
      title: '2. User activity',
      panels: [
        stat('Monthly active users', 'Distinct signed-in users with a session in the last 30 days.', u.activeUsers('30d'), 'short'),
        stat(
          'User activation (30d)',
          `Active users over registered users. Benchmark ≥ ${BENCHMARKS.userActivationRatio * 100} %.`,
          u.activationRatio('30d'),
          'percentunit',
          atLeast(BENCHMARKS.userActivationRatio),
        ),
        stat('Sessions', 'Sessions started over the report range.', u.sessionsSum(), 'short'),
        stat('New registrations', 'Accounts created over the report range.', u.registrations(RANGE), 'short'),
        stat('Retention D30', 'Share of the cohort of 30 days before yesterday active yesterday.', u.retention('30'), 'percentunit'),
        stat('Bounce rate (30d)', 'Single-page sessions over sessions with a page view, last 30 days.', u.bounce('30d'), 'percentunit'),
      ],
    },
    {
      title: '3. Transactions',
      panels: [
        stat(
          'Refunded amount',
          'Amount refunded over the report range, per currency.',
          p.refundedAmount(),
          MONEY,
          informational(),
          '{{currency}}',
        ),
        stat(
          'Conversion (paid, 1d)',
          'Sessions of the last 24 h that reached a paid order over all sessions of the last 24 h.',
          b.paidConversion(),
          'percentunit',
        ),
        stat(
          'Seller activation (30d)',
          `Sellers approved in the last 30 days with a first sale. Benchmark ≥ ${BENCHMARKS.sellerActivationRatio * 100} %.`,
          se.activation('30d'),
          'percentunit',
          atLeast(BENCHMARKS.sellerActivationRatio),
        ),
        stat(
          'Active sellers',
          `Live sellers with an order in the last 30 days. Benchmark ≥ ${BENCHMARKS.sellersActiveRatio * 100} %.`,
          se.activeRatio(),
          'percentunit',
          atLeast(BENCHMARKS.sellersActiveRatio),
        ),
        {
          kind: 'bargauge',
          title: 'Orders by category',
          description: 'Orders placed over the report range by top category.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: p.ordersByCategory(), legend: '{{category}}', instant: true }],
          w: 8,
          h: 4,
        },
      ],
    },
    {
      title: '4. Performance & reliability',
      panels: [
        stat(
          'Uptime',
          `Successful probe share over the report range. SLO ≥ ${BENCHMARKS.uptimeRatio * 100} %.`,
          b.uptime(),
          'percentunit',
          atLeast(BENCHMARKS.uptimeRatio),
        ),
        stat(
          'Error budget remaining',
          `1 - failed-probe share / (1 - ${BENCHMARKS.uptimeRatio}) over 30 days.`,
          r.budgetRemaining('30d'),
          'percentunit',
          atLeast(0.25, 0),
        ),
        stat(
          'Error rate (5xx)',
          `5xx over all page view responses across the report range. Benchmark < ${BENCHMARKS.errorRatio * 100} %.`,
          r.errorRatio(RANGE),
          'percentunit',
          below(BENCHMARKS.errorRatio),
        ),
        stat(
          'Page load p95',
          `95th percentile page load over the report range. Benchmark < ${BENCHMARKS.responseSeconds} s.`,
          u.pageLoadQuantile(0.95, RANGE),
          's',
          below(BENCHMARKS.responseSeconds),
        ),
        stat(
          'Incidents',
          'Incidents declared over the report range, by severity.',
          r.incidentsDeclared(),
          'short',
          informational(),
          '{{severity}}',
        ),
        stat('Downtime', 'Seconds of outage over the report range, all components.', `sum(${r.downtimeBy()})`, 's'),
      ],
    },
    {
      title: '5. Customer satisfaction',
      panels: [
        stat(
          'CSAT (30d)',
          `Average ticket satisfaction (1–5). Benchmark ≥ ${BENCHMARKS.csatScore}.`,
          s.csat('30d'),
          'short',
          atLeast(BENCHMARKS.csatScore),
        ),
        stat(
          'Review rating (30d)',
          `Average review rating (1–5). Benchmark ≥ ${BENCHMARKS.csatScore}.`,
          s.reviewRating('30d'),
          'short',
          atLeast(BENCHMARKS.csatScore),
        ),
        stat('Tickets opened', 'Support tickets opened over the report range.', s.ticketsOpened(), 'short'),
        stat(
          'Bug reports',
          'Bug reports received over the report range, by severity.',
          s.bugsReported(),
          'short',
          informational(),
          '{{severity}}',
        ),
        {
          kind: 'bargauge',
          title: 'Conversion by channel (30d)',
          description: 'Insight: sessions that ordered over sessions, per acquisition channel, last 30 days.',
          unit: 'percentunit',
          thresholds: informational(),
          queries: [{ expr: p.conversionByChannel('30d'), legend: '{{channel}}', instant: true }],
          w: 8,
          h: 4,
        },
      ],
    },
  ],
};
