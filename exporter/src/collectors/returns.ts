/** Product returns by reason. Incremental on returns.created_at (returns_created_at_idx). */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';
import { allowList, fold } from '../metrics/labels';

export const RETURNS_SQL = `
  SELECT reason, count(*) AS n
    FROM returns
   WHERE created_at > $1::timestamptz AND created_at <= $2::timestamptz
   GROUP BY reason`;

export const returns: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const reasons = allowList(config, 'return_reasons');
  return {
    name: 'returns',
    usesDatabase: true,
    metrics: [M.returnsTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        for (const r of await db.query(RETURNS_SQL, [from, to])) {
          staged.add(M.returnsTotal, { reason: fold(r.reason, reasons) }, Number(r.n));
        }
      });
      return state.totals.samples();
    },
  };
};
