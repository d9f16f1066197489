/** Number formatting shared by the PDF, the summaries and the tests that read them back. */
import { meetsBenchmark, type Benchmark, type Format, type Kpi } from './kpis';
import { GAP_TOLERANCE_SECONDS } from './exact';
import { formatLocal } from './periods';
import type { Bounds, Coverage, KpiResult } from './report-data';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const one = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const two = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const NO_DATA = 'no data';

export function formatValue(format: Format, v: number | null, currency?: string): string {
  if (v === null) return NO_DATA;
  switch (format) {
    case 'count':
      return Math.abs(v) >= 100 || Number.isInteger(v) ? int.format(v) : one.format(v);
    case 'money':
      return `${currency ? `${currency} ` : ''}${two.format(v)}`;
    case 'ratio':
      return `${two.format(v * 100)} %`;
    case 'score':
      return two.format(v);
    case 'seconds':
      if (Math.abs(v) < 60) return `${two.format(v)} s`;
      if (Math.abs(v) < 3600) return `${one.format(v / 60)} min`;
      return `${one.format(v / 3600)} h`;
  }
}

export const formatKpi = (kpi: Kpi, v: number | null) => formatValue(kpi.format, v, kpi.currency);

/** Change against the comparison period: percentage points for ratios, relative % otherwise. */
export function change(format: Format, now: number | null, before: number | null): { text: string; value: number | null } {
  if (now === null || before === null) return { text: 'n/a', value: null };
  if (format === 'ratio') {
    const pp = (now - before) * 100;
    return { text: `${pp >= 0 ? '+' : '-'}${two.format(Math.abs(pp))} pp`, value: pp };
  }
  if (before === 0) return now === 0 ? { text: '0.0 %', value: 0 } : { text: 'new', value: null };
  const rel = ((now - before) / Math.abs(before)) * 100;
  return { text: `${rel >= 0 ? '+' : '-'}${one.format(Math.abs(rel))} %`, value: rel };
}

export function benchmarkText(format: Format, b: Benchmark): string {
  return `${b.op === '>=' ? '>=' : b.op === '<=' ? '<=' : '<'} ${formatValue(format, b.value)}`;
}

export type Status = 'good' | 'needs improvement' | 'no data' | '—';

export function statusOf(kpi: Kpi, v: number | null): Status {
  if (!kpi.benchmark) return '—';
  if (v === null) return 'no data';
  return meetsBenchmark(kpi.benchmark, v) ? 'good' : 'needs improvement';
}

/** "no data for 3 of 30 days", or '' when every day has data. */
export function coverageNote(c: Coverage): string {
  if (c.daysWithData === c.days) return '';
  return `no data for ${c.days - c.daysWithData} of ${c.days} day${c.days === 1 ? '' : 's'}`;
}

/**
 * What an exact figure covers when its samples lie away from the period edges, e.g.
 * "counted from 2026-09-10 03:00 (UTC): no earlier sample"; '' when the bounds are the period's.
 */
export function boundsNote(b: Bounds | undefined, timeZone: string): string {
  if (!b?.from || !b.to) return '';
  const notes: string[] = [];
  if (b.from.getTime() - b.span.start.getTime() > GAP_TOLERANCE_SECONDS * 1000)
    notes.push(`counted from ${formatLocal(b.from, timeZone)}: no earlier sample`);
  if (b.span.end.getTime() - b.to.getTime() > GAP_TOLERANCE_SECONDS * 1000)
    notes.push(`counted to ${formatLocal(b.to, timeZone)}: no later sample`);
  if (b.resets.length)
    notes.push(
      `counter reset at ${formatLocal(b.resets[0]!, timeZone)}${b.resets.length > 1 ? ` and ${b.resets.length - 1} more` : ''}: increases before and after summed`,
    );
  return notes.join('; ');
}

/** Every data note of a KPI's value: days without data and exact-figure bounds. */
export function valueNote(r: KpiResult, timeZone: string): string {
  return [coverageNote(r.coverage), boundsNote(r.bounds, timeZone)].filter(Boolean).join('; ');
}
