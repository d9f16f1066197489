/**
 * The report's KPIs as data. Every expression is built from catalogue names and evaluated over a
 * range ending at the evaluation time, so the same definition gives the month's figure (range = the
 * month) and each day's figure (range = 1d, evaluated at every local midnight). Exporter replicas
 * are merged (`max without (instance, pod)`) before anything is summed; SLIs reuse the SLO
 * definitions of the alert rules, so a report and a burn-rate alert measure the same thing.
 */
import { M, type MetricDef } from '../shared/catalogue';
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { collapse, increaseOf, sel, sumBy, type Matchers } from '../shared/promql';
import { SLOS, type Slo } from '../alerting/rules/slo';
import type { CounterTerm } from './exact';

export type Format = 'count' | 'money' | 'ratio' | 'seconds' | 'score';

export type SectionId = 'executive' | 'users' | 'transactions' | 'sellers' | 'reliability' | 'security' | 'satisfaction';

export interface Section {
  id: SectionId;
  title: string;
  dashboard: string;
}

export const SECTIONS: readonly Section[] = [
  { id: 'executive', title: 'Executive summary', dashboard: DASHBOARD_UIDS.executive },
  { id: 'users', title: 'User activity', dashboard: DASHBOARD_UIDS.users },
  { id: 'transactions', title: 'Transactions', dashboard: DASHBOARD_UIDS.orders },
  { id: 'sellers', title: 'Sellers', dashboard: DASHBOARD_UIDS.sellers },
  { id: 'reliability', title: 'System performance & reliability', dashboard: DASHBOARD_UIDS.reliability },
  { id: 'security', title: 'Security', dashboard: DASHBOARD_UIDS.security },
  { id: 'satisfaction', title: 'Customer satisfaction', dashboard: DASHBOARD_UIDS.satisfaction },
];

export interface Benchmark {
  op: '>=' | '<=' | '<';
  value: number;
}

export interface Kpi {
  key: string;
  title: string;
  section: Exclude<SectionId, 'executive'>;
  format: Format;
  /** Which way is good; drives insights and the colour of changes. */
  better: 'up' | 'down' | 'neutral';
  /** Value over `range` (a PromQL duration) ending at the evaluation time. */
  expr(range: string): string;
  /**
   * Counter KPIs: the exact figure (counter at the period end minus at the start, see exact.ts),
   * the sum of `terms`, divided by the sum of `per` for ratios of counters. Reports use this
   * instead of `expr`, which extrapolates.
   */
  exact?: { terms: readonly CounterTerm[]; per?: readonly CounterTerm[] };
  metrics: readonly MetricDef[];
  benchmark?: Benchmark;
  /** Shown in the executive summary. */
  headline?: boolean;
  /** Chart of daily values in its section: bars for counts, lines for rates. */
  chart?: 'bars' | 'line';
  /** Currency of a money KPI. */
  currency?: string;
}

export interface Breakdown {
  key: string;
  title: string;
  section: Exclude<SectionId, 'executive'>;
  format: Format;
  /** Label the rows are split by. */
  by: string;
  better: 'up' | 'down' | 'neutral';
  expr(range: string): string;
  /** Counter breakdowns: the exact figure per `by` value (see Kpi.exact). */
  exact?: CounterTerm;
  metrics: readonly MetricDef[];
}

const slo = (name: string): Slo => {
  const s = SLOS.find((x) => x.name === name);
  if (!s) throw new Error(`SLO ${name} is not defined in alerting/rules/slo.ts`);
  return s;
};

/** Counter increase over the range, replicas merged, summed by `by`. */
const inc = (metric: string, m: Matchers, range: string, by: readonly string[] = []) => sumBy(by, increaseOf(metric, m, range));
/** Mean of a gauge over the range (daily gauges averaged over the month), replicas merged. */
const avgOver = (metric: string, m: Matchers, range: string, by: readonly string[] = []) =>
  sumBy(by, collapse(`avg_over_time(${sel(metric, m)}[${range}])`));
