/** Every rule group, one per file under rules/, in the order they are generated. */
import type { RuleGroup } from './model';
import { businessGroup } from './rules/business';
import { exporterGroup } from './rules/exporter';
import { paymentsGroup } from './rules/payments';
import { reliabilityGroup } from './rules/reliability';
import { securityGroup } from './rules/security';
import { sloGroup } from './rules/slo';

export function ruleGroups(): RuleGroup[] {
  return [sloGroup(), paymentsGroup(), businessGroup(), reliabilityGroup(), securityGroup(), exporterGroup()];
}
