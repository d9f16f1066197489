/**
 * Monitoring the monitoring: a Watchdog for the dead-man's switch, absent targets, Prometheus and
 * Alertmanager failing at their own job (as prometheus-mixin and alertmanager-mixin alert on), stale
 * collectors that feed pages, and report delivery failures.
 */
import { collectorsOf, M, metricByName } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { isAlert, num, type RuleGroup } from '../model';
import { sel } from '../../shared/promql';

export const WATCHDOG = 'Watchdog';

const prom = (name: string) => sel(name, { job: SELECTORS.prometheusJob });
const am = (name: string) => sel(name, { job: SELECTORS.alertmanagerJob });

/**
 * Collectors whose metrics a page reads (recording rules expanded): when one goes stale its series
 * are dropped, and the page it feeds can no longer fire, so staleness itself must page.
 */
export function pageFeedingCollectors(groups: RuleGroup[]): string[] {
  const recorded = new Map<string, string[]>();
  for (const r of groups.flatMap((g) => g.rules)) if (!isAlert(r)) recorded.set(r.record, [...(recorded.get(r.record) ?? []), r.expr]);
  const collectors = new Set<string>();
  const visit = (expr: string, seen: Set<string>) => {
    for (const name of expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []) {
      const def = metricByName(name) ?? metricByName(name.replace(/_(bucket|count|sum)$/, ''));
      if (def) for (const c of collectorsOf(def)) collectors.add(c);
      if (recorded.has(name) && !seen.has(name)) {
        seen.add(name);
        for (const e of recorded.get(name)!) visit(e, seen);
      }
    }
  };
  for (const r of groups.flatMap((g) => g.rules)) {
    if (isAlert(r) && r.severity === 'page' && (r.feed === 'exporter_db' || r.feed === 'exporter_api')) visit(r.expr, new Set());
  }
  // The runtime's self-metrics are not a collector that can go stale.
  collectors.delete('runtime');
  return [...collectors].sort();
}

