/**
 * The configuration schema. Parsed once at start-up into `Config`; the rest of the code only ever
 * sees the validated type. Unknown keys are rejected everywhere (`strictObject`), so a typo is an
 * error rather than a silently ignored setting.
 */
import { z } from 'zod';
import { COLLECTOR_NAMES } from '../../../shared/collectors';
import { duration, secretRef } from '../../../shared/config-primitives';
import { PAYPAL_MAX_WINDOW_SECONDS } from '../payments/paypal-transactions';

const nonNegDuration = z.union([z.literal(0), z.literal('0'), z.literal('0s'), duration]).transform((v) => (typeof v === 'number' ? v : 0));

const postgresUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'expected a URL such as postgres://user@host:5432/db' },
);

const httpUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'expected an http(s) URL' },
);

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** Provider APIs carry secrets and money: https only, except to a loopback fake or proxy. */
const providerUrl = httpUrl.refine(
  (v) => {
    const u = new URL(v);
    return u.protocol === 'https:' || LOOPBACK.test(u.hostname);
  },
  { message: 'expected an https:// URL (http:// only for loopback addresses)' },
);

const allowList = z
  .array(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected short label-safe values'),
  )
  .min(1);

const collectorSettings = z.strictObject({
  enabled: z.boolean().optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
});

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus label name');

const customMetric = z
  .strictObject({
    name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a Prometheus metric name'),
    help: z.string().min(1),
    type: z.enum(['gauge', 'counter', 'histogram']),
    query: z.string().min(1),
    /** Columns of the result used as labels. */
    labels: z.array(labelName).default([]),
    /** Column holding the value (gauge/counter) or the observation (histogram). */
    value: z.string().min(1).default('value'),
    buckets: z.array(z.number()).min(1).optional(),
    interval: duration.optional(),
    timeout: duration.optional(),
  })
  .refine((m) => m.type !== 'histogram' || m.buckets !== undefined, { message: 'histogram metrics need "buckets"', path: ['buckets'] })
  .refine((m) => m.type !== 'counter' || m.name.endsWith('_total'), { message: 'counter names must end in _total', path: ['name'] });

const providerCommon = {
  enabled: z.boolean().default(false),
  interval: duration.default(60),
  /** Per-request timeout; a poll retries timed-out requests with backoff. */
  timeout: duration.default(10),
  settle_lag: nonNegDuration.default(300),
  requests_per_minute: z.number().int().positive().default(60),
  /** Retries per request on 429/5xx/timeouts/network errors before the poll gives up (nothing is committed). */
  max_retries: z.number().int().min(0).max(20).default(5),
  /** Where the poller keeps its watermark and running totals, so a restart continues the counters exactly. */
  state_file: z.string().min(1).optional(),
  /** How far back the first poll (no saved watermark) starts counting. */
  initial_lookback: duration.default(30 * 86_400),
};

/** Where the exporter listens unless configured otherwise (9464: the exporter's registered default port). */
export const DEFAULT_LISTEN = { address: '0.0.0.0', port: 9464 } as const;

/** collection.seller_changes, cart_changes and ticket_changes: their values, also the benchmark's options. */
export const SELLER_CHANGES = z.enum(['auto', 'row_versions', 'updated_at']);
export const CART_CHANGES = z.enum(['auto', 'open_tail', 'updated_at']);
export const TICKET_CHANGES = z.enum(['auto', 'tail_check', 'updated_at']);