/** Last value of a gauge at the end of the range (state at period end). */
const lastOf = (metric: string, m: Matchers, by: readonly string[] = []) => sumBy(by, collapse(`last_over_time(${sel(metric, m)}[1d])`));
/** Peak of a gauge over the range. */
const maxOver = (metric: string, m: Matchers, range: string, by: readonly string[] = []) =>
  sumBy(by, collapse(`max_over_time(${sel(metric, m)}[${range}])`));
const ratio = (a: string, b: string) => `(${a}) / (${b})`;
/** A counter KPI: exact in reports, `increase()` where a PromQL expression is needed. */
const counted = (metric: string, m: Matchers) => ({ expr: (r: string) => inc(metric, m, r), exact: { terms: [{ metric, matchers: m }] } });
const countedRatio = (num: string, den: string, m: Matchers) => ({
  expr: (r: string) => ratio(inc(num, m, r), inc(den, m, r)),
  exact: { terms: [{ metric: num, matchers: m }], per: [{ metric: den, matchers: m }] },
});
const countedBy = (metric: string, m: Matchers, by: string) => ({
  expr: (r: string) => inc(metric, m, r, [by]),
  exact: { metric, matchers: m },
});
const quantile = (q: number, metric: string, range: string) =>
  `histogram_quantile(${q}, ${sumBy(['le'], increaseOf(`${metric}_bucket`, {}, range))})`;

const paid = { status: 'succeeded', source: 'db' };
const settled = { status: '~succeeded|failed', source: 'db' };

