/**
 * kustomize overlays over the base: `ha` (two replicas kept on different nodes; dashboards, rules and
 * alerts already collapse replicas) and `demo` (embedded database and simulated traffic, to try it
 * in a cluster). Patches are strategic-merge patches, the only patch form these overlays use.
 */
import type { IProbe } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Probe';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1';
import { configChecksum, configMap, configText, deployment, exporterConfig, RESOURCES } from './exporter';
import { CONFIG_FILE, LABELS, MOUNTS, NAME, SECRET_KEYS, SECRET_NAME, SELECTOR_LABELS, type KubernetesOptions } from './common';
import { exporterUrl, serviceMonitor } from './monitoring';

export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1' | 'kustomize.config.k8s.io/v1alpha1';
  kind: 'Kustomization' | 'Component';
  namespace?: string;
  resources: string[];
  patches?: { path: string }[];
}

export interface Overlay {
  /** Directory under provisioning/kubernetes/. */
  dir: string;
  kustomization: Kustomization;
  /** File name → object (patches and extra resources). */
  files: Record<string, Record<string, unknown>>;
  comments?: Record<string, { path: (string | number)[]; text: string }[]>;
}

/** A strategic-merge patch of T: any part of it, and TypeScript rejects fields T does not have. */
type Patch<T> = T extends (infer U)[] ? Patch<U>[] : T extends object ? { [K in keyof T]?: Patch<T[K]> } : T;
const patchOf =
  <T>() =>
  (p: Patch<T> & { apiVersion: string; kind: string; metadata: { name: string } }): Record<string, unknown> =>
    p as Record<string, unknown>;
const deploymentPatch = patchOf<IDeployment>();

const kustomization = (resources: string[], patches: string[]): Kustomization => ({
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  kind: 'Kustomization',
  resources,
  ...(patches.length ? { patches: patches.map((path) => ({ path })) } : {}),
});

export function haOverlay(): Overlay {
  return {
    dir: 'overlays/ha',
    kustomization: kustomization(['../../base'], ['deployment.yaml']),
    files: {
      'deployment.yaml': deploymentPatch({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: NAME },
        spec: {
          replicas: 2,
          template: {
            spec: {
              affinity: {
                podAntiAffinity: {
                  // Preferred, not required: with maxSurge 1 a required rule would stall rollouts on two nodes.
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                      weight: 100,
                      podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...SELECTOR_LABELS } } },
                    },
                  ],
                },
              },
            },
          },
        },
      }),
    },
  };
}

/** Demo: no database to point at, so the exporter runs its embedded one and simulates traffic. */
export function demoConfig(o: KubernetesOptions): Record<string, unknown> {
  const { database: _database, ...rest } = exporterConfig(o);
  return { ...rest, demo: { mode: 'on', data_dir: `${MOUNTS.state}/demo` } };
}

/**
 * Measured with `npm start` in demo mode on the 2-core build machine (README "Running on Kubernetes"):
 * ready after 252 s (seeding 35 days of history), then RSS 509 MiB steady; peak RSS 868 MiB while seeding.
 */
export const DEMO_RESOURCES = {
  requests: { cpu: '250m', memory: '640Mi' },
  limits: { cpu: '1', memory: '1280Mi' },
};
export const DEMO_RESOURCES_COMMENT = [
  'Measured: `npm start` in demo mode (embedded database + simulator), 2-core build machine: RSS 509 MiB',
  'steady after the first collection, 868 MiB peak while seeding 35 days of history (ready after 252 s).',
  'Request = steady + 25 %; limit = peak + ~45 %.',
].join('\n');

export const DEMO_METRICS_TOKEN = 'demo-only-not-a-secret';

export function demoOverlay(o: KubernetesOptions): Overlay {
  const text = configText(demoConfig(o), '# Demo: embedded database with simulated history and live traffic; nothing else is read.');
  return {
    dir: 'overlays/demo',
    kustomization: kustomization(['../../base', 'secret.yaml'], ['configmap.yaml', 'deployment.yaml', 'probe.yaml']),
    files: {
      // A fixed token so the demo starts with no setup; a real deployment creates its own Secret.
      'secret.yaml': new Secret({
        metadata: { name: SECRET_NAME, labels: { ...LABELS } },
        type: 'Opaque',
        stringData: { [SECRET_KEYS.metricsToken]: DEMO_METRICS_TOKEN },
      }).toJSON() as Record<string, unknown>,
      'configmap.yaml': patchOf<IConfigMap>()({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${NAME}-config` },
        data: { [CONFIG_FILE]: text },
      }),
      'deployment.yaml': deploymentPatch({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: NAME },
        spec: {
          // One replica: each pod would simulate its own marketplace.
          replicas: 1,
          template: {
            metadata: { annotations: { 'marketplace-pulse.io/config-sha256': configChecksum(text) } },
            // Seeding comes before the HTTP listener: allow 15 minutes before liveness applies.
            spec: { containers: [{ name: 'exporter', resources: DEMO_RESOURCES, startupProbe: { failureThreshold: 90 } }] },
          },
        },
      }),
      'probe.yaml': patchOf<IProbe>()({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Probe',
        metadata: { name: `${NAME}-site` },
        // As in the compose stack: the demo probes the exporter's own landing page.
        spec: { targets: { staticConfig: { static: [exporterUrl(o)] } } },
      }),
    },
    comments: { 'deployment.yaml': [{ path: ['spec', 'template', 'spec', 'containers', 0, 'resources'], text: DEMO_RESOURCES_COMMENT }] },
  };
}

/**
 * TLS for /metrics as a kustomize Component, so it combines with the base or `ha`: the exporter serves
 * the `marketplace-pulse-tls` certificate, probes use HTTPS, the ServiceMonitor verifies the Service name.
 * Its patches are cut from the objects generated with TLS on, so they cannot drift from the base's;
 * the Deployment patch carries only what TLS changes (replicas and the rest stay the overlay's).
 */
export function tlsComponent(o: KubernetesOptions, image: string): Overlay {
  const tls = { ...o, tls: true };
  const text = configText(exporterConfig(tls));
  const d = deployment(tls, text, image);
  const c = d.spec!.template.spec!.containers[0]!;
  return {
    dir: 'components/tls',
    kustomization: {
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      resources: [],
      patches: ['configmap.yaml', 'deployment.yaml', 'servicemonitor.yaml'].map((path) => ({ path })),
    },
    files: {
      'configmap.yaml': configMap(text).toJSON() as Record<string, unknown>,
      'deployment.yaml': deploymentPatch({
        apiVersion: d.apiVersion,
        kind: d.kind,
        metadata: { name: NAME },
        spec: {
          template: {
            metadata: { annotations: d.spec!.template.metadata!.annotations },
            spec: {
              containers: [
                {
                  name: c.name,
                  startupProbe: c.startupProbe,
                  livenessProbe: c.livenessProbe,
                  readinessProbe: c.readinessProbe,
                  volumeMounts: c.volumeMounts,
                },
              ],
              volumes: d.spec!.template.spec!.volumes,
            },
          },
        },
      }),
      'servicemonitor.yaml': serviceMonitor(tls).toJSON() as Record<string, unknown>,
    },
  };
}

export { RESOURCES };
