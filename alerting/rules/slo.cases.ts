/**
 * promtool cases for slo.ts, generated per SLO from one error ratio: well above the fast burn
 * (page and ticket fire), just below the 6x page burn (ticket only), just below 1x (quiet).
 */
import { M } from '../../shared/catalogue';
import { BENCHMARKS, SELECTORS } from '../../shared/conventions';
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
    // Mean probe success of 1 - e (a test double for a target that fails that share of probes).
    { series: sel('probe_success', { job: SELECTORS.blackboxJob, instance: 'https://shop.example.com' }), values: `${num(1 - e)}x100` },
  ],
  latency: (e) => [
    ...replicas(sel(`${M.pageLoadSeconds.name}_bucket`, { le: String(BENCHMARKS.responseSeconds) }), good(e)),
    ...replicas(sel(`${M.pageLoadSeconds.name}_count`), `0+${PER_MIN}x100`),
  ],
  http_errors: (e) => [
    ...replicas(sel(M.httpResponsesTotal.name, { status_class: '5xx' }), bad(e)),
    ...replicas(sel(M.httpResponsesTotal.name, { status_class: '2xx' }), good(e)),
  ],
  payments: (e) => [
    ...replicas(sel(M.paymentsTotal.name, { provider: 'stripe', status: 'failed', source: 'db' }), bad(e)),
    ...replicas(sel(M.paymentsTotal.name, { provider: 'stripe', status: 'succeeded', source: 'db' }), good(e)),
  ],
};

const WHAT: Record<string, string> = {
  availability: 'failed blackbox probes',
  latency: 'page loads slower than 2s',
  http_errors: 'HTTP 5xx responses',
  payments: 'failed payments',
};

function expected(slo: Slo, severity: 'page' | 'ticket', e: number): ExpectedAlert {
  const budget = 1 - slo.objective;
  const burns = severity === 'page' ? '14.4x over 1h/5m or 6x over 6h/30m' : '3x over 1d/2h or 1x over 3d/6h';
  return {
    labels: { severity, team: slo.team, feed: slo.feed, slo: slo.name },
    summary: `The ${slo.name} SLO is burning its 30-day error budget ${severity === 'page' ? 'fast' : 'steadily'}.`,
    description: `${pct(e)} ${WHAT[slo.name]} over the long window (objective ${num(slo.objective * 100)} %, budget ${num(budget * 100)} %; ${severity} when burning ${burns}).`,
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
        { expr: `round(${sel(sliRecord('1h'), { slo: slo.name })} * 10000)`, at, samples: [{ labels: `{slo="${slo.name}"}`, value: Math.round(high * 10000) }] },
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

export const sloCases: PromTestCase[] = SLOS.flatMap(casesFor);
