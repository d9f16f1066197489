/**
 * Reliability & SLOs. Availability comes from blackbox probes of the public marketplace URLs; the
 * error-budget panels compute budget and burn rate from raw probes against BENCHMARKS.uptimeRatio
 * (the alerting recording rules use the same target).
 */
import { M } from '../../shared/catalogue';
import { BENCHMARKS, SELECTORS } from '../../shared/conventions';
import { gaugeOf, increaseOf, sel, sumBy } from '../../shared/promql';
import { RANGE } from './promql';
import { BUDGET_RECORD, OBJECTIVE_RECORD, sliRecord, type SliWindow } from '../../alerting/rules/slo';
import { uptime } from './business';

const probe = (name: string) => sel(name, { job: SELECTORS.blackboxJob });

export const uptimeByTarget = (window: string = RANGE) => uptime(window, ['instance']);
export const probeUp = () => `min by (instance) (${probe('probe_success')})`;
export const probeDuration = () => `max by (instance) (${probe('probe_duration_seconds')})`;
export const certDaysLeft = () => `min by (instance) (${probe('probe_ssl_earliest_cert_expiry')} - time()) / 86400`;

/** Failed-probe share over the window divided by the share the SLO allows: 1 = burning exactly on budget. */
export function burnRate(window: string): string {
  return `(1 - ${uptime(window)}) / (1 - ${BENCHMARKS.uptimeRatio})`;
}

/** Share of the 30-day error budget still unspent (negative once the SLO is missed). */
export function budgetRemaining(window = '30d'): string {
  return `1 - ${burnRate(window)}`;
}

const responses = (matchers: Record<string, string>, window: string) => sumBy([], increaseOf(M.httpResponsesTotal.name, matchers, window));

/** 5xx responses over all responses served to page views. */
export function errorRatio(window = '5m'): string {
  return `${responses({ status_class: '5xx' }, window)} / (${responses({}, window)} > 0)`;
}

export const responsesByClass = (window = '5m') => sumBy(['status_class'], increaseOf(M.httpResponsesTotal.name, {}, window));
export const incidentsOpen = () => sumBy(['severity'], gaugeOf(M.incidentsOpen.name));
export const incidentsDeclared = (window: string = RANGE) => sumBy(['severity'], increaseOf(M.incidentsTotal.name, {}, window));
export const downtimeBy = (window: string = RANGE) => sumBy(['component'], increaseOf(M.downtimeSecondsTotal.name, {}, window));

/** Per-SLO series recorded by the alerting rules (availability, latency, http_errors, payments). */
export const budgetBySlo = () => `min by (slo) (${BUDGET_RECORD})`;
export const burnBySlo = (window: SliWindow) => `max by (slo) (${sliRecord(window)} / on (slo) group_left () (1 - ${OBJECTIVE_RECORD}))`;
