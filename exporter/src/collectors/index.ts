/**
 * Every built-in collector, registered once. Defaults (enabled, interval) live in ./names.ts.
 */
import type { CollectorFactory } from './types';
import type { CollectorName } from './names';
// engagement
import { activeUsers } from './active-users';
// orders, payments, sellers, satisfaction, reliability, security
import { orders } from './orders';

export const COLLECTORS: Partial<Record<CollectorName, CollectorFactory>> = {
  // engagement
  active_users: activeUsers,
  // orders, payments, sellers, satisfaction, reliability, security
  orders,
};
