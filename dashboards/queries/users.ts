/** User activity: active users, visitors, sessions, engagement, retention. */
import { M } from '../../shared/catalogue';
import { gaugeOf, increaseOf, quantileOf, sumBy } from '../../shared/promql';
import { RANGE, RATE, VAR } from './promql';

export const activeUsers = (window: string) => sumBy([], gaugeOf(M.activeUsers.name, { window }));
export const activationRatio = (window: string) => sumBy([], gaugeOf(M.userActivationRatio.name, { window }));
export const usageFrequency = (window: string) => sumBy([], gaugeOf(M.usageFrequency.name, { window }));
export const visitorsByType = (window: string) => sumBy(['visitor_type'], gaugeOf(M.visitors.name, { window }));
export const sessionsBy = (label: 'platform' | 'channel', window = '1h') =>
  sumBy([label], increaseOf(M.sessionsTotal.name, { platform: VAR.platform }, window));
export const sessionsSum = (window: string = RANGE) => sumBy([], increaseOf(M.sessionsTotal.name, { platform: VAR.platform }, window));
export const sessionDurationQuantile = (q: number) => quantileOf(q, `${M.sessionDurationSeconds.name}_bucket`, {}, RATE);
export const pageLoadQuantile = (q: number, window: string = RATE) => quantileOf(q, `${M.pageLoadSeconds.name}_bucket`, {}, window);
export const pageViews = (window = '1h') => sumBy([], increaseOf(M.pageViewsTotal.name, {}, window));
export const eventsByType = (window = '1h') => sumBy(['type'], increaseOf(M.eventsTotal.name, {}, window));
export const bounce = (window: string) => sumBy([], gaugeOf(M.bounceRatio.name, { window }));
export const retention = (day: string) => sumBy([], gaugeOf(M.retentionRatio.name, { day }));
export const cohortRetention = () => sumBy(['cohort_weeks_ago', 'weeks_since_signup'], gaugeOf(M.cohortRetentionRatio.name));
export const registrations = (window = '1d') => sumBy([], increaseOf(M.usersRegisteredTotal.name, {}, window));
