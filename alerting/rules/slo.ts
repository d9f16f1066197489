/**
 * SLOs as data, and the rules generated from them: SLI error ratios over the standard windows,
 * error-budget-remaining series for dashboards, and multi-window multi-burn-rate alerts
 * (Google SRE workbook, ch. 5: fast burn pages, slow burn tickets).
 */
import { M } from '../../shared/catalogue';
import { BENCHMARKS, SELECTORS } from '../../shared/conventions';
import { num, type AlertRule, type Feed, type RecordingRule, type RuleGroup, type Team } from '../model';
import { rateOf, sel, sumBy } from '../../shared/promql';

export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SliWindow = (typeof SLI_WINDOWS)[number];

export interface Slo {
  /** Value of the `slo` label on every series and alert of this SLO. */
  name: string;
  alert: string;
  /** Target good ratio, e.g. 0.995. */
  objective: number;
  team: Team;
  feed: Feed;
  /** What is measured, for the alert description. */
  what: string;
  /** Ratio of bad events over a window (0..1). */
  errorRatio(window: string): string;
}

/** One burn-rate condition pair: both windows must burn faster than `factor`. */
export interface BurnWindow {
  factor: number;
  long: SliWindow;
  short: SliWindow;
}

/** SRE workbook table 5-8: 2 % of a 30-day budget in 1 h, 5 % in 6 h (page); 10 % in 3 d (ticket). */
export const BURN_RATES: Record<'page' | 'ticket', readonly BurnWindow[]> = {
  page: [
    { factor: 14.4, long: '1h', short: '5m' },
    { factor: 6, long: '6h', short: '30m' },
  ],
  ticket: [
    { factor: 3, long: '1d', short: '2h' },
    { factor: 1, long: '3d', short: '6h' },
  ],
};
const HOLD: Record<'page' | 'ticket', string> = { page: '2m', ticket: '15m' };

const loadBucket = `${M.pageLoadSeconds.name}_bucket`;
const loadCount = `${M.pageLoadSeconds.name}_count`;

export const SLOS: readonly Slo[] = [
  {
    name: 'availability',
    alert: 'AvailabilityBudgetBurn',
    objective: BENCHMARKS.uptimeRatio,
    team: 'sre',
    feed: 'blackbox',
    what: 'failed blackbox probes',
    // Mean over probed targets: every target counts equally.
    errorRatio: (w) => `1 - avg(avg_over_time(${sel('probe_success', { job: SELECTORS.blackboxJob })}[${w}]))`,
  },
  {
    name: 'latency',
    alert: 'LatencyBudgetBurn',
    // 99 % of real-user page loads under the response-time benchmark.
    objective: 0.99,
    team: 'sre',
    feed: 'exporter_db',
    what: `page loads slower than ${BENCHMARKS.responseSeconds}s`,
    errorRatio: (w) =>
      `1 - (${sumBy([], rateOf(loadBucket, { le: String(BENCHMARKS.responseSeconds) }, w))} / ${sumBy([], rateOf(loadCount, {}, w))})`,
  },
  {
    name: 'http_errors',
    alert: 'HttpErrorBudgetBurn',
    objective: 1 - BENCHMARKS.errorRatio,
    team: 'sre',
    feed: 'exporter_db',
    what: 'HTTP 5xx responses',
    errorRatio: (w) =>
      `${sumBy([], rateOf(M.httpResponsesTotal.name, { status_class: '5xx' }, w))} / ${sumBy([], rateOf(M.httpResponsesTotal.name, {}, w))}`,
  },
  {
    name: 'payments',
    alert: 'PaymentSuccessBudgetBurn',
    objective: BENCHMARKS.paymentSuccessRatio,
    team: 'payments',
    feed: 'exporter_db',
    what: 'failed payments',
    errorRatio: (w) =>
      `${sumBy([], rateOf(M.paymentsTotal.name, { status: 'failed', source: 'db' }, w))} / ${sumBy([], rateOf(M.paymentsTotal.name, { status: '~succeeded|failed', source: 'db' }, w))}`,
  },
];

export const sliRecord = (w: string) => `slo:sli_error:ratio_rate${w}`;
export const BUDGET_RECORD = 'slo:error_budget_remaining:ratio30d';
export const OBJECTIVE_RECORD = 'slo:objective:ratio';

function recordingRules(slo: Slo): RecordingRule[] {
  const labels = { slo: slo.name };
  const budget = 1 - slo.objective;
  return [
    ...SLI_WINDOWS.map((w) => ({ record: sliRecord(w), expr: slo.errorRatio(w), labels })),
    // 30 days of raw rate is too heavy to evaluate every minute: average the 5m SLI instead.
    { record: sliRecord('30d'), expr: `avg_over_time(${sel(sliRecord('5m'), labels)}[30d])`, labels },
    { record: OBJECTIVE_RECORD, expr: `vector(${num(slo.objective)})`, labels },
    { record: BUDGET_RECORD, expr: `1 - ${sel(sliRecord('30d'), labels)} / ${num(budget)}`, labels },
  ];
}

function burnAlert(slo: Slo, severity: 'page' | 'ticket'): AlertRule {
  const labels = { slo: slo.name };
  const budget = 1 - slo.objective;
  const pairs = BURN_RATES[severity];
  const expr = pairs
    .map(
      (p) =>
        `(${sel(sliRecord(p.long), labels)} > ${num(p.factor * budget)} and ${sel(sliRecord(p.short), labels)} > ${num(p.factor * budget)})`,
    )
    .join('\nor\n');
  const burns = pairs.map((p) => `${p.factor}x over ${p.long}/${p.short}`).join(' or ');
  return {
    alert: slo.alert,
    expr,
    for: HOLD[severity],
    severity,
    team: slo.team,
    feed: slo.feed,
    summary: `The ${slo.name} SLO is burning its 30-day error budget ${severity === 'page' ? 'fast' : 'steadily'}.`,
    description:
      `{{ $value | humanizePercentage }} ${slo.what} over the long window (objective ${num(slo.objective * 100)} %, ` +
      `budget ${num(budget * 100)} %; ${severity} when burning ${burns}).`,
  };
}

export function sloGroup(): RuleGroup {
  return {
    file: 'slo',
    name: 'marketplace-slo',
    rules: [...SLOS.flatMap(recordingRules), ...SLOS.flatMap((s) => [burnAlert(s, 'page'), burnAlert(s, 'ticket')])],
  };
}
