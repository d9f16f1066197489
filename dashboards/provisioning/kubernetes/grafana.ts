/**
 * Dashboards and datasources as ConfigMaps for the Grafana sidecar of kube-prometheus-stack: the same
 * JSON as provisioning/grafana/, the folder in the annotation the sidecar's `folderAnnotation` names.
 */
import { ConfigMap } from 'kubernetes-models/v1';
import YAML from 'yaml';
import { dashboardDocs, datasourcesFile, type DatasourceUrls } from '../grafana';
import { LABELS, NAME } from './common';

/** kube-prometheus-stack defaults: `sidecar.dashboards.label` / `sidecar.datasources.label`. */
export const DASHBOARD_LABEL = 'grafana_dashboard';
export const DATASOURCE_LABEL = 'grafana_datasource';
/** Set `sidecar.dashboards.folderAnnotation: grafana_folder` in the chart values (README). */
export const FOLDER_ANNOTATION = 'grafana_folder';

/** kube-prometheus-stack's Services for release `kube-prometheus-stack` in namespace `monitoring`. */
export const IN_CLUSTER_URLS: DatasourceUrls = {
  prometheus: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
  alertmanager: 'http://kube-prometheus-stack-alertmanager.monitoring.svc:9093',
  // The seller leaderboard reads the same read replica as the exporter (mount its password at /run/secrets/grafana_db_password in Grafana).
  postgres: 'marketplace-db-replica:5432',
};

export function dashboardConfigMaps(): { file: string; configMap: ConfigMap }[] {
  return dashboardDocs().map((d) => ({
    file: d.file,
    configMap: new ConfigMap({
      metadata: {
        name: `${NAME}-dashboard-${d.file}`,
        labels: { ...LABELS, [DASHBOARD_LABEL]: '1' },
        annotations: { [FOLDER_ANNOTATION]: d.folder },
      },
      data: { [`${d.file}.json`]: d.json },
    }),
  }));
}

/**
 * The datasources with the uids the dashboards reference, pointing at the in-cluster services. Not
 * default: the chart provisions its own default Prometheus datasource, and Grafana allows one default.
 */
export function datasourceConfigMap(): ConfigMap {
  const doc = YAML.parse(datasourcesFile(IN_CLUSTER_URLS).content) as { datasources: Record<string, unknown>[] };
  for (const ds of doc.datasources) ds.isDefault = false;
  return new ConfigMap({
    metadata: { name: `${NAME}-datasources`, labels: { ...LABELS, [DATASOURCE_LABEL]: '1' } },
    data: { [`${NAME}.yml`]: YAML.stringify(doc) },
  });
}
