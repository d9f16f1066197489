/**
 * Interaction events by allow-listed type, incremental on events.occurred_at (range scan on
 * events_occurred_at_idx).
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState } from './incremental';
import { allowList, fold } from '../metrics/labels';

export const EVENTS_BY_TYPE_SQL = `
  SELECT type, count(*) AS n
    FROM events
   WHERE occurred_at > $1::timestamptz AND occurred_at <= $2::timestamptz
   GROUP BY type`;

export const events: CollectorFactory = (config) => {
  const state = new IncrementalState();
  const types = allowList(config, 'event_types');
  return {
    name: 'events',
    usesDatabase: true,
    metrics: [M.eventsTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        for (const r of await db.query(EVENTS_BY_TYPE_SQL, [from, to])) {
          staged.add(M.eventsTotal, { type: fold(r.type, types) }, Number(r.n));
        }
      });
      return state.totals.samples();
    },
  };
};
