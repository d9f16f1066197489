/**
 * alerting/alertmanager.ts's routing as an AlertmanagerConfig (monitoring.coreos.com/v1alpha1):
 * converted field by field from the generated alertmanager.yml object, never rewritten by hand, so
 * routes, receivers, inhibitions and time intervals follow alerting/ after every change there.
 * Credentials become Secret references; templates come from the chart values (README).
 */
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import { alertmanagerConfig, DEFAULT_OPTIONS, SECRET_FILES, type AlertmanagerOptions } from '../../../alerting/alertmanager';
import { LABELS, NAME } from './common';

export const ALERTING_SECRET_NAME = `${NAME}-alerting`;
/** Keys of that Secret: the same names as the secret files of provisioning/alertmanager. */
export const CHAT_WEBHOOK_KEY = SECRET_FILES.chatWebhookUrl;
export const routingKeyKey = (team: string) => SECRET_FILES.routingKey(team as Parameters<typeof SECRET_FILES.routingKey>[0]);

type MatchType = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  name: string;
  value: string;
  matchType: MatchType;
}

/** `name="value"`, `name=~"a|b"` … (the only matcher syntax alerting/ writes) to the operator's form. */
export function parseMatcher(m: string): Matcher {
  const r = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"$/.exec(m);
  if (!r) throw new Error(`AlertmanagerConfig: cannot convert matcher ${JSON.stringify(m)} (expected name<op>"value")`);
  return { name: r[1]!, matchType: r[2] as MatchType, value: r[3]!.replace(/\\(.)/g, '$1') };
}

interface NativeRoute {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  active_time_intervals?: string[];
  routes?: NativeRoute[];
}
interface Native {
  global: { smtp_smarthost: string; smtp_from: string; smtp_require_tls: boolean };
  route: NativeRoute;
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal?: string[] }[];
  receivers: Record<string, unknown>[];
  time_intervals?: {
    name: string;
    time_intervals: { weekdays: string[]; times: { start_time: string; end_time: string }[]; location: string }[];
  }[];
}

function route(r: NativeRoute): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.receiver !== undefined) out.receiver = r.receiver;
  if (r.matchers) out.matchers = r.matchers.map(parseMatcher);
  if (r.group_by) out.groupBy = r.group_by;
  if (r.group_wait) out.groupWait = r.group_wait;
  if (r.group_interval) out.groupInterval = r.group_interval;
  if (r.repeat_interval) out.repeatInterval = r.repeat_interval;
  if (r.active_time_intervals) out.activeTimeIntervals = r.active_time_intervals;
  if (r.routes) out.routes = r.routes.map(route);
  return out;
}

const keyValues = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));

function teamOfRoutingKey(o: AlertmanagerOptions, key: string): string {
  const team = Object.entries(o.routingKeys).find(([, v]) => v === key)?.[0];
  if (!team) throw new Error('AlertmanagerConfig: a pagerduty receiver uses a routing key that belongs to no team');
  return team;
}

/** Field by field: an unknown field fails generation rather than vanishing from the cluster's config. */
function receiver(native: Native, o: AlertmanagerOptions, r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: r.name };
  for (const [field, value] of Object.entries(r)) {
    if (field === 'name') continue;
    const configs = value as Record<string, unknown>[];
    if (field === 'pagerduty_configs') {
      out.pagerdutyConfigs = configs.map(({ routing_key, url, send_resolved, severity, description, client, details, ...rest }) => {
        assertEmpty(rest, field);
        return {
          routingKey: { name: ALERTING_SECRET_NAME, key: routingKeyKey(teamOfRoutingKey(o, routing_key as string)) },
          url,
          sendResolved: send_resolved,
          severity,
          description,
          client,
          details: keyValues(details as Record<string, string>),
        };
      });
    } else if (field === 'email_configs') {
      out.emailConfigs = configs.map(({ to, send_resolved, headers, text, ...rest }) => {
        assertEmpty(rest, field);
        // AlertmanagerConfig has no global section: the SMTP settings go on every email receiver.
        return {
          to,
          from: native.global.smtp_from,
          smarthost: native.global.smtp_smarthost,
          requireTLS: native.global.smtp_require_tls,
          authUsername: o.smtp.username,
          authPassword: { name: ALERTING_SECRET_NAME, key: SECRET_FILES.smtpPassword },
          sendResolved: send_resolved,
          headers: keyValues(headers as Record<string, string>),
          text,
        };
      });
    } else if (field === 'slack_configs') {
      out.slackConfigs = configs.map(({ api_url, channel, send_resolved, title, title_link, text, ...rest }) => {
        assertEmpty(rest, field);
        if (api_url !== o.chatWebhookUrl) throw new Error('AlertmanagerConfig: a slack receiver uses an unknown webhook URL');
        return {
          apiURL: { name: ALERTING_SECRET_NAME, key: CHAT_WEBHOOK_KEY },
          channel,
          sendResolved: send_resolved,
          title,
          titleLink: title_link,
          text,
        };
      });
    } else if (field === 'webhook_configs') {
      out.webhookConfigs = configs.map(({ url, send_resolved, ...rest }) => {
        assertEmpty(rest, field);
        // The dead-man's switch: its token from the Secret, as the file-based config reads it from a file.
        const credentials = { name: ALERTING_SECRET_NAME, key: SECRET_FILES.deadMansSwitchToken };
        return { url, sendResolved: send_resolved, httpConfig: { authorization: { credentials } } };
      });
    } else {
      throw new Error(`AlertmanagerConfig: receiver field ${field} has no conversion`);
    }
  }
  return out;
}

function assertEmpty(rest: Record<string, unknown>, field: string): void {
  const keys = Object.keys(rest);
  if (keys.length) throw new Error(`AlertmanagerConfig: ${field}.${keys.join(', ')} has no conversion`);
}

export function alertmanagerConfigObject(options: Partial<AlertmanagerOptions> = {}): AlertmanagerConfig {
  const o = { ...DEFAULT_OPTIONS, ...options };
  // Secrets inline here only to be recognised and replaced by Secret references below.
  const native = alertmanagerConfig({ ...o, secretsDir: null }) as Native;
  for (const t of native.time_intervals ?? []) {
    for (const ti of t.time_intervals) {
      // v1alpha1 time intervals carry no location; Alertmanager then evaluates them in UTC.
      if (ti.location !== 'UTC') throw new Error(`AlertmanagerConfig: time interval ${t.name} is in ${ti.location}; only UTC converts`);
    }
  }
  return new AlertmanagerConfig({
    metadata: { name: NAME, labels: { ...LABELS, alertmanagerConfig: NAME } },
    spec: {
      route: route(native.route),
      receivers: native.receivers.map((r) => receiver(native, o, r)) as never,
      inhibitRules: native.inhibit_rules.map((i) => ({
        sourceMatch: i.source_matchers.map(parseMatcher),
        targetMatch: i.target_matchers.map(parseMatcher),
        ...(i.equal ? { equal: i.equal } : {}),
      })),
      muteTimeIntervals: (native.time_intervals ?? []).map((t) => ({
        name: t.name,
        timeIntervals: t.time_intervals.map((ti) => ({
          weekdays: ti.weekdays,
          times: ti.times.map((x) => ({ startTime: x.start_time, endTime: x.end_time })),
        })),
      })),
    },
  });
}
