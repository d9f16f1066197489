/**
 * The PromQL builder used by alert rules, recording rules and dashboards. Every exporter series goes
 * through `collapse` first: two exporter replicas publish identical numbers, so replicas are merged
 * with max before anything is summed across labels (a second replica must never double a number).
 */
import { SELECTORS } from './conventions';

export type Matchers = Record<string, string>;

const REPLICAS = SELECTORS.replicaLabels.join(', ');

/** `name{a="b",c=~"d|e"}`; a value starting with `~` is a regex match, `!~` a negative regex, `!` a negative match. */
export function sel(name: string, matchers: Matchers = {}): string {
  const parts = Object.entries(matchers).map(([k, v]) => {
    if (v.startsWith('~')) return `${k}=~"${v.slice(1)}"`;
    if (v.startsWith('!~')) return `${k}!~"${v.slice(2)}"`;
    if (v.startsWith('!')) return `${k}!="${v.slice(1)}"`;
    return `${k}="${v}"`;
  });
  return parts.length ? `${name}{${parts.join(', ')}}` : name;
}

/** Merges exporter replicas: `max without (instance, pod) (expr)`. */
export function collapse(expr: string): string {
  return `max without (${REPLICAS}) (${expr})`;
}

/** Per-second rate of a counter, replicas merged (rate inside the max, as counters reset per replica). */
export function rateOf(name: string, matchers: Matchers, window: string, offset?: string): string {
  return collapse(`rate(${sel(name, matchers)}[${window}]${offset ? ` offset ${offset}` : ''})`);
}

/** Increase of a counter over a window, replicas merged. */
export function increaseOf(name: string, matchers: Matchers, window: string, offset?: string): string {
  return collapse(`increase(${sel(name, matchers)}[${window}]${offset ? ` offset ${offset}` : ''})`);
}

/** A gauge, replicas merged. */
export function gaugeOf(name: string, matchers: Matchers = {}, offset?: string): string {
  return collapse(`${sel(name, matchers)}${offset ? ` offset ${offset}` : ''}`);
}

/** `sum by (labels) (expr)`; no labels sums everything. */
export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length ? `sum by (${labels.join(', ')}) (${expr})` : `sum(${expr})`;
}

/** Relative change of `now` against `before` (0.1 = +10 %); empty when the earlier value is 0. */
export function delta(now: string, before: string): string {
  return `(${now}) / (${before} > 0) - 1`;
}

/** Quantile of a catalogue histogram from its `_bucket` series, replicas merged before summing. */
export function quantileOf(q: number, bucketSeries: string, matchers: Matchers, window: string, by: readonly string[] = []): string {
  return `histogram_quantile(${q}, ${sumBy(['le', ...by], rateOf(bucketSeries, matchers, window))})`;
}

/**
 * A histogram bucket's `le` value as a regex matching both spellings: Prometheus 3 normalises
 * `le="2"` to `le="2.0"` on ingestion, Prometheus 2 keeps what the exporter wrote.
 */
export function leMatcher(le: number): string {
  const plain = String(le);
  return Number.isInteger(le) ? `~${plain}|${plain}\\\\.0` : `~${plain.replace('.', '\\\\.')}`;
}

/**
 * Recording rules for "this window against a baseline that excludes it", and the condition that
 * compares them. The baseline is the larger of the same window last week and last week's average
 * window of that day, so a spike that lasts hours is still compared with normal traffic (a baseline
 * over the last day would absorb the spike and resolve the alert while the attack goes on). Without
 * a week of history it falls back to the day before the current window. `min` is the floor: a
 * jump from 1 to 4 is not a spike. The alert's value is the count in the current window.
 */
export function spike(opts: {
  level: string;
  /** Recorded name stem, e.g. marketplace_refunds. */
  stem: string;
  metric: string;
  matchers: Matchers;
  by: readonly string[];
  window: string;
  /** How many `window`s fit in a day. */
  perDay: number;
  factor: number;
  min: number;
}): { rules: { record: string; expr: string }[]; expr: string; baseline: string; now: string } {
  const now = `${opts.level}:${opts.stem}:increase${opts.window}`;
  const base = `${opts.level}:${opts.stem}:increase${opts.window}_baseline`;
  const inc = (window: string, offset: string) => sumBy(opts.by, increaseOf(opts.metric, opts.matchers, window, offset));
  const sameWindowLastWeek = inc(opts.window, '1w');
  const lastWeekAverage = `${inc('1d', '1w')} / ${opts.perDay}`;
  const dayBefore = `${inc('1d', opts.window)} / ${opts.perDay}`;
  return {
    now,
    baseline: base,
    rules: [
      { record: now, expr: sumBy(opts.by, increaseOf(opts.metric, opts.matchers, opts.window)) },
      {
        record: base,
        // max(a, b) that keeps whichever side exists; then the fallback.
        expr: `(\n  (${sameWindowLastWeek} > ${lastWeekAverage})\n  or ${lastWeekAverage}\n  or ${sameWindowLastWeek}\n)\nor\n${dayBefore}`,
      },
    ],
    expr: `${now} > ${opts.factor} * ${base}\nand\n${now} >= ${opts.min}`,
  };
}
