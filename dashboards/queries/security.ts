/** Security: logins, credential stuffing, profile changes, sensitive audit actions. */
import { M } from '../../shared/catalogue';
import { gaugeOf, increaseOf, sumBy } from '../../shared/promql';
import { RANGE } from './promql';

export const loginsByOutcome = (window = '1h') => sumBy(['outcome'], increaseOf(M.loginsTotal.name, {}, window));
export const failuresByReason = (window: string = RANGE) =>
  sumBy(['reason'], increaseOf(M.loginsTotal.name, { outcome: 'failure' }, window));
export function failedLoginRatio(window = '1h'): string {
  const failed = sumBy([], increaseOf(M.loginsTotal.name, { outcome: 'failure' }, window));
  const all = sumBy([], increaseOf(M.loginsTotal.name, {}, window));
  return `${failed} / (${all} > 0)`;
}
export const accountsOverThreshold = (window: string) => sumBy([], gaugeOf(M.accountsWithFailedLogins.name, { window }));
export const profileChanges = (window = '1h') => sumBy(['field'], increaseOf(M.profileChangesTotal.name, {}, window));
export const auditEvents = (window: string = RANGE) => sumBy(['action'], increaseOf(M.auditEventsTotal.name, {}, window));
export const auditObjects = (window: string = RANGE) =>
  sumBy(['action'], increaseOf(M.auditObjectsTotal.name, { action: '~export|bulk_delete' }, window));
export const unauthorizedApi = (window: string = RANGE) =>
  sumBy([], increaseOf(M.auditEventsTotal.name, { action: 'unauthorized_api' }, window));
