/**
 * Every built-in collector registered once, with its on/off default, default interval (seconds) and
 * factory side by side, as node_exporter's `registerCollector(name, defaultEnabled, factory)` does.
 * The names are the tuple in shared/collectors.ts (the catalogue and the config schema read it without
 * loading any collector); `satisfies` makes a name without an entry, or an entry without a name, a
 * compile error. An unknown name in `collectors:` config is a start-up error.
 */
import { COLLECTOR_NAMES, type CollectorName } from '../../../shared/collectors';
import type { CollectorFactory } from './types';
// users & engagement
import { activeUsers } from './active-users';
import { bounce } from './bounce';
import { cohortRetention } from './cohort-retention';
import { events } from './events';
import { funnel } from './funnel';
import { pageViews } from './page-views';
import { retention } from './retention';
import { sessions } from './sessions';
import { users } from './users';
import { visitors } from './visitors';
// orders & revenue
import { carts } from './carts';
import { orders } from './orders';
import { refunds } from './refunds';
import { returns } from './returns';
import { revenue } from './revenue';
// payments
import { paymentsDb } from './payments-db';
import { paypal } from './paypal';
import { reconciliation } from './reconciliation';
import { stripe } from './stripe';
// sellers
import { sellerCredits } from './seller-credits';
import { sellerOnboarding } from './seller-onboarding';
import { sellers } from './sellers';
// satisfaction, reliability, security
import { audit } from './audit';
import { bugReports } from './bug-reports';
import { incidents } from './incidents';
import { logins } from './logins';
import { support } from './support';

export type { CollectorName } from '../../../shared/collectors';

interface Registration {
  readonly enabled: boolean;
  readonly interval: number;
  readonly factory: CollectorFactory;
}

export const COLLECTOR_REGISTRY = {
  users: { enabled: true, interval: 30, factory: users },
  active_users: { enabled: true, interval: 60, factory: activeUsers },
  visitors: { enabled: true, interval: 120, factory: visitors },
  sessions: { enabled: true, interval: 30, factory: sessions },
  page_views: { enabled: true, interval: 30, factory: pageViews },
  events: { enabled: true, interval: 30, factory: events },
  bounce: { enabled: true, interval: 120, factory: bounce },
  retention: { enabled: true, interval: 600, factory: retention },
  cohort_retention: { enabled: true, interval: 3600, factory: cohortRetention },
  funnel: { enabled: true, interval: 120, factory: funnel },
  orders: { enabled: true, interval: 30, factory: orders },
  carts: { enabled: true, interval: 60, factory: carts },
  refunds: { enabled: true, interval: 30, factory: refunds },
  returns: { enabled: true, interval: 60, factory: returns },
  revenue: { enabled: true, interval: 300, factory: revenue },
  payments: { enabled: true, interval: 15, factory: paymentsDb },
  sellers: { enabled: true, interval: 300, factory: sellers },
  seller_onboarding: { enabled: true, interval: 60, factory: sellerOnboarding },
  seller_credits: { enabled: true, interval: 120, factory: sellerCredits },
  support: { enabled: true, interval: 60, factory: support },
  bug_reports: { enabled: true, interval: 60, factory: bugReports },
  incidents: { enabled: true, interval: 15, factory: incidents },
  logins: { enabled: true, interval: 15, factory: logins },
  audit: { enabled: true, interval: 15, factory: audit },
  // Payment provider pollers: off unless configured (they need credentials); a configured provider's
  // own `enabled` and `interval` (payment_providers.*) take precedence.
  stripe: { enabled: false, interval: 60, factory: stripe },
  paypal: { enabled: false, interval: 60, factory: paypal },
  reconciliation: { enabled: false, interval: 300, factory: reconciliation },
} as const satisfies Record<CollectorName, Registration>;

/** One column of the registry, keyed by name in the tuple's order (the order collectors are scheduled in). */
function column<T>(pick: (r: Registration) => T): { readonly [N in CollectorName]: T } {
  return Object.fromEntries(COLLECTOR_NAMES.map((n) => [n, pick(COLLECTOR_REGISTRY[n])])) as { [N in CollectorName]: T };
}

export const COLLECTORS = column((r) => r.factory);
export const COLLECTOR_DEFAULTS = column((r) => ({ enabled: r.enabled, interval: r.interval }));
