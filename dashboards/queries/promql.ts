/**
 * The Grafana-only parts of dashboard queries: the time picker's range, the rate interval and the
 * template variables. The PromQL builders themselves are shared with alerting (shared/promql.ts).
 */

/** Grafana's range of the time picker and its rate interval (substituted by the e2e test). */
export const RANGE = '$__range';
export const RATE = '$__rate_interval';

/** Template variables as matcher values: every dashboard defines them with All = `.*` (regex). */
export const VAR = { currency: '~$currency', provider: '~$provider', platform: '~$platform' } as const;
