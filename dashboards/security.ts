/** Security: login outcomes, credential stuffing, profile changes and sensitive audit actions. */
import { DASHBOARD_UIDS } from '../shared/conventions';
import { M } from '../shared/catalogue';
import { informational, ordered, zeroIsOk, type DashboardSpec } from './common';
import * as q from './queries/security';

export const security: DashboardSpec = {
  uid: DASHBOARD_UIDS.security,
  title: 'Marketplace Pulse / Security',
  description: 'Logins by outcome, failed-login spikes, profile changes, bulk exports and deletes, unauthorized API use.',
  tags: ['operations', 'security'],
  sections: [
    {
      title: 'Logins',
      panels: [
        {
          kind: 'timeseries',
          title: 'Logins per hour by outcome',
          description: 'Login attempts in each trailing hour, success vs failure.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.loginsByOutcome(), legend: '{{outcome}}' }],
          stacked: true,
        },
        {
          kind: 'timeseries',
          title: 'Failed login share',
          description: 'Failed over all login attempts in each trailing hour; a spike is the first sign of credential stuffing.',
          unit: 'percentunit',
          thresholds: [
            { value: null, color: 'green' },
            { value: 0.2, color: 'orange' },
            { value: 0.5, color: 'red' },
          ],
          queries: [{ expr: q.failedLoginRatio(), legend: 'failed share' }],
          max: 1,
        },
        {
          kind: 'bargauge',
          title: 'Failures by reason',
          description: 'Failed logins in the selected range by reason (bad password, unknown user, locked, MFA failed, other).',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.failuresByReason(), legend: '{{reason}}', instant: true }],
        },
        {
          kind: 'bargauge',
          title: 'Accounts over the failed-login threshold',
          description: 'Distinct accounts with at least the configured number of failed logins (default 5) in the window.',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: ordered(M.accountsWithFailedLogins, 'window', q.accountsOverThreshold),
        },
      ],
    },
    {
      title: 'Account and data changes',
      panels: [
        {
          kind: 'timeseries',
          title: 'Profile changes per hour',
          description: 'Account profile changes (email, password, payout account, …) in each trailing hour by field.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.profileChanges(), legend: '{{field}}' }],
        },
        {
          kind: 'bargauge',
          title: 'Sensitive actions',
          description: 'Audit-log actions in the selected range: exports, bulk deletes, unauthorized API calls, role changes.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.auditEvents(), legend: '{{action}}', instant: true }],
        },
        {
          kind: 'bargauge',
          title: 'Objects exported / deleted',
          description: 'Rows touched by exports and bulk deletes in the selected range (one export of 50,000 rows counts 50,000).',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.auditObjects(), legend: '{{action}}', instant: true }],
        },
        {
          kind: 'stat',
          title: 'Unauthorized API calls',
          description: 'API calls rejected as unauthorized in the selected range (audit log).',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.unauthorizedApi(), legend: 'unauthorized', instant: true }],
          w: 12,
          h: 8,
        },
      ],
    },
  ],
};