export function buildKpis(opts: { currency: string }): Kpi[] {
  const cur = { currency: opts.currency };
  return [
    // User activity
    {
      key: 'active_users',
      title: 'Active users (30 days, at period end)',
      section: 'users',
      format: 'count',
      better: 'up',
      headline: true,
      expr: () => lastOf(M.activeUsers.name, { window: '30d' }),
      metrics: [M.activeUsers],
      chart: 'line',
    },
    {
      key: 'daily_active_users',
      title: 'Daily active users (average)',
      section: 'users',
      format: 'count',
      better: 'up',
      expr: (r) => avgOver(M.activeUsers.name, { window: '1d' }, r),
      metrics: [M.activeUsers],
      chart: 'line',
    },
    {
      key: 'new_visitors',
      title: 'New visitors per day (average)',
      section: 'users',
      format: 'count',
      better: 'up',
      expr: (r) => avgOver(M.visitors.name, { visitor_type: 'new', window: '1d' }, r),
      metrics: [M.visitors],
    },
    {
      key: 'returning_visitors',
      title: 'Returning visitors per day (average)',
      section: 'users',
      format: 'count',
      better: 'up',
      expr: (r) => avgOver(M.visitors.name, { visitor_type: 'returning', window: '1d' }, r),
      metrics: [M.visitors],
    },
    {
      key: 'sessions',
      title: 'Sessions',
      section: 'users',
      format: 'count',
      better: 'up',
      ...counted(M.sessionsTotal.name, {}),
      metrics: [M.sessionsTotal],
      chart: 'bars',
    },
    {
      key: 'session_duration',
      title: 'Average session duration',
      section: 'users',
      format: 'seconds',
      better: 'up',
      ...countedRatio(`${M.sessionDurationSeconds.name}_sum`, `${M.sessionDurationSeconds.name}_count`, {}),
      metrics: [M.sessionDurationSeconds],
    },
    {
      key: 'page_views',
      title: 'Page views',
      section: 'users',
      format: 'count',
      better: 'up',
      ...counted(M.pageViewsTotal.name, {}),
      metrics: [M.pageViewsTotal],
    },
    {
      key: 'bounce',
      title: 'Bounce rate (daily average)',
      section: 'users',
      format: 'ratio',
      better: 'down',
      expr: (r) => avgOver(M.bounceRatio.name, { window: '1d' }, r),
      metrics: [M.bounceRatio],
    },
    {
      key: 'retention_d7',
      title: 'Day-7 retention (average)',
      section: 'users',
      format: 'ratio',
      better: 'up',
      expr: (r) => avgOver(M.retentionRatio.name, { day: '7' }, r),
      metrics: [M.retentionRatio],
    },
    {
      key: 'user_activation',
      title: 'User activation (30 days, at period end)',
      section: 'users',
      format: 'ratio',
      better: 'up',
      benchmark: { op: '>=', value: BENCHMARKS.userActivationRatio },
      expr: () => lastOf(M.userActivationRatio.name, { window: '30d' }),
      metrics: [M.userActivationRatio],
    },

    // Transactions
    {
      key: 'gmv',
      title: `GMV (${opts.currency})`,
      section: 'transactions',
      format: 'money',
      currency: opts.currency,
      better: 'up',
      headline: true,
      ...counted(M.gmvTotal.name, cur),
      metrics: [M.gmvTotal],
      chart: 'bars',
    },
    {
      key: 'orders',
      title: 'Orders',
      section: 'transactions',
      format: 'count',
      better: 'up',
      headline: true,
      ...counted(M.ordersTotal.name, {}),
      metrics: [M.ordersTotal],
      chart: 'bars',
    },
    {
      key: 'aov',
      title: `Average order value (${opts.currency})`,
      section: 'transactions',
      format: 'money',
      currency: opts.currency,
      better: 'up',
      headline: true,
      ...countedRatio(`${M.orderValue.name}_sum`, `${M.orderValue.name}_count`, cur),
      metrics: [M.orderValue],
    },
    {
      key: 'conversion',
      title: 'Conversion (paid sessions / visits)',
      section: 'transactions',
      format: 'ratio',
      better: 'up',
      headline: true,
      expr: (r) =>
        ratio(
          avgOver(M.funnelSessions.name, { step: 'paid', window: '1d' }, r),
          avgOver(M.funnelSessions.name, { step: 'visit', window: '1d' }, r),
        ),
      metrics: [M.funnelSessions],
      chart: 'line',
    },
    {
      key: 'payment_success',
      title: 'Payment success rate',
      section: 'transactions',
      format: 'ratio',
      better: 'up',
      headline: true,
      benchmark: { op: '>=', value: BENCHMARKS.paymentSuccessRatio },
      // Every failure counts here, buyer declines included (the SLO leaves those out): management sees what buyers saw.
      expr: (r) =>
        ratio(
          inc(M.paymentsTotal.name, { status: 'succeeded', source: 'db' }, r),
          inc(M.paymentsTotal.name, { status: '~succeeded|failed', source: 'db' }, r),
        ),
      metrics: [M.paymentsTotal],
      chart: 'line',
    },
    {
      key: 'carts_abandoned',
      title: 'Carts abandoned',
      section: 'transactions',
      format: 'count',
      better: 'down',
      ...counted(M.cartsAbandonedTotal.name, {}),
      metrics: [M.cartsAbandonedTotal],
    },
    {
      key: 'cart_abandonment',
      title: 'Cart abandonment rate (daily average)',
      section: 'transactions',
      format: 'ratio',
      better: 'down',
      expr: (r) => avgOver(M.cartAbandonmentRatio.name, { window: '1d' }, r),
      metrics: [M.cartAbandonmentRatio],
    },
    {
      key: 'refunds',
      title: 'Refunds',
      section: 'transactions',
      format: 'count',
      better: 'down',
      ...counted(M.refundsTotal.name, {}),
      metrics: [M.refundsTotal],
    },
    {
      key: 'refunded_amount',
      title: `Refunded amount (${opts.currency})`,
      section: 'transactions',
      format: 'money',
      currency: opts.currency,
      better: 'down',
      ...counted(M.refundedAmountTotal.name, cur),
      metrics: [M.refundedAmountTotal],
    },
    {
      key: 'returns',
      title: 'Returns',
      section: 'transactions',
      format: 'count',
      better: 'down',
      ...counted(M.returnsTotal.name, {}),
      metrics: [M.returnsTotal],
    },
    {
      key: 'high_value_orders',
      title: 'High-value orders',
      section: 'transactions',
      format: 'count',
      better: 'up',
      ...counted(M.highValueOrdersTotal.name, {}),
      metrics: [M.highValueOrdersTotal],
    },

    // Sellers
    {
      key: 'seller_applications',
      title: 'Seller applications',
      section: 'sellers',
      format: 'count',
      better: 'up',
      ...counted(M.sellerApplicationsTotal.name, {}),
      metrics: [M.sellerApplicationsTotal],
    },
    {
      key: 'sellers_approved',
      title: 'Sellers approved',
      section: 'sellers',
      format: 'count',
      better: 'up',
      ...counted(M.sellersApprovedTotal.name, {}),
      metrics: [M.sellersApprovedTotal],
      chart: 'bars',
    },
    {
      key: 'sellers_churned',
      title: 'Sellers churned',
      section: 'sellers',
      format: 'count',
      better: 'down',
      ...counted(M.sellersChurnedTotal.name, {}),
      metrics: [M.sellersChurnedTotal],
    },
    {
      key: 'seller_growth',
      title: 'Net seller growth',
      section: 'sellers',
      format: 'count',
      better: 'up',
      expr: (r) => `${inc(M.sellersApprovedTotal.name, {}, r)} - ${inc(M.sellersChurnedTotal.name, {}, r)}`,
      exact: { terms: [{ metric: M.sellersApprovedTotal.name }, { metric: M.sellersChurnedTotal.name, sign: -1 }] },
      metrics: [M.sellersApprovedTotal, M.sellersChurnedTotal],
    },
    {
      key: 'seller_activation',
      title: 'Seller activation (30 days, at period end)',
      section: 'sellers',
      format: 'ratio',
      better: 'up',
      benchmark: { op: '>=', value: BENCHMARKS.sellerActivationRatio },
      expr: () => lastOf(M.sellerActivationRatio.name, { window: '30d' }),
      metrics: [M.sellerActivationRatio],
    },
    {
      key: 'seller_churn',
      title: 'Seller churn (30 days, at period end)',
      section: 'sellers',
      format: 'ratio',
      better: 'down',
      expr: () => lastOf(M.sellerChurnRatio.name, { window: '30d' }),
      metrics: [M.sellerChurnRatio],
    },
    {
      key: 'sellers_active',
      title: 'Active sellers share (at period end)',
      section: 'sellers',
      format: 'ratio',
      better: 'up',
      benchmark: { op: '>=', value: BENCHMARKS.sellersActiveRatio },
      expr: () => lastOf(M.sellersActiveRatio.name, {}),
      metrics: [M.sellersActiveRatio],
    },

    // Reliability
    {
      key: 'uptime',
      title: 'Uptime (blackbox probes)',
      section: 'reliability',
      format: 'ratio',
      better: 'up',
      headline: true,
      benchmark: { op: '>=', value: BENCHMARKS.uptimeRatio },
      expr: (r) => `1 - (${slo('availability').errorRatio(r)})`,
      metrics: [],
      chart: 'line',
    },
    {
      key: 'error_budget_used',
      title: 'Availability error budget used',
      section: 'reliability',
      format: 'ratio',
      better: 'down',
      benchmark: { op: '<=', value: 1 },
      expr: (r) => `(${slo('availability').errorRatio(r)}) / ${1 - slo('availability').objective}`,
      metrics: [],
    },
    {
      key: 'error_rate',
      title: 'HTTP error rate (5xx)',
      section: 'reliability',
      format: 'ratio',
      better: 'down',
      benchmark: { op: '<', value: BENCHMARKS.errorRatio },
      expr: (r) => slo('http_errors').errorRatio(r),
      metrics: [M.httpResponsesTotal],
      chart: 'line',
    },
    {
      key: 'page_load_p95',
      title: 'Page load, 95th percentile',
      section: 'reliability',
      format: 'seconds',
      better: 'down',
      benchmark: { op: '<', value: BENCHMARKS.responseSeconds },
      expr: (r) => quantile(0.95, M.pageLoadSeconds.name, r),
      metrics: [M.pageLoadSeconds],
    },
    {
      key: 'slow_page_loads',
      title: `Page loads slower than ${BENCHMARKS.responseSeconds} s`,
      section: 'reliability',
      format: 'ratio',
      better: 'down',
      benchmark: { op: '<=', value: 1 - slo('latency').objective },
      expr: (r) => slo('latency').errorRatio(r),
      metrics: [M.pageLoadSeconds],
    },
    {
      key: 'incidents',
      title: 'Incidents',
      section: 'reliability',
      format: 'count',
      better: 'down',
      ...counted(M.incidentsTotal.name, {}),
      metrics: [M.incidentsTotal],
    },
    {
      key: 'downtime',
      title: 'Downtime (critical incidents)',
      section: 'reliability',
      format: 'seconds',
      better: 'down',
      ...counted(M.downtimeSecondsTotal.name, {}),
      metrics: [M.downtimeSecondsTotal],
    },

    // Security
    {
      key: 'failed_logins',
      title: 'Failed logins',
      section: 'security',
      format: 'count',
      better: 'down',
      ...counted(M.loginsTotal.name, { outcome: 'failure' }),
      metrics: [M.loginsTotal],
      chart: 'bars',
    },
    {
      key: 'failed_login_share',
      title: 'Failed login share',
      section: 'security',
      format: 'ratio',
      better: 'down',
      expr: (r) => ratio(inc(M.loginsTotal.name, { outcome: 'failure' }, r), inc(M.loginsTotal.name, {}, r)),
      exact: { terms: [{ metric: M.loginsTotal.name, matchers: { outcome: 'failure' } }], per: [{ metric: M.loginsTotal.name }] },
      metrics: [M.loginsTotal],
    },
    {
      key: 'accounts_failed_logins',
      title: 'Accounts over the failed-login threshold (daily peak)',
      section: 'security',
      format: 'count',
      better: 'down',
      expr: (r) => maxOver(M.accountsWithFailedLogins.name, { window: '1d' }, r),
      metrics: [M.accountsWithFailedLogins],
    },
    {
      key: 'exports',
      title: 'Data exports',
      section: 'security',
      format: 'count',
      better: 'neutral',
      ...counted(M.auditEventsTotal.name, { action: 'export' }),
      metrics: [M.auditEventsTotal],
    },
    {
      key: 'bulk_deletes',
      title: 'Bulk deletes',
      section: 'security',
      format: 'count',
      better: 'down',
      ...counted(M.auditEventsTotal.name, { action: 'bulk_delete' }),
      metrics: [M.auditEventsTotal],
    },
    {
      key: 'unauthorized_api',
      title: 'Unauthorized API calls',
      section: 'security',
      format: 'count',
      better: 'down',
      ...counted(M.auditEventsTotal.name, { action: 'unauthorized_api' }),
      metrics: [M.auditEventsTotal],
    },

    // Satisfaction
    {
      key: 'csat',
      title: 'CSAT (1-5, daily average)',
      section: 'satisfaction',
      format: 'score',
      better: 'up',
      headline: true,
      benchmark: { op: '>=', value: BENCHMARKS.csatScore },
      expr: (r) => avgOver(M.csatScore.name, { window: '1d' }, r),
      metrics: [M.csatScore],
      chart: 'line',
    },
    {
      key: 'review_rating',
      title: 'Review rating (1-5, daily average)',
      section: 'satisfaction',
      format: 'score',
      better: 'up',
      expr: (r) => avgOver(M.reviewRating.name, { window: '1d' }, r),
      metrics: [M.reviewRating],
    },
    {
      key: 'tickets',
      title: 'Support tickets opened',
      section: 'satisfaction',
      format: 'count',
      better: 'down',
      ...counted(M.supportTicketsTotal.name, {}),
      metrics: [M.supportTicketsTotal],
      chart: 'bars',
    },
    {
      key: 'tickets_open',
      title: 'Support tickets open (at period end)',
      section: 'satisfaction',
      format: 'count',
      better: 'down',
      expr: () => lastOf(M.supportTicketsOpen.name, {}),
      metrics: [M.supportTicketsOpen],
    },
    {
      key: 'bug_reports',
      title: 'Bug reports received',
      section: 'satisfaction',
      format: 'count',
      better: 'down',
      ...counted(M.bugReportsTotal.name, {}),
      metrics: [M.bugReportsTotal],
    },
    {
      key: 'bugs_open',
      title: 'Bug reports open (at period end)',
      section: 'satisfaction',
      format: 'count',
      better: 'down',
      expr: () => lastOf(M.bugReportsOpen.name, {}),
      metrics: [M.bugReportsOpen],
    },
  ];
}