export function monitoringGroup(others: RuleGroup[]): RuleGroup {
  const feeding = pageFeedingCollectors(others);
  return {
    file: 'monitoring',
    name: 'marketplace-monitoring',
    rules: [
      {
        alert: WATCHDOG,
        // Always firing: the dead-man's switch pages when it stops arriving.
        expr: 'vector(1)',
        severity: 'info',
        team: 'sre',
        feed: 'self',
        summary: 'The alerting pipeline is alive.',
        description:
          "Always firing ({{ $value }}): Alertmanager forwards it to the dead-man's switch, which pages when it stops arriving (Prometheus, Alertmanager or the path between them is down).",
      },
      {
        alert: 'ExporterAbsent',
        // up==0 needs a target; a target gone from discovery leaves no series at all.
        expr: `absent(${sel('up', { job: SELECTORS.exporterJob })})`,
        for: '10m',
        severity: 'page',
        team: 'sre',
        feed: 'self',
        summary: 'Prometheus has no Marketplace Pulse target at all.',
        description:
          'No series up{job="{{ $labels.job }}"} for 10 minutes ({{ $value }}): the exporter vanished from service discovery or its scrape job was removed. Every business dashboard and alert is blind.',
      },
      {
        alert: 'BlackboxProbesAbsent',
        // The blackbox exporter down or its targets gone: SiteDown cannot fire without probe results.
        expr: `absent_over_time(${sel('probe_success', { job: SELECTORS.blackboxJob })}[5m])`,
        for: '5m',
        severity: 'page',
        team: 'sre',
        feed: 'self',
        summary: 'No blackbox probe results for 10 minutes.',
        description:
          'No probe_success{job="{{ $labels.job }}"} sample for 10 minutes ({{ $value }}): the blackbox exporter is down or has no targets, so an outage of the site would raise nothing.',
      },
      {
        alert: 'CollectorStaleFeedsPages',
        expr: `min without (${SELECTORS.replicaLabels.join(', ')}) (${sel(M.collectorStale.name, { job: SELECTORS.exporterJob, collector: `~${feeding.join('|')}` })}) == 1`,
        for: '5m',
        severity: 'page',
        team: 'sre',
        feed: 'self',
        summary: 'Collector {{ $labels.collector }} is stale: pages fed by it cannot fire.',
        description: `Every replica dropped the series of the {{ $labels.collector }} collector ({{ $value }}) because its last success is older than max_staleness; alerts that page on its data are blind until it recovers. Collectors that feed pages: ${feeding.join(', ')}.`,
      },
      {
        alert: 'PrometheusRuleEvaluationFailures',
        expr: `sum by (instance, rule_group) (increase(${prom('prometheus_rule_evaluation_failures_total')}[5m])) > 0`,
        for: '15m',
        severity: 'page',
        team: 'sre',
        feed: 'self',
        summary: 'Prometheus {{ $labels.instance }} fails to evaluate rules of {{ $labels.rule_group }}.',
        description:
          '{{ $value | printf "%.0f" }} rule evaluations failed in the last 5 minutes, for 15 minutes: the alerts of that group are silently not evaluated.',
      },
      {
        alert: 'PrometheusNotificationsFailing',
        expr:
          `sum by (instance) (increase(${prom('prometheus_notifications_errors_total')}[15m]))\n/\nsum by (instance) (increase(${prom('prometheus_notifications_sent_total')}[15m])) > ${num(ALERT.notificationErrorRatio)}` +
          `\nand\nsum by (instance) (increase(${prom('prometheus_notifications_errors_total')}[15m])) >= ${ALERT.notificationMinErrors}`,
        for: '15m',
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'Prometheus {{ $labels.instance }} fails to send {{ $value | humanizePercentage }} of its alerts to Alertmanager.',
        description: `{{ $value | humanizePercentage }} of the alerts Prometheus {{ $labels.instance }} sent in 15 minutes failed (ticket above ${num(ALERT.notificationErrorRatio * 100)} % with ${ALERT.notificationMinErrors} failures up): alerts may reach nobody.`,
      },
      {
        alert: 'PrometheusConfigReloadFailed',
        expr: `max_over_time(${prom('prometheus_config_last_reload_successful')}[5m]) == 0`,
        for: '10m',
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'Prometheus {{ $labels.instance }} failed to reload its configuration.',
        description:
          'The last configuration reload of Prometheus {{ $labels.instance }} failed ({{ $value }}): it runs the previous rules and targets, and will not start again with this config.',
      },
      {
        alert: 'AlertmanagerConfigReloadFailed',
        expr: `max_over_time(${am('alertmanager_config_last_reload_successful')}[5m]) == 0`,
        for: '10m',
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'Alertmanager {{ $labels.instance }} failed to reload its configuration.',
        description:
          'The last configuration reload of Alertmanager {{ $labels.instance }} failed ({{ $value }}): it routes with the previous configuration.',
      },
      {
        alert: 'AlertmanagerNotificationsFailing',
        expr:
          `sum by (instance, integration) (increase(${am('alertmanager_notifications_failed_total')}[15m]))\n/\nsum by (instance, integration) (increase(${am('alertmanager_notifications_total')}[15m])) > ${num(ALERT.notificationErrorRatio)}` +
          `\nand\nsum by (instance, integration) (increase(${am('alertmanager_notifications_failed_total')}[15m])) >= ${ALERT.notificationMinErrors}`,
        for: '5m',
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary:
          'Alertmanager {{ $labels.instance }} fails {{ $value | humanizePercentage }} of its {{ $labels.integration }} notifications.',
        description: `{{ $value | humanizePercentage }} of {{ $labels.integration }} notifications failed in 15 minutes (ticket above ${num(ALERT.notificationErrorRatio * 100)} % with ${ALERT.notificationMinErrors} failures up): check the receiver's endpoint and secret files. Tickets go by email and chat, so one failing integration still reaches you.`,
      },
      {
        alert: 'ReportDeliveryFailing',
        expr: `sum by (report) (increase(${sel(M.reportFailuresTotal.name)}[2h])) >= ${ALERT.reportMinFailures2h}`,
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'The {{ $labels.report }} report fails to render or deliver.',
        description: `{{ $value | printf "%.0f" }} attempts to render or send the {{ $labels.report }} report failed in the last 2 hours (ticket from ${ALERT.reportMinFailures2h}); the period stays pending and is retried, so management has not received it yet.`,
      },
    ],
  };
}
