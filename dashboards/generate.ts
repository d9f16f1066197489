/** Everything dashboards/ writes into provisioning/ (called by scripts/generate.ts). */
import type { GeneratedFile } from '../shared/generated';
import { blackboxFile } from './provisioning/blackbox';
import { dashboardFiles, dashboardProviderFile, datasourcesFile } from './provisioning/grafana';
import { prometheusFile } from './provisioning/prometheus';

export function provisioningFiles(): GeneratedFile[] {
  return [datasourcesFile(), dashboardProviderFile(), ...dashboardFiles(), prometheusFile(), blackboxFile()];
}
