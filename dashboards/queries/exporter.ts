/**
 * Exporter health. Per-replica panels (scrape up, duration, build info) keep `instance`; panels that
 * aggregate first collapse replicas with min (health: a collector failing on one replica shows) or
 * max (age, cost, errors), so a second replica never doubles a count or dilutes a share.
 */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { sel } from '../../shared/promql';
import { RATE } from './promql';

const REPLICAS = SELECTORS.replicaLabels.join(', ');
const worst = (agg: 'min' | 'max', expr: string) => `${agg} without (${REPLICAS}) (${expr})`;

const job = { job: SELECTORS.exporterJob };

export const scrapeUp = () => `min by (instance) (${sel('up', job)})`;
export const scrapeDuration = () => `max by (instance) (${sel('scrape_duration_seconds', job)})`;
export const collectorsUpShare = () => `avg(${worst('min', sel(M.collectorUp.name, job))})`;
export const collectorUp = () => `min by (collector) (${worst('min', sel(M.collectorUp.name, job))})`;
export const collectorDuration = () => `max by (collector) (${worst('max', sel(M.collectorDurationSeconds.name, job))})`;
/**
 * Seconds since the last success, worst replica. A collector that never succeeded publishes 0 (which
 * would read as 56 years): it shows as NEVER_SUCCEEDED (-1), mapped to "never" on the panel.
 */
export const NEVER_SUCCEEDED = -1;
export const dataAge = () => {
  const last = worst('min', sel(M.collectorLastSuccessTimestampSeconds.name, job));
  return `max by (collector) (time() - (${last} > 0)) or max by (collector) (${last} == 0) * 0 + ${NEVER_SUCCEEDED}`;
};
export const staleCollectors = () => `sum(${worst('max', sel(M.collectorStale.name, job))})`;
export const collectorErrors = () =>
  `sum by (collector, kind) (${worst('max', `rate(${sel(M.collectorErrorsTotal.name, job)}[${RATE}])`)})`;
/** The counter only exists once something was dropped; `or vector(0)` shows a true zero instead of No data. */
export const seriesDropped = () => `sum(${worst('max', `increase(${sel(M.seriesDroppedTotal.name, job)}[${RATE}])`)}) or vector(0)`;
export const buildInfo = () => `max by (instance, version, nodejs) (${sel(M.buildInfo.name, job)})`;
