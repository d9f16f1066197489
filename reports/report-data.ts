/**
 * Fetches everything a report shows from Prometheus: each KPI over the period and the period it is
 * compared with, its daily values (for charts, CSV and coverage), and the breakdown tables. A value
 * Prometheus has no sample for stays `null` — it is reported as missing, never as zero.
 */
import { exactDelta, exactDeltasOfSpans, exactSum, NO_SAMPLE, tidy, type CounterTerm } from './exact';
import type { Breakdown, Kpi } from './kpis';
import { localDayStarts, type Period, type Span } from './periods';
import type { PrometheusClient } from './prometheus-client';

export interface Coverage {
  /** Local days with at least one value. */
  daysWithData: number;
  days: number;
}

/** The samples an exact (counter) figure lies between; see exact.ts. */
export interface Bounds {
  span: Span;
  from: Date | null;
  to: Date | null;
  resets: Date[];
  /** Some replica's counter dropped in the span (a clean replica may have been used). */
  resetsSeen: boolean;
}

export interface KpiResult {
  kpi: Kpi;
  value: number | null;
  previous: number | null;
  /** Counter KPIs only. */
  bounds?: Bounds;
  previousBounds?: Bounds;
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

async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
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

/** Options of the exact figures. */
export interface ExactOptions {
  /** No reset in an enclosing span: skips the resets query. */
  noResets?: boolean;
  /**
   * The exporter's `collection.settle_lag`, seconds: its counters at t hold the rows up to t - lag, so
   * the rows of a span are read from the samples of the span shifted by the lag.
   */
  lagSeconds?: number;
}

/** A span moved by `seconds` (row time to sample time, or back with a negative value). */
export function shift<T extends Span>(s: T, seconds: number): T {
  return seconds ? { ...s, start: new Date(s.start.getTime() + seconds * 1000), end: new Date(s.end.getTime() + seconds * 1000) } : s;
}

const back = (d: Date | null, lag: number) => (d && lag ? new Date(d.getTime() - lag * 1000) : d);

/** Exact value of a counter KPI over a span; a ratio with an empty denominator is no data. Bounds are in row time. */
export async function exactValue(
  prom: PrometheusClient,
  exact: NonNullable<Kpi['exact']>,
  span: Span,
  opts: ExactOptions = {},
): Promise<{ value: number | null; bounds: Bounds }> {
  const lag = opts.lagSeconds ?? 0;
  const at = shift(span, lag);
  const [num, den] = await Promise.all([exactSum(prom, exact.terms, at, opts), exact.per ? exactSum(prom, exact.per, at, opts) : null]);
  const bounds = (from: Date | null, to: Date | null, resets: Date[], resetsSeen: boolean): Bounds => ({
    span,
    from: back(from, lag),
    to: back(to, lag),
    resets,
    resetsSeen,
  });
  if (!den) return { value: num.value, bounds: bounds(num.from, num.to, num.resets, num.resetsSeen) };
  const value = num.value === null || den.value === null || den.value === 0 ? null : num.value / den.value;
  const from = num.from && den.from ? new Date(Math.max(num.from.getTime(), den.from.getTime())) : null;
  const to = num.to && den.to ? new Date(Math.min(num.to.getTime(), den.to.getTime())) : null;
  return { value, bounds: bounds(from, to, [...num.resets, ...den.resets], num.resetsSeen || den.resetsSeen) };
}

function daySpans(span: Span, timeZone: string): Span[] {
  const starts = localDayStarts(span, timeZone);
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? span.end }));
}

/**
 * Exact daily values of a counter KPI. Without a reset in the period, each term's days come from a few
 * range queries for the whole period (exactDeltasOfSpans); a day those cannot prove exact, or a
 * period with a reset, is computed on its own with exactValue.
 */
async function exactDaily(
  prom: PrometheusClient,
  exact: NonNullable<Kpi['exact']>,
  days: Span[],
  period: Bounds,
  lagSeconds: number,
): Promise<(number | null)[]> {
  // No replica reset in the whole period: none in any of its days either.
  const opts = { noResets: !period.resetsSeen, lagSeconds };
  const alone = (d: Span) => exactValue(prom, exact, d, opts).then((r) => r.value);
  if (!opts.noResets) return pool(days, 4, alone);
  const at = days.map((d) => shift(d, lagSeconds));
  // Per day: a sum, NO_SAMPLE when a term has no sample (exactSum's null), null when not proven.
  const sumOf = async (terms: readonly CounterTerm[]) => {
    const perTerm = await Promise.all(terms.map((t) => exactDeltasOfSpans(prom, t, at)));
    return days.map((_, i) => {
      const xs = perTerm.map((x) => x[i] as number | typeof NO_SAMPLE | null);
      if (xs.includes(null)) return null;
      if (xs.includes(NO_SAMPLE)) return NO_SAMPLE;
      return tidy((xs as number[]).reduce((n, x) => n + x, 0));
    });
  };
  const [num, den] = await Promise.all([sumOf(exact.terms), exact.per ? sumOf(exact.per) : null]);
  return pool(days, 4, async (d, i) => {
    const n = num[i]!;
    const m = den?.[i];
    if (n === null || m === null) return alone(d);
    if (n === NO_SAMPLE || m === NO_SAMPLE) return null;
    if (m === undefined) return n;
    return m === 0 ? null : n / m;
  });
}