export function buildBreakdowns(): Breakdown[] {
  return [
    {
      key: 'sessions_by_channel',
      title: 'Sessions by acquisition channel',
      section: 'users',
      format: 'count',
      by: 'channel',
      better: 'up',
      ...countedBy(M.sessionsTotal.name, {}, 'channel'),
      metrics: [M.sessionsTotal],
    },
    {
      key: 'sessions_by_platform',
      title: 'Sessions by platform',
      section: 'users',
      format: 'count',
      by: 'platform',
      better: 'up',
      ...countedBy(M.sessionsTotal.name, {}, 'platform'),
      metrics: [M.sessionsTotal],
    },
    {
      key: 'gmv_by_currency',
      title: 'GMV by currency',
      section: 'transactions',
      format: 'money',
      by: 'currency',
      better: 'up',
      ...countedBy(M.gmvTotal.name, {}, 'currency'),
      metrics: [M.gmvTotal],
    },
    {
      key: 'payment_success_by_provider',
      title: 'Payment success by provider',
      section: 'transactions',
      format: 'ratio',
      by: 'provider',
      better: 'up',
      expr: (r) => ratio(inc(M.paymentsTotal.name, paid, r, ['provider']), inc(M.paymentsTotal.name, settled, r, ['provider'])),
      metrics: [M.paymentsTotal],
    },
    {
      key: 'payment_failures_by_reason',
      title: 'Payment failures by reason',
      section: 'transactions',
      format: 'count',
      by: 'reason',
      better: 'down',
      ...countedBy(M.paymentFailuresTotal.name, { source: 'db' }, 'reason'),
      metrics: [M.paymentFailuresTotal],
    },
    {
      key: 'reconciliation_mismatches',
      title: 'Reconciliation mismatches by provider (peak)',
      section: 'transactions',
      format: 'count',
      by: 'provider',
      better: 'down',
      expr: (r) => maxOver(M.paymentReconciliationMismatches.name, {}, r, ['provider']),
      metrics: [M.paymentReconciliationMismatches],
    },
    {
      key: 'refunds_by_reason',
      title: 'Refunds by reason',
      section: 'transactions',
      format: 'count',
      by: 'reason',
      better: 'down',
      ...countedBy(M.refundsTotal.name, {}, 'reason'),
      metrics: [M.refundsTotal],
    },
    {
      key: 'sellers_by_segment',
      title: 'Sellers by segment (at period end)',
      section: 'sellers',
      format: 'count',
      by: 'segment',
      better: 'neutral',
      expr: () => lastOf(M.sellers.name, {}, ['segment']),
      metrics: [M.sellers],
    },
    {
      key: 'incidents_by_severity',
      title: 'Incidents by severity',
      section: 'reliability',
      format: 'count',
      by: 'severity',
      better: 'down',
      ...countedBy(M.incidentsTotal.name, {}, 'severity'),
      metrics: [M.incidentsTotal],
    },
    {
      key: 'downtime_by_component',
      title: 'Downtime by component',
      section: 'reliability',
      format: 'seconds',
      by: 'component',
      better: 'down',
      ...countedBy(M.downtimeSecondsTotal.name, {}, 'component'),
      metrics: [M.downtimeSecondsTotal],
    },
    {
      key: 'failed_logins_by_reason',
      title: 'Failed logins by reason',
      section: 'security',
      format: 'count',
      by: 'reason',
      better: 'down',
      ...countedBy(M.loginsTotal.name, { outcome: 'failure' }, 'reason'),
      metrics: [M.loginsTotal],
    },
    {
      key: 'audit_by_action',
      title: 'Sensitive actions by kind',
      section: 'security',
      format: 'count',
      by: 'action',
      better: 'neutral',
      ...countedBy(M.auditEventsTotal.name, {}, 'action'),
      metrics: [M.auditEventsTotal],
    },
    {
      key: 'bugs_by_severity',
      title: 'Bug reports by severity',
      section: 'satisfaction',
      format: 'count',
      by: 'severity',
      better: 'down',
      ...countedBy(M.bugReportsTotal.name, {}, 'severity'),
      metrics: [M.bugReportsTotal],
    },
  ];
}

export function meetsBenchmark(b: Benchmark, v: number): boolean {
  return b.op === '>=' ? v >= b.value : b.op === '<=' ? v <= b.value : v < b.value;
}
