/**
 * The shape of a catalogue entry. Every metric the product publishes is declared once with these
 * types; the exporter registers from them, dashboards/alerts import their names, METRICS.md is
 * generated from them.
 */
import type { Producer } from '../collectors';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * Where a label's allowed values come from. Fixed lists are written here; config-driven lists
 * (currencies, platforms, …) are resolved at start-up from the validated config. Values outside
 * the list fold into `other`, which keeps every label bounded.
 */
export type LabelValues =
  | { kind: 'fixed'; values: readonly string[] }
  | { kind: 'config'; list: AllowListName }
  /** Bounded by the code itself (collector names, provider names): not user data. */
  | { kind: 'internal'; description: string };

export type AllowListName =
  | 'currencies'
  | 'platforms'
  | 'channels'
  | 'event_types'
  | 'categories'
  | 'refund_reasons'
  | 'return_reasons'
  | 'failure_codes'
  | 'profile_fields'
  | 'components';

export type Area =
  | 'users & engagement'
  | 'orders & revenue'
  | 'payments'
  | 'sellers'
  | 'satisfaction'
  | 'reliability'
  | 'security'
  | 'exporter';

export interface MetricDef<L extends string = string> {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Base unit: seconds, ratio, currency (major units, with a currency label), count, score. */
  readonly unit: 'seconds' | 'ratio' | 'currency' | 'count' | 'score' | 'info' | 'timestamp' | 'bytes';
  readonly labels: Readonly<Record<L, LabelValues>>;
  readonly area: Area;
  /** What produces it: collector(s) of exporter/src/collectors/index.ts, the exporter runtime, or reports. */
  readonly collector: Producer | readonly Producer[];
  /** Table(s) or API it is computed from, for the reference. */
  readonly source: string;
  /** Exact business definition, written into METRICS.md next to the metric. */
  readonly definition: string;
  /** Histogram bucket upper bounds (base units). */
  readonly buckets?: readonly number[];
}

export function fixed(...values: string[]): LabelValues {
  return { kind: 'fixed', values };
}

export function fromConfig(list: AllowListName): LabelValues {
  return { kind: 'config', list };
}

export function internal(description: string): LabelValues {
  return { kind: 'internal', description };
}

/** Declares a metric; the generic keeps label names typed at the call sites that set samples. */
export function metric<L extends string>(def: MetricDef<L>): MetricDef<L> {
  return def;
}

export const WINDOWS = ['1d', '7d', '30d'] as const;
export type Window = (typeof WINDOWS)[number];
export const WINDOW_SECONDS: Record<Window, number> = { '1d': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };
