/** Orders & payments detail: funnel, carts, refunds, providers, balances, disputes, reconciliation. */
import { M } from '../../shared/catalogue';
import { gaugeOf, increaseOf, quantileOf, sumBy } from '../../shared/promql';
import { RANGE, RATE, VAR } from './promql';

const cur = { currency: VAR.currency };
const prov = { provider: VAR.provider };

export const funnelStep = (step: string, window = '1d') => sumBy([], gaugeOf(M.funnelSessions.name, { step, window }));
export const conversionByChannel = (window = '1d') => sumBy(['channel'], gaugeOf(M.conversionRatio.name, { window }));
export const highValueOrders = (window: string = RANGE) => sumBy(['currency'], increaseOf(M.highValueOrdersTotal.name, cur, window));
export const ordersByCategory = (window: string = RANGE) => sumBy(['category'], increaseOf(M.ordersByCategoryTotal.name, {}, window));
export const cartsAbandoned = (window = '1h') => sumBy([], increaseOf(M.cartsAbandonedTotal.name, {}, window));
export const cartAbandonment = (window: string) => sumBy([], gaugeOf(M.cartAbandonmentRatio.name, { window }));
export const refundsByReason = (window: string = RANGE) => sumBy(['reason'], increaseOf(M.refundsTotal.name, cur, window));
export const refundedAmount = (window: string = RANGE) => sumBy(['currency'], increaseOf(M.refundedAmountTotal.name, cur, window));
export const returnsByReason = (window: string = RANGE) => sumBy(['reason'], increaseOf(M.returnsTotal.name, {}, window));
export const arpu = (window: string) => sumBy(['currency'], gaugeOf(M.arpu.name, { window, currency: VAR.currency }));
export const repeatPurchase = (window: string) => sumBy([], gaugeOf(M.repeatPurchaseRatio.name, { window }));
export const mrr = () => sumBy(['currency'], gaugeOf(M.recurringRevenue.name, cur));
export const paymentsByStatus = (window = '1h') =>
  sumBy(['provider', 'status'], increaseOf(M.paymentsTotal.name, { ...prov, source: 'db' }, window));
export const paymentAmountSucceeded = (window: string = RANGE) =>
  sumBy(['provider', 'currency'], increaseOf(M.paymentAmountTotal.name, { ...prov, ...cur, status: 'succeeded', source: 'db' }, window));
export const failureReasons = (window: string = RANGE) =>
  sumBy(['reason'], increaseOf(M.paymentFailuresTotal.name, { ...prov, source: 'db' }, window));
/** One row per provider account (provider and balance type), one column per currency. */
export const balances = () =>
  `label_join(${sumBy(['provider', 'currency', 'type'], gaugeOf(M.paymentProviderBalance.name, { ...prov, ...cur }))}, "account", " ", "provider", "type")`;
export const disputesOpen = () => sumBy(['provider'], gaugeOf(M.paymentDisputesOpen.name, prov));
export const reconciliationMismatches = () => sumBy(['provider', 'kind'], gaugeOf(M.paymentReconciliationMismatches.name, prov));
export const providerUp = () => `min by (provider) (${gaugeOf(M.paymentProviderUp.name, prov)})`;
export const providerLatencyP95 = () =>
  quantileOf(0.95, `${M.paymentProviderRequestDurationSeconds.name}_bucket`, prov, RATE, ['provider']);
export const payoutsFailed = (window: string = RANGE) => sumBy(['provider'], increaseOf(M.paymentPayoutsFailedTotal.name, prov, window));
