/** The exporter's own objects: Namespace, config ConfigMap, Deployment, Service, PodDisruptionBudget. */
import { createHash } from 'node:crypto';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import YAML from 'yaml';
import { type CLI_OPTIONS, COMPILED_ENTRY, NODE_FLAGS } from '../../../exporter/src/cli';
import { parseConfig } from '../../../exporter/src/config/load';
import { HTTP_PATHS } from '../../../exporter/src/http/app';
import {
  CONFIG_FILE,
  CONFIG_PATH,
  EXPORTER_JOB,
  IMAGE,
  JOB_LABEL,
  LABELS,
  MOUNTS,
  NAME,
  NAMESPACE,
  PORT,
  PORT_NAME,
  SECRET_KEYS,
  SECRET_NAME,
  SELECTOR_LABELS,
  TLS_SECRET_NAME,
  secretPath,
  type KubernetesOptions,
} from './common';

/** Numeric, so the kubelet can enforce runAsNonRoot (the image's `pulse` user has no fixed uid). */
export const RUN_AS_USER = 10001;

/**
 * Sized from README "Performance" (exporter against 10M orders, every collector, window state kept in
 * collection.state_dir, npm start's heap flags): RSS 153–164 MiB steady, 171–173 MiB peak during the
 * first collection, 165 MiB on a restart from state. The request covers the peak so the scheduler
 * reserves it; the limit leaves ~120 % headroom for larger windows and custom metrics (at 10× the daily
 * order rate the window state is about three times as large: raise both). CPU was not benchmarked:
 * scrapes serve a cached buffer and collection waits on the database, so a tenth of a core is reserved
 * and bursts (first collection, gzip) may use one core.
 */
export const RESOURCES = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '384Mi' },
};
const RESOURCES_COMMENT = [
  'From README "Performance" (bench/, 10M orders, state_dir): RSS 174-182 MiB steady, 188-192 MiB peak.',
  'Request = the measured peak rounded up; limit = peak + ~100 % headroom (raise both for a busier',
  'marketplace: at 10x the daily order rate the window state is ~3x as large). CPU (not benchmarked): scrapes',
  'serve a cached buffer and collections wait on the database; bursts (first collection, gzip) may use one core.',
].join('\n');

/** The exporter configuration the ConfigMap carries: a read replica, secrets as files, no demo. */
export function exporterConfig(o: KubernetesOptions): Record<string, unknown> {
  const web: Record<string, unknown> = {};
  if (o.auth === 'bearer') web.bearer_token = { file: secretPath(SECRET_KEYS.metricsToken) };
  if (o.tls) web.tls = { cert_file: `${MOUNTS.tls}/tls.crt`, key_file: `${MOUNTS.tls}/tls.key` };
  return {
    database: {
      // A read replica's Service (or an ExternalName Service for a managed database's replica endpoint).
      url: 'postgres://pulse_reader@marketplace-db-replica:5432/marketplace',
      password: { file: secretPath(SECRET_KEYS.databasePassword) },
    },
    ...(Object.keys(web).length ? { web } : {}),
    // Never the simulator against a real database: it writes.
    demo: { mode: 'off' },
  };
}

/** Payment providers, shown commented out: enabling one needs its keys in the Secret. */
export function paymentProvidersExample(): Record<string, unknown> {
  return {
    payment_providers: {
      stripe: { enabled: true, api_key: { file: secretPath(SECRET_KEYS.stripeApiKey) }, state_file: `${MOUNTS.state}/stripe.json` },
      paypal: {
        enabled: true,
        client_id: { file: secretPath(SECRET_KEYS.paypalClientId) },
        client_secret: { file: secretPath(SECRET_KEYS.paypalClientSecret) },
        state_file: `${MOUNTS.state}/paypal.json`,
      },
    },
  };
}

/** Config YAML text with a leading explanation; fails generation if the exporter would reject it. */
export function configText(config: Record<string, unknown>, extraComment = ''): string {
  parseConfig(config, { env: {}, resolveSecrets: false, source: 'kubernetes ConfigMap' });
  const commented = (obj: Record<string, unknown>) =>
    YAML.stringify(obj)
      .trimEnd()
      .split('\n')
      .map((l) => `# ${l}`)
      .join('\n');
  return [
    '# Marketplace Pulse exporter configuration; every setting is in README "Configuration".',
    `# Secrets are files of the Secret "${SECRET_NAME}", mounted at ${MOUNTS.secrets}.`,
    ...(extraComment ? [extraComment] : []),
    YAML.stringify(config).trimEnd(),
    '# Payment providers (add their keys to the Secret first):',
    commented(paymentProvidersExample()),
    '',
  ].join('\n');
}

