/** Customer satisfaction: CSAT, review ratings, support load and bug reports. */
import { BENCHMARKS, DASHBOARD_UIDS } from '../shared/conventions';
import { M } from '../shared/catalogue';
import { atLeast, informational, ordered, zeroIsOk, type DashboardSpec } from './common';
import * as q from './queries/satisfaction';

export const satisfaction: DashboardSpec = {
  uid: DASHBOARD_UIDS.satisfaction,
  title: 'Marketplace Pulse / Customer satisfaction',
  description: 'CSAT, product reviews, support tickets and bug reports.',
  tags: ['business', 'satisfaction'],
  alertTeams: ['growth', 'sre'],
  from: '7d',
  sections: [
    {
      title: 'Scores',
      panels: [
        {
          kind: 'bargauge',
          title: 'CSAT',
          description: `Average satisfaction score (1–5) of tickets closed in each window that were scored. Benchmark ≥ ${BENCHMARKS.csatScore}.`,
          unit: 'short',
          thresholds: atLeast(BENCHMARKS.csatScore),
          queries: ordered(M.csatScore, 'window', q.csat),
          min: 1,
          max: 5,
        },
        {
          kind: 'bargauge',
          title: 'Review rating',
          description: `Average product review rating (1–5) of reviews written in each window. Benchmark ≥ ${BENCHMARKS.csatScore}.`,
          unit: 'short',
          thresholds: atLeast(BENCHMARKS.csatScore),
          queries: ordered(M.reviewRating, 'window', q.reviewRating),
          min: 1,
          max: 5,
        },
      ],
    },
    {
      title: 'Support and bugs',
      panels: [
        {
          kind: 'stat',
          title: 'Open support tickets',
          description: 'Support tickets opened and not yet closed.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.ticketsOpen(), legend: 'open', instant: true }],
        },
        {
          kind: 'stat',
          title: 'Tickets opened',
          description: 'Support tickets opened in the selected range.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.ticketsOpened(), legend: 'opened', instant: true }],
        },
        {
          kind: 'bargauge',
          title: 'Open bug reports',
          description: 'Bug reports not yet resolved, by severity.',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.bugsOpen(), legend: '{{severity}}', instant: true }],
        },
        {
          kind: 'timeseries',
          title: 'Bug reports per day',
          description: 'Bug reports received in each trailing 24 h, by severity.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.bugsReported('1d'), legend: '{{severity}}' }],
          w: 24,
        },
      ],
    },
  ],
};
