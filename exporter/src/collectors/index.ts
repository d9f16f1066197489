/**
 * Every built-in collector's factory, registered once. Names, on/off defaults and intervals live in
 * ./names.ts, which the config schema reads without loading every collector; `satisfies` makes a
 * name without a factory (or a factory without a name) a compile error.
 */
import type { CollectorFactory } from './types';
import type { CollectorName } from './names';
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

export const COLLECTORS = {
  users,
  active_users: activeUsers,
  visitors,
  sessions,
  page_views: pageViews,
  events,
  bounce,
  retention,
  cohort_retention: cohortRetention,
  funnel,
  orders,
  carts,
  refunds,
  returns,
  revenue,
  payments: paymentsDb,
  sellers,
  seller_onboarding: sellerOnboarding,
  seller_credits: sellerCredits,
  support,
  bug_reports: bugReports,
  incidents,
  logins,
  audit,
  stripe,
  paypal,
  reconciliation,
} as const satisfies Record<CollectorName, CollectorFactory>;