export function namespace(): Namespace {
  return new Namespace({ metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/part-of': NAME } } });
}

export function configMap(text: string): ConfigMap {
  return new ConfigMap({ metadata: { name: `${NAME}-config`, labels: { ...LABELS } }, data: { [CONFIG_FILE]: text } });
}

export function configChecksum(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `--config <path>`, spelled with the exporter's own option name. */
export function containerArgs(): string[] {
  const flag: keyof typeof CLI_OPTIONS = 'config';
  return [`--${flag}`, CONFIG_PATH];
}

export function deployment(o: KubernetesOptions, config: string, image: string): Deployment {
  const scheme: 'HTTPS' | 'HTTP' = o.tls ? 'HTTPS' : 'HTTP';
  const probe = (path: string) => ({ httpGet: { path, port: PORT_NAME, scheme } });
  return new Deployment({
    metadata: { name: NAME, labels: { ...LABELS } },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { ...SELECTOR_LABELS } },
      // Start the new pod before stopping the old: /readyz gates the switch, so scrapes never gap.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: { ...LABELS },
          // The exporter does not watch its config file: a changed ConfigMap rolls the pods.
          annotations: { 'marketplace-pulse.io/config-sha256': configChecksum(config) },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            fsGroup: RUN_AS_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // A collection in flight is abandoned at SIGTERM; the process exits within 5 s (main.ts).
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'exporter',
              image,
              // The image's entry point spelled out with the exporter's node flags (heap cap): visible
              // here, and raised by patching this command (README, Performance).
              command: ['node', ...NODE_FLAGS, COMPILED_ENTRY],
              args: containerArgs(),
              ports: [{ name: PORT_NAME, containerPort: PORT, protocol: 'TCP' }],
              // First start: /healthz answers once listening (the demo seeds its history first).
              startupProbe: { ...probe(HTTP_PATHS.health), periodSeconds: 10, failureThreshold: 60 },
              livenessProbe: { ...probe(HTTP_PATHS.health), periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 },
              // 503 until the first collection of every collector; a reload keeps it 200.
              readinessProbe: { ...probe(HTTP_PATHS.ready), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              resources: RESOURCES,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'config', mountPath: MOUNTS.config, readOnly: true },
                { name: 'secrets', mountPath: MOUNTS.secrets, readOnly: true },
                ...(o.tls ? [{ name: 'tls', mountPath: MOUNTS.tls, readOnly: true }] : []),
                { name: 'state', mountPath: MOUNTS.state },
                { name: 'tmp', mountPath: MOUNTS.tmp },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${NAME}-config` } },
            { name: 'secrets', secret: { secretName: SECRET_NAME, defaultMode: 0o400 } },
            ...(o.tls ? [{ name: 'tls', secret: { secretName: TLS_SECRET_NAME, defaultMode: 0o400 } }] : []),
            // Poller watermarks and the demo database; survives container restarts. For state that
            // outlives the pod, replace with a PersistentVolumeClaim (README).
            { name: 'state', emptyDir: { sizeLimit: '1Gi' } },
            // Scratch space for the process; the root filesystem is read-only.
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
          ],
        },
      },
    },
  });
}

export const DEPLOYMENT_COMMENTS = [{ path: ['spec', 'template', 'spec', 'containers', 0, 'resources'], text: RESOURCES_COMMENT }];

export function service(): Service {
  return new Service({
    metadata: { name: NAME, labels: { ...LABELS, [JOB_LABEL]: EXPORTER_JOB } },
    spec: {
      type: 'ClusterIP',
      selector: { ...SELECTOR_LABELS },
      ports: [{ name: PORT_NAME, port: PORT, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  });
}

/** maxUnavailable 1: drains never block on one replica, and the ha overlay keeps one of two serving. */
export function podDisruptionBudget(): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: { name: NAME, labels: { ...LABELS } },
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...SELECTOR_LABELS } } },
  });
}

export { IMAGE };
