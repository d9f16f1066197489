/**
 * PromQL building blocks for dashboards. Exporter series always go through `collapse` first: two
 * exporter replicas publish identical numbers, so replicas are merged with max before anything is
 * summed across labels (a second replica must never double a number).
 */
import { SELECTORS } from '../../shared/conventions';

/** Label matchers; a value starting with `~` is a regex match. Dashboard variables are regex (`.*` = All). */
export type Matchers = Record<string, string>;

const REPLICAS = SELECTORS.replicaLabels.join(', ');

/** Grafana's range of the time picker and its rate interval (substituted by the e2e test). */
export const RANGE = '$__range';
export const RATE = '$__rate_interval';

/** Template variables: every dashboard defines them with All = `.*`. */
export const VAR = { currency: '~$currency', provider: '~$provider', platform: '~$platform' } as const;

export function sel(name: string, matchers: Matchers = {}): string {
  const parts = Object.entries(matchers).map(([k, v]) => (v.startsWith('~') ? `${k}=~"${v.slice(1)}"` : `${k}="${v}"`));
  return parts.length ? `${name}{${parts.join(', ')}}` : name;
}

export function collapse(expr: string): string {
  return `max without (${REPLICAS}) (${expr})`;
}

function withOffset(offset?: string): string {
  return offset ? ` offset ${offset}` : '';
}

/** Counter increase over a window, replicas merged (increase inside the max: counters reset per replica). */
export function increaseOf(name: string, matchers: Matchers, window: string, offset?: string): string {
  return collapse(`increase(${sel(name, matchers)}[${window}]${withOffset(offset)})`);
}

/** Counter per-second rate, replicas merged. */
export function rateOf(name: string, matchers: Matchers, window: string = RATE, offset?: string): string {
  return collapse(`rate(${sel(name, matchers)}[${window}]${withOffset(offset)})`);
}

/** A gauge, replicas merged. */
export function gaugeOf(name: string, matchers: Matchers = {}, offset?: string): string {
  return collapse(`${sel(name, matchers)}${withOffset(offset)}`);
}

export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length ? `sum by (${labels.join(', ')}) (${expr})` : `sum(${expr})`;
}

/** Relative change of `now` against `before` (0.1 = +10 %); empty when the earlier value is 0. */
export function delta(now: string, before: string): string {
  return `(${now}) / (${before} > 0) - 1`;
}

/** Quantile of a catalogue histogram from its `_bucket` series, replicas merged before summing. */
export function quantileOf(q: number, bucketSeries: string, matchers: Matchers = {}, window: string = RATE, by: readonly string[] = []): string {
  return `histogram_quantile(${q}, ${sumBy(['le', ...by], rateOf(bucketSeries, matchers, window))})`;
}
