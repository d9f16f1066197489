import { fixed, fromConfig, metric, WINDOWS } from './types';

const area = 'users & engagement' as const;
const window = fixed(...WINDOWS);

export const usersRegisteredTotal = metric({
  name: 'marketplace_users_registered_total',
  type: 'counter',
  unit: 'count',
  help: 'Users registered (accounts created).',
  labels: {},
  area,
  collector: 'users',
  source: 'users.created_at',
  definition: 'One per `users` row, counted once when its `created_at` falls behind the settle horizon (`now() - settle_lag`).',
});

export const activeUsers = metric({
  name: 'marketplace_active_users',
  type: 'gauge',
  unit: 'count',
  help: 'Distinct signed-in users with at least one session in the trailing window.',
  labels: { window },
  area,
  collector: 'active_users',
  source: 'sessions.user_id, sessions.started_at',
  definition:
    'DAU/WAU/MAU: `count(DISTINCT user_id)` over sessions with `started_at` in `(now - window, now]`; anonymous sessions (no `user_id`) are not users.',
});

export const userActivationRatio = metric({
  name: 'marketplace_user_activation_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Active users in the window divided by all registered users (benchmark >= 0.30).',
  labels: { window },
  area,
  collector: 'active_users',
  source: 'sessions, users',
  definition: '`active_users{window}` / count of users registered up to now. 0 when nobody is registered.',
});

export const usageFrequency = metric({
  name: 'marketplace_usage_frequency',
  type: 'gauge',
  unit: 'count',
  help: 'Sessions per active user in the trailing window.',
  labels: { window },
  area,
  collector: 'active_users',
  source: 'sessions',
  definition: 'Signed-in sessions started in the window / `active_users{window}` (0 when there are no active users).',
});

export const visitors = metric({
  name: 'marketplace_visitors',
  type: 'gauge',
  unit: 'count',
  help: 'Distinct visitors in the trailing window, split into new and returning.',
  labels: { visitor_type: fixed('new', 'returning'), window },
  area,
  collector: 'visitors',
  source: 'sessions.visitor_id, sessions.started_at',
  definition:
    'Distinct `visitor_id` with a session started in `(now - window, now]`. `new`: the visitor has no session started at or before `now - window` (first-ever session inside the window); `returning`: the visitor has one. Every visitor is exactly one of the two, so new + returning = all visitors in the window.',
});

export const sessionsTotal = metric({
  name: 'marketplace_sessions_total',
  type: 'counter',
  unit: 'count',
  help: 'Sessions started, by platform and acquisition channel.',
  labels: { platform: fromConfig('platforms'), channel: fromConfig('channels') },
  area,
  collector: 'sessions',
  source: 'sessions.started_at, platform, channel',
  definition:
    'One per `sessions` row at `started_at`. Channel is the acquisition source (direct, organic, paid, social, email, referral); platforms and channels outside `allow_lists.platforms` / `allow_lists.channels` fold into `other`.',
});

export const sessionDurationSeconds = metric({
  name: 'marketplace_session_duration_seconds',
  type: 'histogram',
  unit: 'seconds',
  help: 'Duration of ended sessions.',
  labels: {},
  area,
  collector: 'sessions',
  source: 'sessions.started_at, sessions.ended_at',
  definition:
    'Observed once per session when `ended_at` falls behind the settle horizon: `ended_at - started_at` in seconds (a negative value from clock skew counts as 0). Live sessions (`ended_at` NULL) are not observed.',
  buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
});

export const pageViewsTotal = metric({
  name: 'marketplace_page_views_total',
  type: 'counter',
  unit: 'count',
  help: 'Page views served.',
  labels: {},
  area,
  collector: 'page_views',
  source: 'page_views.viewed_at',
  definition: 'One per `page_views` row at `viewed_at`.',
});

export const pageLoadSeconds = metric({
  name: 'marketplace_page_load_seconds',
  type: 'histogram',
  unit: 'seconds',
  help: 'Real-user page load time.',
  labels: {},
  area,
  collector: 'page_views',
  source: 'page_views.load_time_ms',
  definition:
    'Observed once per page view at `viewed_at` (behind the settle horizon) with a non-null `load_time_ms`, converted to seconds; views without timing are not observed.',
  buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10],
});

export const eventsTotal = metric({
  name: 'marketplace_events_total',
  type: 'counter',
  unit: 'count',
  help: 'Interaction events (clicks, product views, add to cart, …) by allow-listed type.',
  labels: { type: fromConfig('event_types') },
  area,
  collector: 'events',
  source: 'events.type, events.occurred_at',
  definition: 'One per `events` row at `occurred_at`; types outside `allow_lists.event_types` are counted as `other`.',
});

export const bounceRatio = metric({
  name: 'marketplace_bounce_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Share of sessions in the window with exactly one page view.',
  labels: { window },
  area,
  collector: 'bounce',
  source: 'sessions, page_views',
  definition:
    'Sessions started in `(now - window, now]` having exactly one page view / sessions started in that window having at least one page view (page views counted whenever they happened). Sessions without any page view are in neither count; 0 when no session in the window has a page view.',
});

export const retentionRatio = metric({
  name: 'marketplace_retention_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Classic day-N retention of the latest complete signup cohort.',
  labels: { day: fixed('1', '7', '30') },
  area,
  collector: 'retention',
  source: 'users.created_at, sessions.user_id',
  definition:
    'Cohort = users registered on UTC day D, where D = yesterday - N days (yesterday = the last complete UTC day). Retained = cohort users with a session started on UTC day D + N (yesterday). Ratio = retained / cohort size (0 for an empty cohort).',
});

export const cohortRetentionRatio = metric({
  name: 'marketplace_cohort_retention_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Weekly cohort retention: share of a signup-week cohort active N weeks after signup.',
  labels: {
    cohort_weeks_ago: fixed('1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'),
    weeks_since_signup: fixed('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'),
  },
  area,
  collector: 'cohort_retention',
  source: 'users.created_at, sessions',
  definition:
    'Weeks are ISO weeks (Monday 00:00 UTC). Cohort k = users registered in week (current week - k), k = 1..12. For each complete week w since signup (0 <= w < k), the share of the cohort with a session started in week (cohort week + w); 0 for an empty cohort. One series per (k, w): 78 in all.',
});

export const funnelSessions = metric({
  name: 'marketplace_funnel_sessions',
  type: 'gauge',
  unit: 'count',
  help: 'Sessions in the window that reached each funnel step.',
  labels: { step: fixed('visit', 'product_view', 'add_to_cart', 'checkout', 'paid'), window },
  area,
  collector: 'funnel',
  source: 'sessions, events, orders, payments',
  definition:
    'Sessions started in `(now - window, now]`: `visit` all; `product_view`/`add_to_cart`/`checkout` with at least one event of that type (at any time); `paid` with an order (`orders.session_id`) having a payment with `succeeded_at` set (a later refund or dispute does not undo the step). Each step counts sessions, not events, so the drop-off between steps is visible. Every step is published for every window, 0 included.',
});

export const conversionRatio = metric({
  name: 'marketplace_conversion_ratio',
  type: 'gauge',
  unit: 'ratio',
  help: 'Share of sessions in the window that placed an order, by acquisition channel.',
  labels: { window, channel: fromConfig('channels') },
  area,
  collector: 'funnel',
  source: 'sessions, orders',
  definition:
    'Sessions started in `(now - window, now]` with at least one order of any status (`orders.session_id`) / sessions started in that window, per acquisition channel (unknown channels fold into `other`). Published for every window and every allow-listed channel plus `other`; 0 when the channel had no session.',
});
