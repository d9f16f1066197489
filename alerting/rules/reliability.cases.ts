/** promtool cases for reliability.ts. */
import { M } from '../../shared/catalogue';
import { SELECTORS } from '../../shared/conventions';
import { replicas, type PromTestCase } from '../promtest';
import { sel } from '../../shared/promql';

const SHOP = 'https://shop.example.com';
const probe = (name: string) => sel(name, { job: SELECTORS.blackboxJob, instance: SHOP });
const sre = (severity: 'page' | 'ticket', feed: 'exporter_db' | 'blackbox' | 'self') => ({ severity, team: 'sre', feed }) as const;
const responses = (ok: number, err: number) => [
  ...replicas(sel(M.httpResponsesTotal.name, { status_class: '2xx' }), `0+${ok}x20`),
  ...replicas(sel(M.httpResponsesTotal.name, { status_class: '5xx' }), `0+${err}x20`),
];
// Expiry timestamps seen at eval time 20m (1200 s after the epoch of the test).
const expiresInDays = (days: number) => `${1200 + days * 86400}x30`;
const cert = (severity: 'page' | 'ticket', days: string, below: number) => ({
  labels: { ...sre(severity, 'blackbox'), instance: SHOP, job: SELECTORS.blackboxJob },
  summary: `The TLS certificate of ${SHOP} expires in ${days} days.`,
  description: `The earliest certificate in the chain served by ${SHOP} expires in ${days} days (${severity} below ${below} days). Browsers and payment callbacks will fail once it does.`,
});

