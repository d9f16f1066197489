-- Marketplace Pulse reference schema: the data contract the exporter reads.
--
-- A real marketplace maps its own tables onto these names with views (see README, "Data contract").
-- The exporter only ever SELECTs. Every timestamp is timestamptz. Columns the exporter filters on
-- in incremental queries carry an index; an index on a view's underlying table serves the view.
--
-- Timestamp columns are the "event time" of each counted fact. Counters read rows whose event time
-- lies between the previous horizon and now() - settle_lag, so each fact is counted exactly once
-- provided it is committed within settle_lag of its event time.

CREATE TABLE IF NOT EXISTS users (
  id          bigserial PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS users_created_at_idx ON users (created_at);

-- Stamps a row's updated_at with the writing transaction's now(), on every insert and update: the
-- trigger that collection.seller_changes / cart_changes / ticket_changes: auto look for before
-- trusting the column.
-- (Databases created before this function kept sellers_stamp_write(), which does the same.)
CREATE OR REPLACE FUNCTION stamp_write() RETURNS trigger LANGUAGE plpgsql
  AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

CREATE TABLE IF NOT EXISTS sellers (
  id             bigserial PRIMARY KEY,
  applied_at     timestamptz NOT NULL,
  approved_at    timestamptz,
  churned_at     timestamptz,
  credits_total  numeric(14, 2) NOT NULL DEFAULT 0 CHECK (credits_total >= 0),
  credits_used   numeric(14, 2) NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
  -- Optional: when the row was last written. Balances change in place, so seller credits either scan
  -- every seller for new row versions each cycle or, with collection.seller_changes: updated_at, read
  -- the range of this index. Only if every write moves it: the trigger below sees to that here.
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sellers_applied_at_idx ON sellers (applied_at);
CREATE INDEX IF NOT EXISTS sellers_approved_at_idx ON sellers (approved_at);
CREATE INDEX IF NOT EXISTS sellers_churned_at_idx ON sellers (churned_at);
CREATE INDEX IF NOT EXISTS sellers_updated_at_idx ON sellers (updated_at);
CREATE OR REPLACE TRIGGER sellers_stamp_write BEFORE INSERT OR UPDATE ON sellers
  FOR EACH ROW EXECUTE FUNCTION stamp_write();

CREATE TABLE IF NOT EXISTS subscriptions (
  id              bigserial PRIMARY KEY,
  seller_id       bigint NOT NULL REFERENCES sellers (id),
  plan            text NOT NULL,
  amount_monthly  numeric(12, 2) NOT NULL CHECK (amount_monthly >= 0),
  currency        char(3) NOT NULL,
  started_at      timestamptz NOT NULL,
  cancelled_at    timestamptz
);
CREATE INDEX IF NOT EXISTS subscriptions_active_idx ON subscriptions (cancelled_at, started_at);
-- MRR is a running sum: each cycle reads the subscriptions started or cancelled since mutable_horizon
-- (subscriptions_active_idx serves the cancelled_at side; 10M: 0.24 → 0.09 ms with this one).
CREATE INDEX IF NOT EXISTS subscriptions_started_at_idx ON subscriptions (started_at);

CREATE TABLE IF NOT EXISTS sessions (
  id          bigserial PRIMARY KEY,
  user_id     bigint REFERENCES users (id),          -- NULL for anonymous visitors
  visitor_id  text NOT NULL,                         -- first-party cookie id, stable across sessions
  platform    text NOT NULL,                         -- web, ios, android, …
  channel     text NOT NULL,                         -- direct, organic, paid, social, email, referral
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz                            -- NULL while the session is live
);
CREATE INDEX IF NOT EXISTS sessions_started_at_idx ON sessions (started_at);
CREATE INDEX IF NOT EXISTS sessions_ended_at_idx ON sessions (ended_at);
-- A session's previous one (visitors, active users: one probe per new session) is the last entry before
-- (started_at, id) under its visitor (user). With id a key column that bound is the index condition and
-- the probe is index-only: it starts at the previous entry and reads no table page where the page is
-- all-visible. The (visitor_id, started_at) / (user_id, started_at) indexes these replace started at the
-- new row itself and fetched the table row of every entry they stepped over. Copy of bench_busy_1m,
-- `bench/collection-cost.ts --cycles 7 --only visitors,bounce,funnel,active_users,revenue`, 6 runs each
-- alternated, load 2.2–4.4: the linked reads of a steady cycle 1,101–1,251 → 912–1,063 buffer pages
-- (0.81×; visitors 416–484 → 333–403, signed-in sessions 236–281 → 189–233, orders 200–251 → 170–212:
-- there the previous row is one cycle old, on a page not yet all-visible); with previous rows on
-- all-visible pages (EXPLAIN ANALYZE of the copy's last minute) 6 → 3 pages a probe, 0.88–0.90× the time.
-- Same entries per insert, 8 bytes wider: 60 → 77 MB for 2M sessions, 30 → 39 MB for 1M orders.
CREATE INDEX IF NOT EXISTS sessions_visitor_started_id_idx ON sessions (visitor_id, started_at, id);
CREATE INDEX IF NOT EXISTS sessions_user_started_id_idx ON sessions (user_id, started_at, id) WHERE user_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS page_views (
  id            bigserial PRIMARY KEY,
  session_id    bigint NOT NULL REFERENCES sessions (id),
  viewed_at     timestamptz NOT NULL,
  path          text NOT NULL,
  load_time_ms  integer CHECK (load_time_ms >= 0),  -- real-user timing; NULL when not reported
  http_status   smallint NOT NULL
);
CREATE INDEX IF NOT EXISTS page_views_viewed_at_idx ON page_views (viewed_at);
CREATE INDEX IF NOT EXISTS page_views_session_idx ON page_views (session_id);

CREATE TABLE IF NOT EXISTS events (
  id           bigserial PRIMARY KEY,
  session_id   bigint NOT NULL REFERENCES sessions (id),
  type         text NOT NULL,                        -- click, product_view, add_to_cart, checkout, search, …
  occurred_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS events_occurred_at_idx ON events (occurred_at);
CREATE INDEX IF NOT EXISTS events_session_type_idx ON events (session_id, type);

CREATE TABLE IF NOT EXISTS carts (
  id            bigserial PRIMARY KEY,
  user_id       bigint REFERENCES users (id),
  session_id    bigint NOT NULL REFERENCES sessions (id),
  created_at    timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('open', 'converted', 'abandoned')),
  abandoned_at  timestamptz,
  -- Optional: when the row was last written. A cart turns `converted` without a timestamp, so the
  -- abandonment ratio either checks the open carts of the mutable tail each cycle (carts_open_idx
  -- below) or, with collection.cart_changes: updated_at, reads the range of this index: the carts
  -- written since the previous read. Only if every write moves it: the trigger below sees to that here.
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS carts_created_at_idx ON carts (created_at);
CREATE INDEX IF NOT EXISTS carts_abandoned_at_idx ON carts (abandoned_at);
CREATE INDEX IF NOT EXISTS carts_updated_at_idx ON carts (updated_at);
CREATE OR REPLACE TRIGGER carts_stamp_write BEFORE INSERT OR UPDATE ON carts
  FOR EACH ROW EXECUTE FUNCTION stamp_write();
-- Without a cart stamp: each cycle checks which carts of the mutable tail are still open, an
-- index-only scan of the few open carts (id included), not of every cart of the tail.
CREATE INDEX IF NOT EXISTS carts_open_idx ON carts (created_at) INCLUDE (id) WHERE status = 'open';

CREATE TABLE IF NOT EXISTS orders (
  id            bigserial PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id),
  seller_id     bigint NOT NULL REFERENCES sellers (id),
  session_id    bigint REFERENCES sessions (id),
  category      text NOT NULL,
  created_at    timestamptz NOT NULL,
  status        text NOT NULL,                       -- pending, paid, shipped, delivered, cancelled, refunded
  total_amount  numeric(12, 2) NOT NULL CHECK (total_amount >= 0),
  currency      char(3) NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_created_at_idx ON orders (created_at);
-- id a key column for the buyer's previous order (revenue), as sessions_visitor_started_id_idx above.
CREATE INDEX IF NOT EXISTS orders_user_created_id_idx ON orders (user_id, created_at, id);
CREATE INDEX IF NOT EXISTS orders_seller_created_idx ON orders (seller_id, created_at);
CREATE INDEX IF NOT EXISTS orders_session_idx ON orders (session_id);

-- Each status a payment enters has its own timestamp, so a status change days after creation is
-- counted once, when it happens (payment counters read succeeded_at, failed_at, … not created_at).
CREATE TABLE IF NOT EXISTS payments (
  id            bigserial PRIMARY KEY,
  order_id      bigint NOT NULL REFERENCES orders (id),
  provider      text NOT NULL,                       -- stripe, paypal
  provider_ref  text,                                -- Stripe charge / PayPal transaction id
  status        text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'disputed')),
  failure_code  text,                                -- provider decline code when failed
  amount        numeric(12, 2) NOT NULL CHECK (amount >= 0),
  currency      char(3) NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  succeeded_at  timestamptz,
  failed_at     timestamptz,
  refunded_at   timestamptz,                         -- first refund
  disputed_at   timestamptz                          -- dispute (chargeback) opened
);
CREATE INDEX IF NOT EXISTS payments_created_at_idx ON payments (created_at);
CREATE INDEX IF NOT EXISTS payments_succeeded_at_idx ON payments (succeeded_at);
CREATE INDEX IF NOT EXISTS payments_failed_at_idx ON payments (failed_at);
CREATE INDEX IF NOT EXISTS payments_refunded_at_idx ON payments (refunded_at);
CREATE INDEX IF NOT EXISTS payments_disputed_at_idx ON payments (disputed_at);
CREATE INDEX IF NOT EXISTS payments_order_idx ON payments (order_id);
CREATE INDEX IF NOT EXISTS payments_provider_ref_idx ON payments (provider, provider_ref);

CREATE TABLE IF NOT EXISTS refunds (
  id          bigserial PRIMARY KEY,
  payment_id  bigint NOT NULL REFERENCES payments (id),
  amount      numeric(12, 2) NOT NULL CHECK (amount >= 0),
  currency    char(3) NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_created_at_idx ON refunds (created_at);

CREATE TABLE IF NOT EXISTS returns (
  id          bigserial PRIMARY KEY,
  order_id    bigint NOT NULL REFERENCES orders (id),
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS returns_created_at_idx ON returns (created_at);

CREATE TABLE IF NOT EXISTS login_events (
  id              bigserial PRIMARY KEY,
  user_id         bigint REFERENCES users (id),      -- NULL when the login named an unknown account
  occurred_at     timestamptz NOT NULL,
  success         boolean NOT NULL,
  failure_reason  text                               -- bad_password, unknown_user, locked, mfa_failed, …
);
CREATE INDEX IF NOT EXISTS login_events_occurred_at_idx ON login_events (occurred_at);

CREATE TABLE IF NOT EXISTS profile_changes (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id),
  field       text NOT NULL,                         -- email, password, phone, address, payout_account, …
  changed_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS profile_changes_changed_at_idx ON profile_changes (changed_at);

CREATE TABLE IF NOT EXISTS audit_log (
  id            bigserial PRIMARY KEY,
  actor_id      bigint,
  action        text NOT NULL,                       -- export, bulk_delete, unauthorized_api, role_change, …
  object_count  integer NOT NULL DEFAULT 1 CHECK (object_count >= 0),
  occurred_at   timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_occurred_at_idx ON audit_log (occurred_at);

CREATE TABLE IF NOT EXISTS support_tickets (
  id          bigserial PRIMARY KEY,
  opened_at   timestamptz NOT NULL,
  closed_at   timestamptz,
  csat_score  smallint CHECK (csat_score BETWEEN 1 AND 5),
  -- Optional: when the row was last written. A ticket is closed, scored and reopened without a
  -- timestamp of its own, so support either checks the tickets closed inside mutable_horizon each
  -- cycle or, with collection.ticket_changes: updated_at, reads the range of this index: the tickets
  -- written since the previous read. Only if every write moves it: the trigger below sees to that here.
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS support_tickets_opened_at_idx ON support_tickets (opened_at);
CREATE INDEX IF NOT EXISTS support_tickets_closed_at_idx ON support_tickets (closed_at);
CREATE INDEX IF NOT EXISTS support_tickets_updated_at_idx ON support_tickets (updated_at);
CREATE OR REPLACE TRIGGER support_tickets_stamp_write BEFORE INSERT OR UPDATE ON support_tickets
  FOR EACH ROW EXECUTE FUNCTION stamp_write();
CREATE INDEX IF NOT EXISTS support_tickets_open_idx ON support_tickets (opened_at) WHERE closed_at IS NULL;
-- Optional, for cost only: the open-ticket count re-reads every cycle how many tickets open at
-- now - mutable_horizon have closed since; with opened_at in the index that read touches no table page.
CREATE INDEX IF NOT EXISTS support_tickets_closed_opened_idx ON support_tickets (closed_at) INCLUDE (opened_at)
  WHERE closed_at IS NOT NULL;
-- Optional, for cost only: CSAT facts (scored tickets by closed_at) come from this index alone. Every
-- steady cycle sums the tickets closed inside mutable_horizon per bucket (and re-reads the buckets that
-- changed), one heap fetch apiece without it (busy dataset, 2,400 tickets, then a plain re-read:
-- 2.2–4.4 → 1.3 ms).
CREATE INDEX IF NOT EXISTS support_tickets_closed_scored_idx ON support_tickets (closed_at) INCLUDE (id, csat_score)
  WHERE csat_score IS NOT NULL;

CREATE TABLE IF NOT EXISTS reviews (
  id          bigserial PRIMARY KEY,
  order_id    bigint NOT NULL REFERENCES orders (id),
  rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  created_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_created_at_idx ON reviews (created_at);

CREATE TABLE IF NOT EXISTS bug_reports (
  id           bigserial PRIMARY KEY,
  severity     text NOT NULL,                        -- critical, major, minor
  reported_at  timestamptz NOT NULL,
  resolved_at  timestamptz
);
CREATE INDEX IF NOT EXISTS bug_reports_reported_at_idx ON bug_reports (reported_at);
CREATE INDEX IF NOT EXISTS bug_reports_open_idx ON bug_reports (severity) WHERE resolved_at IS NULL;
-- Optional, for cost only: the open bug-report count re-reads every cycle, per severity, how many reports
-- open at now - mutable_horizon have been resolved since; with reported_at and severity in the index
-- that read touches no table page (without any index on resolved_at it reads the whole table).
CREATE INDEX IF NOT EXISTS bug_reports_resolved_idx ON bug_reports (resolved_at) INCLUDE (reported_at, severity)
  WHERE resolved_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS incidents (
  id           bigserial PRIMARY KEY,
  component    text NOT NULL,                        -- web, api, checkout, payments, search, …
  severity     text NOT NULL,                        -- critical (outage), major, minor
  started_at   timestamptz NOT NULL,
  resolved_at  timestamptz
);
CREATE INDEX IF NOT EXISTS incidents_started_at_idx ON incidents (started_at);
CREATE INDEX IF NOT EXISTS incidents_resolved_at_idx ON incidents (resolved_at);
