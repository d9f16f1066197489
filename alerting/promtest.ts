/**
 * promtool unit tests written in TypeScript, so series names come from the catalogue and the
 * expected runbook_url from the same stamping step as the rules. Rendered to promtool's YAML.
 */
import YAML from 'yaml';
import type { Severity, Team, Feed } from './model';
import { runbookUrl } from './render';

export interface InputSeries {
  series: string;
  /** promtool expanding notation, e.g. '0+10x30'. */
  values: string;
}

export interface ExpectedAlert {
  labels: Record<string, string> & { severity: Severity; team: Team; feed: Feed };
  summary: string;
  description: string;
}

export interface AlertCheck {
  alert: string;
  at: string;
  /** Empty: the alert must stay quiet at `at`. */
  fires: ExpectedAlert[];
}

export interface ValueCheck {
  expr: string;
  at: string;
  samples: Array<{ labels: string; value: number }>;
}

export interface PromTestCase {
  name: string;
  /** Spacing of input samples (promtool `interval`), default 1m. */
  interval?: string;
  series: InputSeries[];
  alerts?: AlertCheck[];
  values?: ValueCheck[];
}

/** `evaluationInterval` is the rule evaluation step: week-long cases use 5m to stay fast. */
export function renderPromTests(ruleFile: string, cases: PromTestCase[], evaluationInterval = '1m'): string {
  const doc = {
    rule_files: [ruleFile],
    evaluation_interval: evaluationInterval,
    tests: cases.map((c) => ({
      name: c.name,
      interval: c.interval ?? '1m',
      input_series: c.series,
      alert_rule_test: (c.alerts ?? []).map((a) => ({
        eval_time: a.at,
        alertname: a.alert,
        exp_alerts: a.fires.map((f) => ({
          exp_labels: f.labels,
          exp_annotations: { summary: f.summary, description: f.description, runbook_url: runbookUrl(a.alert) },
        })),
      })),
      promql_expr_test: (c.values ?? []).map((v) => ({ expr: v.expr, eval_time: v.at, exp_samples: v.samples })),
    })),
  };
  return YAML.stringify(doc, { lineWidth: 0 });
}

/** The same series from two exporter replicas (instance a and b), as an HA deployment publishes it. */
export function replicas(series: string, values: string): InputSeries[] {
  const withInstance = (i: string) => (series.includes('{') ? series.replace('{', `{instance="${i}", `) : `${series}{instance="${i}"}`);
  return [
    { series: withInstance('a'), values },
    { series: withInstance('b'), values },
  ];
}

/** Go's `humanizePercentage` (%.4g of the value × 100), for expected annotations. */
export function pct(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(4))}%`;
}
