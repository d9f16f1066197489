/**
 * Wires an exporter together from a validated config: collectors, snapshot store, registries,
 * database pool, scheduler and HTTP server. `main.ts` adds process concerns (signals, demo).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type pg from 'pg';
import { catalogue, collectorsOf } from '../../shared/catalogue';
import { COLLECTORS } from './collectors';
import { customCollector } from './collectors/custom-sql';
import { COLLECTOR_DEFAULTS, type CollectorName } from './collectors/names';
import type { Config } from './config/load';
import { readSecret } from './config/load';
import { createApp, type AppState } from './http/app';
import { createRegistries, Exposition, processRegistries } from './metrics/registry';
import { MetricStore } from './metrics/store';
import { createPool } from './runtime/db';
import { createLogger, type Logger } from './runtime/logger';
import { Scheduler, type ScheduledCollector } from './runtime/scheduler';

export const VERSION: string = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version;

export interface RunningExporter {
  url: string;
  port: number;
  ready(): Promise<void>;
  /** Applies a new config without restarting the HTTP listener; returns an error message if rejected. */
  reload(): Promise<string | null>;
  status(): ReturnType<Scheduler['status']>;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  log?: Logger;
  /** Re-reads configuration for SIGHUP and POST /-/reload; throws ConfigError on a bad file. */
  loadConfig?: () => Config;
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
    out.push({ collector: factory(config), interval, timeout: settings.timeout ?? (provider ? Math.max(120, c.default_timeout) : c.default_timeout) });
  }
  for (const m of config.custom_metrics) {
    const interval = m.interval ?? c.default_interval;
    out.push({ collector: customCollector(m), interval, timeout: m.timeout ?? c.default_timeout });
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
  const exposition = new Exposition(store, createRegistries(defs, store, config.labels, { processMetrics: false }), processRegistries(config.labels));
  const needsDb = entries.some((e) => e.collector.usesDatabase);
  const pool = needsDb && config.database.url ? createPool(config) : null;
  const scheduler = new Scheduler(entries, { config, store, pool, log, version: VERSION });
  const state: AppState = {
    exposition,
    isReady: () => scheduler.isReady(),
    status: () => scheduler.status(),
    sweepStale: () => scheduler.sweepStale(),
  };
  return { config, state, scheduler, pool };
}

function authOf(config: Config) {
  const w = config.web;
  return {
    basic: w.basic_auth ? { username: w.basic_auth.username, password: readSecret(w.basic_auth.password) } : undefined,
    bearer: w.bearer_token ? readSecret(w.bearer_token) : undefined,
  };
}

export async function startExporter(opts: StartOptions): Promise<RunningExporter> {
  const log = opts.log ?? createLogger(opts.config.log.level);
  let rt = buildRuntime(opts.config, log);
  let auth = authOf(opts.config);
  rt.scheduler.start();

  const reload = async (): Promise<string | null> => {
    if (!opts.loadConfig) return 'reload is not available (no config source)';
    let next: Config;
    try {
      next = opts.loadConfig();
      // Everything that can fail (secrets, collectors) happens before anything is swapped.
      const nextAuth = authOf(next);
      const nextRt = buildRuntime(next, log);
      const old = rt;
      auth = nextAuth;
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

  // Auth is looked up per request so that a reload can change credentials.
  const app = createApp({ state: () => rt.state, auth: () => auth, reload, version: VERSION });
  const { tls } = opts.config.web;
  const server = tls
    ? https.createServer({ cert: readFileSync(tls.cert_file), key: readFileSync(tls.key_file) }, app)
    : http.createServer(app);
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
    status: () => rt.scheduler.status(),
    async stop() {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await rt.scheduler.stop();
      await rt.pool?.end();
    },
  };
}