/** Daily values of a non-counter KPI: the 1-day expression evaluated at the end of every local day. */
async function dailyValues(prom: PrometheusClient, kpi: Kpi, span: Span, timeZone: string): Promise<(number | null)[]> {
  const starts = localDayStarts(span, timeZone);
  const ends = [...starts.slice(1), span.end].map((d) => d.getTime() / 1000);
  const series = await prom.queryRange(kpi.expr('1d'), new Date(ends[0]! * 1000), new Date(ends[ends.length - 1]! * 1000), DAY);
  const points = series[0]?.points ?? [];
  // Steps are 24 h; across a DST change a local day ends an hour off the grid, so match within 2 h.
  return ends.map((t) => finite(points.find(([pt]) => Math.abs(pt - t) <= 7200)?.[1]) ?? null);
}

/** A KPI over one span (the period or the one it is compared with): its value, bounds and days. */
async function kpiOver(
  prom: PrometheusClient,
  kpi: Kpi,
  span: Span,
  timeZone: string,
  lagSeconds: number,
): Promise<{ value: number | null; bounds?: Bounds; daily: (number | null)[] }> {
  if (kpi.exact) {
    const { value, bounds } = await exactValue(prom, kpi.exact, span, { lagSeconds });
    return { value, bounds, daily: await exactDaily(prom, kpi.exact, daySpans(span, timeZone), bounds, lagSeconds) };
  }
  const [value, daily] = await Promise.all([instant(prom, kpi.expr(rangeOf(span)), span.end), dailyValues(prom, kpi, span, timeZone)]);
  return { value, daily };
}

function coverageOf(daily: (number | null)[]): Coverage {
  return { daysWithData: daily.filter((v) => v !== null).length, days: daily.length };
}

export async function fetchReportData(
  prom: PrometheusClient,
  period: Period,
  kpis: readonly Kpi[],
  breakdowns: readonly Breakdown[],
  /** settleLagSeconds: the exporter's `collection.settle_lag` (see ExactOptions). */
  opts: { concurrency?: number; now?: Date; settleLagSeconds?: number } = {},
): Promise<ReportData> {
  const limit = opts.concurrency ?? 8;
  const range = rangeOf(period);
  const prevRange = rangeOf(period.previous);
  const lag = opts.settleLagSeconds ?? 0;
  const kpiResults = await pool(kpis, limit, async (kpi): Promise<KpiResult> => {
    const [now, before] = await Promise.all([
      kpiOver(prom, kpi, period, period.timeZone, lag),
      kpiOver(prom, kpi, period.previous, period.timeZone, lag),
    ]);
    return {
      kpi,
      value: now.value,
      previous: before.value,
      ...(now.bounds && before.bounds ? { bounds: now.bounds, previousBounds: before.bounds } : {}),
      daily: now.daily,
      coverage: coverageOf(now.daily),
      previousCoverage: coverageOf(before.daily),
    };
  });
  const breakdownResults = await pool(breakdowns, limit, async (b): Promise<BreakdownResult> => {
    if (b.exact) return exactBreakdown(prom, b, b.exact, period, lag);
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

async function exactBreakdown(
  prom: PrometheusClient,
  b: Breakdown,
  term: CounterTerm,
  period: Period,
  lag: number,
): Promise<BreakdownResult> {
  const [now, before] = await Promise.all([
    exactDelta(prom, term, shift(period, lag), [b.by]),
    exactDelta(prom, term, shift(period.previous, lag), [b.by]),
  ]);
  const label = (g: { labels: Record<string, string> }) => g.labels[b.by] || '(none)';
  const value = (f: typeof now, l: string) => {
    const g = [...f.groups.values()].find((x) => label(x) === l);
    return g ? tidy(g.value) : null;
  };
  const labels = [...new Set([...now.groups.values(), ...before.groups.values()].map(label))].sort();
  return { breakdown: b, rows: labels.map((l) => ({ label: l, value: value(now, l), previous: value(before, l) })) };
}