export const reliabilityCases: PromTestCase[] = [
  {
    name: '10 % of page views fail with 5xx',
    series: responses(90, 10),
    alerts: [
      {
        alert: 'HighErrorRate',
        at: '15m',
        fires: [
          {
            labels: sre('page', 'exporter_db'),
            summary: '10% of page views fail with 5xx.',
            description:
              '10% of page views got a 5xx response over the last 5 minutes (page above 5 % from 100 page views up; the SLO allows 1 %).',
          },
        ],
      },
    ],
    values: [{ expr: 'round(:marketplace_http_responses:error_ratio_rate5m * 1000)', at: '15m', samples: [{ labels: '{}', value: 100 }] }],
  },
  { name: '4.9 % errors: quiet', series: responses(95.1, 4.9), alerts: [{ alert: 'HighErrorRate', at: '15m', fires: [] }] },
  // 3 page views a minute, one 5xx every 2 minutes (14 %): 17 page views in 5 minutes prove nothing.
  {
    name: 'a quiet night with a few 5xx among a handful of page views: quiet',
    series: responses(3, 0.5),
    alerts: [{ alert: 'HighErrorRate', at: '15m', fires: [] }],
  },
  {
    name: 'every probe fails for 2 minutes',
    series: [{ series: probe('probe_success'), values: '1 0x10' }],
    alerts: [
      {
        alert: 'SiteDown',
        at: '5m',
        fires: [
          {
            labels: { ...sre('page', 'blackbox'), instance: SHOP, job: SELECTORS.blackboxJob },
            summary: `${SHOP} is down.`,
            description: `Every blackbox probe of ${SHOP} failed for 2 minutes: buyers cannot reach it.`,
          },
        ],
      },
    ],
  },
  {
    name: 'one failed probe then success: quiet',
    series: [{ series: probe('probe_success'), values: '1 0 1x10' }],
    alerts: [{ alert: 'SiteDown', at: '5m', fires: [] }],
  },
  {
    name: 'probes take 2.5 s',
    series: [{ series: probe('probe_duration_seconds'), values: '2.5x30' }],
    alerts: [
      {
        alert: 'SiteSlow',
        at: '25m',
        fires: [
          {
            labels: { ...sre('ticket', 'blackbox'), instance: SHOP, job: SELECTORS.blackboxJob },
            summary: `${SHOP} answers in 2.5s.`,
            description: `Blackbox probes of ${SHOP} took 2.5s on average over 10 minutes (benchmark 2s).`,
          },
        ],
      },
    ],
  },
  {
    name: 'probes take 1.9 s: quiet',
    series: [{ series: probe('probe_duration_seconds'), values: '1.9x30' }],
    alerts: [{ alert: 'SiteSlow', at: '25m', fires: [] }],
  },
  {
    name: 'certificate expires in 10 days: ticket',
    series: [{ series: probe('probe_ssl_earliest_cert_expiry'), values: expiresInDays(10) }],
    alerts: [{ alert: 'TLSCertificateExpiring', at: '20m', fires: [cert('ticket', '10.0', 14)] }],
  },
  {
    name: 'certificate expires in 2 days: page and ticket',
    series: [{ series: probe('probe_ssl_earliest_cert_expiry'), values: expiresInDays(2) }],
    alerts: [{ alert: 'TLSCertificateExpiring', at: '20m', fires: [cert('ticket', '2.0', 14), cert('page', '2.0', 3)] }],
  },
  {
    name: 'certificate expires in 14.5 days: quiet',
    series: [{ series: probe('probe_ssl_earliest_cert_expiry'), values: expiresInDays(14.5) }],
    alerts: [{ alert: 'TLSCertificateExpiring', at: '20m', fires: [] }],
  },
  {
    name: 'a critical and two major incidents open; minor ones never alert',
    series: [
      ...replicas(sel(M.incidentsOpen.name, { severity: 'critical' }), '1x10'),
      ...replicas(sel(M.incidentsOpen.name, { severity: 'major' }), '2x10'),
      ...replicas(sel(M.incidentsOpen.name, { severity: 'minor' }), '5x10'),
    ],
    alerts: [
      {
        alert: 'IncidentOpen',
        at: '5m',
        fires: [
          {
            labels: { ...sre('page', 'exporter_db'), incident_severity: 'critical' },
            summary: '1 critical incident(s) open.',
            description:
              '1 incident(s) of severity critical are open in the incident tracker: join the incident channel and follow its commander.',
          },
          {
            labels: { ...sre('ticket', 'exporter_db'), incident_severity: 'major' },
            summary: '2 major incident(s) open.',
            description:
              '2 incident(s) of severity major are open in the incident tracker: join the incident channel and follow its commander.',
          },
        ],
      },
    ],
  },
  {
    name: 'no incident open: quiet',
    series: [
      ...replicas(sel(M.incidentsOpen.name, { severity: 'critical' }), '0x10'),
      ...replicas(sel(M.incidentsOpen.name, { severity: 'major' }), '0x10'),
    ],
    alerts: [{ alert: 'IncidentOpen', at: '5m', fires: [] }],
  },
  {
    name: 'two collectors fail to connect every minute',
    series: [
      ...replicas(sel(M.collectorErrorsTotal.name, { collector: 'orders', kind: 'connection' }), '0+1x20'),
      ...replicas(sel(M.collectorErrorsTotal.name, { collector: 'users', kind: 'connection' }), '0+1x20'),
    ],
    alerts: [
      {
        alert: 'DatabaseUnreachable',
        at: '15m',
        fires: [
          {
            labels: sre('page', 'self'),
            summary: 'The exporter cannot reach the marketplace database.',
            description:
              'Every exporter replica failed to connect to the marketplace database (at least 10 collector cycles each in the last 5 minutes), for 5 minutes: business metrics are frozen and business alerts are silenced.',
          },
        ],
      },
    ],
  },
  {
    name: 'query errors (not connection errors): quiet',
    series: [
      ...replicas(sel(M.collectorErrorsTotal.name, { collector: 'orders', kind: 'query' }), '0+1x20'),
      ...replicas(sel(M.collectorErrorsTotal.name, { collector: 'orders', kind: 'connection' }), '0x20'),
    ],
    alerts: [{ alert: 'DatabaseUnreachable', at: '15m', fires: [] }],
  },
  {
    // Replica a lost its database; replica b still collects, so business alerts must stay live.
    name: 'one replica cannot connect, the other can: quiet',
    series: [
      { series: sel(M.collectorErrorsTotal.name, { collector: 'orders', kind: 'connection', instance: 'a' }), values: '0+1x20' },
      { series: sel(M.collectorErrorsTotal.name, { collector: 'orders', kind: 'connection', instance: 'b' }), values: '0x20' },
    ],
    alerts: [{ alert: 'DatabaseUnreachable', at: '15m', fires: [] }],
  },
];
