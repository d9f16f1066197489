/** Exporter health: is Marketplace Pulse itself scraping, collecting and fresh? */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { ALERT } from '../constants';
import { num, type RuleGroup } from '../model';
import { collapse, gaugeOf, increaseOf, sel, sumBy } from '../../shared/promql';

const job = { job: SELECTORS.exporterJob };

export function exporterGroup(): RuleGroup {
  return {
    file: 'exporter',
    name: 'marketplace-exporter',
    rules: [
      {
        alert: 'ExporterTargetDown',
        // Every replica down: one surviving replica still publishes every number.
        expr: `${collapse(sel('up', job))} == 0`,
        for: '5m',
        severity: 'page',
        team: 'sre',
        feed: 'self',
        summary: 'Prometheus cannot scrape Marketplace Pulse.',
        description:
          'No replica of job {{ $labels.job }} has answered a scrape for 5 minutes: every business dashboard and alert is blind.',
      },
      {
        alert: 'CollectorFailing',
        expr: `${gaugeOf(M.collectorUp.name, job)} == 0`,
        for: '15m',
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'Collector {{ $labels.collector }} is failing.',
        description:
          'The {{ $labels.collector }} collector has failed every cycle for 15 minutes on every replica; its metrics are frozen or dropped. The exporter log has one line per failure.',
      },
      {
        alert: 'ExporterDataStale',
        expr: `time() - ${collapse(`${sel(M.collectorLastSuccessTimestampSeconds.name, job)} > 0`)} > ${ALERT.dataStaleSeconds}`,
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'Data from collector {{ $labels.collector }} is {{ $value | humanizeDuration }} old.',
        description: `The {{ $labels.collector }} collector last succeeded {{ $value | humanizeDuration }} ago (alert above ${num(ALERT.dataStaleSeconds / 3600)}h).`,
      },
      {
        alert: 'ExporterSeriesDropped',
        expr: `${sumBy(['metric'], increaseOf(M.seriesDroppedTotal.name, job, '30m'))} > 0`,
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'Series of {{ $labels.metric }} are being dropped.',
        description:
          '{{ $value | printf "%.0f" }} series of {{ $labels.metric }} were dropped in the last 30 minutes by the cardinality guard: a label grew beyond its allow-list or the series limit is too low.',
      },
      {
        alert: 'ExporterScrapeSlow',
        expr: `${sel('scrape_duration_seconds', job)} > ${num(ALERT.scrapeSlowSeconds)}`,
        for: '15m',
        severity: 'ticket',
        team: 'sre',
        feed: 'self',
        summary: 'Scraping {{ $labels.instance }} takes {{ $value | humanizeDuration }}.',
        description: `Scrapes of {{ $labels.instance }} take {{ $value | humanizeDuration }} (alert above ${num(ALERT.scrapeSlowSeconds)}s); /metrics serves a cache and should answer in milliseconds.`,
      },
    ],
  };
}
