/**
 * Sessions started (by platform and channel) and the duration histogram of ended sessions. Both are
 * incremental: starts on sessions.started_at, durations on sessions.ended_at, so a session is
 * counted when it starts and observed once when it ends, however long it lives in between.
 */
import { M } from '../../../shared/catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState, bucketColumnsWhere, bucketValues } from './incremental';
import { allowList, fold } from '../metrics/labels';

const buckets = M.sessionDurationSeconds.buckets!;
const DURATION = `greatest(0, extract(epoch FROM ended_at - started_at))`;
// Buckets compare the interval itself (same counts for bounds >= 0, negative durations land in every
// bucket like a clamped 0); the numeric epoch is computed once per row, for the sum.
const withinBound = (b: number) => `ended_at - started_at <= make_interval(secs => ${b})`;

export const SESSIONS_STARTED_SQL = `
  SELECT platform, channel, count(*) AS n
    FROM sessions
   WHERE started_at > $1::timestamptz AND started_at <= $2::timestamptz
   GROUP BY platform, channel`;

export const SESSIONS_ENDED_SQL = `
  SELECT count(*) AS n,
         coalesce(sum(${DURATION}), 0) AS seconds,
         ${bucketColumnsWhere(buckets, withinBound)}
    FROM sessions
   WHERE ended_at > $1::timestamptz AND ended_at <= $2::timestamptz`;

export const sessions: CollectorFactory = (config) => {
  const starts = new IncrementalState();
  const ends = new IncrementalState();
  const platforms = allowList(config, 'platforms');
  const channels = allowList(config, 'channels');
  return {
    name: 'sessions',
    usesDatabase: true,
    metrics: [M.sessionsTotal, M.sessionDurationSeconds],
    async collect({ db }) {
      await starts.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        // Raw values are folded here, after GROUP BY: several raw groups can land in `other`, and
        // Totals.add sums them.
        for (const r of await db.query(SESSIONS_STARTED_SQL, [from, to])) {
          staged.add(M.sessionsTotal, { platform: fold(r.platform, platforms), channel: fold(r.channel, channels) }, Number(r.n));
        }
      });
      await ends.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [r] = await db.query(SESSIONS_ENDED_SQL, [from, to]);
        staged.addHistogram(M.sessionDurationSeconds, {}, bucketValues(r ?? {}, buckets), Number(r?.seconds ?? 0), Number(r?.n ?? 0));
      });
      return [...starts.totals.samples(), ...ends.totals.samples()];
    },
  };
};
