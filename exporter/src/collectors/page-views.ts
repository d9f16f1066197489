/**
 * Page views, real-user load time and HTTP responses by status class, all incremental on
 * page_views.viewed_at (range scan on page_views_viewed_at_idx).
 */
import { HTTP_STATUS_CLASSES, M } from '../catalogue';
import type { CollectorFactory } from './types';
import { IncrementalState, bucketColumns, bucketValues } from './incremental';
import { fold } from './labels';

const buckets = M.pageLoadSeconds.buckets!;
const LOAD_SECONDS = `(load_time_ms / 1000.0)`;

export const PAGE_VIEWS_SQL = `
  SELECT count(*) AS views,
         count(load_time_ms) AS timed,
         coalesce(sum(${LOAD_SECONDS}), 0) AS load_seconds,
         ${bucketColumns(LOAD_SECONDS, buckets)}
    FROM page_views
   WHERE viewed_at > $1::timestamptz AND viewed_at <= $2::timestamptz`;

export const HTTP_RESPONSES_SQL = `
  SELECT (http_status / 100) || 'xx' AS status_class, count(*) AS n
    FROM page_views
   WHERE viewed_at > $1::timestamptz AND viewed_at <= $2::timestamptz
   GROUP BY 1`;

const statusClasses = new Set<string>(HTTP_STATUS_CLASSES);

export const pageViews: CollectorFactory = (config) => {
  const state = new IncrementalState();
  return {
    name: 'page_views',
    usesDatabase: true,
    metrics: [M.pageViewsTotal, M.pageLoadSeconds, M.httpResponsesTotal],
    async collect({ db }) {
      await state.cycle(db, config.collection.settle_lag, async ({ from, to }, staged) => {
        const [r] = await db.query(PAGE_VIEWS_SQL, [from, to]);
        staged.add(M.pageViewsTotal, {}, Number(r?.views ?? 0));
        // Views without timing are not observations: count is the number of timed views.
        staged.addHistogram(M.pageLoadSeconds, {}, bucketValues(r ?? {}, buckets), Number(r?.load_seconds ?? 0), Number(r?.timed ?? 0));
        // Every class exists from the first cycle so an error ratio reads 0, not "no data".
        for (const c of HTTP_STATUS_CLASSES) staged.add(M.httpResponsesTotal, { status_class: c }, 0);
        for (const row of await db.query(HTTP_RESPONSES_SQL, [from, to])) {
          // Malformed statuses (outside 100..599) fold into `other` rather than inventing a class.
          staged.add(M.httpResponsesTotal, { status_class: fold(row.status_class, statusClasses) }, Number(row.n));
        }
      });
      return state.totals.samples();
    },
  };
};
