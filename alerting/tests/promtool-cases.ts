/** Every rule group with its promtool cases. */
import type { RuleGroup } from '../model';
import type { PromTestCase } from '../promtest';
import { businessGroup } from '../rules/business';
import { businessCases } from '../rules/business.cases';
import { exporterGroup } from '../rules/exporter';
import { ruleGroups } from '../groups';
import { exporterCases } from '../rules/exporter.cases';
import { monitoringCases } from '../rules/monitoring.cases';
import { paymentsGroup } from '../rules/payments';
import { paymentsCases } from '../rules/payments.cases';
import { reliabilityGroup } from '../rules/reliability';
import { reliabilityCases } from '../rules/reliability.cases';
import { securityGroup } from '../rules/security';
import { securityCases } from '../rules/security.cases';
import { sloGroup } from '../rules/slo';
import { sloCases } from '../rules/slo.cases';

export const GROUP_CASES: Array<{ group: RuleGroup; cases: PromTestCase[]; evaluationInterval?: string }> = [
  { group: sloGroup(), cases: sloCases },
  { group: paymentsGroup(), cases: paymentsCases },
  { group: businessGroup(), cases: businessCases, evaluationInterval: '5m' },
  { group: reliabilityGroup(), cases: reliabilityCases },
  // A week of history in the credential-stuffing case: evaluate every 5m to stay fast.
  { group: securityGroup(), cases: securityCases, evaluationInterval: '5m' },
  { group: exporterGroup(), cases: exporterCases },
  { group: ruleGroups().find((g) => g.file === 'monitoring')!, cases: monitoringCases },
];
