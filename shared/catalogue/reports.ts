import { fixed, metric } from './types';

const area = 'exporter' as const;
const report = fixed('monthly', 'weekly', 'daily');

export const reportLastSuccessTimestampSeconds = metric({
  name: 'marketplace_report_last_success_timestamp_seconds',
  type: 'gauge',
  unit: 'timestamp',
  help: 'Unix time the report scheduler last rendered and delivered a report of this kind (0 before the first).',
  labels: { report },
  area,
  collector: 'reports',
  source: 'report scheduler (npm run reports)',
  definition:
    "Set when a period's report has been rendered, written to the output folder and, when SMTP is configured, sent. Report age = time() - this value.",
});

export const reportFailuresTotal = metric({
  name: 'marketplace_report_failures_total',
  type: 'counter',
  unit: 'count',
  help: 'Report attempts that failed (Prometheus unreachable, render or send error), by report kind.',
  labels: { report },
  area,
  collector: 'reports',
  source: 'report scheduler (npm run reports)',
  definition:
    'One per failed attempt; the period stays pending and is retried on the next tick, so a rising count with a stale last success means a report is overdue.',
});
