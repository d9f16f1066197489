/** promtool cases for security.ts. */
import { M } from '../../shared/catalogue';
import { replicas, type PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';

const security = (severity: 'page' | 'ticket') => ({ severity, team: 'security', feed: 'exporter_db' }) as const;
const failedLogins = (values: string) => replicas(sel(M.loginsTotal.name, { outcome: 'failure', reason: 'bad_password' }), values);
const objects = (action: string, values: string) => replicas(sel(M.auditObjectsTotal.name, { action }), values);
const payoutChanges = (values: string) => replicas(sel(M.profileChangesTotal.name, { field: 'payout_account' }), values);

const stuffing = (at: string) => ({
  alert: 'FailedLoginSpike',
  at,
  fires: [
    {
      labels: security('page'),
      summary: '100 failed logins in 10 minutes.',
      description:
        "100 failed logins in the last 10 minutes, more than 3x the same 10 minutes last week and last week's average: likely credential stuffing.",
    },
  ],
});

export const securityCases: PromTestCase[] = [
  {
    // A week of 10 failed logins per 10 minutes, then 100 per 10 minutes for 12 hours. A baseline
    // over the last day would absorb the attack within hours; last week's does not.
    name: 'sustained credential stuffing over 12 hours pages at onset and keeps firing to the end',
    interval: '5m',
    series: failedLogins('0+5x2016 10130+50x143 17285+5x50'),
    alerts: [
      { alert: 'FailedLoginSpike', at: '167h55m', fires: [] },
      stuffing('168h20m'),
      stuffing('174h'),
      stuffing('179h55m'),
      // Attack over at 180h; keep_firing_for holds 30 minutes past the last spiking window.
      { alert: 'FailedLoginSpike', at: '181h', fires: [] },
    ],
    values: [
      {
        expr: ':marketplace_logins_failed:increase10m_baseline',
        at: '179h55m',
        samples: [{ labels: ':marketplace_logins_failed:increase10m_baseline', value: 10 }],
      },
    ],
  },
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
            description:
              "60 failed logins in the last 10 minutes, more than 3x the same 10 minutes last week and last week's average: likely credential stuffing.",
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
            description:
              'export actions touched 15000 objects in the last 15 minutes (alert above 10000): confirm with the actor that this is intended.',
          },
        ],
      },
    ],
  },
  {
    name: '9000 rows exported in 15 minutes: quiet',
    series: objects('export', '0+600x30'),
    alerts: [{ alert: 'BulkExportOrDelete', at: '20m', fires: [] }],
  },
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
            description:
              '30 API calls were refused as unauthorized in the last 10 minutes (alert above 20): a leaked or revoked key is being tried.',
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
            description:
              "12 payout accounts were changed in the last hour, more than 3x the same hour last week and last week's hourly average: account takeovers redirect seller payouts this way.",
          },
        ],
      },
    ],
  },
  {
    // The baseline (3/h) excludes the current hour, so 3x is exactly 9/h: 8.4/h stays under it.
    name: 'payout-account changes rising to 8.4/h: quiet',
    interval: '10m',
    series: payoutChanges('0+0.5x144 73.4+1.4x11'),
    alerts: [{ alert: 'PayoutAccountChangesSpike', at: '25h10m', fires: [] }],
  },
];
