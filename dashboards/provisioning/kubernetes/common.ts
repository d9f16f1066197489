/**
 * Shared names, labels and mount paths of the Kubernetes manifests, and the YAML rendering every
 * manifest goes through. Everything the exporter itself defines (port, paths, flags) is imported.
 */
import YAML from 'yaml';
import { SELECTORS } from '../../../shared/conventions';
import { DEFAULT_LISTEN } from '../../../exporter/src/config/schema';
import { generatedHeader, type GeneratedFile } from '../../../shared/generated';

export const K8S_DIR = 'provisioning/kubernetes';
export const NAME = 'marketplace-pulse';
export const NAMESPACE = 'marketplace-pulse';
export const IMAGE = 'marketplace-pulse/exporter';
export const PORT_NAME = 'http';
export const PORT = DEFAULT_LISTEN.port;

/** Selector labels of the exporter pods (never change: a Deployment's selector is immutable). */
export const SELECTOR_LABELS = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/component': 'exporter' } as const;
export const LABELS = { ...SELECTOR_LABELS, 'app.kubernetes.io/part-of': NAME } as const;

/**
 * kube-prometheus-stack's Prometheus selects ServiceMonitors, Probes and PrometheusRules by its Helm
 * release label (README "Running on Kubernetes" says how to change it).
 */
export const PROMETHEUS_SELECTOR_LABELS = { release: 'kube-prometheus-stack' } as const;

/** The Service label whose value becomes the scrape job: the rules and dashboards select `job=` on it. */
export const JOB_LABEL = 'marketplace-pulse.io/scrape-job';
export const EXPORTER_JOB = SELECTORS.exporterJob;

/** The Secret every credential comes from, mounted as files (keys listed in README). */
export const SECRET_NAME = NAME;
export const SECRET_KEYS = {
  databasePassword: 'database-password',
  metricsToken: 'metrics-token',
  stripeApiKey: 'stripe-api-key',
  paypalClientId: 'paypal-client-id',
  paypalClientSecret: 'paypal-client-secret',
} as const;
/** A kubernetes.io/tls Secret (cert-manager or by hand), used when TLS is on. */
export const TLS_SECRET_NAME = `${NAME}-tls`;

export const MOUNTS = {
  config: '/etc/marketplace-pulse/config',
  secrets: '/etc/marketplace-pulse/secrets',
  tls: '/etc/marketplace-pulse/tls',
  state: '/var/lib/marketplace-pulse',
  tmp: '/tmp',
} as const;
export const CONFIG_FILE = 'config.yml';
export const CONFIG_PATH = `${MOUNTS.config}/${CONFIG_FILE}`;
export const secretPath = (key: string) => `${MOUNTS.secrets}/${key}`;

export interface KubernetesOptions {
  /** How /metrics is protected; the committed base uses a bearer token from the Secret. */
  auth: 'none' | 'bearer';
  /** Serve /metrics over TLS with the certificate in the `marketplace-pulse-tls` Secret. */
  tls: boolean;
}

export const DEFAULT_K8S_OPTIONS: KubernetesOptions = { auth: 'bearer', tls: false };

const SOURCE = 'dashboards/provisioning/kubernetes/';

/** Plain JSON of a model (drops class instances and undefined fields, keeps key order). */
export function plain(obj: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
}

/** One YAML file per object; `comments` attach a line before the node at a path (why a value is what it is). */
export function manifestFile(
  file: string,
  source: string,
  objects: unknown[],
  comments: { path: (string | number)[]; text: string }[] = [],
): GeneratedFile {
  const docs = objects.map((o, i) => {
    const doc = new YAML.Document(plain(o));
    if (i === 0) {
      for (const c of comments) {
        const node = doc.getIn(c.path, true) as { commentBefore?: string | null } | undefined;
        if (!node) throw new Error(`kubernetes manifests: no node at ${c.path.join('.')} in ${file} for a comment`);
        node.commentBefore = c.text
          .split('\n')
          .map((l) => ` ${l}`)
          .join('\n');
      }
    }
    return doc.toString({ lineWidth: 0 });
  });
  return { path: `${K8S_DIR}/${file}`, content: generatedHeader('#', SOURCE + source) + docs.join('---\n') };
}
