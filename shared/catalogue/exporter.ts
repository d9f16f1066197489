import { fixed, internal, metric } from './types';

const area = 'exporter' as const;
/** Why a collector cycle failed: the `kind` label of collector_errors_total, in this order. */
export const ERROR_KINDS = ['timeout', 'connection', 'query', 'other'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

const collector = internal('collector names from exporter/src/collectors/index.ts and custom metric names');

export const collectorUp = metric({
  name: 'marketplace_exporter_collector_up',
  type: 'gauge',
  unit: 'count',
  help: '1 when the collector\'s last cycle succeeded, 0 when it failed or timed out.',
  labels: { collector },
  area,
  collector: 'runtime',
  source: 'scheduler',
  definition: 'Set after every cycle of every enabled collector.',
});

export const collectorDurationSeconds = metric({
  name: 'marketplace_exporter_collector_duration_seconds',
  type: 'gauge',
  unit: 'seconds',
  help: 'Wall time of the collector\'s last cycle.',
  labels: { collector },
  area,
  collector: 'runtime',
  source: 'scheduler',
  definition: 'Duration of the last cycle, successful or not.',
});

export const collectorLastSuccessTimestampSeconds = metric({
  name: 'marketplace_exporter_collector_last_success_timestamp_seconds',
  type: 'gauge',
  unit: 'timestamp',
  help: 'Unix time of the collector\'s last successful cycle (0 before the first).',
  labels: { collector },
  area,
  collector: 'runtime',
  source: 'scheduler',
  definition: 'Data age = time() - this value.',
});

export const collectorErrorsTotal = metric({
  name: 'marketplace_exporter_collector_errors_total',
  type: 'counter',
  unit: 'count',
  help: 'Failed collector cycles by kind of failure.',
  labels: { collector, kind: fixed(...ERROR_KINDS) },
  area,
  collector: 'runtime',
  source: 'scheduler',
  definition: '`timeout`: statement or client timeout; `connection`: database unreachable; `query`: SQL error; `other`: anything else.',
});

export const collectorStale = metric({
  name: 'marketplace_exporter_collector_stale',
  type: 'gauge',
  unit: 'count',
  help: '1 when the collector\'s series were dropped because its last success is older than max_staleness.',
  labels: { collector },
  area,
  collector: 'runtime',
  source: 'scheduler',
  definition: 'Stale series are removed from /metrics rather than served frozen.',
});

export const seriesDroppedTotal = metric({
  name: 'marketplace_exporter_series_dropped_total',
  type: 'counter',
  unit: 'count',
  help: 'Series not exported because a metric exceeded its series limit.',
  labels: { metric: internal('catalogue metric names') },
  area,
  collector: 'runtime',
  source: 'scheduler',
  definition: 'Counts series over `limits.max_series_per_metric` in each cycle (cardinality guard).',
});

export const buildInfo = metric({
  name: 'marketplace_exporter_build_info',
  type: 'gauge',
  unit: 'info',
  help: 'Constant 1, labelled with the exporter version and Node.js version.',
  labels: { version: internal('package version'), nodejs: internal('Node.js version') },
  area,
  collector: 'runtime',
  source: 'package.json',
  definition: 'Always 1; the labels carry the information (join on it to annotate dashboards with the running version).',
});
