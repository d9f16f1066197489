/**
 * Alertmanager configuration as code: routing by severity then team, PagerDuty-compatible paging,
 * email + chat tickets around the clock, a dead-man's switch, inhibition, readable templates. Every
 * address is an option so a deployment (or a test) renders its own; secrets are read from files.
 */
import YAML from 'yaml';
import type { Team } from './model';
import { WATCHDOG } from './rules/monitoring';

export const TEAMS: readonly Team[] = ['sre', 'payments', 'growth', 'security'];

export interface AlertmanagerOptions {
  /** PagerDuty Events API v2 endpoint, or any service speaking its shape. */
  pagerUrl: string;
  routingKeys: Record<Team, string>;
  /** Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat). */
  chatWebhookUrl: string;
  chatChannels: Record<Team, string>;
  emails: Record<Team, string>;
  smtp: { smarthost: string; from: string; requireTls: boolean; username: string };
  /** Dead-man's switch (Healthchecks, Dead Man's Snitch, PagerDuty heartbeat…): pages when the Watchdog stops arriving. */
  deadMansSwitchUrl: string;
  /**
   * Directory of secret files (routing keys, chat webhook URL, SMTP password, dead-man's-switch
   * token), referenced with Alertmanager's `*_file` fields so no secret sits in the config. `null`
   * inlines `routingKeys` and `chatWebhookUrl` instead (tests against local fakes).
   */
  secretsDir: string | null;
  /** Template glob, relative to alertmanager.yml. */
  templates: string;
  /** Notification pacing; tests shorten it. */
  timing: { groupWait: string; groupInterval: string; repeatInterval: string; pageGroupWait: string; pageRepeatInterval: string };
}

