import { fixed, fromConfig, metric, WINDOWS } from './types';

const area = 'security' as const;

export const LOGIN_FAILURE_REASONS = ['none', 'bad_password', 'unknown_user', 'locked', 'mfa_failed', 'other'] as const;
export const AUDIT_ACTIONS = ['export', 'bulk_delete', 'unauthorized_api', 'role_change'] as const;

export const loginsTotal = metric({
  name: 'marketplace_logins_total',
  type: 'counter',
  unit: 'count',
  help: 'Login attempts by outcome and failure reason.',
  labels: { outcome: fixed('success', 'failure'), reason: fixed(...LOGIN_FAILURE_REASONS) },
  area,
  collector: 'logins',
  source: 'login_events.success, failure_reason',
  definition:
    'One per `login_events` row at `occurred_at`; successful logins have reason `none` whatever `failure_reason` says; failures with a NULL, unknown or `none` reason count as `other`.',
});

export const accountsWithFailedLogins = metric({
  name: 'marketplace_accounts_with_failed_logins',
  type: 'gauge',
  unit: 'count',
  help: 'Accounts with at least the threshold number of failed logins in the window (credential stuffing).',
  labels: { window: fixed(...WINDOWS) },
  area,
  collector: 'logins',
  source: 'login_events.user_id',
  definition:
    'Distinct non-NULL `user_id` with >= thresholds.failed_login_attempts (default 5) failed logins in the window (attempts on unknown accounts have no user and are not counted here).',
});

export const profileChangesTotal = metric({
  name: 'marketplace_profile_changes_total',
  type: 'counter',
  unit: 'count',
  help: 'Account profile changes by field (email, password, payout account, …).',
  labels: { field: fromConfig('profile_fields') },
  area,
  collector: 'audit',
  source: 'profile_changes.field, changed_at',
  definition: 'One per `profile_changes` row at `changed_at`; fields outside the allow-list count as `other`.',
});

export const auditEventsTotal = metric({
  name: 'marketplace_audit_events_total',
  type: 'counter',
  unit: 'count',
  help: 'Sensitive actions from the audit log: exports, bulk deletes, unauthorized API calls, role changes.',
  labels: { action: fixed(...AUDIT_ACTIONS) },
  area,
  collector: 'audit',
  source: 'audit_log.action, occurred_at',
  definition: 'One per `audit_log` row at `occurred_at` with one of the listed actions; other actions are ignored (not security-relevant).',
});

export const auditObjectsTotal = metric({
  name: 'marketplace_audit_objects_total',
  type: 'counter',
  unit: 'count',
  help: 'Objects touched by sensitive actions (rows exported, records deleted).',
  labels: { action: fixed(...AUDIT_ACTIONS) },
  area,
  collector: 'audit',
  source: 'audit_log.object_count',
  definition:
    'Sum of `object_count` over the same rows as `marketplace_audit_events_total`: one export of 50,000 rows is one event and 50,000 objects.',
});
