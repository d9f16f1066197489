/** Exporter health: is the exporter scraped, are its collectors fresh, what do they cost. */
import { DASHBOARD_UIDS } from '../shared/conventions';
import { atLeast, below, informational, zeroIsOk, type DashboardSpec } from './common';
import * as q from './queries/exporter';

export const exporterHealth: DashboardSpec = {
  uid: DASHBOARD_UIDS.exporter,
  title: 'Marketplace Pulse / Exporter health',
  description: 'Scrapes, collectors up, cycle durations, data age, staleness, errors and dropped series, per replica.',
  tags: ['operations', 'exporter'],
  from: '6h',
  sections: [
    {
      title: 'Scrapes',
      panels: [
        {
          kind: 'stat',
          title: 'Scrape up',
          description: 'Prometheus `up` per exporter replica: 1 when the last scrape succeeded.',
          unit: 'short',
          thresholds: atLeast(1),
          queries: [{ expr: q.scrapeUp(), legend: '{{instance}}', instant: true }],
        },
        {
          kind: 'stat',
          title: 'Collectors up',
          description:
            'Share of collectors whose last cycle succeeded on every replica (min across replicas, then averaged over collectors).',
          unit: 'percentunit',
          thresholds: atLeast(1, 0.9),
          queries: [{ expr: q.collectorsUpShare(), legend: 'up', instant: true }],
        },
        {
          kind: 'stat',
          title: 'Stale collectors',
          description:
            'Collectors whose series were dropped because their last success is older than max_staleness (on any replica; replicas are not added up).',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.staleCollectors(), legend: 'stale', instant: true }],
        },
        {
          kind: 'timeseries',
          title: 'Scrape duration',
          description:
            'Time Prometheus needed to scrape each replica; /metrics serves a snapshot, so this stays small whatever the database does.',
          unit: 's',
          thresholds: below(1),
          queries: [{ expr: q.scrapeDuration(), legend: '{{instance}}' }],
          w: 6,
          h: 4,
        },
      ],
    },
    {
      title: 'Collectors',
      panels: [
        {
          kind: 'bargauge',
          title: 'Collector up',
          description: "1 when the collector's last cycle succeeded on every replica (min across replicas).",
          unit: 'short',
          thresholds: atLeast(1),
          queries: [{ expr: q.collectorUp(), legend: '{{collector}}', instant: true }],
          h: 10,
          min: 0,
          max: 1,
        },
        {
          kind: 'bargauge',
          title: 'Data age',
          description:
            'Seconds since each collector\'s last successful cycle (worst replica); "never" for a collector that has not succeeded since the exporter started.',
          unit: 's',
          thresholds: below(600, 300),
          queries: [{ expr: q.dataAge(), legend: '{{collector}}', instant: true }],
          h: 10,
          valueText: { [String(q.NEVER_SUCCEEDED)]: { text: 'never', color: 'red' } },
        },
        {
          kind: 'timeseries',
          title: 'Cycle duration',
          description: "Wall time of each collector's last cycle (worst replica).",
          unit: 's',
          thresholds: informational(),
          queries: [{ expr: q.collectorDuration(), legend: '{{collector}}' }],
        },
        {
          kind: 'timeseries',
          title: 'Collector errors',
          description: 'Failed cycles per second by collector and kind (timeout, connection, query, other), worst replica.',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.collectorErrors(), legend: '{{collector}} {{kind}}' }],
        },
        {
          kind: 'timeseries',
          title: 'Series dropped',
          description: 'Series not exported because a metric exceeded its series limit (cardinality guard); 0 when nothing was dropped.',
          unit: 'short',
          thresholds: zeroIsOk(),
          queries: [{ expr: q.seriesDropped(), legend: 'dropped' }],
        },
        {
          kind: 'table',
          title: 'Build info',
          description: 'Exporter version and Node.js version per replica.',
          unit: 'short',
          thresholds: informational(),
          queries: [{ expr: q.buildInfo(), instant: true }],
          table: {
            kind: 'columns',
            value: 'Value',
            hide: ['Value'],
            rename: { instance: 'Replica', version: 'Version', nodejs: 'Node.js' },
          },
        },
      ],
    },
  ],
};
