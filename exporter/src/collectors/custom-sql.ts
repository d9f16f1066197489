/**
 * Custom SQL metrics declared in config (`custom_metrics:`): each becomes its own collector with its
 * own interval and timeout, run under the same read-only/timeout guards as the built-in ones.
 * Gauges and counters read a value column; histograms bucket an observation column in SQL, so only
 * one row per label set crosses the wire.
 */
import type { MetricDef } from '../../../shared/catalogue';
import { internal } from '../../../shared/catalogue';
import type { Config } from '../config/load';
import { createHash } from 'node:crypto';
import type { Collector } from './types';
import type { CappedSamples } from '../metrics/sample';

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

/** Trailing semicolons would end the subquery the user's query is wrapped in. */
const bare = (q: string) => q.trim().replace(/;+\s*$/, '');

/** Column carrying the full row count, so rows beyond the series cap are counted without being read. */
export const ROWS_COLUMN = '__pulse_rows';

/**
 * The SQL actually run. The user's query becomes a subquery, which (besides the extended protocol and
 * the READ ONLY transaction) admits only a single SELECT/VALUES/WITH-SELECT: a data-modifying statement
 * or CTE there is a server error. At most `cap` rows cross the wire; histograms are bucketed server-side.
 */
export function customMetricSql(m: CustomMetricConfig, cap: number): string {
  let inner = bare(m.query);
  if (m.type === 'histogram') {
    const cols = m.labels.map(quoteIdent);
    const v = `q.${quoteIdent(m.value)}`;
    const buckets = m.buckets!.map((b, i) => `count(*) FILTER (WHERE ${v} <= ${Number(b)}) AS b${i}`).join(', ');
    inner = `SELECT ${[...cols.map((c) => `q.${c}`), buckets, `coalesce(sum(${v}), 0) AS sum`, `count(${v}) AS count`].join(', ')}
            FROM (${inner}) q${cols.length ? ` GROUP BY ${cols.map((c) => `q.${c}`).join(', ')}` : ''}`;
  }
  return `SELECT r.*, count(*) OVER () AS ${ROWS_COLUMN} FROM (${inner}) r LIMIT ${Math.max(1, Math.floor(cap))}`;
}

/** Longest label value kept as is; longer ones are shortened with a digest, so distinct values stay distinct. */
export const MAX_LABEL_VALUE = 256;

/** A label value from any column type: bytea decoded as UTF-8 (invalid bytes → U+FFFD), dates as ISO 8601. */
export function labelValue(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (Buffer.isBuffer(v)) s = v.toString('utf8');
  else if (v instanceof Date) s = Number.isNaN(v.getTime()) ? '' : v.toISOString();
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  if (s.length <= MAX_LABEL_VALUE) return s;
  return `${s.slice(0, MAX_LABEL_VALUE - 17)}…${createHash('sha256').update(s).digest('hex').slice(0, 16)}`;
}

function describeType(v: unknown): string {
  if (v === null || v === undefined) return 'NULL (use coalesce() for a default)';
  if (v instanceof Date) return 'a date/time';
  if (Buffer.isBuffer(v)) return 'bytea';
  return typeof v === 'string' ? 'text' : typeof v;
}

export function customCollector(m: CustomMetricConfig, cap = Infinity): Collector {
  const def = customMetricDef(m);
  const limit = Number.isFinite(cap) ? cap : 1_000_000;
  const sql = customMetricSql(m, limit);
  return {
    name: `custom:${m.name}`,
    usesDatabase: true,
    metrics: [def],
    async collect({ db }) {
      const rows = await db.query(sql);
      const out: CappedSamples = [];
      for (const r of rows) {
        const labels = Object.fromEntries(m.labels.map((l) => [l, labelValue(r[l])]));
        if (m.type === 'histogram') {
          out.push({
            metric: def,
            labels,
            buckets: m.buckets!.map((_, i) => Number(r[`b${i}`])),
            sum: Number(r.sum),
            count: Number(r.count),
          });
        } else {
          if (!(m.value in r)) throw new Error(`custom metric ${m.name}: query returned no column "${m.value}"`);
          const value = r[m.value];
          // Only numbers: NULL would silently read as 0 and a date as milliseconds since 1970.
          if (typeof value !== 'number' || Number.isNaN(value))
            throw new Error(`custom metric ${m.name}: column "${m.value}" is ${describeType(value)}, expected a number`);
          out.push({ metric: def, labels, value });
        }
      }
      const total = rows.length ? Number(rows[0]![ROWS_COLUMN]) : 0;
      if (total > rows.length) out.droppedSeries = { [m.name]: total - rows.length };
      return out;
    },
  };
}
