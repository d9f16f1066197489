/**
 * provisioning/kubernetes/: a kustomize base for prometheus-operator clusters (kube-prometheus-stack)
 * and the `ha` and `demo` overlays, every object built from the same sources as the rest of
 * provisioning/ (rules from alerting/, dashboards from dashboards/, flags and paths from the exporter).
 */
import type { GeneratedFile } from '../../../shared/generated';
import { alertmanagerConfigObject } from './alertmanager';
import { DEFAULT_K8S_OPTIONS, IMAGE, manifestFile, NAMESPACE, type KubernetesOptions } from './common';
import {
  configMap,
  configText,
  DEPLOYMENT_COMMENTS,
  deployment,
  exporterConfig,
  namespace,
  podDisruptionBudget,
  service,
} from './exporter';
import { dashboardConfigMaps, datasourceConfigMap } from './grafana';
import { prometheusRules, probe, serviceMonitor } from './monitoring';
import { demoOverlay, haOverlay, tlsComponent, type Kustomization } from './overlays';
import { VERSION } from '../../../exporter/src/app';

export interface BaseFile {
  file: string;
  objects: { toJSON(): unknown }[];
  source: string;
  comments?: { path: (string | number)[]; text: string }[];
}

export function baseFiles(o: KubernetesOptions = DEFAULT_K8S_OPTIONS): BaseFile[] {
  const config = configText(exporterConfig(o));
  const image = `${IMAGE}:${VERSION}`;
  return [
    { file: 'namespace.yaml', objects: [namespace()], source: 'exporter.ts' },
    { file: 'configmap.yaml', objects: [configMap(config)], source: 'exporter.ts' },
    { file: 'deployment.yaml', objects: [deployment(o, config, image)], source: 'exporter.ts', comments: DEPLOYMENT_COMMENTS },
    { file: 'service.yaml', objects: [service()], source: 'exporter.ts' },
    { file: 'poddisruptionbudget.yaml', objects: [podDisruptionBudget()], source: 'exporter.ts' },
    { file: 'servicemonitor.yaml', objects: [serviceMonitor(o)], source: 'monitoring.ts' },
    { file: 'probe.yaml', objects: [probe()], source: 'monitoring.ts' },
    ...prometheusRules().map((r) => ({
      file: `prometheusrule-${r.file}.yaml`,
      objects: [r.rule],
      source: 'monitoring.ts (rules from alerting/)',
    })),
    {
      file: 'alertmanagerconfig.yaml',
      objects: [alertmanagerConfigObject()],
      source: 'alertmanager.ts (routing from alerting/alertmanager.ts)',
    },
    { file: 'grafana-datasources.yaml', objects: [datasourceConfigMap()], source: 'grafana.ts' },
    ...dashboardConfigMaps().map((d) => ({
      file: `dashboard-${d.file}.yaml`,
      objects: [d.configMap],
      source: 'grafana.ts (dashboards from dashboards/)',
    })),
  ];
}

export function baseKustomization(files: BaseFile[]): Kustomization {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: NAMESPACE,
    resources: files.map((f) => f.file),
  };
}

export function kubernetesFiles(o: KubernetesOptions = DEFAULT_K8S_OPTIONS): GeneratedFile[] {
  const base = baseFiles(o);
  const out: GeneratedFile[] = [
    manifestFile('base/kustomization.yaml', 'index.ts', [baseKustomization(base)]),
    ...base.map((f) =>
      manifestFile(
        `base/${f.file}`,
        f.source,
        f.objects.map((x) => x.toJSON()),
        f.comments,
      ),
    ),
  ];
  for (const overlay of [haOverlay(), demoOverlay(o), tlsComponent(o, `${IMAGE}:${VERSION}`)]) {
    out.push(manifestFile(`${overlay.dir}/kustomization.yaml`, 'overlays.ts', [overlay.kustomization]));
    for (const [file, obj] of Object.entries(overlay.files)) {
      out.push(manifestFile(`${overlay.dir}/${file}`, 'overlays.ts', [obj], overlay.comments?.[file]));
    }
  }
  return out;
}
