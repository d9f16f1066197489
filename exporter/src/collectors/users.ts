/**
 * Users registered: an incremental counter on users.created_at, so each cycle reads only the rows
 * that settled since the previous horizon (index range scan on users_created_at_idx).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';

export const USERS_REGISTERED_SQL = `
  SELECT count(*) AS n
    FROM users
   WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz`;

export const users: CollectorFactory = (config) => {
  const state = new IncrementalState();
  return {
    name: 'users',
    usesDatabase: true,
    metrics: [M.usersRegisteredTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [row] = await db.query<{ n: number }>(USERS_REGISTERED_SQL, [from, to]);
        // Always added (0 included) so the counter exists from the first cycle.
        staged.add(M.usersRegisteredTotal, {}, Number(row?.n ?? 0));
      });
      return state.totals.samples();
    },
  };
};
