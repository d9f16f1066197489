/**
 * The shape of our Prometheus rules, as TypeScript. Rule files are rendered from these (see
 * generate.ts); promtool tests and the Alertmanager routing tree depend on the same types.
 */

export type Severity = 'page' | 'ticket' | 'info';
export type Team = 'sre' | 'payments' | 'growth' | 'security';

/**
 * Which exporter data an alert is computed from. Alertmanager uses it for inhibition: when the
 * exporter or its database is unreachable, alerts fed by that data are silenced instead of
 * misfiring on frozen or missing numbers.
 */
export type Feed = 'exporter_db' | 'exporter_api' | 'blackbox' | 'self';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertRule {
  alert: string;
  expr: string;
  /** Prometheus duration, e.g. '5m'. */
  for?: string;
  /** Keeps the alert firing this long after the condition clears, so a flapping signal does not resolve and re-page. */
  keepFiringFor?: string;
  severity: Severity;
  team: Team;
  feed: Feed;
  /** Extra static labels (beyond severity, team, feed). */
  labels?: Record<string, string>;
  summary: string;
  description: string;
}

export interface RuleGroup {
  /** File stem under provisioning/prometheus/rules/ and alerting/rules/. */
  file: string;
  name: string;
  interval?: string;
  rules: Array<RecordingRule | AlertRule>;
}

export function isAlert(r: RecordingRule | AlertRule): r is AlertRule {
  return 'alert' in r;
}

/** Rounds away binary noise (14.4 * 0.005 = 0.07200000000000001) so rules read as written. */
export function num(n: number): string {
  return String(Number(n.toPrecision(10)));
}
