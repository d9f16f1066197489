/**
 * SLOs as data, and the rules generated from them: SLI error ratios over the standard windows,
 * error-budget-remaining series for dashboards, and multi-window multi-burn-rate alerts
 * (Google SRE workbook, ch. 5: fast burn pages, slow burn tickets).
 */
import { CUSTOMER_DECLINE_CODES, M } from '../../shared/catalogue';
import { BENCHMARKS, SELECTORS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { num, type AlertRule, type Feed, type RecordingRule, type RuleGroup, type Team } from '../model';
import { increaseOf, leMatcher, sel, sumBy } from '../../shared/promql';

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
  /** Bad events over a window (a count, present whenever `events` is). */
  errors(window: string): string;
  /** Every event over a window (a count). */
  events(window: string): string;
  /** Ratio of bad events over a window (0..1); absent, never NaN, when there were no events. */
  errorRatio(window: string): string;
  /** Burn-rate volume guard: bad events needed in the short window (default ALERT.burnMinErrors). */
  minErrors?: number;
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
const probes = sel('probe_success', { job: SELECTORS.blackboxJob });
const customerDeclines = `!~${CUSTOMER_DECLINE_CODES.join('|')}`;

const total = (name: string, matchers: Record<string, string>, w: string) => sumBy([], increaseOf(name, matchers, w));
/** A bad-event count that is 0, not absent, when the events exist but none was bad. */
const orZero = (bad: string, events: string) => `(${bad} or ${events} * 0)`;
const ratio = (slo: Pick<Slo, 'errors' | 'events'>, w: string) => `(${slo.errors(w)}) / ((${slo.events(w)}) > 0)`;
/** The response-time bucket, replicas merged across both spellings of `le` (see leMatcher). */
const fastLoads = (w: string) =>
  `sum(max without (${[...SELECTORS.replicaLabels, 'le'].join(', ')}) (increase(${sel(loadBucket, { le: leMatcher(BENCHMARKS.responseSeconds) })}[${w}])))`;

type SloDef = Omit<Slo, 'errorRatio'> & { errorRatio?: (w: string) => string };

const DEFS: readonly SloDef[] = [
  {
    name: 'availability',
    alert: 'AvailabilityBudgetBurn',
    objective: BENCHMARKS.uptimeRatio,
    team: 'sre',
    feed: 'blackbox',
    what: 'failed blackbox probes',
    // Probes are our own steady traffic, never "low volume": the events guard is enough.
    minErrors: 0,
    errors: (w) => `sum(count_over_time(${probes}[${w}])) - sum(sum_over_time(${probes}[${w}]))`,
    events: (w) => `sum(count_over_time(${probes}[${w}]))`,
    // Mean over probed targets: every target counts equally (reports and dashboards read this).
    errorRatio: (w) => `1 - avg(avg_over_time(${probes}[${w}]))`,
  },
  {
    name: 'latency',
    alert: 'LatencyBudgetBurn',
    // 99 % of real-user page loads under the response-time benchmark.
    objective: 0.99,
    team: 'sre',
    feed: 'exporter_db',
    what: `page loads slower than ${BENCHMARKS.responseSeconds}s`,
    errors: (w) => `${total(loadCount, {}, w)} - ${fastLoads(w)}`,
    events: (w) => total(loadCount, {}, w),
  },
  {
    name: 'http_errors',
    alert: 'HttpErrorBudgetBurn',
    objective: 1 - BENCHMARKS.errorRatio,
    team: 'sre',
    feed: 'exporter_db',
    what: 'HTTP 5xx responses',
    errors: (w) => orZero(total(M.httpResponsesTotal.name, { status_class: '5xx' }, w), total(M.httpResponsesTotal.name, {}, w)),
    events: (w) => total(M.httpResponsesTotal.name, {}, w),
  },
  {
    name: 'payments',
    alert: 'PaymentSuccessBudgetBurn',
    objective: BENCHMARKS.paymentSuccessRatio,
    team: 'payments',
    feed: 'exporter_db',
    // Buyer declines (card_declined, insufficient_funds, …) are the buyer's doing, not an outage.
    what: 'failed payments (buyer declines excluded)',
    errors: (w) =>
      orZero(
        total(M.paymentFailuresTotal.name, { source: 'db', reason: customerDeclines }, w),
        total(M.paymentsTotal.name, { status: 'succeeded', source: 'db' }, w),
      ),
    events: (w) =>
      `${total(M.paymentsTotal.name, { status: 'succeeded', source: 'db' }, w)} + ${orZero(
        total(M.paymentFailuresTotal.name, { source: 'db', reason: customerDeclines }, w),
        total(M.paymentsTotal.name, { status: 'succeeded', source: 'db' }, w),
      )}`,
  },
];

export const SLOS: readonly Slo[] = DEFS.map((d) => ({ ...d, errorRatio: d.errorRatio ?? ((w: string) => ratio(d, w)) }));

export const sliRecord = (w: string) => `slo:sli_error:ratio_rate${w}`;
export const sliEventsRecord = (w: string) => `slo:sli_events:increase${w}`;
export const sliErrorsRecord = (w: string) => `slo:sli_errors:increase${w}`;
export const BUDGET_RECORD = 'slo:error_budget_remaining:ratio30d';
export const OBJECTIVE_RECORD = 'slo:objective:ratio';

function recordingRules(slo: Slo): RecordingRule[] {
  const labels = { slo: slo.name };
  const budget = 1 - slo.objective;
  return [
    ...SLI_WINDOWS.flatMap((w) => [
      { record: sliEventsRecord(w), expr: slo.events(w), labels },
      { record: sliErrorsRecord(w), expr: slo.errors(w), labels },
      { record: sliRecord(w), expr: slo.errorRatio(w), labels },
    ]),
    // A ratio of sums over 30 days (SRE workbook), never an average of 5-minute ratios: a quiet
    // 5 minutes (0/0) would make that average NaN for a month. Overlapping 5m windows count every
    // event equally often in numerator and denominator, so the ratio is exact.
    {
      record: sliRecord('30d'),
      expr: `sum_over_time(${sel(sliErrorsRecord('5m'), labels)}[30d])\n/\n(sum_over_time(${sel(sliEventsRecord('5m'), labels)}[30d]) > 0)`,
      labels,
    },
    { record: OBJECTIVE_RECORD, expr: `vector(${num(slo.objective)})`, labels },
    { record: BUDGET_RECORD, expr: `1 - ${sel(sliRecord('30d'), labels)} / ${num(budget)}`, labels },
  ];
}

function burnAlert(slo: Slo, severity: 'page' | 'ticket'): AlertRule {
  const labels = { slo: slo.name };
  const budget = 1 - slo.objective;
  const pairs = BURN_RATES[severity];
  const minErrors = slo.minErrors ?? ALERT.burnMinErrors;
  // Both windows burn, and both carry enough volume to mean something (low-traffic guard).
  const expr = pairs
    .map(
      (p) =>
        `(${sel(sliRecord(p.long), labels)} > ${num(p.factor * budget)} and ${sel(sliRecord(p.short), labels)} > ${num(p.factor * budget)}` +
        ` and ${sel(sliEventsRecord(p.long), labels)} >= ${ALERT.burnMinEvents}` +
        (minErrors > 0 ? ` and ${sel(sliErrorsRecord(p.short), labels)} >= ${minErrors}` : '') +
        ')',
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
      `budget ${num(budget * 100)} %; ${severity} when burning ${burns}, with at least ${ALERT.burnMinEvents} events` +
      (minErrors > 0 ? ` and ${minErrors} bad ones).` : ').'),
  };
}

export function sloGroup(): RuleGroup {
  return {
    file: 'slo',
    name: 'marketplace-slo',
    rules: [...SLOS.flatMap(recordingRules), ...SLOS.flatMap((s) => [burnAlert(s, 'page'), burnAlert(s, 'ticket')])],
  };
}
