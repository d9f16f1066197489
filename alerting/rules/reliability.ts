/** Reliability: error rate, site probes, TLS certificates, incidents, database reachability. */
import { M } from '../../shared/catalogue';
import { BENCHMARKS, SELECTORS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { num, type AlertRule, type RuleGroup } from '../model';
import { gaugeOf, increaseOf, rateOf, sel, sumBy } from '../../shared/promql';

export const HTTP_ERROR_RATIO = ':marketplace_http_responses:error_ratio_rate5m';
export const HTTP_RESPONSES = ':marketplace_http_responses:increase5m';
const probe = (name: string) => sel(name, { job: SELECTORS.blackboxJob });
const certDaysLeft = `(${probe('probe_ssl_earliest_cert_expiry')} - time()) / 86400`;

function certAlert(severity: 'page' | 'ticket', days: number): AlertRule {
  return {
    alert: 'TLSCertificateExpiring',
    expr: `${certDaysLeft} < ${days}`,
    for: '10m',
    severity,
    team: 'sre',
    feed: 'blackbox',
    summary: 'The TLS certificate of {{ $labels.instance }} expires in {{ $value | printf "%.1f" }} days.',
    description: `The earliest certificate in the chain served by {{ $labels.instance }} expires in {{ $value | printf "%.1f" }} days (${severity} below ${days} days). Browsers and payment callbacks will fail once it does.`,
  };
}

function incidentAlert(severity: 'page' | 'ticket', incidentSeverity: 'critical' | 'major'): AlertRule {
  // The incident's own severity moves to incident_severity so the alert's severity label is ours.
  const open = `label_replace(${gaugeOf(M.incidentsOpen.name, { severity: incidentSeverity })}, "incident_severity", "$1", "severity", "(.+)")`;
  return {
    alert: 'IncidentOpen',
    expr: `max without (severity) (${open}) > 0`,
    severity,
    team: 'sre',
    feed: 'exporter_db',
    summary: '{{ $value }} {{ $labels.incident_severity }} incident(s) open.',
    description:
      '{{ $value }} incident(s) of severity {{ $labels.incident_severity }} are open in the incident tracker: join the incident channel and follow its commander.',
  };
}

export function reliabilityGroup(): RuleGroup {
  return {
    file: 'reliability',
    name: 'marketplace-reliability',
    rules: [
      {
        record: HTTP_ERROR_RATIO,
        expr: `${sumBy([], rateOf(M.httpResponsesTotal.name, { status_class: '5xx' }, '5m'))}\n/\n${sumBy([], rateOf(M.httpResponsesTotal.name, {}, '5m'))}`,
      },
      { record: HTTP_RESPONSES, expr: sumBy([], increaseOf(M.httpResponsesTotal.name, {}, '5m')) },
      {
        alert: 'HighErrorRate',
        // Volume guard: one failure among a handful of night-time page views is not 5 % of anything.
        expr: `${HTTP_ERROR_RATIO} > ${num(ALERT.httpErrorRatio5m)}\nand on ()\n${HTTP_RESPONSES} >= ${ALERT.httpMinResponses5m}`,
        for: '5m',
        severity: 'page',
        team: 'sre',
        feed: 'exporter_db',
        summary: '{{ $value | humanizePercentage }} of page views fail with 5xx.',
        description: `{{ $value | humanizePercentage }} of page views got a 5xx response over the last 5 minutes (page above ${num(ALERT.httpErrorRatio5m * 100)} % from ${ALERT.httpMinResponses5m} page views up; the SLO allows ${num(BENCHMARKS.errorRatio * 100)} %).`,
      },
      {
        alert: 'SiteDown',
        expr: `${probe('probe_success')} == 0`,
        for: '2m',
        severity: 'page',
        team: 'sre',
        feed: 'blackbox',
        summary: '{{ $labels.instance }} is down.',
        description: 'Every blackbox probe of {{ $labels.instance }} failed for 2 minutes: buyers cannot reach it.',
      },
      {
        alert: 'SiteSlow',
        expr: `avg_over_time(${probe('probe_duration_seconds')}[10m]) > ${num(BENCHMARKS.responseSeconds)}`,
        for: '10m',
        severity: 'ticket',
        team: 'sre',
        feed: 'blackbox',
        summary: '{{ $labels.instance }} answers in {{ $value | humanizeDuration }}.',
        description: `Blackbox probes of {{ $labels.instance }} took {{ $value | humanizeDuration }} on average over 10 minutes (benchmark ${num(BENCHMARKS.responseSeconds)}s).`,
      },
      certAlert('ticket', ALERT.certTicketDays),
      certAlert('page', ALERT.certPageDays),
      incidentAlert('page', 'critical'),
      incidentAlert('ticket', 'major'),
      {
        alert: 'DatabaseUnreachable',
        // The replicas' min: while one replica (or its database replica) still connects, business
        // data keeps flowing and the business alerts this one inhibits must stay live.
        expr: `min without (${SELECTORS.replicaLabels.join(', ')}) (\n  sum without (collector, kind) (increase(${sel(M.collectorErrorsTotal.name, { kind: 'connection' })}[5m]))\n) > 0`,
        for: '5m',
        severity: 'page',
        team: 'sre',
        feed: 'self',
        summary: 'The exporter cannot reach the marketplace database.',
        description:
          'Every exporter replica failed to connect to the marketplace database (at least {{ $value | printf "%.0f" }} collector cycles each in the last 5 minutes), for 5 minutes: business metrics are frozen and business alerts are silenced.',
      },
    ],
  };
}
