/**
 * Wires an exporter together from a validated config: collectors, snapshot store, registries,
 * database pool, scheduler and HTTP server. `main.ts` adds process concerns (signals, demo).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type pg from 'pg';
import { catalogue, collectorsOf, M } from '../../shared/catalogue';
import { COLLECTOR_DEFAULTS, type CollectorName, COLLECTORS } from './collectors';
import { customCollector } from './collectors/custom-sql';
import type { Config } from './config/load';
import { readSecret } from './config/load';
import { createApp, type AppState } from './http/app';
import { cycleTimeoutSeconds } from './payments/catch-up';
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

/** Enabled collectors with their effective interval and timeout. */
export function scheduledCollectors(config: Config): ScheduledCollector[] {
  const out: ScheduledCollector[] = [];
  const c = config.collection;
  for (const name of Object.keys(COLLECTOR_DEFAULTS) as CollectorName[]) {
    const settings = config.collectors[name] ?? {};
    const provider = name === 'stripe' || name === 'paypal' ? config.payment_providers[name] : undefined;
    const enabled = settings.enabled ?? (provider ? provider.enabled : COLLECTOR_DEFAULTS[name].enabled);
    if (!enabled) continue;
    const factory = COLLECTORS[name];
    const interval = settings.interval ?? provider?.interval ?? COLLECTOR_DEFAULTS[name].interval;
    // A cycle never overlaps itself (the next one is scheduled when it ends), so a timeout longer than
    // the interval is allowed: pollers wait out Retry-After inside a cycle.
    // A provider's own `timeout` is per request; a poller's cycle gets room for retries and catch-up.
    out.push({
      collector: factory(config),
      interval,
      timeout: provider ? cycleTimeoutSeconds(config, name as Provider) : (settings.timeout ?? c.default_timeout),
    });
  }
  for (const m of config.custom_metrics) {
    const interval = m.interval ?? c.default_interval;
    out.push({ collector: customCollector(m, config.limits.max_series_per_metric), interval, timeout: m.timeout ?? c.default_timeout });
  }
  return out;
}

interface Runtime {
  config: Config;
  state: AppState;
  scheduler: Scheduler;
  pool: pg.Pool | null;
}

function buildRuntime(config: Config, log: Logger): Runtime {
  const entries = scheduledCollectors(config);
  const store = new MetricStore(config);
  // Families of the exporter process only (the report scheduler publishes its own).
  const ours = catalogue.filter((m) => collectorsOf(m).some((c) => c === 'runtime' || c in COLLECTOR_DEFAULTS));
  const defs = [...ours, ...entries.filter((e) => e.collector.name.startsWith('custom:')).flatMap((e) => e.collector.metrics)];
  const exposition = new Exposition(
    store,
    createRegistries(defs, store, config.labels, { processMetrics: false }),
    processRegistries(config.labels),
  );
  const needsDb = entries.some((e) => e.collector.usesDatabase);
  const pool = needsDb && config.database.url ? createPool(config) : null;
  const scheduler = new Scheduler(entries, { config, store, pool, log, version: VERSION });
  const state: AppState = {
    exposition,
    isReady: () => scheduler.isReady(),
    status: () => scheduler.status(),
    sweepStale: () => scheduler.sweepStale(),
  };
  if (pool) void checkRole(pool, store, log);
  return { config, state, scheduler, pool };
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
  let rt = buildRuntime(opts.config, log);
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
      if (nextWeb.tls) tlsServer!.update(nextWeb.tls);
      const nextRt = buildRuntime(next, log);
      const old = rt;
      web = nextWeb;
      rt = nextRt;
      rt.scheduler.start();
      await old.scheduler.stop();
      await old.pool?.end();
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
    connections: () => new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    status: () => rt.scheduler.status(),
    async stop() {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await rt.scheduler.stop();
      await rt.pool?.end();
    },
  };
}
