import { fixed, fromConfig, metric } from './types';

const area = 'reliability' as const;
export const INCIDENT_SEVERITIES = ['critical', 'major', 'minor'] as const;
const severity = fixed(...INCIDENT_SEVERITIES);

export const incidentsOpen = metric({
  name: 'marketplace_incidents_open',
  type: 'gauge',
  unit: 'count',
  help: 'Incidents currently open, by severity.',
  labels: { severity },
  area,
  collector: 'incidents',
  source: 'incidents.resolved_at',
  definition: 'Incidents with `started_at <= now` and no `resolved_at` (or one in the future); unknown severities count as `other`.',
});

export const incidentsTotal = metric({
  name: 'marketplace_incidents_total',
  type: 'counter',
  unit: 'count',
  help: 'Incidents declared, by severity.',
  labels: { severity },
  area,
  collector: 'incidents',
  source: 'incidents.started_at',
  definition: 'One per incident at `started_at`.',
});

export const downtimeSecondsTotal = metric({
  name: 'marketplace_downtime_seconds_total',
  type: 'counter',
  unit: 'seconds',
  help: 'Seconds of outage (critical incidents) by component; grows while an outage is open.',
  labels: { component: fromConfig('components') },
  area,
  collector: 'incidents',
  source: 'incidents.started_at, resolved_at, severity',
  definition:
    'For every `critical` incident, the part of `[started_at, resolved_at or +infinity)` that lies behind the settle horizon (`now - settle_lag`): each cycle adds, per component, its overlap with (previous horizon, new horizon], so an open outage grows cycle by cycle and stops at `resolved_at`. Components outside the allow-list count as `other`; every allow-listed component is published, 0 included.',
});

export const HTTP_STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export const httpResponsesTotal = metric({
  name: 'marketplace_http_responses_total',
  type: 'counter',
  unit: 'count',
  help: 'HTTP responses served to page views, by status class.',
  labels: { status_class: fixed(...HTTP_STATUS_CLASSES) },
  area,
  collector: 'page_views',
  source: 'page_views.http_status',
  definition:
    'One per page view at `viewed_at`, grouped by `http_status / 100`; statuses outside 100-599 count as `other`. Error rate = 5xx / all.',
});
