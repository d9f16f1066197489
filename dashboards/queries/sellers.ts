/** Sellers: onboarding, activation, churn, activity segments, listing credits. */
import { M } from '../../shared/catalogue';
import { gaugeOf, increaseOf, sumBy } from '../../shared/promql';
import { RANGE } from './promql';

export const segments = () => sumBy(['segment'], gaugeOf(M.sellers.name));
export const applications = (window: string = RANGE) => sumBy([], increaseOf(M.sellerApplicationsTotal.name, {}, window));
export const approvals = (window: string = RANGE) => sumBy([], increaseOf(M.sellersApprovedTotal.name, {}, window));
export const churned = (window: string = RANGE) => sumBy([], increaseOf(M.sellersChurnedTotal.name, {}, window));
export const activation = (window = '30d') => sumBy([], gaugeOf(M.sellerActivationRatio.name, { window }));
export const churn = (window: string) => sumBy([], gaugeOf(M.sellerChurnRatio.name, { window }));
export const activeRatio = () => sumBy([], gaugeOf(M.sellersActiveRatio.name));
export const credits = (state: string) => sumBy([], gaugeOf(M.sellerCredits.name, { state }));
export const creditConsumption = () => sumBy([], gaugeOf(M.sellerCreditConsumptionRatio.name));
export const lowCredit = () => sumBy([], gaugeOf(M.sellersLowCredit.name));
export const mrr = () => sumBy(['currency'], gaugeOf(M.recurringRevenue.name));
