/**
 * Deterministic simulated history for the report tests and benchmark, as an OpenMetrics file for
 * `promtool tsdb create-blocks-from openmetrics`. It holds the series the reports read, published by
 * two exporter replicas with identical values (a report that forgot to merge replicas would double
 * every count), plus blackbox probes. Planted events give the insights something to find: an
 * exporter blackout of `gapDays` days, a checkout outage, and a PayPal success-rate dip in the
 * last month. (Written for the reports because no reusable backfill function existed yet.)
 */
import { createWriteStream } from 'node:fs';
import { M } from '../../shared/catalogue';
import { mulberry32 } from '../../exporter/src/demo/random';

export interface HistoryOptions {
  /** First sample (UTC instant). */
  start: Date;
  days: number;
  stepSeconds?: number;
  seed?: number;
  /** Exporter series are absent for these whole UTC days (index from start). */
  gapDays?: { from: number; count: number };
  /** Probe failures (blackbox) during this window. */
  outage?: { start: Date; minutes: number };
  /** PayPal success drops from this day index on. */
  paypalDipFromDay?: number;
  replicas?: readonly string[];
}

type Labels = Record<string, string>;

const lbl = (l: Labels) => {
  const e = Object.entries(l);
  return e.length ? `{${e.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
};

interface SeriesSpec {
  name: string;
  labels: Labels;
  /** Counter: increment per step; gauge: value. Null: no sample. */
  value(ctx: StepCtx): number | null;
  counter: boolean;
  exporter: boolean;
}

interface StepCtx {
  t: number;
  day: number;
  /** 0..1 daily shape. */
  diurnal: number;
  /** Slow growth over the history. */
  growth: number;
  r: () => number;
  dayNoise: (key: string) => number;
}

export async function writeHistory(file: string, o: HistoryOptions): Promise<{ series: number; samples: number }> {
  const step = o.stepSeconds ?? 1800;
  const replicas = o.replicas ?? ['exporter-a:9464', 'exporter-b:9464'];
  const perStepDay = step / 86_400;
  const specs: SeriesSpec[] = [];
  const counter = (name: string, labels: Labels, perDay: number, extra: (c: StepCtx) => number = () => 1) =>
    specs.push({
      name,
      labels,
      counter: true,
      exporter: true,
      value: (c) => perDay * perStepDay * c.diurnal * 2 * c.growth * extra(c) * (0.85 + 0.3 * c.r()),
    });
  const gauge = (name: string, labels: Labels, f: (c: StepCtx) => number) =>
    specs.push({ name, labels, counter: false, exporter: true, value: f });

  const cur = { EUR: 400, USD: 120 } as const;
  for (const [currency, n] of Object.entries(cur)) {
    counter(M.ordersTotal.name, { currency }, n);
    counter(M.gmvTotal.name, { currency }, n * 62);
    counter(`${M.orderValue.name}_sum`, { currency }, n * 62);
    counter(`${M.orderValue.name}_count`, { currency }, n);
    counter(M.highValueOrdersTotal.name, { currency }, n * 0.02);
    counter(M.refundsTotal.name, { currency, reason: 'damaged' }, n * 0.015);
    counter(M.refundsTotal.name, { currency, reason: 'not_as_described' }, n * 0.01, (c) => (c.day >= (o.paypalDipFromDay ?? 1e9) ? 2 : 1));
    counter(M.refundedAmountTotal.name, { currency }, n * 0.025 * 55);
  }
  for (const platform of ['web', 'ios', 'android'])
    for (const [channel, w] of Object.entries({ direct: 0.4, organic: 0.35, paid: 0.25 }))
      counter(M.sessionsTotal.name, { platform, channel }, 6000 * w * (platform === 'web' ? 0.5 : 0.25), (c) =>
        channel === 'paid' ? c.growth * c.growth : 1,
      );
  counter(`${M.sessionDurationSeconds.name}_sum`, {}, 6000 * 310);
  counter(`${M.sessionDurationSeconds.name}_count`, {}, 6000);
  counter(M.pageViewsTotal.name, {}, 6000 * 4.2);
  const buckets: [string, number][] = [
    ['0.5', 0.55],
    ['1', 0.82],
    ['2', 0.992],
    ['5', 0.999],
    ['+Inf', 1],
  ];
  for (const [le, share] of buckets) counter(`${M.pageLoadSeconds.name}_bucket`, { le }, 25_000 * share);
  counter(`${M.pageLoadSeconds.name}_count`, {}, 25_000);
  counter(`${M.pageLoadSeconds.name}_sum`, {}, 25_000 * 0.7);
  counter(M.httpResponsesTotal.name, { status_class: '2xx' }, 24_500);
  counter(M.httpResponsesTotal.name, { status_class: '4xx' }, 400);
  counter(M.httpResponsesTotal.name, { status_class: '5xx' }, 60);
  for (const provider of ['stripe', 'paypal']) {
    const n = provider === 'stripe' ? 380 : 140;
    const dip = (c: StepCtx) => (provider === 'paypal' && c.day >= (o.paypalDipFromDay ?? 1e9) ? 3.5 : 1);
    counter(M.paymentsTotal.name, { provider, status: 'succeeded', source: 'db' }, n * 0.97);
    counter(M.paymentsTotal.name, { provider, status: 'failed', source: 'db' }, n * 0.03, dip);
    counter(M.paymentFailuresTotal.name, { provider, reason: 'card_declined', source: 'db' }, n * 0.02, dip);
    counter(M.paymentFailuresTotal.name, { provider, reason: 'insufficient_funds', source: 'db' }, n * 0.01);
    gauge(M.paymentReconciliationMismatches.name, { provider, kind: 'amount_differs' }, (c) => (c.dayNoise(provider) > 0.8 ? 2 : 0));
  }
  counter(M.cartsAbandonedTotal.name, {}, 900);
  counter(M.returnsTotal.name, { reason: 'damaged' }, 9);
  counter(M.sellerApplicationsTotal.name, {}, 14);
  counter(M.sellersApprovedTotal.name, {}, 9);
  counter(M.sellersChurnedTotal.name, {}, 2.5);
  counter(M.incidentsTotal.name, { severity: 'minor' }, 0.4);
  counter(M.incidentsTotal.name, { severity: 'critical' }, 0.05);
  counter(M.downtimeSecondsTotal.name, { component: 'checkout' }, 120);
  counter(M.loginsTotal.name, { outcome: 'success', reason: 'none' }, 3200);
  counter(M.loginsTotal.name, { outcome: 'failure', reason: 'bad_password' }, 160);
  counter(M.loginsTotal.name, { outcome: 'failure', reason: 'locked' }, 12);
  counter(M.auditEventsTotal.name, { action: 'export' }, 6);
  counter(M.auditEventsTotal.name, { action: 'bulk_delete' }, 0.6);
  counter(M.auditEventsTotal.name, { action: 'unauthorized_api' }, 3);
  counter(M.supportTicketsTotal.name, {}, 45);
  counter(M.bugReportsTotal.name, { severity: 'major' }, 1.2);
  counter(M.bugReportsTotal.name, { severity: 'minor' }, 4);

  gauge(M.activeUsers.name, { window: '1d' }, (c) => Math.round(2100 * c.growth * (0.9 + 0.2 * c.dayNoise('dau'))));
  gauge(M.activeUsers.name, { window: '30d' }, (c) => Math.round(21000 * c.growth));
  gauge(M.userActivationRatio.name, { window: '30d' }, (c) => 0.27 * c.growth);
  gauge(M.visitors.name, { visitor_type: 'new', window: '1d' }, (c) => Math.round(1400 * c.growth * (0.9 + 0.2 * c.dayNoise('new'))));
  gauge(M.visitors.name, { visitor_type: 'returning', window: '1d' }, (c) => Math.round(2600 * c.growth * (0.9 + 0.2 * c.dayNoise('ret'))));
  gauge(M.bounceRatio.name, { window: '1d' }, (c) => 0.38 + 0.04 * c.dayNoise('bounce'));
  gauge(M.retentionRatio.name, { day: '7' }, (c) => 0.21 + 0.03 * c.dayNoise('ret7'));
  gauge(M.funnelSessions.name, { step: 'visit', window: '1d' }, (c) => Math.round(6000 * c.growth));
  gauge(M.funnelSessions.name, { step: 'paid', window: '1d' }, (c) => Math.round(6000 * c.growth * (0.078 + 0.01 * c.dayNoise('conv'))));
  gauge(M.cartAbandonmentRatio.name, { window: '1d' }, (c) => 0.66 + 0.05 * c.dayNoise('cart'));
  gauge(M.sellerActivationRatio.name, { window: '30d' }, (c) => 0.33 - 0.002 * c.day);
  gauge(M.sellerChurnRatio.name, { window: '30d' }, () => 0.031);
  gauge(M.sellersActiveRatio.name, {}, (c) => 0.64 + 0.02 * c.dayNoise('act'));
  for (const [segment, n] of Object.entries({ power: 40, active: 260, occasional: 420, dormant: 380 }))
    gauge(M.sellers.name, { segment }, (c) => Math.round(n * (segment === 'dormant' ? 1 : c.growth)));
  gauge(M.accountsWithFailedLogins.name, { window: '1d' }, (c) => Math.round(3 + 6 * c.dayNoise('stuffing')));
  gauge(M.csatScore.name, { window: '1d' }, (c) => 4.1 + 0.3 * (c.dayNoise('csat') - 0.5));
  gauge(M.reviewRating.name, { window: '1d' }, (c) => 4.3 + 0.2 * (c.dayNoise('review') - 0.5));
  gauge(M.supportTicketsOpen.name, {}, (c) => Math.round(60 + 30 * c.dayNoise('open')));
  gauge(M.bugReportsOpen.name, { severity: 'major' }, (c) => Math.round(4 + 4 * c.dayNoise('bugs')));

  const outStart = o.outage ? o.outage.start.getTime() / 1000 : 0;
  const outEnd = o.outage ? outStart + o.outage.minutes * 60 : 0;
  specs.push({
    name: 'probe_success',
    labels: { job: 'blackbox', instance: 'https://shop.example.com/' },
    counter: false,
    exporter: false,
    value: (c) => (c.t >= outStart && c.t < outEnd ? 0 : 1),
  });

  const t0 = Math.floor(o.start.getTime() / 1000);
  const steps = Math.floor((o.days * 86_400) / step);
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  let samples = 0;
  // One family per series name; every series of a family is written in time order.
  const families = new Map<string, SeriesSpec[]>();
  for (const s of specs) families.set(s.name, [...(families.get(s.name) ?? []), s]);
  let seriesIndex = 0;
  for (const [name, list] of families) {
    await write(`# TYPE ${name} gauge\n`);
    for (const s of list) {
      const r = mulberry32((o.seed ?? 7) * 1000 + seriesIndex++);
      const noiseCache = new Map<string, number>();
      let total = 0;
      const lines: string[][] = s.exporter ? replicas.map(() => []) : [[]];
      for (let i = 0; i <= steps; i++) {
        const t = t0 + i * step;
        const day = Math.floor((t - t0) / 86_400);
        const hour = ((t % 86_400) / 3600 + 24) % 24;
        const ctx: StepCtx = {
          t,
          day,
          diurnal: 0.5 + 0.5 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) * 0.8,
          growth: 1 + 0.004 * day,
          r,
          dayNoise: (key) => {
            const k = `${key}:${day}`;
            if (!noiseCache.has(k)) noiseCache.set(k, mulberry32(day * 7919 + key.length * 104_729 + key.charCodeAt(0))());
            return noiseCache.get(k)!;
          },
        };
        const v = s.value(ctx);
        if (v === null) continue;
        total = s.counter ? total + v : v;
        const blind = s.exporter && o.gapDays && day >= o.gapDays.from && day < o.gapDays.from + o.gapDays.count;
        if (blind) continue;
        const value = Number.isInteger(total) ? String(total) : total.toFixed(4);
        if (s.exporter)
          replicas.forEach((inst, k) => {
            lines[k]!.push(`${name}${lbl({ ...s.labels, job: 'marketplace-pulse', instance: inst })} ${value} ${t}\n`);
          });
        else lines[0]!.push(`${name}${lbl(s.labels)} ${value} ${t}\n`);
      }
      for (const l of lines) {
        await write(l.join(''));
        samples += l.length;
      }
    }
  }
  await write('# EOF\n');
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { series: specs.reduce((n, s) => n + (s.exporter ? replicas.length : 1), 0), samples };
}
