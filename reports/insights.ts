/**
 * Actionable insights computed from the report's own numbers: the largest moves against the
 * comparison period (with the provider, channel or segment that drove them), benchmarks missed or
 * recovered, and data gaps. Nothing here is canned: a quiet month yields few findings.
 */
import { meetsBenchmark } from './kpis';
import { benchmarkText, change, coverageNote, formatKpi, formatValue } from './format';
import type { BreakdownResult, KpiResult, ReportData } from './report-data';

export interface Insight {
  kind: 'benchmark' | 'move' | 'recovered' | 'data';
  /** Higher first. */
  weight: number;
  text: string;
}

/** Which breakdown explains a KPI's move. */
const DRIVERS: Record<string, string> = {
  sessions: 'sessions_by_channel',
  gmv: 'gmv_by_currency',
  payment_success: 'payment_success_by_provider',
  failed_logins: 'failed_logins_by_reason',
  incidents: 'incidents_by_severity',
  downtime: 'downtime_by_component',
  refunds: 'refunds_by_reason',
  bug_reports: 'bugs_by_severity',
  sellers_active: 'sellers_by_segment',
};

function driverOf(b: BreakdownResult | undefined, direction: number): string {
  if (!b) return '';
  let best: { label: string; delta: number } | undefined;
  for (const r of b.rows) {
    if (r.value === null || r.previous === null) continue;
    const delta = r.value - r.previous;
    if (Math.sign(delta) !== Math.sign(direction) || delta === 0) continue;
    if (!best || Math.abs(delta) > Math.abs(best.delta)) best = { label: r.label, delta };
  }
  if (!best) return '';
  const unit =
    b.breakdown.format === 'ratio' ? `${(best.delta * 100).toFixed(2)} pp` : formatValue(b.breakdown.format, Math.abs(best.delta));
  const sign = best.delta > 0 ? '+' : '-';
  return `; the largest contribution came from ${b.breakdown.by} "${best.label}" (${b.breakdown.format === 'ratio' ? (best.delta > 0 ? '+' : '') + unit : sign + unit})`;
}

export function computeInsights(data: ReportData, comparedWith: string): Insight[] {
  const out: Insight[] = [];
  const byKey = new Map(data.breakdowns.map((b) => [b.breakdown.key, b]));

  for (const r of data.kpis) {
    const { kpi, value, previous } = r;
    if (kpi.benchmark && value !== null) {
      const ok = meetsBenchmark(kpi.benchmark, value);
      const wasOk = previous === null ? null : meetsBenchmark(kpi.benchmark, previous);
      if (!ok) {
        const gap = Math.abs(value - kpi.benchmark.value) / Math.max(Math.abs(kpi.benchmark.value), 1e-9);
        out.push({
          kind: 'benchmark',
          weight: 100 + gap * 100,
          text: `${kpi.title} was ${formatKpi(kpi, value)}, missing the benchmark (${benchmarkText(kpi.format, kpi.benchmark)})${
            previous !== null ? `; ${comparedWith} it was ${formatKpi(kpi, previous)}` : ''
          }: needs improvement.`,
        });
      } else if (wasOk === false) {
        out.push({
          kind: 'recovered',
          weight: 90,
          text: `${kpi.title} is back within its benchmark (${benchmarkText(kpi.format, kpi.benchmark)}) at ${formatKpi(kpi, value)}, from ${formatKpi(kpi, previous)} ${comparedWith}.`,
        });
      }
    }
  }

  const moves = data.kpis
    .map((r) => ({ r, c: change(r.kpi.format, r.value, r.previous) }))
    .filter(
      (m): m is { r: KpiResult; c: { text: string; value: number } } =>
        m.c.value !== null && m.c.value !== 0 && m.r.kpi.better !== 'neutral',
    )
    // Ratios move in points, counts in percent: a 1 pp move weighs like a 5 % move.
    .map((m) => ({ ...m, size: Math.abs(m.c.value) * (m.r.kpi.format === 'ratio' ? 5 : 1) }))
    .filter((m) => m.size >= 2)
    .sort((a, b) => b.size - a.size)
    .slice(0, 5);
  for (const { r, c, size } of moves) {
    const up = c.value > 0;
    const good = (up && r.kpi.better === 'up') || (!up && r.kpi.better === 'down');
    out.push({
      kind: 'move',
      weight: Math.min(size, 80),
      text: `${r.kpi.title} ${up ? 'rose' : 'fell'} ${c.text.replace(/^[+-]/, '')} to ${formatKpi(r.kpi, r.value)} (${formatKpi(r.kpi, r.previous)} ${comparedWith}) — ${
        good ? 'an improvement' : 'a deterioration'
      }${driverOf(byKey.get(DRIVERS[r.kpi.key] ?? ''), c.value)}.`,
    });
  }

  const gaps = data.kpis.filter((r) => r.coverage.daysWithData < r.coverage.days);
  if (gaps.length) {
    const worst = gaps.reduce((a, b) => (a.coverage.daysWithData <= b.coverage.daysWithData ? a : b));
    out.push({
      kind: 'data',
      weight: 50,
      text: `${gaps.length} of ${data.kpis.length} figures have gaps (worst: ${worst.kpi.title}, ${coverageNote(worst.coverage)}); they cover only the days with data — check the exporter and Prometheus for outages in this period.`,
    });
  }
  return out.sort((a, b) => b.weight - a.weight);
}
