/** Everything dashboards/ writes into provisioning/ (called by scripts/generate.ts). */
import type { GeneratedFile } from '../shared/generated';
import { blackboxFile } from './provisioning/blackbox';
import { dashboardFiles, dashboardProviderFile, datasourcesFile, grafanaReaderScript } from './provisioning/grafana';
import { haFiles, prometheusFile } from './provisioning/prometheus';

export function provisioningFiles(): GeneratedFile[] {
  return [
    datasourcesFile(),
    dashboardProviderFile(),
    ...dashboardFiles(),
    grafanaReaderScript(),
    prometheusFile(),
    ...haFiles(),
    blackboxFile(),
  ];
}
