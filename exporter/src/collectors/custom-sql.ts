/**
 * Custom SQL metrics declared in config (`custom_metrics:`): each becomes its own collector with its
 * own interval and timeout, run under the same read-only/timeout guards as the built-in ones.
 * Gauges and counters read a value column; histograms bucket an observation column in SQL, so only
 * one row per label set crosses the wire.
 */
import type { MetricDef } from '../../../shared/catalogue';
import { internal } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import type { Collector } from './types';
import type { Sample } from '../metrics/sample';

export type CustomMetricConfig = Config['custom_metrics'][number];

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function customMetricDef(m: CustomMetricConfig): MetricDef {
  return {
    name: m.name,
    type: m.type,
    help: m.help,
    unit: 'count',
    labels: Object.fromEntries(m.labels.map((l) => [l, internal('custom metric label column')])),
    area: 'exporter',
    collector: `custom:${m.name}`,
    source: 'custom SQL',
    definition: m.query,
    buckets: m.buckets,
  };
}

/** The SQL actually run: the user's query wrapped so histograms are bucketed server-side. */
export function customMetricSql(m: CustomMetricConfig): string {
  if (m.type !== 'histogram') return m.query;
  const cols = m.labels.map(quoteIdent);
  const v = `q.${quoteIdent(m.value)}`;
  const buckets = m.buckets!.map((b, i) => `count(*) FILTER (WHERE ${v} <= ${Number(b)}) AS b${i}`).join(', ');
  return `SELECT ${[...cols.map((c) => `q.${c}`), buckets, `coalesce(sum(${v}), 0) AS sum`, `count(${v}) AS count`].join(', ')}
            FROM (${m.query}) q${cols.length ? ` GROUP BY ${cols.map((c) => `q.${c}`).join(', ')}` : ''}`;
}

export function customCollector(m: CustomMetricConfig): Collector {
  const def = customMetricDef(m);
  const sql = customMetricSql(m);
  return {
    name: `custom:${m.name}`,
    usesDatabase: true,
    metrics: [def],
    async collect({ db }) {
      const rows = await db.query(sql);
      const out: Sample[] = [];
      for (const r of rows) {
        const labels = Object.fromEntries(m.labels.map((l) => [l, r[l] === null || r[l] === undefined ? '' : String(r[l])]));
        if (m.type === 'histogram') {
          out.push({ metric: def, labels, buckets: m.buckets!.map((_, i) => Number(r[`b${i}`])), sum: Number(r.sum), count: Number(r.count) });
        } else {
          const value = Number(r[m.value]);
          if (!(m.value in r)) throw new Error(`custom metric ${m.name}: query returned no column "${m.value}"`);
          if (Number.isNaN(value)) throw new Error(`custom metric ${m.name}: column "${m.value}" is not numeric`);
          out.push({ metric: def, labels, value });
        }
      }
      return out;
    },
  };
}
