/**
 * The metric catalogue: every metric the product publishes, declared once. Import names from here
 * (e.g. `M.ordersTotal.name`); never type a metric name as a string elsewhere.
 */
import * as engagement from './engagement';
import * as orders from './orders';
import * as payments from './payments';
import * as sellers from './sellers';
import * as satisfaction from './satisfaction';
import * as reliability from './reliability';
import * as security from './security';
import * as exporter from './exporter';
import * as reports from './reports';
import type { MetricDef } from './types';
import type { Producer } from '../collectors';

export * from './types';
export { PAYMENT_STATUSES, CUSTOMER_DECLINE_CODES } from './payments';
export { SELLER_SEGMENTS } from './sellers';
export { BUG_SEVERITIES } from './satisfaction';
export { INCIDENT_SEVERITIES, HTTP_STATUS_CLASSES } from './reliability';
export { LOGIN_FAILURE_REASONS, AUDIT_ACTIONS } from './security';
export { ERROR_KINDS, type ErrorKind } from './exporter';

function defsOf<T extends object>(mod: T) {
  // biome-ignore lint/suspicious/noExplicitAny: matches a MetricDef of any label names (MetricDef<string> would not).
  const out = {} as { [K in keyof T as T[K] extends MetricDef<any> ? K : never]: T[K] };
  for (const [k, v] of Object.entries(mod)) {
    if (v && typeof v === 'object' && 'name' in v && 'type' in v) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Every catalogue metric by its camelCase key: `M.gmvTotal.name === 'marketplace_gmv_total'`. */
export const M = {
  ...defsOf(engagement),
  ...defsOf(orders),
  ...defsOf(payments),
  ...defsOf(sellers),
  ...defsOf(satisfaction),
  ...defsOf(reliability),
  ...defsOf(security),
  ...defsOf(exporter),
  ...defsOf(reports),
};

export type MetricKey = keyof typeof M;

export const catalogue: readonly MetricDef[] = Object.values(M) as MetricDef[];

const byName = new Map(catalogue.map((m) => [m.name, m]));

export function metricByName(name: string): MetricDef | undefined {
  return byName.get(name);
}

export function collectorsOf(def: MetricDef): readonly Producer[] {
  return typeof def.collector === 'string' ? [def.collector] : def.collector;
}

/**
 * Series names a metric exposes in the Prometheus text format (histograms expose three).
 * Dashboards and rules are checked against this set.
 */
export function exposedSeriesNames(def: MetricDef): string[] {
  return def.type === 'histogram' ? [`${def.name}_bucket`, `${def.name}_sum`, `${def.name}_count`] : [def.name];
}
