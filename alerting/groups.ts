/** Every rule group, one per file under rules/, in the order they are generated. */
import type { RuleGroup } from './model';
import { businessGroup } from './rules/business';
import { exporterGroup } from './rules/exporter';
import { monitoringGroup } from './rules/monitoring';
import { paymentsGroup } from './rules/payments';
import { reliabilityGroup } from './rules/reliability';
import { securityGroup } from './rules/security';
import { sloGroup } from './rules/slo';

export function ruleGroups(): RuleGroup[] {
  const groups = [sloGroup(), paymentsGroup(), businessGroup(), reliabilityGroup(), securityGroup(), exporterGroup()];
  return [...groups, monitoringGroup(groups)];
}
