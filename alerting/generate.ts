/** Generated alerting files: one Prometheus rule file per group, alertmanager.yml and its templates. */
import { generatedHeader, type GeneratedFile } from '../shared/generated';
import { NOTIFICATION_TEMPLATES, renderAlertmanager, type AlertmanagerOptions } from './alertmanager';
import { ruleGroups } from './groups';
import { renderGroup } from './render';

export const RULES_DIR = 'provisioning/prometheus/rules';
export const ALERTMANAGER_DIR = 'provisioning/alertmanager';

export function ruleFiles(): GeneratedFile[] {
  return ruleGroups().map((g) => ({
    path: `${RULES_DIR}/${g.file}.yml`,
    content: generatedHeader('#', `alerting/rules/${g.file}.ts`) + renderGroup(g),
  }));
}

export function alertmanagerFiles(options: Partial<AlertmanagerOptions> = {}): GeneratedFile[] {
  return [
    {
      path: `${ALERTMANAGER_DIR}/alertmanager.yml`,
      content: generatedHeader('#', 'alerting/alertmanager.ts') + renderAlertmanager(options),
    },
    // Text outside a define block is ignored by Alertmanager, so the header line is harmless.
    {
      path: `${ALERTMANAGER_DIR}/templates/marketplace.tmpl`,
      content: generatedHeader('#', 'alerting/alertmanager.ts') + NOTIFICATION_TEMPLATES,
    },
  ];
}

export function alertingFiles(): GeneratedFile[] {
  return [...ruleFiles(), ...alertmanagerFiles()];
}