export const configSchema = z.strictObject({
  database: z
    .strictObject({
      url: postgresUrl.optional(),
      password: secretRef.optional(),
      pool_max: z.number().int().min(1).max(100).default(4),
      /** Upper bound for any statement, whatever a collector's own timeout. */
      statement_timeout: duration.default(30),
      /** A query waiting on a lock (a replica's DDL replay, an ALTER on the primary) gives up after this. */
      lock_timeout: duration.default(5),
      /** The server ends a session left idle inside a transaction (a hung exporter never pins a snapshot). */
      idle_in_transaction_session_timeout: duration.default(60),
      connect_timeout: duration.default(5),
      application_name: z.string().min(1).max(63).default('marketplace-pulse'),
    })
    .prefault({}),
  listen: z
    .strictObject({
      address: z.string().min(1).default(DEFAULT_LISTEN.address),
      port: z.number().int().min(0).max(65535).default(DEFAULT_LISTEN.port),
      /** Open connections at most (idle keep-alive sockets included); more are refused. */
      max_connections: z.number().int().min(1).max(100_000).default(512),
    })
    .prefault({}),
  web: z
    .strictObject({
      /** exporter-toolkit web configuration file (also `--web.config.file`): TLS, bcrypt basic auth, headers. */
      config_file: z.string().min(1).optional(),
      /** POST /-/reload (also `--web.enable-lifecycle`); off by default, like Prometheus. */
      enable_lifecycle: z.boolean().default(false),
      basic_auth: z.strictObject({ username: z.string().min(1), password: secretRef }).optional(),
      bearer_token: secretRef.optional(),
      tls: z.strictObject({ cert_file: z.string().min(1), key_file: z.string().min(1) }).optional(),
    })
    .refine((w) => w.config_file === undefined || (!w.basic_auth && !w.bearer_token && !w.tls), {
      message: 'config_file replaces basic_auth, bearer_token and tls: set them in the web config file only',
    })
    .prefault({}),
  collection: z
    .strictObject({
      default_interval: duration.default(60),
      default_timeout: duration.default(20),
      settle_lag: nonNegDuration.default(120),
      max_staleness: duration.default(600),
      start_jitter: nonNegDuration.default(5),
      retry_backoff_initial: duration.default(5),
      retry_backoff_max: duration.default(120),
      // Window facts that change without a timestamp of their own (cart status) are re-read this far back.
      mutable_horizon: duration.default(172800),
      // Every window collector recomputes its state from scratch this often (spread over time).
      full_refresh: duration.default(86400),
      // How the seller collectors find the sellers whose row changed: row versions (xmin, any table; scans
      // every seller each cycle) or sellers.updated_at, moved by every write (index range; views too), whose
      // misses (a write that kept updated_at, a deleted seller) wait for the full refresh. auto: updated_at
      // where an enabled trigger assigns it on every update (the reference schema's), row versions elsewhere.
      seller_changes: SELLER_CHANGES.default('auto'),
      // How the abandonment ratio finds carts whose status changed (a cart turns `converted` without a
      // timestamp): the open carts of the mutable_horizon tail counted per bucket each cycle (any table),
      // or carts.updated_at, moved by every write (index range), whose misses (a write that kept
      // updated_at, a deleted cart) wait for the full refresh. auto: updated_at where an enabled trigger
      // assigns it on every update (the reference schema's), the open tail elsewhere.
      cart_changes: CART_CHANGES.default('auto'),
      // How support finds tickets closed, scored or reopened (none has a timestamp of its own): the
      // tickets closed inside mutable_horizon checked per bucket and the open tickets counted each cycle
      // (any table), or support_tickets.updated_at, moved by every write (index range), whose misses (a
      // write that kept updated_at, a deleted ticket) wait for the full refresh. auto: updated_at where
      // an enabled trigger assigns it on every update (the reference schema's), the tail check elsewhere.
      ticket_changes: TICKET_CHANGES.default('auto'),
      // Where collector state (window facts, counter totals, settled retention) is persisted between runs;
      // unset: kept in memory only.
      state_dir: z.string().min(1, 'expected a directory path').optional(),
    })
    .prefault({}),
  collectors: z.partialRecord(z.enum(COLLECTOR_NAMES), collectorSettings).default({}),
  labels: z.record(labelName, z.string().max(128)).default({}),
  allow_lists: z
    .strictObject({
      currencies: allowList.default(['USD', 'EUR', 'GBP']),
      platforms: allowList.default(['web', 'ios', 'android']),
      channels: allowList.default(['direct', 'organic', 'paid', 'social', 'email', 'referral']),
      event_types: allowList.default(['click', 'search', 'product_view', 'add_to_cart', 'checkout', 'wishlist']),
      categories: allowList.default(['electronics', 'fashion', 'home', 'beauty', 'sports', 'toys', 'books', 'grocery']),
      refund_reasons: allowList.default(['damaged', 'not_as_described', 'late_delivery', 'changed_mind', 'fraud']),
      return_reasons: allowList.default(['damaged', 'wrong_size', 'not_as_described', 'changed_mind']),
      failure_codes: allowList.default([
        'card_declined',
        'insufficient_funds',
        'expired_card',
        'incorrect_cvc',
        'processing_error',
        'fraudulent',
        'authentication_required',
      ]),
      profile_fields: allowList.default(['email', 'password', 'phone', 'address', 'payout_account', 'two_factor']),
      components: allowList.default(['web', 'api', 'checkout', 'payments', 'search']),
    })
    .prefault({}),
  thresholds: z
    .strictObject({
      /** Per-currency high-value order threshold in major units; currencies not listed use `default`. */
      high_value_order: z.record(z.string(), z.number().positive()).default({ default: 500 }),
      low_seller_credit_ratio: z.number().gt(0).lt(1).default(0.1),
      failed_login_attempts: z.number().int().min(1).default(5),
      seller_segment_power_orders: z.number().int().min(2).default(20),
      seller_segment_active_orders: z.number().int().min(1).default(5),
    })
    .refine((t) => t.seller_segment_active_orders < t.seller_segment_power_orders, {
      message: 'seller_segment_active_orders must be below seller_segment_power_orders',
    })
    .prefault({}),
  limits: z.strictObject({ max_series_per_metric: z.number().int().min(1).default(5000) }).prefault({}),
  custom_metrics: z.array(customMetric).default([]),
  payment_providers: z
    .strictObject({
      stripe: z
        .strictObject({
          ...providerCommon,
          api_key: secretRef.optional(),
          base_url: providerUrl.optional(),
          /**
           * Longest stretch of events one window reads. Stripe lists newest first, so a window counts
           * only once all of it is read: short windows let a large backlog catch up window by window.
           */
          max_window: duration.default(86_400),
        })
        .optional(),
      paypal: z
        .strictObject({
          ...providerCommon,
          client_id: secretRef.optional(),
          client_secret: secretRef.optional(),
          base_url: providerUrl.default('https://api-m.paypal.com'),
          /** Longest stretch of transactions one window reads; the Reporting API allows 31 days at most. */
          max_window: duration
            .default(PAYPAL_MAX_WINDOW_SECONDS)
            .refine((s) => s <= PAYPAL_MAX_WINDOW_SECONDS, { message: 'expected at most 31 days (the Reporting API limit)' }),
        })
        .optional(),
      reconciliation_window: duration.default(86_400),
    })
    .prefault({}),
  demo: z
    .strictObject({
      /** auto: simulate on the embedded database only when no database URL is configured. */
      mode: z.enum(['auto', 'on', 'off']).default('auto'),
      seed: z.number().int().default(42),
      history_days: z.number().int().min(0).max(400).default(35),
      /** Simulated sessions per day on average, for history and live traffic alike. */
      sessions_per_day: z.number().int().positive().max(1_000_000).default(1_200),
      data_dir: z.string().optional(),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
});

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
