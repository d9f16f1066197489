/** CSV exports of a report: every KPI per local day, and the period totals with their comparison. */
import { change, valueNote } from './format';
import { localParts } from './periods';
import type { ReportData } from './report-data';

const pad = (n: number) => String(n).padStart(2, '0');

function cell(v: string | number | null): string {
  if (v === null) return ''; // missing stays empty, never 0
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: (string | number | null)[]) => `${cells.map(cell).join(',')}\r\n`;

/** One row per local day, one column per KPI (raw base-unit values: ratios 0..1, seconds, major currency units). */
export function dailyCsv(data: ReportData): string {
  let out = line(['date', ...data.kpis.map((r) => r.kpi.key)]);
  data.dayStarts.forEach((d, i) => {
    const p = localParts(d, data.period.timeZone);
    out += line([`${p.y}-${pad(p.m)}-${pad(p.d)}`, ...data.kpis.map((r) => r.daily[i] ?? null)]);
  });
  return out;
}

export function summaryCsv(data: ReportData): string {
  let out = line(['kpi', 'title', 'value', 'previous', 'change', 'days_with_data', 'days', 'note']);
  for (const r of data.kpis) {
    out += line([
      r.kpi.key,
      r.kpi.title,
      r.value,
      r.previous,
      change(r.kpi.format, r.value, r.previous).text,
      r.coverage.daysWithData,
      r.coverage.days,
      valueNote(r, data.period.timeZone),
    ]);
  }
  for (const b of data.breakdowns) {
    for (const row of b.rows)
      out += line([
        `${b.breakdown.key}{${b.breakdown.by}="${row.label}"}`,
        b.breakdown.title,
        row.value,
        row.previous,
        change(b.breakdown.format, row.value, row.previous).text,
        null,
        null,
        '',
      ]);
  }
  return out;
}
