/** Reliability & SLOs: availability from blackbox probes, latency, errors, incidents, error budget. */
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { atLeast, below, informational, zeroIsOk, type DashboardSpec } from './common';
import * as q from './queries/reliability';
import * as u from './queries/users';

export const reliability: DashboardSpec = {
  uid: DASHBOARD_UIDS.reliability,
  title: 'Marketplace Pulse / Reliability & SLOs',
  description: `Availability SLO ${BENCHMARKS.uptimeRatio * 100} % from blackbox probes, latency, error rate, incidents, downtime and error budget.`,
  tags: ['operations', 'slo'],
  sections: [
    {
      title: 'Availability SLO',
      panels: [
        {
          kind: 'stat',
          title: 'Uptime (selected range)',
          description: `Share of successful probes per public URL over the selected range. SLO ≥ ${BENCHMARKS.uptimeRatio * 100} %.`,
          unit: 'percentunit',
          thresholds: atLeast(BENCHMARKS.uptimeRatio),
          queries: [{ expr: q.uptimeByTarget(), legend: '{{instance}}', instant: true }],
          decimals: 3,
        },
        {
          kind: 'gauge',
          title: 'Error budget remaining (30d)',
          description: `1 - (failed-probe share over 30 days) / (1 - ${BENCHMARKS.uptimeRatio}). 100 % = untouched, 0 = spent, negative = SLO missed.`,
          unit: 'percentunit',
          thresholds: atLeast(0.25, 0),
          queries: [{ expr: q.budgetRemaining('30d'), legend: 'budget', instant: true }],
          h: 4,
          max: 1,
        },
        {
          kind: 'timeseries',
          title: 'Burn rate (1h, 6h)',
          description:
            'Failed-probe share over the window divided by the share the SLO allows. 1 spends the budget exactly in 30 days; 14.4 over 1h pages.',
          unit: 'short',
          thresholds: below(14.4, 1),
          queries: [
            { expr: q.burnRate('1h'), legend: '1h' },
            { expr: q.burnRate('6h'), legend: '6h' },
          ],
          w: 12,
          h: 4,
        },
        {
          kind: 'timeseries',
          title: 'Probe success by URL',
          description: 'Probe result over time per public URL (1 = up, 0 = down).',
          unit: 'short',
          thresholds: atLeast(1),
          queries: [{ expr: q.probeUp(), legend: '{{instance}}' }],
          min: 0,
          max: 1,
        },
        {
          kind: 'timeseries',
          title: 'Probe duration',
          description: `Total blackbox probe time per URL (DNS, connect, TLS, response). Benchmark < ${BENCHMARKS.responseSeconds} s.`,
          unit: 's',
          thresholds: below(BENCHMARKS.responseSeconds),
          queries: [{ expr: q.probeDuration(), legend: '{{instance}}' }],
        },
      ],
    },
    {
      title: 'Error budgets by SLO (recording rules)',
      panels: [
        {
          kind: 'bargauge',
          title: 'Error budget remaining by SLO (30d)',
          description:
            'Recorded by the alerting rules per SLO (availability, latency, http_errors, payments): 1 - error ratio over 30 days / error ratio allowed by the objective.',
          unit: 'percentunit',
          thresholds: atLeast(0.25, 0),
          queries: [{ expr: q.budgetBySlo(), legend: '{{slo}}', instant: true }],
          w: 8,
          max: 1,
        },
        {
          kind: 'timeseries',
          title: 'Burn rate by SLO (1h)',
          description:
            'Error ratio over the last hour divided by the ratio the objective allows, per SLO (recording rules). Above 14.4 the fast-burn alert pages.',
          unit: 'short',
          thresholds: below(14.4, 1),
          queries: [{ expr: q.burnBySlo('1h'), legend: '{{slo}}' }],
          w: 16,
        },
      ],
    },
    {
      title: 'Errors and latency',
      panels: [
        {
          kind: 'timeseries',
          title: 'Error rate (5xx)',
          description: `5xx responses over all responses served to page views, trailing 5 min. Benchmark < ${BENCHMARKS.errorRatio * 100} %.`,
          unit: 'percentunit',
          thresholds: below(BENCHMARKS.errorRatio),
          queries: [{ expr: q.errorRatio('5m'), legend: '5xx share' }],
        },
        {
          kind: 'timeseries',
          title: 'Responses by status class',
          description: 'Page view responses per trailing 5 min by status class.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.responsesByClass('5m'), legend: '{{status_class}}' }],
          stacked: true,
        },
        {
          kind: 'timeseries',
          title: 'Page load p50 / p95',
          description: `Real-user page load percentiles from the page load histogram. Benchmark < ${BENCHMARKS.responseSeconds} s.`,
          unit: 's',
          thresholds: below(BENCHMARKS.responseSeconds),
          queries: [
            { expr: u.pageLoadQuantile(0.5), legend: 'p50' },
            { expr: u.pageLoadQuantile(0.95), legend: 'p95' },
          ],
        },
        {
          kind: 'stat',
          title: 'TLS certificate days left',
          description: 'Days until the earliest certificate on each probed HTTPS URL expires (HTTPS targets only).',
          unit: 'd',
          thresholds: atLeast(14, 7),
          queries: [{ expr: q.certDaysLeft(), legend: '{{instance}}', instant: true }],
          w: 12,
          h: 8,
        },
      ],
    },
    {
      title: 'Incidents and downtime',
      panels: [
        {
          kind: 'stat',
          title: 'Open incidents',
          description: 'Incidents started and not resolved, by severity.',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.incidentsOpen(), legend: '{{severity}}', instant: true }],
          w: 8,
        },
        {
          kind: 'bargauge',
          title: 'Incidents declared',
          description: 'Incidents declared in the selected range, by severity.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.incidentsDeclared(), legend: '{{severity}}', instant: true }],
          w: 8,
        },
        {
          kind: 'bargauge',
          title: 'Downtime by component',
          description: 'Seconds of outage (critical incidents) in the selected range, per component.',
          unit: 's',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.downtimeBy(), legend: '{{component}}', instant: true }],
          w: 8,
        },
      ],
    },
  ],
};
