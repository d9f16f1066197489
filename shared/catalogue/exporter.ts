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
  help: "1 when the collector's last cycle succeeded, 0 when it failed or timed out.",
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
  help: "Wall time of the collector's last cycle.",
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
  help: "Unix time of the collector's last successful cycle (0 before the first).",
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
  help: "1 when the collector's series were dropped because its last success is older than max_staleness.",
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

export const databaseRoleCanWrite = metric({
  name: 'marketplace_exporter_database_role_can_write',
  type: 'gauge',
  unit: 'count',
  help: "1 when the exporter's database role could write (superuser or INSERT/UPDATE/DELETE/TRUNCATE on a table); the exporter never writes, but should run as a read-only role.",
  labels: {},
  area,
  collector: 'runtime',
  source: 'pg_roles, has_table_privilege()',
  definition: 'Checked at start-up and on reload; a warning is logged when 1.',
});

/** Collectors that keep their window gauges incrementally (window-facts.ts, settled-period.ts). */
const windowCollectors = [
  'active_users',
  'bounce',
  'carts',
  'cohort_retention',
  'funnel',
  'logins',
  'retention',
  'revenue',
  'sellers',
  'support',
  'visitors',
] as const;

export const rollupDrift = metric({
  name: 'marketplace_exporter_rollup_drift',
  type: 'gauge',
  unit: 'count',
  help: 'Difference between the incrementally maintained window values and a full recomputation, at the last full refresh.',
  labels: { collector },
  area,
  collector: [...windowCollectors, 'seller_credits', 'bug_reports'],
  source: 'full refresh (collection.full_refresh)',
  definition:
    'Sum over the collector\'s series of |incremental - recomputed|. 0 unless rows changed outside `collection.mutable_horizon` or were committed later than `collection.settle_lag`; the refresh then replaces the incremental state. `collector="revenue_mrr"` is MRR\'s running sum, where an `amount_monthly` changed in place is such a change; `collector="support_open"` is the open tickets: the running count, where a ticket reopened more than `collection.mutable_horizon` after its close is one, or, where `support_tickets.updated_at` is followed (`collection.ticket_changes`), the set held, where a ticket written without its `updated_at` moving, or deleted, is one; `collector="bug_reports_open"` is the open bug reports\' running count per severity, where a report re-opened more than `collection.mutable_horizon` after its resolution, or committed with a `reported_at` older than it, is one; `collector="seller_credits"` (only where `sellers.updated_at` is followed, `collection.seller_changes`) is the kept balances, where a seller changed without its `updated_at` moving, or deleted, is one. `collector="revenue_active_users"` is revenue\'s own copy of the signed-in sessions, kept only while `active_users` is disabled; with both enabled, ARPU reads `active_users`\' facts, whose drift (measured on active users and usage frequency) is `collector="active_users"`.',
});

export const rollupStateBytes = metric({
  name: 'marketplace_exporter_rollup_state_bytes',
  type: 'gauge',
  unit: 'bytes',
  help: "Memory held by a collector's window aggregates (typed arrays of per-entity facts).",
  labels: { collector },
  area,
  collector: [...windowCollectors, 'seller_credits'],
  source: 'exporter memory',
  definition:
    'Allocated bytes of the fact columns, kept for the longest window, and for `visitors`, `active_users` and `revenue` of their entity index (visitor, user or buyer → latest time, 16 bytes a slot). `collector="seller_credits"`: the balance and lifecycle columns of every seller, read only where a row changed. `collector="support_open"` (only where `support_tickets.updated_at` is followed): the id and `opened_at` of every open ticket. `collector="revenue_active_users"`: revenue\'s own copy of the signed-in sessions, only while `active_users` is disabled; with both enabled they share one store, counted once under `collector="active_users"`.',
});
