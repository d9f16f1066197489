/** Grafana provisioning: datasources with fixed uids, one file provider, dashboard JSON in folders. */
import YAML from 'yaml';
import { DATASOURCES } from '../../exporter/src/catalogue/thresholds';
import { generatedHeader, type GeneratedFile } from '../../scripts/generated';
import { buildDashboard, DASHBOARDS, type DashboardEntry } from '../index';

const SOURCE = 'dashboards/provisioning/grafana.ts';
/** Where docker-compose mounts provisioning/grafana/dashboards inside the Grafana container. */
export const GRAFANA_DASHBOARDS_PATH = '/etc/grafana/provisioning/dashboards';

/** Where each datasource is reached; the long-term store is left out where none is deployed (Kubernetes). */
export interface DatasourceUrls {
  prometheus: string;
  alertmanager: string;
  victoriametrics?: string;
}

export function datasourcesFile(
  urls: DatasourceUrls = { prometheus: 'http://prometheus:9090', alertmanager: 'http://alertmanager:9093', victoriametrics: 'http://victoriametrics:8428' },
): GeneratedFile {
  const doc = {
    apiVersion: 1,
    datasources: [
      {
        name: DATASOURCES.prometheus.name,
        uid: DATASOURCES.prometheus.uid,
        type: 'prometheus',
        access: 'proxy',
        url: urls.prometheus,
        isDefault: true,
        editable: false,
        jsonData: { httpMethod: 'POST', timeInterval: '15s', alertmanagerUid: DATASOURCES.alertmanager.uid },
      },
      ...(urls.victoriametrics === undefined
        ? []
        : [
            {
              // Same Prometheus API; dashboards pick it through their $datasource variable (HA profile).
              name: DATASOURCES.victoriametrics.name,
              uid: DATASOURCES.victoriametrics.uid,
              type: 'prometheus',
              access: 'proxy',
              url: urls.victoriametrics,
              editable: false,
              jsonData: { httpMethod: 'POST', timeInterval: '15s', alertmanagerUid: DATASOURCES.alertmanager.uid },
            },
          ]),
      {
        name: DATASOURCES.alertmanager.name,
        uid: DATASOURCES.alertmanager.uid,
        type: 'alertmanager',
        access: 'proxy',
        url: urls.alertmanager,
        editable: false,
        jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
      },
    ],
  };
  return { path: 'provisioning/grafana/datasources/marketplace-pulse.yml', content: generatedHeader('#', SOURCE) + YAML.stringify(doc) };
}

export function dashboardProviderFile(): GeneratedFile {
  const doc = {
    apiVersion: 1,
    providers: [
      {
        name: 'marketplace-pulse',
        orgId: 1,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        // Sub-folders (Business/, Operations/) become Grafana folders.
        options: { path: GRAFANA_DASHBOARDS_PATH, foldersFromFilesStructure: true },
      },
    ],
  };
  return { path: 'provisioning/grafana/dashboards/marketplace-pulse.yml', content: generatedHeader('#', SOURCE) + YAML.stringify(doc) };
}

/** JSON allows no comments: the generated-file notice lives in the provider file next to them. */
export function dashboardFiles(): GeneratedFile[] {
  return DASHBOARDS.map((d) => ({ path: `provisioning/grafana/dashboards/${d.folder}/${d.file}.json`, content: dashboardJson(d) }));
}

/** The dashboard file's text; the Kubernetes ConfigMaps carry the same. */
export function dashboardJson(d: DashboardEntry): string {
  return `${JSON.stringify(buildDashboard(d), null, 2)}\n`;
}
