/** Runs collectors the way the scheduler does (read-only transaction, timeout) for tests. */
import type pg from 'pg';
import { parseConfig, type Config } from '../../exporter/src/config/load';
import type { Collector, CollectorFactory } from '../../exporter/src/collectors/types';
import type { Sample } from '../../exporter/src/metrics/sample';
import { isHistogramSample } from '../../exporter/src/metrics/sample';
import { type Db, withReadOnly } from '../../exporter/src/runtime/db';
import { createLogger } from '../../exporter/src/runtime/logger';
import { labelKey } from '../../exporter/src/metrics/labels';

/** `db` passing each statement's result to `seen` before returning it (to count what a cycle read). */
export function observed(db: Db, seen: (sql: string, rows: readonly Record<string, unknown>[]) => void): Db {
  return {
    ...db,
    query: async (sql, params) => {
      const rows = await db.query(sql, params);
      seen(sql, rows);
      return rows;
    },
  } as Db;
}

export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return parseConfig({ collection: { settle_lag: 0 }, ...overrides }, { env: {} });
}

/** One cycle of `collector`; with `lines`, what it logs (info and above) is kept there, else it logs nothing. */
export async function collectOnce(collector: Collector, pool: pg.Pool, config: Config, lines?: string[]): Promise<Sample[]> {
  const log = lines ? createLogger('info', { write: (l: string) => void lines.push(l) }) : createLogger('silent');
  const ctrl = new AbortController();
  return withReadOnly(pool, 30, ctrl.signal, (db) => collector.collect({ db, config, log, signal: ctrl.signal }));
}

export function build(factory: CollectorFactory, config: Config = testConfig()): Collector {
  return factory(config);
}

/** Value of one scalar series, or undefined when absent. Labels must match exactly. */
export function valueOf(samples: Sample[], metricName: string, labels: Record<string, string> = {}): number | undefined {
  const key = labelKey(labels);
  const s = samples.find((x) => x.metric.name === metricName && labelKey(x.labels) === key);
  if (!s) return undefined;
  if (isHistogramSample(s)) throw new Error(`${metricName} is a histogram: use histogramOf`);
  return s.value;
}

export function histogramOf(samples: Sample[], metricName: string, labels: Record<string, string> = {}) {
  const key = labelKey(labels);
  const s = samples.find((x) => x.metric.name === metricName && labelKey(x.labels) === key);
  if (!s) return undefined;
  if (!isHistogramSample(s)) throw new Error(`${metricName} is not a histogram`);
  return s;
}

/** `k=v,k=v` with sorted keys, the key `seriesOf` uses: readable in expectations (fixture label values hold no `,` or `=`). */
export const seriesKey = (labels: Readonly<Record<string, string>>) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');

/** All series of a metric as `k=v,… → value`, for whole-family comparisons. */
export function seriesOf(samples: Sample[], metricName: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (s.metric.name === metricName && !isHistogramSample(s)) out[seriesKey(s.labels)] = s.value;
  return out;
}
