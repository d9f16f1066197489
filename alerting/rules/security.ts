/** Security: credential stuffing, bulk export/delete, unauthorized API calls, payout-account changes. */
import { M } from '../../shared/catalogue';
import { ALERT } from '../constants';
import type { RuleGroup } from '../model';
import { increaseOf, spike, sumBy } from '../../shared/promql';

const failedLogins = spike({
  level: '',
  stem: 'marketplace_logins_failed',
  metric: M.loginsTotal.name,
  matchers: { outcome: 'failure' },
  by: [],
  window: '10m',
  perDay: 144,
  factor: ALERT.spikeFactor,
  min: ALERT.failedLoginSpikeMin,
});

const payoutChanges = spike({
  level: '',
  stem: 'marketplace_payout_account_changes',
  metric: M.profileChangesTotal.name,
  matchers: { field: 'payout_account' },
  by: [],
  window: '1h',
  perDay: 24,
  factor: ALERT.spikeFactor,
  min: ALERT.payoutChangesSpikeMin,
});

export function securityGroup(): RuleGroup {
  return {
    file: 'security',
    name: 'marketplace-security',
    rules: [
      ...failedLogins.rules,
      ...payoutChanges.rules,
      {
        alert: 'FailedLoginSpike',
        expr: failedLogins.expr,
        for: '5m',
        keepFiringFor: ALERT.spikeKeepFiring,
        severity: 'page',
        team: 'security',
        feed: 'exporter_db',
        summary: '{{ $value | printf "%.0f" }} failed logins in 10 minutes.',
        description: `{{ $value | printf "%.0f" }} failed logins in the last 10 minutes, more than ${ALERT.spikeFactor}x the same 10 minutes last week and last week's average: likely credential stuffing.`,
      },
      {
        alert: 'BulkExportOrDelete',
        expr: `${sumBy(['action'], increaseOf(M.auditObjectsTotal.name, { action: '~export|bulk_delete' }, '15m'))} > ${ALERT.bulkObjects15m}`,
        severity: 'page',
        team: 'security',
        feed: 'exporter_db',
        summary: '{{ $value | printf "%.0f" }} objects touched by {{ $labels.action }} in 15 minutes.',
        description: `{{ $labels.action }} actions touched {{ $value | printf "%.0f" }} objects in the last 15 minutes (alert above ${ALERT.bulkObjects15m}): confirm with the actor that this is intended.`,
      },
      {
        alert: 'UnauthorizedAPIAccess',
        expr: `${sumBy([], increaseOf(M.auditEventsTotal.name, { action: 'unauthorized_api' }, '10m'))} > ${ALERT.unauthorizedApi10m}`,
        for: '5m',
        severity: 'ticket',
        team: 'security',
        feed: 'exporter_db',
        summary: '{{ $value | printf "%.0f" }} unauthorized API calls in 10 minutes.',
        description: `{{ $value | printf "%.0f" }} API calls were refused as unauthorized in the last 10 minutes (alert above ${ALERT.unauthorizedApi10m}): a leaked or revoked key is being tried.`,
      },
      {
        alert: 'PayoutAccountChangesSpike',
        expr: payoutChanges.expr,
        for: '5m',
        keepFiringFor: ALERT.spikeKeepFiring,
        severity: 'page',
        team: 'security',
        feed: 'exporter_db',
        summary: '{{ $value | printf "%.0f" }} payout-account changes in an hour.',
        description: `{{ $value | printf "%.0f" }} payout accounts were changed in the last hour, more than ${ALERT.spikeFactor}x the same hour last week and last week's hourly average: account takeovers redirect seller payouts this way.`,
      },
    ],
  };
}
