/**
 * Exposes the MetricStore through prom-client, which does the text and OpenMetrics formatting.
 * Two registries (one per format) each hold their own thin wrapper objects: prom-client renames
 * counters in place when rendering OpenMetrics, so the same object cannot serve both.
 */
import client, { Registry, type OpenMetricsContentType } from 'prom-client';
import type { MetricDef } from '../catalogue';
import type { MetricStore } from './store';
import { isHistogramSample } from '../collectors/types';

interface PromValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A prom-client compatible metric whose values come from the snapshot store. */
class SnapshotMetric {
  readonly aggregator = 'sum';
  name: string;
  readonly help: string;
  readonly type: string;

  constructor(
    private readonly def: MetricDef,
    private readonly store: MetricStore,
  ) {
    this.name = def.name;
    this.help = def.help;
    this.type = def.type;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: PromValue[] } {
    const values: PromValue[] = [];
    const base = this.def.name;
    for (const s of this.store.samplesFor(base)) {
      const labels = s.labels;
      if (isHistogramSample(s)) {
        const bounds = this.def.buckets ?? [];
        bounds.forEach((le, i) => values.push({ labels: { ...labels, le }, value: s.buckets[i] ?? 0, metricName: `${base}_bucket` }));
        values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${base}_bucket` });
        values.push({ labels, value: s.sum, metricName: `${base}_sum` });
        values.push({ labels, value: s.count, metricName: `${base}_count` });
      } else {
        values.push({ labels, value: s.value });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

export interface Registries {
  text: Registry;
  openMetrics: Registry;
}

/** Builds both registries over `defs` (catalogue plus custom metrics) and the default process metrics. */
export function createRegistries(defs: readonly MetricDef[], store: MetricStore, staticLabels: Record<string, string>): Registries {
  const text = new Registry();
  const openMetrics = new Registry();
  (openMetrics as unknown as Registry<OpenMetricsContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const reg of [text, openMetrics]) {
    for (const def of defs) reg.registerMetric(new SnapshotMetric(def, store) as unknown as client.Metric);
    client.collectDefaultMetrics({ register: reg as Registry });
    if (Object.keys(staticLabels).length) reg.setDefaultLabels(staticLabels);
  }
  return { text, openMetrics };
}
