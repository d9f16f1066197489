/**
 * Exporter health. Here replicas are the subject, so series are kept per instance (no collapse):
 * a collector failing on one replica must stay visible.
 */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { sel } from '../../shared/promql';
import { RATE } from './promql';

const job = { job: SELECTORS.exporterJob };

export const scrapeUp = () => `min by (instance) (${sel('up', job)})`;
export const scrapeDuration = () => `max by (instance) (${sel('scrape_duration_seconds', job)})`;
export const collectorsUpShare = () => `avg(${sel(M.collectorUp.name, job)})`;
export const collectorUp = () => `min by (collector) (${sel(M.collectorUp.name, job)})`;
export const collectorDuration = () => `max by (collector) (${sel(M.collectorDurationSeconds.name, job)})`;
export const dataAge = () => `max by (collector) (time() - ${sel(M.collectorLastSuccessTimestampSeconds.name, job)})`;
export const staleCollectors = () => `sum(${sel(M.collectorStale.name, job)})`;
export const collectorErrors = () => `sum by (collector, kind) (rate(${sel(M.collectorErrorsTotal.name, job)}[${RATE}]))`;
/** The counter only exists once something was dropped; `or vector(0)` shows a true zero instead of No data. */
export const seriesDropped = () => `sum(increase(${sel(M.seriesDroppedTotal.name, job)}[${RATE}])) or vector(0)`;
export const buildInfo = () => `max by (instance, version, nodejs) (${sel(M.buildInfo.name, job)})`;
