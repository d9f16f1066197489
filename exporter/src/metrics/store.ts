/**
 * The snapshot every scrape reads. Collectors replace their whole sample set after each successful
 * cycle; a scrape only walks these in-memory maps, so it never touches the database or an API.
 */
import type { MetricDef } from '../../../shared/catalogue';
import type { Sample } from './sample';
import { labelFolder, labelKey } from './labels';
import { isHistogramSample } from './sample';
import type { Config } from '../config/load';

export interface ReplaceResult {
  /** Series dropped per metric because they exceeded the per-metric limit. */
  dropped: Map<string, number>;
}

export class MetricStore {
  /** metric name → owner (collector) → samples */
  private byMetric = new Map<string, Map<string, Sample[]>>();
  private owners = new Map<string, Set<string>>();
  private folders = new Map<string, ReturnType<typeof labelFolder>>();
  /** Bumped on every change, so renderers can cache the exposition between changes. */
  version = 0;

  constructor(
    private config: Config,
    private maxSeriesPerMetric = config.limits.max_series_per_metric,
  ) {}

  /** A reload: later replacements fold and cap with the new settings; published samples stay as they are. */
  reconfigure(config: Config): void {
    this.config = config;
    this.maxSeriesPerMetric = config.limits.max_series_per_metric;
    this.folders.clear();
  }

  private folderFor(def: MetricDef) {
    let f = this.folders.get(def.name);
    if (!f) {
      f = labelFolder(def, this.config);
      this.folders.set(def.name, f);
    }
    return f;
  }

  /**
   * Replaces everything `owner` published. Labels are folded into their allow-lists here as a last
   * line of defence (series that fold together are summed), and each metric is capped.
   */
  replace(owner: string, samples: readonly Sample[], foldLabels = true): ReplaceResult {
    const grouped = new Map<string, Map<string, Sample>>();
    const defs = new Map<string, MetricDef>();
    const dropped = new Map<string, number>();
    for (const s of samples) {
      const labels = foldLabels ? this.folderFor(s.metric)(s.labels) : { ...s.labels };
      let series = grouped.get(s.metric.name);
      if (!series) {
        series = new Map();
        grouped.set(s.metric.name, series);
        defs.set(s.metric.name, s.metric);
      }
      const key = labelKey(labels);
      const prev = series.get(key);
      if (prev) {
        series.set(key, mergeSamples(prev, { ...s, labels }));
      } else if (series.size >= this.maxSeriesPerMetric) {
        dropped.set(s.metric.name, (dropped.get(s.metric.name) ?? 0) + 1);
      } else {
        series.set(key, { ...s, labels });
      }
    }
    this.drop(owner);
    this.version++;
    const names = new Set<string>();
    for (const [name, series] of grouped) {
      names.add(name);
      let owners = this.byMetric.get(name);
      if (!owners) {
        owners = new Map();
        this.byMetric.set(name, owners);
      }
      owners.set(owner, [...series.values()]);
    }
    this.owners.set(owner, names);
    return { dropped };
  }

  /** Removes every series `owner` published (stale or disabled collector). */
  drop(owner: string): void {
    if (!this.owners.has(owner)) return;
    this.version++;
    for (const name of this.owners.get(owner) ?? []) this.byMetric.get(name)?.delete(owner);
    this.owners.delete(owner);
  }

  samplesFor(metricName: string): Sample[] {
    const owners = this.byMetric.get(metricName);
    if (!owners) return [];
    const out: Sample[] = [];
    for (const s of owners.values()) out.push(...s);
    return out;
  }
}

function mergeSamples(a: Sample, b: Sample): Sample {
  if (isHistogramSample(a) && isHistogramSample(b)) {
    return { ...a, buckets: a.buckets.map((v, i) => v + (b.buckets[i] ?? 0)), sum: a.sum + b.sum, count: a.count + b.count };
  }
  if (!isHistogramSample(a) && !isHistogramSample(b)) return { ...a, value: a.value + b.value };
  return a;
}
