/** promtool cases for security.ts. */
import { M } from '../../shared/catalogue';
import { replicas, type PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';

const security = (severity: 'page' | 'ticket') => ({ severity, team: 'security', feed: 'exporter_db' }) as const;
const failedLogins = (values: string) => replicas(sel(M.loginsTotal.name, { outcome: 'failure', reason: 'bad_password' }), values);
const objects = (action: string, values: string) => replicas(sel(M.auditObjectsTotal.name, { action }), values);
const payoutChanges = (values: string) => replicas(sel(M.profileChangesTotal.name, { field: 'payout_account' }), values);

export const securityCases: PromTestCase[] = [
  {
    name: 'failed logins jump from 10 to 60 per 10 minutes',
    interval: '5m',
    series: failedLogins('0+5x288 1470+30x12'),
    alerts: [
      {
        alert: 'FailedLoginSpike',
        at: '25h',
        fires: [
          {
            labels: security('page'),
            summary: '60 failed logins in 10 minutes.',
            description: '60 failed logins in the last 10 minutes, more than 3x the usual rate of the last day: likely credential stuffing.',
          },
        ],
      },
    ],
  },
  {
    name: '49 failed logins per 10 minutes is under the minimum: quiet',
    interval: '5m',
    series: failedLogins('0+5x288 1464.5+24.5x12'),
    alerts: [{ alert: 'FailedLoginSpike', at: '25h', fires: [] }],
  },
  {
    name: '15000 rows exported in 15 minutes',
    series: [...objects('export', '0+1000x30'), ...objects('bulk_delete', '0+10x30')],
    alerts: [
      {
        alert: 'BulkExportOrDelete',
        at: '20m',
        fires: [
          {
            labels: { ...security('page'), action: 'export' },
            summary: '15000 objects touched by export in 15 minutes.',
            description: 'export actions touched 15000 objects in the last 15 minutes (alert above 10000): confirm with the actor that this is intended.',
          },
        ],
      },
    ],
  },
  { name: '9000 rows exported in 15 minutes: quiet', series: objects('export', '0+600x30'), alerts: [{ alert: 'BulkExportOrDelete', at: '20m', fires: [] }] },
  {
    name: '30 unauthorized API calls in 10 minutes',
    series: replicas(sel(M.auditEventsTotal.name, { action: 'unauthorized_api' }), '0+3x30'),
    alerts: [
      {
        alert: 'UnauthorizedAPIAccess',
        at: '20m',
        fires: [
          {
            labels: security('ticket'),
            summary: '30 unauthorized API calls in 10 minutes.',
            description: '30 API calls were refused as unauthorized in the last 10 minutes (alert above 20): a leaked or revoked key is being tried.',
          },
        ],
      },
    ],
  },
  {
    name: '20 unauthorized API calls in 10 minutes: quiet',
    series: replicas(sel(M.auditEventsTotal.name, { action: 'unauthorized_api' }), '0+2x30'),
    alerts: [{ alert: 'UnauthorizedAPIAccess', at: '20m', fires: [] }],
  },
  {
    name: 'payout-account changes jump from 3/h to 12/h',
    interval: '10m',
    series: payoutChanges('0+0.5x144 74+2x11'),
    alerts: [
      {
        alert: 'PayoutAccountChangesSpike',
        at: '25h10m',
        fires: [
          {
            labels: security('page'),
            summary: '12 payout-account changes in an hour.',
            description: '12 payout accounts were changed in the last hour, more than 3x the hourly average of the last day: account takeovers redirect seller payouts this way.',
          },
        ],
      },
    ],
  },
  {
    name: 'payout-account changes rising to 9/h: quiet',
    interval: '10m',
    series: payoutChanges('0+0.5x144 73.5+1.5x11'),
    alerts: [{ alert: 'PayoutAccountChangesSpike', at: '25h10m', fires: [] }],
  },
];
