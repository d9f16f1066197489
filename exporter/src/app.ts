/**
 * Wires an exporter together from a validated config: collectors, snapshot store, registries,
 * database pool, scheduler and HTTP server. `main.ts` adds process concerns (signals, demo).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type pg from 'pg';
import { catalogue, collectorsOf, M } from '../../shared/catalogue';
import { COLLECTOR_DEFAULTS, type CollectorName, COLLECTORS } from './collectors';
import { sharedActiveUserFacts } from './collectors/active-users';
import { customCollector } from './collectors/custom-sql';
import type { SharedState } from './collectors/types';
import { captureIncrementalStates } from './collectors/incremental';
import { windowSettings } from './collectors/window-facts';
import type { Config } from './config/load';
import { readSecret } from './config/load';
import { createApp, type AppState } from './http/app';
import { cycleTimeoutSeconds } from './payments/catch-up';
import { carryProviderRuntimes } from './payments/provider-runtime';
import type { Provider } from './payments/provider';
import { assertSecret, createAuthenticator, type Authenticator } from './http/auth';
import { createTlsServer, type ReloadingTlsServer } from './http/tls';
import { loadWebConfig, tlsSettings, type TlsSettings } from './http/web-config';
import { createRegistries, Exposition, processRegistries } from './metrics/registry';
import { MetricStore } from './metrics/store';
import { createPool, errorKind, roleCanWrite } from './runtime/db';
import { createLogger, type Logger } from './runtime/logger';
import { Scheduler, type ScheduledCollector } from './runtime/scheduler';

export const VERSION: string = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version;

export interface RunningExporter {
  url: string;
  port: number;
  ready(): Promise<void>;
  /** Applies a new config without restarting the HTTP listener; returns an error message if rejected. */
  reload(): Promise<string | null>;
  /** Reloads actually run (coalesced requests count once). */
  reloadCount(): number;
  /** Collectors changed by a reload whose new instance has not yet taken over. */
  pendingReloads(): string[];
  /** Open HTTP connections right now. */
  connections(): Promise<number>;
  status(): ReturnType<Scheduler['status']>;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  log?: Logger;
  /** Re-reads configuration for SIGHUP and POST /-/reload; throws ConfigError on a bad file. */
  loadConfig?: () => Config;
  /** Tests shorten these; production uses the defaults. */
  httpLimits?: Partial<HttpLimits>;
}

/**
 * What a collector's numbers depend on besides its schedule, as a stable string. Two configs giving
 * the same key build collectors that count the same way, so a reload keeps the running instance and
 * its state. Conservative: everything except HTTP, logging, demo and scheduler settings, other
 * collectors' entries and (for collectors that do not read it) the database.
 */
export function collectorKey(config: Config, name: string, usesDatabase: boolean): string {
  const c = config.collection;
  const { stripe, paypal, ...sharedProviders } = config.payment_providers;
  const own = (p: { enabled?: boolean } | undefined) => {
    if (!p) return null;
    const { enabled: _enabled, ...rest } = p;
    return rest;
  };
  const custom = config.custom_metrics.find((m) => `custom:${m.name}` === name);
  return JSON.stringify({
    name,
    database: usesDatabase ? config.database : null,
    collection: {
      settle_lag: c.settle_lag,
      mutable_horizon: c.mutable_horizon,
      full_refresh: c.full_refresh,
      state_dir: c.state_dir ?? null,
      // Each read by its own collectors only: switching one must not rebuild every collector.
      seller_changes: name === 'seller_credits' || name === 'sellers' ? c.seller_changes : null,
      cart_changes: name === 'carts' ? c.cart_changes : null,
      ticket_changes: name === 'support' ? c.ticket_changes : null,
    },
    // Whether active_users and revenue read one store (SharedState): switching active_users or revenue on
    // or off rebuilds both, so neither is left advancing, or publishing, a store the other still holds.
    // Everything else in their keys is the same for both, so one is rebuilt exactly when the other is.
    shares_active_facts: name === 'active_users' || name === 'revenue' ? sharesActiveFacts(config) : null,
    allow_lists: config.allow_lists,
    thresholds: config.thresholds,
    limits: config.limits,
    payment_providers: {
      ...sharedProviders,
      stripe: name === 'paypal' ? null : own(stripe),
      paypal: name === 'stripe' ? null : own(paypal),
    },
    custom: custom ? { ...custom, interval: null, timeout: null } : null,
  });
}

