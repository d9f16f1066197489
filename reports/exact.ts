/**
 * Exact period figures from counters. The exporter's counters are absolute database totals (rows up to
 * the collector's horizon), so a period's count or amount is the counter at the end minus the counter
 * at the start — no `increase()` extrapolation, counts stay integers. The bounds are the nearest raw
 * samples inside the period (first sample at or after the start, last at or before the end); when a
 * bound lies far from the period edge the figure says which part it covers.
 *
 * Replicas: every series is merged across `instance`/`pod` by taking, at each bound, the sample
 * nearest the period edge (all replicas publish the same database totals).
 *
 * Resets: a drop in an absolute total is not new activity (a restart re-reads the database totals, so
 * a drop comes from a replica that published before its state was complete). A replica without a
 * drop in the period is preferred; when every replica dropped, the figure sums the increases of each
 * continuous stretch and leaves out the jumps, and the reset is stated. (Prometheus' `increase()`
 * would instead count the whole post-reset total as new activity.)
 */
import { sel, type Matchers } from '../shared/promql';
import { collectorsOf, M, metricByName } from '../shared/catalogue';
import { SELECTORS } from '../shared/conventions';
import type { Span } from './periods';
import type { PrometheusClient, Series } from './prometheus-client';

export interface CounterTerm {
  metric: string;
  matchers?: Matchers;
  /** -1 subtracts the term (net seller growth = approved - churned). */
  sign?: 1 | -1;
}

export interface ExactFigure {
  /** Delta per group (key: JSON of the `by` labels; '{}' when not grouped). */
  groups: Map<string, { labels: Record<string, string>; value: number }>;
  /** First and last sample instants the figure is computed between (null: no sample in the period). */
  from: Date | null;
  to: Date | null;
  /** Instants where a counter dropped on every replica (see the module comment). */
  resets: Date[];
  /** Some replica dropped (even if another, clean one was used). */
  resetsSeen: boolean;
}

/** Search windows for the bounds, seconds: dense scrapes are found in the first, gaps widen it. */
const WIDTHS = [3600, 6 * 3600, 86_400, 7 * 86_400];
const REPLICA = new Set<string>(SELECTORS.replicaLabels);

type Point = [number, number];

/** Series identity: `resets()` drops the metric name, raw selectors keep it. */
const keyOf = (labels: Record<string, string>, keep: (k: string) => boolean) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(labels)
        .filter(([k]) => k !== '__name__' && keep(k))
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
  );
const mergedKey = (labels: Record<string, string>) => keyOf(labels, (k) => !REPLICA.has(k));
const replicaKey = (labels: Record<string, string>) => keyOf(labels, () => true);

/** Raw samples of `selector` in the closed span [from, to] (Prometheus 3 ranges are left-open: +1 ms). */
async function samplesIn(prom: PrometheusClient, selector: string, from: number, to: number, lo: number, hi: number): Promise<Series[]> {
  const ms = Math.round((to - from) * 1000) + 1;
  const series = await prom.rangeSelector(`${selector}[${ms}ms]`, new Date(to * 1000));
  return series.map((s) => ({ labels: s.labels, points: s.points.filter(([t]) => t >= lo && t <= hi) })).filter((s) => s.points.length > 0);
}

/**
 * `collector_up == 1` of the collector(s) producing a counter: the exporter was publishing that
 * counter then, so a label set without a series had no rows yet (it counts from zero), and a
 * counter with no series at all in the period is 0, not "no data".
 */
function referenceOf(metric: string): string | null {
  const def = metricByName(metric) ?? metricByName(metric.replace(/_(sum|count|bucket)$/, ''));
  if (!def) return null;
  const names = collectorsOf(def);
  return sel(M.collectorUp.name, { collector: names.length === 1 ? names[0]! : `~${names.join('|')}` });
}

const upPoints = (series: Series[]) => series.flatMap((s) => s.points.filter(([, v]) => v === 1).map(([t]) => t));

function widths(len: number): number[] {
  return [...WIDTHS.filter((w) => w < len), len];
}

