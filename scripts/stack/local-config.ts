/**
 * The generated provisioning rewritten for loopback: the same prometheus.yml and blackbox.yml the
 * docker-compose stack mounts, with service names replaced by 127.0.0.1 ports and paths in a temp dir.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ROOT } from '../../shared/generated';
import { blackboxConfig } from '../../dashboards/provisioning/blackbox';
import { COMPOSE_ADDRESSES, renderPrometheusConfig, type PrometheusAddresses } from '../../dashboards/provisioning/prometheus';

export interface LocalConfigOptions {
  dir: string;
  exporter: string;
  blackbox: string;
  alertmanager: string | null;
  /** Public URLs to probe; the local stack probes the exporter itself when none are given. */
  probeTargets: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
}

export interface LocalConfigFiles {
  prometheusYml: string;
  blackboxYml: string;
  alertmanagerYml: string | null;
  rulesDir: string;
  /** The loopback addresses and paths prometheus.yml was rendered with (the HA pair reuses them). */
  addresses: PrometheusAddresses;
}

export function writeLocalConfig(o: LocalConfigOptions): LocalConfigFiles {
  mkdirSync(o.dir, { recursive: true });
  const rulesDir = path.join(o.dir, 'rules');
  mkdirSync(rulesDir, { recursive: true });
  const generatedRules = path.join(ROOT, 'provisioning/prometheus/rules');
  if (existsSync(generatedRules)) cpSync(generatedRules, rulesDir, { recursive: true });
  const targetsFile = path.join(o.dir, 'probe-targets.yml');
  writeFileSync(targetsFile, YAML.stringify([{ targets: o.probeTargets, labels: { component: 'web' } }]));
  const prometheusYml = path.join(o.dir, 'prometheus.yml');
  const addresses: PrometheusAddresses = {
    ...COMPOSE_ADDRESSES,
    exporter: o.exporter,
    blackbox: o.blackbox,
    alertmanager: o.alertmanager,
    rules: path.join(rulesDir, '*.yml'),
    probeTargetsFile: targetsFile,
    scrapeInterval: o.scrapeInterval ?? COMPOSE_ADDRESSES.scrapeInterval,
    evaluationInterval: o.evaluationInterval ?? COMPOSE_ADDRESSES.evaluationInterval,
  };
  writeFileSync(prometheusYml, renderPrometheusConfig(addresses));
  const blackboxYml = path.join(o.dir, 'blackbox.yml');
  writeFileSync(blackboxYml, YAML.stringify(blackboxConfig()));
  let alertmanagerYml: string | null = null;
  const am = path.join(ROOT, 'provisioning/alertmanager');
  if (existsSync(path.join(am, 'alertmanager.yml'))) {
    cpSync(am, path.join(o.dir, 'alertmanager'), { recursive: true });
    alertmanagerYml = path.join(o.dir, 'alertmanager', 'alertmanager.yml');
  }
  return { prometheusYml, blackboxYml, alertmanagerYml, rulesDir, addresses };
}
