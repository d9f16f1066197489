/**
 * Renders rule groups to Prometheus rule YAML. `stampRunbooks` is the one step that gives every
 * alert its runbook_url; rendering goes through it, so no rule can ship without one.
 */
import YAML from 'yaml';
import { RUNBOOK_BASE_URL } from '../shared/conventions';
import { isAlert, type AlertRule, type RuleGroup } from './model';

export function runbookUrl(alert: string): string {
  return `${RUNBOOK_BASE_URL}/${alert}.md`;
}

/** Prometheus rule objects, as promtool and Prometheus read them. */
export interface PromRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function alertToProm(r: AlertRule): PromRule {
  return {
    alert: r.alert,
    expr: r.expr,
    ...(r.for ? { for: r.for } : {}),
    ...(r.keepFiringFor ? { keep_firing_for: r.keepFiringFor } : {}),
    labels: { severity: r.severity, team: r.team, feed: r.feed, ...(r.labels ?? {}) },
    annotations: { summary: r.summary, description: r.description },
  };
}

export function stampRunbooks(rules: PromRule[]): PromRule[] {
  return rules.map((r) => (r.alert ? { ...r, annotations: { ...r.annotations, runbook_url: runbookUrl(r.alert) } } : r));
}

export function promRules(group: RuleGroup): PromRule[] {
  return stampRunbooks(
    group.rules.map((r) => (isAlert(r) ? alertToProm(r) : { record: r.record, expr: r.expr, ...(r.labels ? { labels: r.labels } : {}) })),
  );
}

export function renderGroup(group: RuleGroup): string {
  const doc = { groups: [{ name: group.name, ...(group.interval ? { interval: group.interval } : {}), rules: promRules(group) }] };
  return YAML.stringify(doc, { lineWidth: 0 });
}

/** Names of every alert, deduplicated (one alert name may carry a page and a ticket rule). */
export function alertNames(groups: RuleGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => g.rules.filter(isAlert).map((r) => r.alert)))];
}