export const DEFAULT_OPTIONS: AlertmanagerOptions = {
  pagerUrl: 'https://events.pagerduty.com/v2/enqueue',
  routingKeys: {
    sre: 'REPLACE_WITH_SRE_ROUTING_KEY',
    payments: 'REPLACE_WITH_PAYMENTS_ROUTING_KEY',
    growth: 'REPLACE_WITH_GROWTH_ROUTING_KEY',
    security: 'REPLACE_WITH_SECURITY_ROUTING_KEY',
  },
  chatWebhookUrl: 'https://chat.example.com/hooks/REPLACE_ME',
  chatChannels: { sre: '#sre-alerts', payments: '#payments-alerts', growth: '#growth-alerts', security: '#security-alerts' },
  emails: { sre: 'sre@example.com', payments: 'payments@example.com', growth: 'growth@example.com', security: 'security@example.com' },
  smtp: { smarthost: 'smtp.example.com:587', from: 'marketplace-pulse@example.com', requireTls: true, username: 'marketplace-pulse' },
  deadMansSwitchUrl: 'https://hc-ping.example.com/marketplace-pulse',
  secretsDir: '/etc/alertmanager/secrets',
  templates: 'templates/*.tmpl',
  timing: { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h', pageGroupWait: '10s', pageRepeatInterval: '1h' },
};

/** Secret file names under `secretsDir`, documented in README. */
export const SECRET_FILES = {
  routingKey: (t: Team) => `pagerduty-routing-key-${t}`,
  chatWebhookUrl: 'chat-webhook-url',
  smtpPassword: 'smtp-password',
  deadMansSwitchToken: 'deadmansswitch-token',
} as const;

export const DEAD_MANS_SWITCH_RECEIVER = 'deadmansswitch';
export const pageReceiver = (t: Team) => `page-${t}`;
export const ticketReceiver = (t: Team) => `ticket-${t}`;
export const INFO_RECEIVER = 'info-chat';

/** Alerts whose numbers come from the exporter; their feed label says from which part. */
export const INHIBITIONS = [
  { source: 'ExporterTargetDown', targetFeeds: ['exporter_db', 'exporter_api'] },
  { source: 'ExporterAbsent', targetFeeds: ['exporter_db', 'exporter_api'] },
  { source: 'DatabaseUnreachable', targetFeeds: ['exporter_db'] },
] as const;

/**
 * Severities from common mixins map onto ours: `critical` pages, `warning` tickets, `none` is info.
 * Third-party rules (node, kubernetes, prometheus mixins) then route without relabelling.
 */
export const SEVERITY_MATCH = { page: 'page|critical', ticket: 'ticket|warning', info: 'info|none' } as const;

const secret = (o: AlertmanagerOptions, file: string) => `${o.secretsDir}/${file}`;

function chat(o: AlertmanagerOptions, team: Team) {
  return {
    ...(o.secretsDir ? { api_url_file: secret(o, SECRET_FILES.chatWebhookUrl) } : { api_url: o.chatWebhookUrl }),
    channel: o.chatChannels[team],
    send_resolved: true,
    title: '{{ template "marketplace.title" . }}',
    title_link: '{{ template "marketplace.runbook" . }}',
    text: '{{ template "marketplace.text" . }}',
  };
}

function receivers(o: AlertmanagerOptions) {
  return [
    ...TEAMS.map((t) => ({
      name: pageReceiver(t),
      pagerduty_configs: [
        {
          ...(o.secretsDir ? { routing_key_file: secret(o, SECRET_FILES.routingKey(t)) } : { routing_key: o.routingKeys[t] }),
          url: o.pagerUrl,
          send_resolved: true,
          severity: 'critical',
          description: '{{ template "marketplace.title" . }}',
          client: 'Marketplace Pulse',
          // Structured labels so the pager (and our tests) need not parse text.
          details: {
            alertname: '{{ .CommonLabels.alertname }}',
            team: '{{ .CommonLabels.team }}',
            severity: '{{ .CommonLabels.severity }}',
            labels: '{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}',
            summary: '{{ .CommonAnnotations.summary }}',
            runbook_url: '{{ template "marketplace.runbook" . }}',
            alerts: '{{ template "marketplace.text" . }}',
          },
        },
      ],
    })),
    ...TEAMS.map((t) => ({
      name: ticketReceiver(t),
      email_configs: [
        {
          to: o.emails[t],
          send_resolved: true,
          headers: { Subject: '{{ template "marketplace.title" . }}' },
          text: '{{ template "marketplace.text" . }}',
        },
      ],
      slack_configs: [chat(o, t)],
    })),
    { name: INFO_RECEIVER, slack_configs: [{ ...chat(o, 'growth'), send_resolved: false }] },
    {
      name: DEAD_MANS_SWITCH_RECEIVER,
      webhook_configs: [
        {
          url: o.deadMansSwitchUrl,
          send_resolved: false,
          ...(o.secretsDir ? { http_config: { authorization: { credentials_file: secret(o, SECRET_FILES.deadMansSwitchToken) } } } : {}),
        },
      ],
    },
  ];
}

function routes(o: AlertmanagerOptions) {
  return [
    {
      // Heartbeat every minute; the switch pages when it stops. Never grouped with anything else.
      receiver: DEAD_MANS_SWITCH_RECEIVER,
      matchers: [`alertname="${WATCHDOG}"`],
      group_by: ['alertname'],
      group_wait: '0s',
      group_interval: '1m',
      repeat_interval: '1m',
    },
    {
      receiver: pageReceiver('sre'),
      matchers: [`severity=~"${SEVERITY_MATCH.page}"`],
      group_wait: o.timing.pageGroupWait,
      repeat_interval: o.timing.pageRepeatInterval,
      routes: TEAMS.map((t) => ({ receiver: pageReceiver(t), matchers: [`team="${t}"`] })),
    },
    {
      // Tickets go out around the clock to email and chat, which page nobody. A time interval
      // would mute them, and Alertmanager does not queue muted notifications: a ticket that fired
      // and resolved overnight would be lost.
      receiver: ticketReceiver('sre'),
      matchers: [`severity=~"${SEVERITY_MATCH.ticket}"`],
      repeat_interval: '1d',
      routes: TEAMS.map((t) => ({ receiver: ticketReceiver(t), matchers: [`team="${t}"`] })),
    },
    // Grouped per alert, sent within group_interval (5m): well inside the hour.
    {
      receiver: INFO_RECEIVER,
      matchers: [`severity=~"${SEVERITY_MATCH.info}"`],
      group_by: ['alertname', 'currency'],
      repeat_interval: '1d',
    },
  ];
}

export function alertmanagerConfig(options: Partial<AlertmanagerOptions> = {}): object {
  const o = { ...DEFAULT_OPTIONS, ...options };
  return {
    global: {
      resolve_timeout: '5m',
      smtp_smarthost: o.smtp.smarthost,
      smtp_from: o.smtp.from,
      smtp_require_tls: o.smtp.requireTls,
      ...(o.secretsDir ? { smtp_auth_username: o.smtp.username, smtp_auth_password_file: secret(o, SECRET_FILES.smtpPassword) } : {}),
    },
    templates: [o.templates],
    route: {
      // Unlabelled or unknown severities still reach a human, as an SRE ticket.
      receiver: ticketReceiver('sre'),
      group_by: ['alertname', 'severity', 'team'],
      group_wait: o.timing.groupWait,
      group_interval: o.timing.groupInterval,
      repeat_interval: o.timing.repeatInterval,
      routes: routes(o),
    },
    inhibit_rules: [
      ...INHIBITIONS.map((i) => ({
        source_matchers: [`alertname="${i.source}"`],
        target_matchers: [`feed=~"${i.targetFeeds.join('|')}"`],
      })),
      // A page already wakes someone: the ticket (or info) for the same problem adds nothing.
      {
        source_matchers: [`severity=~"${SEVERITY_MATCH.page}"`],
        target_matchers: [`severity=~"${SEVERITY_MATCH.ticket}|${SEVERITY_MATCH.info}"`],
        equal: ['alertname', 'slo', 'instance', 'provider'],
      },
    ],
    receivers: receivers(o),
  };
}

export function renderAlertmanager(options: Partial<AlertmanagerOptions> = {}): string {
  return YAML.stringify(alertmanagerConfig(options), { lineWidth: 0 });
}

/** Notification templates: one title line, then per alert its summary, description, labels, runbook. */
export const NOTIFICATION_TEMPLATES = `{{ define "marketplace.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }}, team {{ .CommonLabels.team }})
{{- end }}

{{ define "marketplace.runbook" }}{{ (index .Alerts 0).Annotations.runbook_url }}{{ end }}

{{ define "marketplace.alert" -}}
{{ if eq .Status "firing" }}FIRING{{ else }}RESOLVED{{ end }}: {{ .Annotations.summary }}
{{ .Annotations.description }}
Labels: {{ range .Labels.SortedPairs }}{{ if not (match "^(alertname|severity|team|feed)$" .Name) }}{{ .Name }}={{ .Value }} {{ end }}{{ end }}
Since: {{ .StartsAt.Format "2006-01-02 15:04 MST" }}{{ if eq .Status "resolved" }} until {{ .EndsAt.Format "2006-01-02 15:04 MST" }}{{ end }}
Runbook: {{ .Annotations.runbook_url }}
{{- end }}

{{ define "marketplace.text" -}}
{{ range .Alerts.Firing }}{{ template "marketplace.alert" . }}

{{ end }}{{ range .Alerts.Resolved }}{{ template "marketplace.alert" . }}

{{ end }}
{{- end }}
`;
