/** promtool cases for exporter.ts. */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import type { PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';

const job = SELECTORS.exporterJob;
const at = (name: string, instance: string, labels: Record<string, string> = {}) => sel(name, { job, instance, ...labels });
const ticket = { severity: 'ticket', team: 'sre', feed: 'self' } as const;
const orders = { collector: 'orders' };

export const exporterCases: PromTestCase[] = [
  {
    name: 'both replicas down for 5 minutes',
    series: [
      { series: at('up', 'a'), values: '1 0x10' },
      { series: at('up', 'b'), values: '1 0x10' },
    ],
    alerts: [
      {
        alert: 'ExporterTargetDown',
        at: '7m',
        fires: [
          {
            labels: { severity: 'page', team: 'sre', feed: 'self', job },
            summary: 'Prometheus cannot scrape Marketplace Pulse.',
            description: `No replica of job ${job} has answered a scrape for 5 minutes: every business dashboard and alert is blind.`,
          },
        ],
      },
    ],
  },
  {
    name: 'one replica down: quiet',
    series: [
      { series: at('up', 'a'), values: '0x10' },
      { series: at('up', 'b'), values: '1x10' },
    ],
    alerts: [{ alert: 'ExporterTargetDown', at: '7m', fires: [] }],
  },
  {
    name: 'orders collector failing on both replicas',
    series: [
      { series: at(M.collectorUp.name, 'a', orders), values: '0x20' },
      { series: at(M.collectorUp.name, 'b', orders), values: '0x20' },
    ],
    alerts: [
      {
        alert: 'CollectorFailing',
        at: '17m',
        fires: [
          {
            labels: { ...ticket, job, collector: 'orders' },
            summary: 'Collector orders is failing.',
            description:
              'The orders collector has failed every cycle for 15 minutes on every replica; its metrics are frozen or dropped. The exporter log has one line per failure.',
          },
        ],
      },
    ],
  },
  {
    name: 'orders collector failing on one replica: quiet',
    series: [
      { series: at(M.collectorUp.name, 'a', orders), values: '0x20' },
      { series: at(M.collectorUp.name, 'b', orders), values: '1x20' },
    ],
    alerts: [{ alert: 'CollectorFailing', at: '17m', fires: [] }],
  },
  {
    name: 'last success 2h30m ago',
    series: [{ series: at(M.collectorLastSuccessTimestampSeconds.name, 'a', { collector: 'cohort_retention' }), values: '1800x200' }],
    alerts: [
      {
        alert: 'ExporterDataStale',
        at: '3h',
        fires: [
          {
            labels: { ...ticket, job, collector: 'cohort_retention' },
            summary: 'Data from collector cohort_retention is 2h 30m 0s old.',
            description: 'The cohort_retention collector last succeeded 2h 30m 0s ago (alert above 2h).',
          },
        ],
      },
    ],
  },
  {
    name: 'last success 1h59m59s ago: quiet',
    series: [{ series: at(M.collectorLastSuccessTimestampSeconds.name, 'a', { collector: 'cohort_retention' }), values: '3601x200' }],
    alerts: [{ alert: 'ExporterDataStale', at: '3h', fires: [] }],
  },
  {
    name: 'series dropped by the cardinality guard',
    series: [{ series: at(M.seriesDroppedTotal.name, 'a', { metric: M.ordersByCategoryTotal.name }), values: '0x20 5x20' }],
    alerts: [
      {
        alert: 'ExporterSeriesDropped',
        at: '30m',
        fires: [
          {
            labels: { ...ticket, metric: M.ordersByCategoryTotal.name },
            summary: `Series of ${M.ordersByCategoryTotal.name} are being dropped.`,
            description: `5 series of ${M.ordersByCategoryTotal.name} were dropped in the last 30 minutes by the cardinality guard: a label grew beyond its allow-list or the series limit is too low.`,
          },
        ],
      },
    ],
  },
  {
    name: 'no series dropped: quiet',
    series: [{ series: at(M.seriesDroppedTotal.name, 'a', { metric: M.ordersByCategoryTotal.name }), values: '3x40' }],
    alerts: [{ alert: 'ExporterSeriesDropped', at: '30m', fires: [] }],
  },
  {
    name: 'scrapes take 1.5 s',
    series: [{ series: at('scrape_duration_seconds', '10.0.0.1:9464'), values: '1.5x30' }],
    alerts: [
      {
        alert: 'ExporterScrapeSlow',
        at: '20m',
        fires: [
          {
            labels: { ...ticket, job, instance: '10.0.0.1:9464' },
            summary: 'Scraping 10.0.0.1:9464 takes 1.5s.',
            description: 'Scrapes of 10.0.0.1:9464 take 1.5s (alert above 1s); /metrics serves a cache and should answer in milliseconds.',
          },
        ],
      },
    ],
  },
  {
    name: 'scrapes take 0.9 s: quiet',
    series: [{ series: at('scrape_duration_seconds', '10.0.0.1:9464'), values: '0.9x30' }],
    alerts: [{ alert: 'ExporterScrapeSlow', at: '20m', fires: [] }],
  },
];
