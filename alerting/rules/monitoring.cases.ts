/** promtool cases for monitoring.ts. */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { pct, type PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';

const sre = (severity: 'page' | 'ticket' | 'info') => ({ severity, team: 'sre', feed: 'self' }) as const;
const prom = (name: string, extra: Record<string, string> = {}) =>
  sel(name, { job: SELECTORS.prometheusJob, instance: 'prom-a', ...extra });
const am = (name: string, extra: Record<string, string> = {}) => sel(name, { job: SELECTORS.alertmanagerJob, instance: 'am-a', ...extra });
const stale = (collector: string, a: string, b: string) => [
  { series: sel(M.collectorStale.name, { job: SELECTORS.exporterJob, collector, instance: 'a' }), values: a },
  { series: sel(M.collectorStale.name, { job: SELECTORS.exporterJob, collector, instance: 'b' }), values: b },
];

export const monitoringCases: PromTestCase[] = [
  {
    name: 'the Watchdog always fires',
    series: [],
    alerts: [
      {
        alert: 'Watchdog',
        at: '5m',
        fires: [
          {
            labels: sre('info'),
            summary: 'The alerting pipeline is alive.',
            description:
              "Always firing (1): Alertmanager forwards it to the dead-man's switch, which pages when it stops arriving (Prometheus, Alertmanager or the path between them is down).",
          },
        ],
      },
    ],
  },
  {
    // The Watchdog has no quiet case by design; this one shows it carries no condition to silence it.
    name: 'the Watchdog fires even with every target down',
    series: [{ series: sel('up', { job: SELECTORS.exporterJob, instance: 'a' }), values: '0x10' }],
    alerts: [
      {
        alert: 'Watchdog',
        at: '1m',
        fires: [
          {
            labels: sre('info'),
            summary: 'The alerting pipeline is alive.',
            description:
              "Always firing (1): Alertmanager forwards it to the dead-man's switch, which pages when it stops arriving (Prometheus, Alertmanager or the path between them is down).",
          },
        ],
      },
    ],
  },
  {
    name: 'the exporter vanishes from discovery (no up series at all)',
    series: [{ series: sel('up', { job: SELECTORS.exporterJob, instance: 'a' }), values: '1x10' }],
    alerts: [
      { alert: 'ExporterAbsent', at: '5m', fires: [] },
      // Last sample at 10m, stale after 5 more; then 10 minutes of absence.
      { alert: 'ExporterAbsent', at: '22m', fires: [] },
      {
        alert: 'ExporterAbsent',
        at: '27m',
        fires: [
          {
            labels: { ...sre('page'), job: SELECTORS.exporterJob },
            summary: 'Prometheus has no Marketplace Pulse target at all.',
            description:
              'No series up{job="marketplace-pulse"} for 10 minutes (1): the exporter vanished from service discovery or its scrape job was removed. Every business dashboard and alert is blind.',
          },
        ],
      },
    ],
  },
  {
    name: 'blackbox probes stop arriving',
    series: [{ series: sel('probe_success', { job: SELECTORS.blackboxJob, instance: 'https://shop.example.com' }), values: '1x10' }],
    alerts: [
      { alert: 'BlackboxProbesAbsent', at: '10m', fires: [] },
      {
        alert: 'BlackboxProbesAbsent',
        at: '22m',
        fires: [
          {
            labels: { ...sre('page'), job: SELECTORS.blackboxJob },
            summary: 'No blackbox probe results for 10 minutes.',
            description:
              'No probe_success{job="blackbox"} sample for 10 minutes (1): the blackbox exporter is down or has no targets, so an outage of the site would raise nothing.',
          },
        ],
      },
    ],
  },
  {
    name: 'the payments collector is stale on both replicas; a stale one-replica and a non-paging collector are not',
    series: [...stale('payments', '0 1x20', '0 1x20'), ...stale('orders', '1x20', '0x20'), ...stale('reviews', '1x20', '1x20')],
    alerts: [
      {
        alert: 'CollectorStaleFeedsPages',
        at: '10m',
        fires: [
          {
            labels: { ...sre('page'), job: SELECTORS.exporterJob, collector: 'payments' },
            summary: 'Collector payments is stale: pages fed by it cannot fire.',
            description:
              'Every replica dropped the series of the payments collector (1) because its last success is older than max_staleness; alerts that page on its data are blind until it recovers. Collectors that feed pages: audit, incidents, logins, orders, page_views, payments, paypal, stripe.',
          },
        ],
      },
    ],
  },
  {
    name: 'no collector stale: quiet',
    series: stale('payments', '0x20', '0x20'),
    alerts: [{ alert: 'CollectorStaleFeedsPages', at: '10m', fires: [] }],
  },
  {
    name: 'Prometheus fails to evaluate a rule group',
    series: [{ series: prom('prometheus_rule_evaluation_failures_total', { rule_group: 'slo' }), values: '0+1x30' }],
    alerts: [
      { alert: 'PrometheusRuleEvaluationFailures', at: '10m', fires: [] },
      {
        alert: 'PrometheusRuleEvaluationFailures',
        at: '25m',
        fires: [
          {
            labels: { ...sre('page'), instance: 'prom-a', rule_group: 'slo' },
            summary: 'Prometheus prom-a fails to evaluate rules of slo.',
            description:
              '5 rule evaluations failed in the last 5 minutes, for 15 minutes: the alerts of that group are silently not evaluated.',
          },
        ],
      },
    ],
  },
  {
    name: 'rule evaluations succeed: quiet',
    series: [{ series: prom('prometheus_rule_evaluation_failures_total', { rule_group: 'slo' }), values: '3x30' }],
    alerts: [{ alert: 'PrometheusRuleEvaluationFailures', at: '25m', fires: [] }],
  },
  {
    name: 'Prometheus fails to send 10 % of its alerts',
    series: [
      { series: prom('prometheus_notifications_errors_total'), values: '0+1x60' },
      { series: prom('prometheus_notifications_sent_total'), values: '0+10x60' },
    ],
    alerts: [
      {
        alert: 'PrometheusNotificationsFailing',
        at: '40m',
        fires: [
          {
            labels: { ...sre('ticket'), instance: 'prom-a' },
            summary: `Prometheus prom-a fails to send ${pct(0.1)} of its alerts to Alertmanager.`,
            description: `${pct(0.1)} of the alerts Prometheus prom-a sent in 15 minutes failed (ticket above 1 % with 3 failures up): alerts may reach nobody.`,
          },
        ],
      },
    ],
  },
  {
    name: 'two failed sends (a restart of Alertmanager) stay under the volume guard',
    series: [
      { series: prom('prometheus_notifications_errors_total'), values: '0x20 2x40' },
      { series: prom('prometheus_notifications_sent_total'), values: '0+10x60' },
    ],
    alerts: [{ alert: 'PrometheusNotificationsFailing', at: '40m', fires: [] }],
  },
  {
    name: 'Prometheus and Alertmanager config reloads fail',
    series: [
      { series: prom('prometheus_config_last_reload_successful'), values: '1x5 0x30' },
      { series: am('alertmanager_config_last_reload_successful'), values: '1x5 0x30' },
    ],
    alerts: [
      { alert: 'PrometheusConfigReloadFailed', at: '12m', fires: [] },
      {
        alert: 'PrometheusConfigReloadFailed',
        at: '25m',
        fires: [
          {
            labels: { ...sre('ticket'), instance: 'prom-a', job: SELECTORS.prometheusJob },
            summary: 'Prometheus prom-a failed to reload its configuration.',
            description:
              'The last configuration reload of Prometheus prom-a failed (0): it runs the previous rules and targets, and will not start again with this config.',
          },
        ],
      },
      {
        alert: 'AlertmanagerConfigReloadFailed',
        at: '25m',
        fires: [
          {
            labels: { ...sre('ticket'), instance: 'am-a', job: SELECTORS.alertmanagerJob },
            summary: 'Alertmanager am-a failed to reload its configuration.',
            description: 'The last configuration reload of Alertmanager am-a failed (0): it routes with the previous configuration.',
          },
        ],
      },
    ],
  },
  {
    name: 'reloads succeed: quiet',
    series: [
      { series: prom('prometheus_config_last_reload_successful'), values: '1x30' },
      { series: am('alertmanager_config_last_reload_successful'), values: '1x30' },
    ],
    alerts: [
      { alert: 'PrometheusConfigReloadFailed', at: '25m', fires: [] },
      { alert: 'AlertmanagerConfigReloadFailed', at: '25m', fires: [] },
    ],
  },
  {
    name: 'Alertmanager fails every pagerduty notification, email works',
    series: [
      { series: am('alertmanager_notifications_failed_total', { integration: 'pagerduty' }), values: '0+1x30' },
      { series: am('alertmanager_notifications_total', { integration: 'pagerduty' }), values: '0+1x30' },
      { series: am('alertmanager_notifications_failed_total', { integration: 'email' }), values: '0x30' },
      { series: am('alertmanager_notifications_total', { integration: 'email' }), values: '0+1x30' },
    ],
    alerts: [
      {
        alert: 'AlertmanagerNotificationsFailing',
        at: '25m',
        fires: [
          {
            labels: { ...sre('ticket'), instance: 'am-a', integration: 'pagerduty' },
            summary: 'Alertmanager am-a fails 100% of its pagerduty notifications.',
            description:
              "100% of pagerduty notifications failed in 15 minutes (ticket above 1 % with 3 failures up): check the receiver's endpoint and secret files. Tickets go by email and chat, so one failing integration still reaches you.",
          },
        ],
      },
    ],
  },
  {
    name: 'one failed notification among many: quiet',
    series: [
      { series: am('alertmanager_notifications_failed_total', { integration: 'pagerduty' }), values: '0x10 1x20' },
      { series: am('alertmanager_notifications_total', { integration: 'pagerduty' }), values: '0+5x30' },
    ],
    alerts: [{ alert: 'AlertmanagerNotificationsFailing', at: '25m', fires: [] }],
  },
  {
    name: 'the monthly report fails twice in two hours',
    // The report scheduler runs once, not as exporter replicas.
    series: [{ series: sel(M.reportFailuresTotal.name, { report: 'monthly' }), values: '0x30 1x30 2x30' }],
    alerts: [
      { alert: 'ReportDeliveryFailing', at: '45m', fires: [] },
      {
        alert: 'ReportDeliveryFailing',
        at: '80m',
        fires: [
          {
            labels: { ...sre('ticket'), report: 'monthly' },
            summary: 'The monthly report fails to render or deliver.',
            description:
              '2 attempts to render or send the monthly report failed in the last 2 hours (ticket from 2); the period stays pending and is retried, so management has not received it yet.',
          },
        ],
      },
    ],
  },
];
