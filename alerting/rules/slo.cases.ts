/**
 * promtool cases for slo.ts, generated per SLO from one error ratio: well above the fast burn
 * (page and ticket fire), just below the 6x page burn (ticket only), just below 1x (quiet).
 */
import { M } from '../../shared/catalogue';
import { BENCHMARKS, SELECTORS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { num } from '../model';
import { pct, replicas, type ExpectedAlert, type InputSeries, type PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';
import { BUDGET_RECORD, SLOS, sliRecord, type Slo } from './slo';

const PER_MIN = 1000;
const good = (e: number) => `0+${num(PER_MIN * (1 - e))}x100`;
const bad = (e: number) => `0+${num(PER_MIN * e)}x100`;

/** Input series that produce error ratio `e`, per SLO. */
const SERIES: Record<string, (e: number) => InputSeries[]> = {
  availability: (e) => [
    // Mean probe success of 1 - e (a test double for targets that fail that share of probes).
    { series: sel('probe_success', { job: SELECTORS.blackboxJob, instance: 'https://shop.example.com' }), values: `${num(1 - e)}x100` },
    { series: sel('probe_success', { job: SELECTORS.blackboxJob, instance: 'https://api.example.com' }), values: `${num(1 - e)}x100` },
    { series: sel('probe_success', { job: SELECTORS.blackboxJob, instance: 'https://sellers.example.com' }), values: `${num(1 - e)}x100` },
  ],
  latency: (e) => [
    // Prometheus 3 spells the bucket "2.0", Prometheus 2 "2": one replica each, both must match.
    { series: sel(`${M.pageLoadSeconds.name}_bucket`, { le: String(BENCHMARKS.responseSeconds), instance: 'a' }), values: good(e) },
    { series: sel(`${M.pageLoadSeconds.name}_bucket`, { le: BENCHMARKS.responseSeconds.toFixed(1), instance: 'b' }), values: good(e) },
    ...replicas(sel(`${M.pageLoadSeconds.name}_count`), `0+${PER_MIN}x100`),
  ],
  http_errors: (e) => [
    ...replicas(sel(M.httpResponsesTotal.name, { status_class: '5xx' }), bad(e)),
    ...replicas(sel(M.httpResponsesTotal.name, { status_class: '2xx' }), good(e)),
  ],
  payments: (e) => [
    ...replicas(sel(M.paymentFailuresTotal.name, { provider: 'stripe', reason: 'processing_error', source: 'db' }), bad(e)),
    ...replicas(sel(M.paymentsTotal.name, { provider: 'stripe', status: 'succeeded', source: 'db' }), good(e)),
  ],
};

const WHAT: Record<string, string> = {
  availability: 'failed blackbox probes',
  latency: 'page loads slower than 2s',
  http_errors: 'HTTP 5xx responses',
  payments: 'failed payments (buyer declines excluded)',
};

function expected(slo: Slo, severity: 'page' | 'ticket', e: number): ExpectedAlert {
  const budget = 1 - slo.objective;
  const burns = severity === 'page' ? '14.4x over 1h/5m or 6x over 6h/30m' : '3x over 1d/2h or 1x over 3d/6h';
  return {
    labels: { severity, team: slo.team, feed: slo.feed, slo: slo.name },
    summary: `The ${slo.name} SLO is burning its 30-day error budget ${severity === 'page' ? 'fast' : 'steadily'}.`,
    description:
      `${pct(e)} ${WHAT[slo.name]} over the long window (objective ${num(slo.objective * 100)} %, budget ${num(budget * 100)} %; ${severity} when burning ${burns}, ` +
      `with at least ${ALERT.burnMinEvents} events${slo.name === 'availability' ? '' : ` and ${ALERT.burnMinErrors} bad ones`}).`,
  };
}

function casesFor(slo: Slo): PromTestCase[] {
  const budget = 1 - slo.objective;
  const high = Math.min(1, 15 * budget);
  const belowPage = 5.8 * budget;
  const belowTicket = 0.9 * budget;
  const at = '60m';
  return [
    {
      name: `${slo.name}: error ratio ${pct(high)} burns 15x the budget: page and ticket`,
      series: SERIES[slo.name](high),
      alerts: [{ alert: slo.alert, at, fires: [expected(slo, 'page', high), expected(slo, 'ticket', high)] }],
      values: [
        // Scaled to an integer so the check is exact; replicas are not doubled.
        {
          expr: `round(${sel(sliRecord('1h'), { slo: slo.name })} * 10000)`,
          at,
          samples: [{ labels: `{slo="${slo.name}"}`, value: Math.round(high * 10000) }],
        },
      ],
    },
    {
      name: `${slo.name}: error ratio ${pct(belowPage)} is just below the 6x page burn: ticket only`,
      series: SERIES[slo.name](belowPage),
      alerts: [{ alert: slo.alert, at, fires: [expected(slo, 'ticket', belowPage)] }],
    },
    {
      name: `${slo.name}: error ratio ${pct(belowTicket)} is within budget: quiet, 10 % of the budget left`,
      series: SERIES[slo.name](belowTicket),
      alerts: [{ alert: slo.alert, at, fires: [] }],
      values: [
        { expr: `round(${sel(BUDGET_RECORD, { slo: slo.name })} * 1000)`, at, samples: [{ labels: `{slo="${slo.name}"}`, value: 100 }] },
      ],
    },
  ];
}

const http = SLOS.find((s) => s.name === 'http_errors')!;
const payments = SLOS.find((s) => s.name === 'payments')!;

export const sloCases: PromTestCase[] = [
  ...SLOS.flatMap(casesFor),
  {
    // One page view a minute and a 5xx every 5 minutes: 17 % in every window would burn the page
    // budget 14.4x, but 72 page views an hour are below the volume guard (and so is 1 bad in 5m).
    name: 'http_errors: a quiet night with an occasional 5xx stays quiet',
    series: [
      ...replicas(sel(M.httpResponsesTotal.name, { status_class: '5xx' }), '0+0.2x100'),
      ...replicas(sel(M.httpResponsesTotal.name, { status_class: '2xx' }), '0+1x100'),
    ],
    alerts: [
      { alert: http.alert, at: '40m', fires: [] },
      { alert: http.alert, at: '62m', fires: [] },
    ],
  },
  {
    // 30 % of payments declined by buyers' banks, 1 % failing on our side: the SLI sees 1 %.
    name: 'payments: buyer declines do not burn the budget; the error budget stays a number',
    series: [
      ...replicas(sel(M.paymentFailuresTotal.name, { provider: 'stripe', reason: 'card_declined', source: 'db' }), '0+200x100'),
      ...replicas(sel(M.paymentFailuresTotal.name, { provider: 'stripe', reason: 'insufficient_funds', source: 'db' }), '0+100x100'),
      ...replicas(sel(M.paymentFailuresTotal.name, { provider: 'stripe', reason: 'processing_error', source: 'db' }), '0+7x100'),
      ...replicas(sel(M.paymentsTotal.name, { provider: 'stripe', status: 'succeeded', source: 'db' }), '0+693x100'),
    ],
    alerts: [{ alert: payments.alert, at: '60m', fires: [] }],
    values: [
      {
        expr: `round(${sel(sliRecord('1h'), { slo: 'payments' })} * 1000)`,
        at: '60m',
        samples: [{ labels: '{slo="payments"}', value: 10 }],
      },
      // 1 % of a 5 % budget used: 80 % left (the 30d ratio is of sums, so it is exact).
      {
        expr: `round(${sel(BUDGET_RECORD, { slo: 'payments' })} * 1000)`,
        at: '60m',
        samples: [{ labels: '{slo="payments"}', value: 800 }],
      },
    ],
  },
  {
    // Traffic stops for 20 minutes (0/0 in the 5m window): the 30d budget stays a number.
    name: 'http_errors: minutes without traffic never make the error budget NaN',
    series: [
      ...replicas(sel(M.httpResponsesTotal.name, { status_class: '5xx' }), '0+1x30 30x20 30+1x50'),
      ...replicas(sel(M.httpResponsesTotal.name, { status_class: '2xx' }), '0+199x30 5970x20 5970+199x50'),
    ],
    values: [
      {
        expr: `round(${sel(BUDGET_RECORD, { slo: 'http_errors' })} * 1000)`,
        at: '45m',
        samples: [{ labels: '{slo="http_errors"}', value: 500 }],
      },
      { expr: `count(${sel(sliRecord('5m'), { slo: 'http_errors' })})`, at: '45m', samples: [] },
    ],
  },
];
