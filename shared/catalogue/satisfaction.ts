import { fixed, metric, WINDOWS } from './types';

const area = 'satisfaction' as const;
const window = fixed(...WINDOWS);
export const BUG_SEVERITIES = ['critical', 'major', 'minor'] as const;
const severity = fixed(...BUG_SEVERITIES);

export const supportTicketsOpen = metric({
  name: 'marketplace_support_tickets_open',
  type: 'gauge',
  unit: 'count',
  help: 'Support tickets currently open.',
  labels: {},
  area,
  collector: 'support',
  source: 'support_tickets.closed_at',
  definition: 'Tickets with `opened_at <= now` and no `closed_at`.',
});

export const supportTicketsTotal = metric({
  name: 'marketplace_support_tickets_total',
  type: 'counter',
  unit: 'count',
  help: 'Support tickets opened.',
  labels: {},
  area,
  collector: 'support',
  source: 'support_tickets.opened_at',
  definition: 'One per ticket at `opened_at`.',
});

export const csatScore = metric({
  name: 'marketplace_csat_score',
  type: 'gauge',
  unit: 'score',
  help: 'Average customer satisfaction score (1-5) of tickets closed in the window.',
  labels: { window },
  area,
  collector: 'support',
  source: 'support_tickets.csat_score, closed_at',
  definition:
    'avg(csat_score) over tickets closed in the window with a score. Absent (no series) when no ticket was scored: a missing score is not a zero score.',
});

export const reviewRating = metric({
  name: 'marketplace_review_rating',
  type: 'gauge',
  unit: 'score',
  help: 'Average product review rating (1-5) in the window.',
  labels: { window },
  area,
  collector: 'support',
  source: 'reviews.rating, created_at',
  definition: 'avg(rating) over reviews created in the window; absent when there were none.',
});

export const bugReportsOpen = metric({
  name: 'marketplace_bug_reports_open',
  type: 'gauge',
  unit: 'count',
  help: 'Bug reports not yet resolved, by severity.',
  labels: { severity },
  area,
  collector: 'bug_reports',
  source: 'bug_reports.resolved_at',
  definition: 'Bug reports with no `resolved_at`; unknown severities count as `other`.',
});

export const bugReportsTotal = metric({
  name: 'marketplace_bug_reports_total',
  type: 'counter',
  unit: 'count',
  help: 'Bug reports received, by severity.',
  labels: { severity },
  area,
  collector: 'bug_reports',
  source: 'bug_reports.reported_at',
  definition: 'One per bug report at `reported_at`.',
});
