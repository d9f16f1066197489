/**
 * Every built-in collector, registered once. Defaults (enabled, interval) live in ./names.ts.
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
// orders, payments, sellers, satisfaction, reliability, security
import { orders } from './orders';

export const COLLECTORS: Partial<Record<CollectorName, CollectorFactory>> = {
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
};
