/**
 * Fetches everything a report shows from Prometheus: each KPI over the period and the period it is
 * compared with, its daily values (for charts, CSV and coverage), and the breakdown tables. A value
 * Prometheus has no sample for stays `null` — it is reported as missing, never as zero.
 */
import type { Breakdown, Kpi } from './kpis';
import { localDayStarts, type Period, type Span } from './periods';
import type { PrometheusClient } from './prometheus-client';

export interface Coverage {
  /** Local days with at least one value. */
  daysWithData: number;
  days: number;
}

export interface KpiResult {
  kpi: Kpi;
  value: number | null;
  previous: number | null;
  /** One value per local day of the period (null: no data that day). */
  daily: (number | null)[];
  coverage: Coverage;
  previousCoverage: Coverage;
}

export interface BreakdownRow {
  label: string;
  value: number | null;
  previous: number | null;
}

export interface BreakdownResult {
  breakdown: Breakdown;
  rows: BreakdownRow[];
}

export interface ReportData {
  period: Period;
  generatedAt: Date;
  /** Start instant of each local day of the period. */
  dayStarts: Date[];
  kpis: KpiResult[];
  breakdowns: BreakdownResult[];
}

const DAY = 86_400;

/** Seconds of a span as a PromQL range, e.g. "2678400s". */
export function rangeOf(s: Span): string {
  return `${Math.round((s.end.getTime() - s.start.getTime()) / 1000)}s`;
}

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

async function instant(prom: PrometheusClient, expr: string, at: Date): Promise<number | null> {
  const r = await prom.query(expr, at);
  if (r.length > 1) throw new Error(`expected one series, got ${r.length}: ${expr}`);
  return finite(r[0]?.value);
}

/** Daily values: the 1-day expression evaluated at the end of every local day of the span. */
async function dailyValues(prom: PrometheusClient, kpi: Kpi, span: Span, timeZone: string): Promise<(number | null)[]> {
  const starts = localDayStarts(span, timeZone);
  const ends = [...starts.slice(1), span.end].map((d) => d.getTime() / 1000);
  const series = await prom.queryRange(kpi.expr('1d'), new Date(ends[0]! * 1000), new Date(ends[ends.length - 1]! * 1000), DAY);
  const points = series[0]?.points ?? [];
  // Steps are 24 h; across a DST change a local day ends an hour off the grid, so match within 2 h.
  return ends.map((t) => finite(points.find(([pt]) => Math.abs(pt - t) <= 7200)?.[1]) ?? null);
}

function coverageOf(daily: (number | null)[]): Coverage {
  return { daysWithData: daily.filter((v) => v !== null).length, days: daily.length };
}

export async function fetchReportData(
  prom: PrometheusClient,
  period: Period,
  kpis: readonly Kpi[],
  breakdowns: readonly Breakdown[],
  opts: { concurrency?: number; now?: Date } = {},
): Promise<ReportData> {
  const limit = opts.concurrency ?? 8;
  const range = rangeOf(period);
  const prevRange = rangeOf(period.previous);
  const kpiResults = await pool(kpis, limit, async (kpi): Promise<KpiResult> => {
    const [value, previous, daily, prevDaily] = await Promise.all([
      instant(prom, kpi.expr(range), period.end),
      instant(prom, kpi.expr(prevRange), period.previous.end),
      dailyValues(prom, kpi, period, period.timeZone),
      dailyValues(prom, kpi, period.previous, period.timeZone),
    ]);
    return { kpi, value, previous, daily, coverage: coverageOf(daily), previousCoverage: coverageOf(prevDaily) };
  });
  const breakdownResults = await pool(breakdowns, limit, async (b): Promise<BreakdownResult> => {
    const [now, before] = await Promise.all([prom.query(b.expr(range), period.end), prom.query(b.expr(prevRange), period.previous.end)]);
    const labels = [...new Set([...now, ...before].map((s) => s.labels[b.by] ?? '(none)'))].sort();
    const pick = (xs: typeof now, l: string) => finite(xs.find((s) => (s.labels[b.by] ?? '(none)') === l)?.value);
    return { breakdown: b, rows: labels.map((label) => ({ label, value: pick(now, label), previous: pick(before, label) })) };
  });
  return {
    period,
    generatedAt: opts.now ?? new Date(),
    dayStarts: localDayStarts(period, period.timeZone),
    kpis: kpiResults,
    breakdowns: breakdownResults,
  };
}
