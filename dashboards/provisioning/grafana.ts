/** Grafana provisioning: datasources with fixed uids, one file provider, dashboard JSON in folders. */
import YAML from 'yaml';
import { DATASOURCES } from '../../shared/conventions';
import { generatedHeader, type GeneratedFile } from '../../shared/generated';
import { buildDashboard, DASHBOARDS } from '../index';

const SOURCE = 'dashboards/provisioning/grafana.ts';
/** Where docker-compose mounts provisioning/grafana/dashboards inside the Grafana container. */
export const GRAFANA_DASHBOARDS_PATH = '/etc/grafana/provisioning/dashboards';

export function datasourcesFile(urls = { prometheus: 'http://prometheus:9090', alertmanager: 'http://alertmanager:9093' }): GeneratedFile {
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
  return DASHBOARDS.map((d) => ({
    path: `provisioning/grafana/dashboards/${d.folder}/${d.file}.json`,
    content: `${JSON.stringify(buildDashboard(d), null, 2)}\n`,
  }));
}
