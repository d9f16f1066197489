/**
 * The one check that a PromQL expression parses and selects only known series, used for dashboards
 * and rules alike: lezer-promql (the parser of Prometheus' own UI) finds the selected metric names.
 * Build- and test-time only (the parser is a dev dependency); the exporter never imports this.
 */
import { catalogue, exposedSeriesNames } from './catalogue';

/** The part of lezer's syntax tree API used here. */
interface SyntaxNodeRef {
  readonly name: string;
  readonly from: number;
  readonly type: { readonly isError: boolean };
  readonly node: { getChild(name: string): { from: number; to: number } | null };
}
interface PromqlParser {
  parse(input: string): { iterate(spec: { enter: (n: SyntaxNodeRef) => void }): void };
}

// The package is ESM-typed but ships a CommonJS build; require it directly (module Node16).
const { parser } = require('@prometheus-io/lezer-promql') as { parser: PromqlParser };

/** Series that come from Prometheus itself or the blackbox exporter, not from the catalogue. */
export const EXTERNAL_SERIES: readonly RegExp[] = [
  /^probe_/,
  /^up$/,
  /^scrape_duration_seconds$/,
  // Prometheus and Alertmanager self-metrics (alerting/rules/monitoring.ts).
  /^prometheus_(rule_evaluation_failures_total|notifications_errors_total|notifications_sent_total|config_last_reload_successful)$/,
  /^alertmanager_(config_last_reload_successful|notifications_failed_total|notifications_total)$/,
];

const CATALOGUE_SERIES = new Set(catalogue.flatMap(exposedSeriesNames));

/** Position of the first syntax error, or null when the expression parses. */
export function syntaxErrorAt(expr: string): number | null {
  let at: number | null = null;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (at === null && n.type.isError) at = n.from;
    },
  });
  return at;
}

/** Metric names selected by an expression (the Identifier of every VectorSelector). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name !== 'VectorSelector') return;
      const id = n.node.getChild('Identifier');
      if (id) names.add(expr.slice(id.from, id.to));
    },
  });
  return [...names];
}

/** Whether a series name is exposed by the catalogue, recorded by a rule, or declared external. */
export function isKnownSeries(name: string, recorded: ReadonlySet<string>): boolean {
  return CATALOGUE_SERIES.has(name) || recorded.has(name) || EXTERNAL_SERIES.some((re) => re.test(name));
}

/** Names an expression selects that are not known series (empty when all are known). */
export function unknownMetrics(expr: string, recorded: ReadonlySet<string>): string[] {
  return metricNames(expr).filter((n) => !isKnownSeries(n, recorded));
}
