/** Orders, revenue, conversion and payment success: shared by the executive, orders and monthly dashboards. */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { collapse, delta, gaugeOf, increaseOf, sel, sumBy } from '../../shared/promql';
import { RANGE, VAR } from './promql';

const cur = { currency: VAR.currency };
const prov = { provider: VAR.provider };

export const gmvBy = (window: string = RANGE, offset?: string) => sumBy(['currency'], increaseOf(M.gmvTotal.name, cur, window, offset));
export const ordersSum = (window: string = RANGE, offset?: string) => sumBy([], increaseOf(M.ordersTotal.name, cur, window, offset));
export const ordersBy = (window: string = RANGE) => sumBy(['currency'], increaseOf(M.ordersTotal.name, cur, window));

/** Average order value per currency: increase of the histogram's _sum over its _count. */
export function aovBy(window: string = RANGE, offset?: string): string {
  const s = sumBy(['currency'], increaseOf(`${M.orderValue.name}_sum`, cur, window, offset));
  const c = sumBy(['currency'], increaseOf(`${M.orderValue.name}_count`, cur, window, offset));
  return `${s} / (${c} > 0)`;
}

/** Sessions of the last day that ended in a paid order, over all sessions of that day (funnel gauge). */
export function paidConversion(offset?: string): string {
  const step = (s: string) => sumBy([], gaugeOf(M.funnelSessions.name, { step: s, window: '1d' }, offset));
  return `${step('paid')} / (${step('visit')} > 0)`;
}

/** succeeded / (succeeded + failed) as the marketplace database recorded them. */
export function paymentSuccess(by: string[] = [], window: string = RANGE, offset?: string, source = 'db'): string {
  const ok = sumBy(by, increaseOf(M.paymentsTotal.name, { ...prov, status: 'succeeded', source }, window, offset));
  const all = sumBy(by, increaseOf(M.paymentsTotal.name, { ...prov, status: '~succeeded|failed', source }, window, offset));
  return `${ok} / (${all} > 0)`;
}

/** Share of successful blackbox probes of the marketplace's public URLs (one Prometheus: no replicas). */
export function uptime(window: string = RANGE, by: string[] = [], offset?: string): string {
  const o = offset ? ` offset ${offset}` : '';
  return `avg${by.length ? ` by (${by.join(', ')})` : ''} (avg_over_time(${sel('probe_success', { job: SELECTORS.blackboxJob })}[${window}]${o}))`;
}

export const dau = (offset?: string) => sumBy([], gaugeOf(M.activeUsers.name, { window: '1d' }, offset));

export const wow = (now: string, before: string) => delta(now, before);

export { collapse };