/** Whether `name` runs under `config`: its own `enabled`, a payment provider's, or the registry's default. */
export function collectorEnabled(config: Config, name: CollectorName): boolean {
  const provider = name === 'stripe' || name === 'paypal' ? config.payment_providers[name] : undefined;
  return config.collectors[name]?.enabled ?? (provider ? provider.enabled : COLLECTOR_DEFAULTS[name].enabled);
}

/** active_users and revenue both enabled: they share active_users' signed-in sessions. */
const sharesActiveFacts = (config: Config) => collectorEnabled(config, 'active_users') && collectorEnabled(config, 'revenue');

/** What the collectors of one build share: new for every build, so a restart or a reload's new instances start their own. */
export function sharedState(config: Config): SharedState {
  return { activeUserFacts: sharesActiveFacts(config) ? sharedActiveUserFacts() : undefined };
}

const NO_QUERIES = {
  query: () => Promise.reject(new Error('no database at shutdown')),
};

/** The counter state file of a collector's i-th incremental state. */
function counterStateFile(dir: string, name: string, i: number): string {
  return path.join(dir, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}${i ? `.${i}` : ''}.counter-state.json`);
}

/** The key without what does not change the counted numbers (where the files live). */
function counterFingerprint(key: string): string {
  const k = JSON.parse(key) as { collection: Record<string, unknown> };
  k.collection.state_dir = null;
  return createHash('sha256').update(JSON.stringify(k)).digest('hex');
}

/**
 * Enabled collectors with their effective interval and timeout. With `collection.state_dir`, their
 * counter states are persisted there (`log` receives the restore/discard lines).
 */
export function scheduledCollectors(config: Config, log?: Logger): ScheduledCollector[] {
  const out: ScheduledCollector[] = [];
  const c = config.collection;
  const add = (build: () => ScheduledCollector) => {
    const { value: e, states } = captureIncrementalStates(build);
    e.key = collectorKey(config, e.collector.name, e.collector.usesDatabase);
    e.counters = states;
    e.saveState = () => {
      for (const st of states) st.save();
      const ws = windowSettings(config);
      for (const w of e.collector.windowStates ?? []) {
        // Synchronous in effect: the database identity is known once a window state exists, so no
        // query is made and the file is written before this returns (shutdown relies on that).
        w.save(NO_QUERIES, ws).catch((err: Error) => log?.warn({ collector: w.name, err: err.message }, 'window state not saved'));
      }
    };
    if (c.state_dir && log) {
      const fp = counterFingerprint(e.key);
      for (const [i, st] of states.entries()) {
        st.persistTo({
          file: counterStateFile(c.state_dir, e.collector.name, i),
          configFingerprint: fp,
          log: log.child({ collector: e.collector.name }),
        });
      }
    }
    out.push(e);
  };
  const shared = sharedState(config);
  for (const name of Object.keys(COLLECTOR_DEFAULTS) as CollectorName[]) {
    const settings = config.collectors[name] ?? {};
    const provider = name === 'stripe' || name === 'paypal' ? config.payment_providers[name] : undefined;
    if (!collectorEnabled(config, name)) continue;
    const factory = COLLECTORS[name];
    const interval = settings.interval ?? provider?.interval ?? COLLECTOR_DEFAULTS[name].interval;
    // A cycle never overlaps itself (the next one is scheduled when it ends), so a timeout longer than
    // the interval is allowed: pollers wait out Retry-After inside a cycle.
    // A provider's own `timeout` is per request; a poller's cycle gets room for retries and catch-up.
    add(() => ({
      collector: factory(config, shared),
      interval,
      timeout: provider ? cycleTimeoutSeconds(config, name as Provider) : (settings.timeout ?? c.default_timeout),
    }));
  }
  for (const m of config.custom_metrics) {
    const interval = m.interval ?? c.default_interval;
    add(() => ({ collector: customCollector(m, config.limits.max_series_per_metric), interval, timeout: m.timeout ?? c.default_timeout }));
  }
  return out;
}

/** What serves one process: exported with buildRuntime and reloadRuntime for the equivalence test. */
export interface Runtime {
  config: Config;
  /**
   * The collectors built from `config`. After a reload the scheduler runs those whose key changed and
   * keeps the running instance of the others (see collectorKey).
   */
  entries: readonly ScheduledCollector[];
  state: AppState;
  scheduler: Scheduler;
  store: MetricStore;
  pool: pg.Pool | null;
}

/** Families the exposition declares: the catalogue's for this process plus the custom metrics. */
function exposedDefs(entries: readonly ScheduledCollector[]) {
  // Families of the exporter process only (the report scheduler publishes its own).
  const ours = catalogue.filter((m) => collectorsOf(m).some((c) => c === 'runtime' || c in COLLECTOR_DEFAULTS));
  return [...ours, ...entries.filter((e) => e.collector.name.startsWith('custom:')).flatMap((e) => e.collector.metrics)];
}

function buildExposition(config: Config, store: MetricStore, entries: readonly ScheduledCollector[]): Exposition {
  return new Exposition(
    store,
    createRegistries(exposedDefs(entries), store, config.labels, { processMetrics: false }),
    processRegistries(config.labels),
  );
}

/** `pool` stands in for the one `config.database` would give (a test's pool on a pinned clock). */
export function buildRuntime(config: Config, log: Logger, pool?: pg.Pool | null): Runtime {
  const entries = scheduledCollectors(config, log);
  const store = new MetricStore(config);
  const needsDb = entries.some((e) => e.collector.usesDatabase);
  const db = pool !== undefined ? pool : needsDb && config.database.url ? createPool(config) : null;
  const scheduler = new Scheduler(entries, { config, store, pool: db, log, version: VERSION });
  const rt: Runtime = {
    config,
    entries,
    store,
    scheduler,
    pool: db,
    state: {
      exposition: buildExposition(config, store, entries),
      isReady: () => scheduler.isReady(),
      status: () => scheduler.status(),
      sweepStale: () => scheduler.sweepStale(),
    },
  };
  if (db) void checkRole(db, store, log);
  return rt;
}

/**
 * Applies `next` to a running runtime in place: the snapshot keeps being served, unchanged collectors
 * keep their instance, the pool is kept while the database settings are the same (see Scheduler).
 */
export function reloadRuntime(rt: Runtime, next: Config, log: Logger): void {
  // Before the collectors are built: a rebuilt poller or reconciliation picks up the kept runtime.
  carryProviderRuntimes(rt.config, next);
  const entries = scheduledCollectors(next, log);
  const needsDb = entries.some((e) => e.collector.usesDatabase) && Boolean(next.database.url);
  const sameDb = JSON.stringify(rt.config.database) === JSON.stringify(next.database);
  const oldPool = rt.pool;
  const pool = needsDb ? (sameDb && oldPool ? oldPool : createPool(next)) : null;
  const defsChanged =
    JSON.stringify(rt.config.labels) !== JSON.stringify(next.labels) ||
    JSON.stringify(rt.config.custom_metrics) !== JSON.stringify(next.custom_metrics);
  rt.store.reconfigure(next);
  rt.scheduler.reconfigure({ entries, config: next, pool });
  if (defsChanged) rt.state = { ...rt.state, exposition: buildExposition(next, rt.store, entries) };
  rt.config = next;
  rt.entries = entries;
  rt.pool = pool;
  // The scheduler ends a replaced pool once no instance reads through it; one nobody ever used ends here.
  if (oldPool && oldPool !== pool && !needsDb) void oldPool.end().catch(() => undefined);
  if (pool && pool !== oldPool) void checkRole(pool, rt.store, log);
}

/** Start-up (and reload) warning when the database role could write: metric + one log line. */
async function checkRole(pool: pg.Pool, store: MetricStore, log: Logger): Promise<void> {
  try {
    const can = await roleCanWrite(pool);
    store.replace('__database_role__', [{ metric: M.databaseRoleCanWrite, labels: {}, value: can ? 1 : 0 }], false);
    if (can)
      log.warn(
        'the database role can write (superuser or INSERT/UPDATE/DELETE/TRUNCATE privileges); the exporter only reads, but should run as a read-only role (see README, "Pointing it at a real marketplace")',
      );
  } catch (e) {
    log.warn({ kind: errorKind(e) }, 'could not check whether the database role can write');
  }
}

interface WebSecurity {
  auth: Authenticator | null;
  headers: Record<string, string>;
  tls?: TlsSettings;
}

/**
 * Auth, TLS and headers from the web config file or the legacy `web.*` keys. An empty or short secret
 * throws: authentication must never turn itself off because a secret file is blank.
 */
export function webSecurity(config: Config): WebSecurity {
  const w = config.web;
  if (w.config_file) {
    const wc = loadWebConfig(w.config_file);
    return {
      auth: createAuthenticator({ bcryptUsers: wc.basic_auth_users }),
      headers: wc.http_server_config?.headers ?? {},
      tls: tlsSettings(wc),
    };
  }
  let basic: { username: string; password: string } | undefined;
  let bearer: string | undefined;
  if (w.basic_auth) {
    basic = { username: w.basic_auth.username, password: readSecret(w.basic_auth.password) };
    assertSecret('web.basic_auth.password', basic.password);
  }
  if (w.bearer_token) {
    bearer = readSecret(w.bearer_token);
    assertSecret('web.bearer_token', bearer);
  }
  const tls: TlsSettings | undefined = w.tls
    ? { certFile: w.tls.cert_file, keyFile: w.tls.key_file, clientAuth: 'NoClientCert', minVersion: 'TLSv1.2' }
    : undefined;
  return { auth: createAuthenticator({ basic, bearer }), headers: {}, tls };
}

/**
 * Slow clients and idle sockets are bounded: a connection that has not sent complete headers within
 * `headersTimeoutMs` (idle new sockets included) is closed, idle keep-alives expire, and at most
 * listen.max_connections sockets are open at once.
 */
export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above. */
  checkIntervalMs: number;
}

/** Shortest spacing between two reload starts; requests in between are coalesced. */
const RELOAD_DEBOUNCE_MS = 1_000;

const HTTP_LIMITS: HttpLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, checkIntervalMs: 2_000 };

export async function startExporter(opts: StartOptions): Promise<RunningExporter> {
  const log = opts.log ?? createLogger(opts.config.log.level);
  const rt = buildRuntime(opts.config, log);
  let web = webSecurity(opts.config);
  rt.scheduler.start();

  const reloadNow = async (): Promise<string | null> => {
    if (!opts.loadConfig) return 'reload is not available (no config source)';
    let next: Config;
    try {
      next = opts.loadConfig();
      // Everything that can fail (secrets, web config, collectors) happens before anything is swapped.
      const nextWeb = webSecurity(next);
      if (Boolean(nextWeb.tls) !== Boolean(web.tls)) throw new Error('switching between HTTP and HTTPS needs a restart');
      reloadRuntime(rt, next, log);
      // After the runtime accepted the config, so a rejected reload leaves TLS as it was.
      if (nextWeb.tls) tlsServer!.update(nextWeb.tls);
      web = nextWeb;
    } catch (e) {
      const msg = (e as Error).message;
      log.error({ err: msg }, 'configuration reload rejected; the previous configuration stays active');
      return msg;
    }
    log.info({ source: next.source }, 'configuration reloaded');
    return null;
  };

  // Reloads are serialized and debounced: requests arriving while one runs (or within RELOAD_DEBOUNCE_MS
  // of its start) share a single follow-up reload, so a burst or a loop of requests costs at most one
  // rebuild per second, never one pool and provider restart per request.
  let running: Promise<string | null> | null = null;
  let queued: Promise<string | null> | null = null;
  let reloads = 0;
  let lastStart = -Infinity;
  const start = (): Promise<string | null> => {
    reloads += 1;
    lastStart = Date.now();
    running = reloadNow().finally(() => (running = null));
    return running;
  };
  const reload = (): Promise<string | null> => {
    if (queued) return queued;
    const wait = lastStart + RELOAD_DEBOUNCE_MS - Date.now();
    if (!running && wait <= 0) return start();
    queued = (running ?? Promise.resolve(null))
      .then(() => new Promise((r) => setTimeout(r, Math.max(0, lastStart + RELOAD_DEBOUNCE_MS - Date.now()))))
      .then(() => {
        queued = null;
        return start();
      });
    return queued;
  };

  // Auth is looked up per request so that a reload can change credentials.
  const app = createApp({
    state: () => rt.state,
    auth: () => web.auth,
    headers: () => web.headers,
    lifecycle: opts.config.web.enable_lifecycle,
    reload,
    version: VERSION,
  });
  let tlsServer: ReloadingTlsServer | undefined;
  const tls = web.tls;
  const limits = { ...HTTP_LIMITS, ...opts.httpLimits };
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
  if (tls) tlsServer = createTlsServer(tls, app, log, serverOptions);
  const server = tlsServer ? tlsServer.server : http.createServer(serverOptions, app);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = opts.config.listen.max_connections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.config.listen.port, opts.config.listen.address, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.config.listen.address === '0.0.0.0' || opts.config.listen.address === '::' ? '127.0.0.1' : opts.config.listen.address;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    ready: () => rt.scheduler.ready(),
    reload,
    reloadCount: () => reloads,
    pendingReloads: () => rt.scheduler.pendingReloads(),
    connections: () => new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    status: () => rt.scheduler.status(),
    async stop() {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      // Cycles finish (or are aborted after a grace period) before the state is written, so the
      // files hold the last committed horizon and totals.
      await rt.scheduler.stop();
      rt.scheduler.saveState();
      await rt.pool?.end();
    },
  };
}
