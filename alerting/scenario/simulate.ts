/**
 * Simulated days of marketplace metrics for the scenario replay: a week of ordinary traffic (quiet
 * nights of a few page views a minute, busy evenings with ~4 % buyer declines, a public holiday),
 * then planted incidents. Deterministic: no randomness, so the replay and its table are stable.
 * Output is promtool input series (one sample a minute, arithmetic runs compressed).
 */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import type { InputSeries } from '../promtest';
import { sel } from '../../shared/promql';

export const MINUTES_PER_DAY = 1440;
/** Seven days of history (the spike baselines look a week back), then two days with incidents. */
export const DAYS = 9;
export const HOLIDAY_DAY = 3;

export interface Incident {
  key: string;
  what: string;
  /** Minutes from the start of the simulation. */
  start: number;
  end: number;
  /** The alert that must page (or ticket) for it. */
  alert: string;
  /** Minutes from the start within which the alert must fire. */
  detectWithin: number;
}

const at = (day: number, hour: number, minute = 0) => day * MINUTES_PER_DAY + hour * 60 + minute;

export const INCIDENTS: readonly Incident[] = [
  {
    key: 'provider-outage',
    what: 'Stripe fails 60 % of payments (processing_error), 45 min',
    start: at(7, 10),
    end: at(7, 10, 45),
    alert: 'PaymentSuccessRateLow',
    detectWithin: 15,
  },
  {
    key: 'site-down',
    what: 'every blackbox probe fails, 30 min',
    start: at(7, 14),
    end: at(7, 14, 30),
    alert: 'SiteDown',
    detectWithin: 10,
  },
  {
    key: 'gmv-collapse',
    what: 'orders and GMV fall to 10 % on a busy evening, 2 h',
    start: at(7, 19),
    end: at(7, 21),
    alert: 'GMVFarBelowLastWeek',
    detectWithin: 75,
  },
  {
    key: 'credential-stuffing',
    what: '100 failed logins a minute on top of normal, 12 h overnight',
    start: at(7, 22),
    end: at(8, 10),
    alert: 'FailedLoginSpike',
    detectWithin: 15,
  },
  {
    key: 'exporter-gone',
    what: 'the exporter vanishes from discovery (no series at all), 1 h',
    start: at(8, 12),
    end: at(8, 13),
    alert: 'ExporterAbsent',
    detectWithin: 20,
  },
  {
    key: 'collectors-timing-out',
    what: 'the payments collector times out every cycle, 1 h',
    start: at(8, 15),
    end: at(8, 16),
    alert: 'CollectorFailing',
    detectWithin: 20,
  },
  {
    key: 'blackbox-down',
    what: 'the blackbox exporter is down (no probe results), 30 min',
    start: at(8, 18),
    end: at(8, 18, 30),
    alert: 'BlackboxProbesAbsent',
    detectWithin: 15,
  },
];

const during = (key: string, m: number) => {
  const i = INCIDENTS.find((x) => x.key === key)!;
  return m >= i.start && m < i.end;
};

/** Page views a minute: quiet nights, busy evenings, a holiday at 60 %. */
export function pageViewsPerMinute(m: number): number {
  const day = Math.floor(m / MINUTES_PER_DAY);
  const hour = Math.floor((m % MINUTES_PER_DAY) / 60);
  const base = hour < 6 ? 3 : hour < 18 ? 40 : hour < 22 ? 80 : 12;
  return day === HOLIDAY_DAY ? base * 0.6 : base;
}

const exporterPresent = (m: number) => !during('exporter-gone', m);
const probesPresent = (m: number) => !during('blackbox-down', m);

/**
 * Counter values are kept on a grid of 1/1024: binary fractions are exact in float64, so promtool's
 * expansion of a run `a+dxn` lands exactly on the next run's start. With decimal rates (0.16 a minute)
 * a run could end a few ulps above the next value, which Prometheus reads as a counter reset and
 * turns into a spurious increase of the whole counter.
 */
const GRID = 1024;

/** A counter from a per-minute rate, absent where `present` is false (values continue afterwards). */
function counter(rate: (m: number) => number, present: (m: number) => boolean = exporterPresent): Array<number | null> {
  const out: Array<number | null> = [];
  let v = 0;
  for (let m = 0; m < DAYS * MINUTES_PER_DAY; m++) {
    v = Math.round((v + rate(m)) * GRID) / GRID;
    out.push(present(m) ? v : null);
  }
  return out;
}

function gauge(value: (m: number) => number, present: (m: number) => boolean = exporterPresent): Array<number | null> {
  return Array.from({ length: DAYS * MINUTES_PER_DAY }, (_, m) => (present(m) ? value(m) : null));
}

/** Ten decimals print every multiple of 1/1024 exactly (and gauges such as 0.3 as written). */
const round = (v: number) => Number(v.toFixed(10));

/** promtool notation: runs of a constant step become `a+dxn`, missing samples `_xn`. */
export function compress(values: Array<number | null>): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    if (values[i] === null) {
      let j = i;
      while (j < values.length && values[j] === null) j++;
      parts.push(`_x${j - i}`);
      i = j;
      continue;
    }
    const a = values[i] as number;
    const next = values[i + 1];
    if (next === null || next === undefined) {
      parts.push(String(round(a)));
      i++;
      continue;
    }
    const d = round(next - a);
    let j = i + 1;
    while (j + 1 < values.length && values[j + 1] !== null && Math.abs(round((values[j + 1] as number) - (values[j] as number)) - d) < 1e-6)
      j++;
    parts.push(d === 0 ? `${round(a)}x${j - i}` : `${round(a)}${d >= 0 ? '+' : ''}${d}x${j - i}`);
    i = j + 1;
  }
  return parts.join(' ');
}

