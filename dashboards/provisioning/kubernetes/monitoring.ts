/** What prometheus-operator turns into Prometheus config: ServiceMonitor, Probe, PrometheusRules. */
import { Probe, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ruleGroups } from '../../../alerting/groups';
import { promRules } from '../../../alerting/render';
import { SELECTORS } from '../../../shared/conventions';
import { HTTP_PATHS } from '../../../exporter/src/http/app';
import { COMPOSE_ADDRESSES, PROBE_MODULE } from '../prometheus';
import {
  JOB_LABEL,
  LABELS,
  NAME,
  NAMESPACE,
  PORT,
  PORT_NAME,
  PROMETHEUS_SELECTOR_LABELS,
  SECRET_KEYS,
  SECRET_NAME,
  SELECTOR_LABELS,
  TLS_SECRET_NAME,
  type KubernetesOptions,
} from './common';

/** The rules' rate windows assume the compose stack's interval; the same interval here. */
export const SCRAPE_INTERVAL = COMPOSE_ADDRESSES.scrapeInterval;
/** Scrapes read a cached snapshot (p99 ~3 ms, README "Performance"): Prometheus' default is ample. */
export const SCRAPE_TIMEOUT = '10s';

/** The blackbox exporter of the prometheus-community chart (release `prometheus-blackbox-exporter`). */
export const BLACKBOX_PROBER = 'prometheus-blackbox-exporter.monitoring.svc:9115';
/** Placeholder storefront URLs: replace with your storefront, checkout and API (README). */
export const PROBE_TARGETS = ['https://marketplace.example.com/'];

export function serviceMonitor(o: KubernetesOptions): ServiceMonitor {
  return new ServiceMonitor({
    metadata: { name: NAME, labels: { ...LABELS, ...PROMETHEUS_SELECTOR_LABELS } },
    spec: {
      // The job label comes from this Service label, so it equals the job the rules select on.
      jobLabel: JOB_LABEL,
      selector: { matchLabels: { ...SELECTOR_LABELS } },
      endpoints: [
        {
          port: PORT_NAME,
          path: HTTP_PATHS.metrics,
          interval: SCRAPE_INTERVAL,
          scrapeTimeout: SCRAPE_TIMEOUT,
          ...(o.auth === 'bearer'
            ? { authorization: { type: 'Bearer', credentials: { name: SECRET_NAME, key: SECRET_KEYS.metricsToken } } }
            : {}),
          ...(o.tls
            ? {
                scheme: 'https',
                tlsConfig: { ca: { secret: { name: TLS_SECRET_NAME, key: 'ca.crt' } }, serverName: `${NAME}.${NAMESPACE}.svc` },
              }
            : {}),
        },
      ],
    },
  });
}

export function probe(targets: string[] = PROBE_TARGETS): Probe {
  return new Probe({
    metadata: { name: `${NAME}-site`, labels: { ...LABELS, ...PROMETHEUS_SELECTOR_LABELS } },
    spec: {
      // The availability SLO and probe alerts select this job.
      jobName: SELECTORS.blackboxJob,
      prober: { url: BLACKBOX_PROBER },
      module: PROBE_MODULE,
      interval: SCRAPE_INTERVAL,
      scrapeTimeout: SCRAPE_TIMEOUT,
      targets: { staticConfig: { static: targets, labels: { component: 'web' } } },
    },
  });
}

/** In-cluster URL of the exporter's landing page (the demo probes it, as the compose stack does). */
export function exporterUrl(o: KubernetesOptions): string {
  return `${o.tls ? 'https' : 'http'}://${NAME}.${NAMESPACE}.svc:${PORT}/`;
}

/** One PrometheusRule per rule file, holding the same group as provisioning/prometheus/rules/<file>.yml. */
export function prometheusRules(): { file: string; rule: PrometheusRule }[] {
  return ruleGroups().map((g) => ({
    file: g.file,
    rule: new PrometheusRule({
      metadata: { name: `${NAME}-${g.file}`, labels: { ...LABELS, ...PROMETHEUS_SELECTOR_LABELS } },
      spec: { groups: [{ name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules: promRules(g) }] },
    }),
  }));
}
