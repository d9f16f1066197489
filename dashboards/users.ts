/** User activity: who is active, how they arrive, how long they stay, whether they come back. */
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { M } from '../shared/catalogue';
import { atLeast, below, informational, ordered, type DashboardSpec } from './common';
import * as q from './queries/users';

export const users: DashboardSpec = {
  uid: DASHBOARD_UIDS.users,
  title: 'Marketplace Pulse / User activity',
  description: 'Active users, new vs returning visitors, sessions, engagement, bounce and retention.',
  tags: ['business', 'users'],
  alertTeams: ['growth', 'sre'],
  sections: [
    {
      title: 'Active users',
      panels: [
        { kind: 'bargauge', title: 'Active users (1d / 7d / 30d)', description: 'DAU, WAU, MAU: distinct signed-in users with a session in the trailing window, computed by the exporter from sessions.', unit: 'short', thresholds: informational(), queries: ordered(M.activeUsers, 'window', q.activeUsers), w: 8 },
        { kind: 'gauge', title: 'User activation (30d)', description: `Users active in the last 30 days over all registered users. Benchmark ≥ ${BENCHMARKS.userActivationRatio * 100} %.`, unit: 'percentunit', thresholds: atLeast(BENCHMARKS.userActivationRatio), queries: [{ expr: q.activationRatio('30d'), legend: 'activation', instant: true }], w: 4, min: 0, max: 1 },
        { kind: 'timeseries', title: 'New vs returning visitors (1d)', description: 'Distinct visitors of the last 24 h: new (first session ever inside the window) and returning.', unit: 'short', thresholds: informational(), queries: [{ expr: q.visitorsByType('1d'), legend: '{{visitor_type}}' }], w: 12, stacked: true },
        { kind: 'timeseries', title: 'Registrations per day', description: 'Accounts created in each trailing 24 h (increase of the registrations counter).', unit: 'short', thresholds: informational(), queries: [{ expr: q.registrations('1d'), legend: 'registrations' }], w: 12 },
        { kind: 'bargauge', title: 'Sessions per active user', description: 'Usage frequency: signed-in sessions in the window divided by the active users of the window.', unit: 'short', thresholds: informational(), queries: ordered(M.usageFrequency, 'window', q.usageFrequency), w: 12 },
      ],
    },
    {
      title: 'Sessions and engagement',
      panels: [
        { kind: 'timeseries', title: 'Sessions per hour by platform', description: 'Sessions started in each trailing hour, by platform (filter: $platform).', unit: 'short', thresholds: informational(), queries: [{ expr: q.sessionsBy('platform'), legend: '{{platform}}' }], stacked: true },
        { kind: 'timeseries', title: 'Sessions per hour by channel', description: 'Sessions started in each trailing hour, by acquisition channel (direct, organic, paid, social, email, referral).', unit: 'short', thresholds: informational(), queries: [{ expr: q.sessionsBy('channel'), legend: '{{channel}}' }], stacked: true },
        { kind: 'timeseries', title: 'Session duration percentiles', description: 'p50 / p90 / p99 of ended sessions, from the session duration histogram (rate of buckets, replicas merged).', unit: 's', thresholds: informational(), queries: [{ expr: q.sessionDurationQuantile(0.5), legend: 'p50' }, { expr: q.sessionDurationQuantile(0.9), legend: 'p90' }, { expr: q.sessionDurationQuantile(0.99), legend: 'p99' }] },
        { kind: 'timeseries', title: 'Page load time p95', description: `95th percentile of real-user page load time. Benchmark < ${BENCHMARKS.responseSeconds} s.`, unit: 's', thresholds: below(BENCHMARKS.responseSeconds), queries: [{ expr: q.pageLoadQuantile(0.95), legend: 'p95' }] },
        { kind: 'timeseries', title: 'Page views per hour', description: 'Page views served in each trailing hour.', unit: 'short', thresholds: informational(), queries: [{ expr: q.pageViews(), legend: 'page views' }] },
        { kind: 'timeseries', title: 'Clicks and interactions per hour', description: 'Interaction events (clicks, product views, add to cart, …) in each trailing hour by allow-listed type.', unit: 'short', thresholds: informational(), queries: [{ expr: q.eventsByType(), legend: '{{type}}' }] },
      ],
    },
    {
      title: 'Bounce and retention',
      panels: [
        { kind: 'bargauge', title: 'Bounce rate', description: 'Sessions with exactly one page view over sessions with at least one, per trailing window.', unit: 'percentunit', thresholds: informational(), queries: ordered(M.bounceRatio, 'window', q.bounce), w: 8, min: 0, max: 1 },
        { kind: 'bargauge', title: 'Retention D1 / D7 / D30', description: 'Day-N retention: share of the users who signed up N days before yesterday with a session yesterday.', unit: 'percentunit', thresholds: informational(), queries: ordered(M.retentionRatio, 'day', q.retention, (d) => `D${d}`), w: 8, min: 0, max: 1 },
        { kind: 'table', title: 'Weekly cohort retention', description: 'Share of each signup-week cohort (weeks ago) with a session N weeks after signup; last 12 cohorts.', unit: 'percentunit', thresholds: informational(), queries: [{ expr: q.cohortRetention(), instant: true }], table: { kind: 'matrix', row: 'cohort_weeks_ago', column: 'weeks_since_signup', rowTitle: 'Cohort (weeks ago) \\ weeks since signup' }, w: 8 },
      ],
    },
  ],
};