const job = { job: SELECTORS.exporterJob };
/** Two exporter replicas publish the same numbers. */
function replicated(name: string, matchers: Record<string, string>, values: Array<number | null>): InputSeries[] {
  const v = compress(values);
  return ['a', 'b'].map((instance) => ({ series: sel(name, { ...job, ...matchers, instance }), values: v }));
}

export function simulatedSeries(): InputSeries[] {
  const pv = pageViewsPerMinute;
  // One payment per 10 page views, one order per succeeded payment.
  const payments = (m: number) => ((during('gmv-collapse', m) ? 0.1 : 1) * pv(m)) / 10;
  const collectorFrozen = (m: number) => during('collectors-timing-out', m);
  // While its collector times out the payments counters stand still.
  const pay =
    (share: number, frozen = true) =>
    (m: number) =>
      frozen && collectorFrozen(m) ? 0 : payments(m) * share;
  const processingError = (m: number) => (during('provider-outage', m) ? 0.6 : 0.003);
  const declines = { card_declined: 0.025, insufficient_funds: 0.01, expired_card: 0.003, incorrect_cvc: 0.002 };
  const declineShare = Object.values(declines).reduce((a, b) => a + b, 0);
  const succeeded = (m: number) => (collectorFrozen(m) ? 0 : payments(m) * Math.max(0, 1 - declineShare - processingError(m)));
  const failed = (m: number) => (collectorFrozen(m) ? 0 : payments(m) * (declineShare + processingError(m)));
  // One 5xx every 37 minutes at night (a handful of page views), 0.2 % by day.
  const errors5xx = (m: number) => (pv(m) <= 3 ? (m % 37 === 0 ? 1 : 0) : pv(m) * 0.002);
  const failedLogins = (m: number) => pv(m) / 20 + (during('credential-stuffing', m) ? 100 : 0);
  const collectors = ['payments', 'orders', 'page_views', 'logins'];

  return [
    ...replicated(
      M.httpResponsesTotal.name,
      { status_class: '2xx' },
      counter((m) => pv(m) - errors5xx(m)),
    ),
    ...replicated(M.httpResponsesTotal.name, { status_class: '5xx' }, counter(errors5xx)),
    ...replicated(
      `${M.pageLoadSeconds.name}_bucket`,
      { le: '2' },
      counter((m) => pv(m) * 0.997),
    ),
    ...replicated(`${M.pageLoadSeconds.name}_count`, {}, counter(pv)),
    ...replicated(M.paymentsTotal.name, { provider: 'stripe', status: 'succeeded', source: 'db' }, counter(succeeded)),
    ...replicated(M.paymentsTotal.name, { provider: 'stripe', status: 'failed', source: 'db' }, counter(failed)),
    ...Object.entries(declines).flatMap(([reason, share]) =>
      replicated(M.paymentFailuresTotal.name, { provider: 'stripe', reason, source: 'db' }, counter(pay(share))),
    ),
    ...replicated(
      M.paymentFailuresTotal.name,
      { provider: 'stripe', reason: 'processing_error', source: 'db' },
      counter((m) => (collectorFrozen(m) ? 0 : payments(m) * processingError(m))),
    ),
    ...replicated(
      M.paymentsTotal.name,
      { provider: 'stripe', status: 'disputed', source: 'db' },
      counter((m) => payments(m) * 0.001),
    ),
    ...replicated(
      M.paymentProviderUp.name,
      { provider: 'stripe' },
      gauge(() => 1),
    ),
    ...replicated(M.ordersTotal.name, { currency: 'EUR' }, counter(succeeded)),
    ...replicated(
      M.gmvTotal.name,
      { currency: 'EUR' },
      counter((m) => succeeded(m) * 50),
    ),
    ...replicated(
      M.refundsTotal.name,
      { currency: 'EUR', reason: 'damaged' },
      counter((m) => payments(m) * 0.01),
    ),
    ...replicated(M.loginsTotal.name, { outcome: 'failure', reason: 'bad_password' }, counter(failedLogins)),
    ...replicated(
      M.profileChangesTotal.name,
      { field: 'payout_account' },
      counter(() => 0.002),
    ),
    ...collectors.flatMap((collector) => [
      ...replicated(
        M.collectorUp.name,
        { collector },
        gauge((m) => (collector === 'payments' && collectorFrozen(m) ? 0 : 1)),
      ),
      ...replicated(
        M.collectorStale.name,
        { collector },
        gauge(() => 0),
      ),
      ...replicated(
        M.collectorErrorsTotal.name,
        { collector, kind: 'timeout' },
        counter((m) => (collector === 'payments' && collectorFrozen(m) ? 1 : 0)),
      ),
      ...replicated(
        M.collectorErrorsTotal.name,
        { collector, kind: 'connection' },
        counter(() => 0),
      ),
    ]),
    ...replicated(
      'up',
      {},
      gauge(() => 1),
    ),
    ...replicated(
      'scrape_duration_seconds',
      {},
      gauge(() => 0.01),
    ),
    ...['https://shop.example.com', 'https://api.example.com'].flatMap((instance) => [
      {
        series: sel('probe_success', { job: SELECTORS.blackboxJob, instance }),
        values: compress(gauge((m) => (during('site-down', m) ? 0 : 1), probesPresent)),
      },
      {
        series: sel('probe_duration_seconds', { job: SELECTORS.blackboxJob, instance }),
        values: compress(gauge(() => 0.3, probesPresent)),
      },
    ]),
  ];
}