/** Per-merged-series deltas of one counter selector over a span, summed by `by`. */
export async function exactDelta(
  prom: PrometheusClient,
  term: CounterTerm,
  span: Span,
  by: readonly string[] = [],
  /** Known from an enclosing span (daily values inside the period): skips the resets query. */
  opts: { noResets?: boolean } = {},
): Promise<ExactFigure> {
  const selector = sel(term.metric, term.matchers ?? {});
  const start = span.start.getTime() / 1000;
  const end = span.end.getTime() / 1000;
  const len = end - start;

  const reference = referenceOf(term.metric);

  // Head: the first samples at or after the start (of the counter, or of its collector being up).
  let head: Series[] = [];
  let headUp: number[] = [];
  for (const w of widths(len)) {
    const to = Math.min(start + w, end);
    head = await samplesIn(prom, selector, start, to, start, end);
    // The collector's `up` matters only when the counter itself has no sample yet.
    headUp = reference && !head.length ? upPoints(await samplesIn(prom, reference, start, to, start, end)) : [];
    if (head.length || headUp.length) break;
  }
  if (!head.length && !headUp.length) return { groups: new Map(), from: null, to: null, resets: [], resetsSeen: false };
  const bound = Math.min(...head.map((s) => s.points[0]![0]), ...headUp);
  // A series first seen later than the first scrape was born in the period (a label value with no
  // rows before): it counts from zero. The scrape spacing is the tolerance between replicas.
  const spacing = Math.min(...head.flatMap((s) => s.points.slice(1).map(([t], i) => t - s.points[i]![0])), Infinity);
  const tolerance = Number.isFinite(spacing) ? spacing : 0;

  // Tail: the last samples at or before the end; widen until every series seen at the head is found.
  const headKeys = new Set(head.map((s) => mergedKey(s.labels)));
  let tail: Series[] = [];
  let tailUp: number[] = [];
  for (const w of widths(len)) {
    const from = Math.max(end - w, start);
    tail = await samplesIn(prom, selector, from, end, start, end);
    tailUp = reference && !tail.length ? upPoints(await samplesIn(prom, reference, from, end, start, end)) : [];
    const found = new Set(tail.map((s) => mergedKey(s.labels)));
    if ((tail.length || tailUp.length) && [...headKeys].every((k) => found.has(k))) break;
  }

  // Resets per replica series; only for those are all the period's raw samples read.
  const resetCounts = opts.noResets ? [] : await prom.query(`resets(${selector}[${Math.round(len * 1000) + 1}ms])`, span.end);
  const withResets = new Set(resetCounts.filter((r) => r.value > 0).map((r) => replicaKey(r.labels)));
  const resetRaw = withResets.size
    ? (await samplesIn(prom, selector, start, end, start, end)).filter((s) => withResets.has(replicaKey(s.labels)))
    : [];

  const headOf = new Map<string, Point>();
  const tailOf = new Map<string, Point>();
  const labelsOf = new Map<string, Record<string, string>>();
  const clean = (s: Series) => !withResets.has(replicaKey(s.labels));
  const cleanKeys = new Set([...head, ...tail].filter(clean).map((s) => mergedKey(s.labels)));
  const usable = (s: Series) => clean(s) || !cleanKeys.has(mergedKey(s.labels));
  for (const s of head.filter(usable)) {
    const k = mergedKey(s.labels);
    const p = s.points[0]!;
    const cur = headOf.get(k);
    if (!cur || p[0] < cur[0] || (p[0] === cur[0] && p[1] > cur[1])) headOf.set(k, p);
    labelsOf.set(k, s.labels);
  }
  for (const s of tail.filter(usable)) {
    const k = mergedKey(s.labels);
    const p = s.points[s.points.length - 1]!;
    const cur = tailOf.get(k);
    if (!cur || p[0] > cur[0] || (p[0] === cur[0] && p[1] > cur[1])) tailOf.set(k, p);
    labelsOf.set(k, s.labels);
  }

  // Series that reset on every replica: sum of each continuous stretch's increase, best replica.
  const segmented = new Map<string, number>();
  const resets: Date[] = [];
  for (const s of resetRaw) {
    const k = mergedKey(s.labels);
    if (cleanKeys.has(k)) continue;
    let sum = 0;
    const born = s.points[0]![0] > bound + tolerance;
    if (born) sum += s.points[0]![1];
    for (let i = 1; i < s.points.length; i++) {
      const [t, v] = s.points[i]!;
      const prev = s.points[i - 1]![1];
      if (v >= prev) sum += v - prev;
      else resets.push(new Date(t * 1000));
    }
    segmented.set(k, Math.max(segmented.get(k) ?? -Infinity, sum));
  }

  const groups = new Map<string, { labels: Record<string, string>; value: number }>();
  let to = Math.max(-Infinity, ...tailUp);
  for (const [k, labels] of labelsOf) {
    let delta: number;
    if (segmented.has(k)) delta = segmented.get(k)!;
    else {
      const t = tailOf.get(k);
      if (!t) continue;
      const h = headOf.get(k);
      // Born in the period, or first seen after the head window: counts from zero.
      delta = h && h[0] <= bound + tolerance ? t[1] - h[1] : t[1];
    }
    const t = tailOf.get(k);
    if (t) to = Math.max(to, t[0]);
    const g = Object.fromEntries(by.map((l) => [l, labels[l] ?? '']));
    const gk = JSON.stringify(g);
    const cur = groups.get(gk);
    groups.set(gk, { labels: g, value: (cur?.value ?? 0) + delta * (term.sign ?? 1) });
  }
  // Replicas that reset together report one reset.
  const resetTimes = [...new Set(resets.map((d) => d.getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
  // The collector was up but published no series: nothing happened, a true zero.
  if (!groups.size && !by.length) groups.set('{}', { labels: {}, value: 0 });
  return {
    groups,
    from: new Date(bound * 1000),
    to: Number.isFinite(to) ? new Date(to * 1000) : new Date(bound * 1000),
    resets: resetTimes,
    resetsSeen: withResets.size > 0,
  };
}

/** Money sums carry float noise from the exporter's additions; counts are integers already. */
export const tidy = (v: number) => Math.round(v * 1e6) / 1e6;

/** Sum of several terms over a span (ungrouped), with the narrowest bounds of the terms. */
export async function exactSum(
  prom: PrometheusClient,
  terms: readonly CounterTerm[],
  span: Span,
  opts: { noResets?: boolean } = {},
): Promise<{ value: number | null; from: Date | null; to: Date | null; resets: Date[]; resetsSeen: boolean }> {
  const figs = await Promise.all(terms.map((t) => exactDelta(prom, t, span, [], opts)));
  const resetsSeen = figs.some((f) => f.resetsSeen);
  if (figs.some((f) => f.from === null)) return { value: null, from: null, to: null, resets: [], resetsSeen };
  const value = figs.reduce((n, f) => n + [...f.groups.values()].reduce((m, g) => m + g.value, 0), 0);
  return {
    value: tidy(value),
    from: new Date(Math.max(...figs.map((f) => f.from!.getTime()))),
    to: new Date(Math.min(...figs.map((f) => f.to!.getTime()))),
    resets: figs.flatMap((f) => f.resets),
    resetsSeen,
  };
}

/** Bounds further than this from the period edge are stated (Prometheus' default lookback). */
export const GAP_TOLERANCE_SECONDS = 300;

/** Prometheus' default lookback: an instant selector finds a sample at most this old. */
const LOOKBACK_SECONDS = 300;
/** query_range refuses more points per series than this. */
const MAX_POINTS = 11_000;
/** Tags the parts of a combined range query (value, timestamp, count); never a real label. */
const PART = 'pulse_exact_part';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const part = (expr: string, p: string) => `label_replace(${expr}, "${PART}", "${p}", "", "")`;

/** Per replica series (key without the part label): its value, timestamp and count at each grid step. */
type Grid = Map<string, { labels: Record<string, string>; at: Map<number, { v?: number; t?: number; n?: number; seen?: number }> }>;

/** A span in which neither the counter nor its collector's `up` has a sample: the figure is no data. */
export const NO_SAMPLE = 'no sample';

async function gridQuery(prom: PrometheusClient, expr: string, first: number, last: number, step: number): Promise<Grid> {
  const out: Grid = new Map();
  for (const s of await prom.queryRange(expr, new Date(first * 1000), new Date(last * 1000), step)) {
    const { [PART]: p, ...labels } = s.labels;
    const k = replicaKey(labels);
    let g = out.get(k);
    if (!g) {
      g = { labels, at: new Map() };
      out.set(k, g);
    }
    for (const [t, v] of s.points) {
      const i = Math.round((t - first) / step);
      const cell = g.at.get(i) ?? {};
      if (p === 'v') cell.v = v;
      else if (p === 't') cell.t = v;
      else if (p === 'n') cell.n = v;
      else cell.seen = (cell.seen ?? 0) + v;
      g.at.set(i, cell);
    }
  }
  return out;
}

/**
 * Exact values of one counter for consecutive spans (the days of a period) from three range queries
 * for all of them, instead of two raw-sample queries per span: one day's end is the next day's start.
 * The rule is exactDelta's: per replica series the first sample at or after each bound (the only
 * sample in a short window after it: the value, its timestamp and a count of 1 prove it) and the last
 * at or before it (an instant selector at the bound, with its timestamp); replicas merged as there.
 * A span where this cannot be proven — a gap at a bound, a series appearing or vanishing in the span,
 * two samples in the window — is null: the caller computes it with exactDelta. Spans must hold no
 * counter reset (the caller knows it from the enclosing period).
 */
export async function exactDeltasOfSpans(
  prom: PrometheusClient,
  term: CounterTerm,
  spans: readonly Span[],
): Promise<(number | typeof NO_SAMPLE | null)[]> {
  if (!spans.length) return [];
  const selector = sel(term.metric, term.matchers ?? {});
  const bounds = [...spans.map((s) => s.start.getTime() / 1000), spans[spans.length - 1]!.end.getTime() / 1000];
  const first = bounds[0]!;
  const last = bounds[bounds.length - 1]!;
  const step = bounds.slice(1).reduce((g, b) => gcd(g, Math.round(b - first)), 0);
  const contiguous = spans.every((s, i) => i === 0 || s.start.getTime() === spans[i - 1]!.end.getTime());
  if (!contiguous || step <= 0 || (last - first) / step > MAX_POINTS) return spans.map(() => null);
  const index = bounds.map((b) => Math.round((b - first) / step));

  // Head window after a bound: shorter than the scrape spacing, so it holds one sample per replica.
  const probe = await samplesIn(prom, selector, first, first + 3600, first, first + 3600);
  const spacing = Math.min(...probe.flatMap((s) => s.points.slice(1).map(([t], i) => t - s.points[i]![0])), LOOKBACK_SECONDS);
  const window = spacing - 0.001;
  if (window <= 0) return spans.map(() => null);
  const ms = Math.round(window * 1000) + 1;

  // Samples of the counter (c), and of its collector being up (u), per grid step: a span without
  // either has no data, as exactDelta would find after widening its search to the whole span.
  const reference = referenceOf(term.metric);
  const presence = [
    part(`count_over_time(${selector}[${step}s])`, 'c'),
    ...(reference ? [part(`sum_over_time(${reference}[${step}s])`, 'u')] : []),
  ];
  const [tails, heads] = await Promise.all([
    gridQuery(prom, [part(selector, 'v'), part(`timestamp(${selector})`, 't'), ...presence].join(' or '), first, last, step),
    gridQuery(
      prom,
      `${part(selector, 'v')} or ${part(`timestamp(${selector})`, 't')} or ${part(`count_over_time(${selector}[${ms}ms])`, 'n')}`,
      first + window,
      last + window,
      step,
    ),
  ]);

  return spans.map((_, d) => {
    const lo = bounds[d]!;
    const hi = bounds[d + 1]!;
    const headOf = new Map<string, Point>();
    const tailOf = new Map<string, Point>();
    for (const g of heads.values()) {
      const c = g.at.get(index[d]!);
      // No sample, or not provably the first one at or after the bound.
      if (c?.v === undefined || c.t === undefined || c.n !== 1 || c.t < lo) continue;
      const k = mergedKey(g.labels);
      const cur = headOf.get(k);
      if (!cur || c.t < cur[0] || (c.t === cur[0] && c.v > cur[1])) headOf.set(k, [c.t, c.v]);
    }
    for (const g of tails.values()) {
      const c = g.at.get(index[d + 1]!);
      if (c?.v === undefined || c.t === undefined || c.t < lo || c.t > hi) continue;
      const k = mergedKey(g.labels);
      const cur = tailOf.get(k);
      if (!cur || c.t > cur[0] || (c.t === cur[0] && c.v > cur[1])) tailOf.set(k, [c.t, c.v]);
    }
    const keys = new Set([...headOf.keys(), ...tailOf.keys()]);
    if (!keys.size) {
      let seen = 0;
      for (const g of tails.values()) for (let i = index[d]! + 1; i <= index[d + 1]!; i++) seen += g.at.get(i)?.seen ?? 0;
      return seen === 0 ? NO_SAMPLE : null;
    }
    let sum = 0;
    for (const k of keys) {
      const h = headOf.get(k);
      const t = tailOf.get(k);
      // A series seen at one end only: born or gone in the span, or a gap — exactDelta decides.
      if (!h || !t || t[0] < h[0]) return null;
      sum += t[1] - h[1];
    }
    return sum * (term.sign ?? 1);
  });
}
