/**
 * The PromQL builder used by alert rules, recording rules and dashboards. Every exporter series goes
 * through `collapse` first: two exporter replicas publish identical numbers, so replicas are merged
 * with max before anything is summed across labels (a second replica must never double a number).
 */
import { SELECTORS } from './conventions';

export type Matchers = Record<string, string>;

const REPLICAS = SELECTORS.replicaLabels.join(', ');

/** `name{a="b",c=~"d|e"}`; a value starting with `~` is a regex match, `!` a negative match. */
export function sel(name: string, matchers: Matchers = {}): string {
  const parts = Object.entries(matchers).map(([k, v]) => {
    if (v.startsWith('~')) return `${k}=~"${v.slice(1)}"`;
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
 * Recording rules for "this hour against the hourly average of the last day", and the condition
 * that compares them (a factor above baseline and a minimum count, so 1 → 4 is not a spike).
 * The alert's value is the count in the last hour.
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
}): { rules: { record: string; expr: string }[]; expr: string } {
  const now = `${opts.level}:${opts.stem}:increase${opts.window}`;
  const base = `${opts.level}:${opts.stem}:avg_increase${opts.window}_1d`;
  return {
    rules: [
      { record: now, expr: sumBy(opts.by, increaseOf(opts.metric, opts.matchers, opts.window)) },
      { record: base, expr: `${sumBy(opts.by, increaseOf(opts.metric, opts.matchers, '1d'))} / ${opts.perDay}` },
    ],
    expr: `${now} > ${opts.factor} * ${base}\nand\n${now} >= ${opts.min}`,
  };
}
