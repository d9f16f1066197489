/**
 * The daemon. `npm start` with no database configured runs the demo: embedded database, simulated
 * history and live traffic. With DATABASE_URL (or database.url) it only reads that database.
 *
 *   --config <file>        YAML configuration (or PULSE_CONFIG)
 *   --check-config <file>  validate a configuration file and exit (0 valid, 2 invalid)
 *   --web.config.file <f>  exporter-toolkit web configuration (TLS, bcrypt basic auth, headers)
 *   --web.enable-lifecycle enable POST /-/reload (off by default)
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startExporter, VERSION, webSecurity, type RunningExporter } from './app';
import { parseCli } from './cli';
import { WebConfigError } from './http/web-config';
import { ConfigError, loadConfig, type Config } from './config/load';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './demo/embedded';
import { startPaymentFakes, type PaymentFakes } from './demo/payment-fakes';
import { LiveTraffic, seedHistory } from './demo/simulator';
import { createLogger, type Logger } from './runtime/logger';

/**
 * Under `docker stop`'s 10 s (Kubernetes gives 30 s) before SIGKILL: room for in-flight cycles (2 s
 * grace + 1 s abort), the state files and the demo's embedded database to close on a busy machine.
 * A state write cut short leaves the previous file in place (atomic rename).
 */
const SHUTDOWN_DEADLINE_MS = 9_000;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

interface Demo {
  traffic: LiveTraffic;
  pool: pg.Pool;
  embedded: EmbeddedDatabase | null;
  payments: PaymentFakes | null;
  /** Loads the user's config with the demo's database and payment fakes filled in. */
  load(): Config;
}

/** Left on the sessions table of an external database the demo seeded, so a restart may continue. */
const DEMO_MARKER = 'marketplace-pulse demo data';

class DemoRefused extends Error {}

function redactUrl(u: string): string {
  try {
    const x = new URL(u);
    x.password = '';
    return x.toString();
  } catch {
    return '(database url)';
  }
}

async function startDemo(
  config: Config,
  file: string | undefined,
  overrides: Record<string, unknown>,
  log: Logger,
): Promise<{ config: Config; demo: Demo | null }> {
  const wantsDemo = config.demo.mode === 'on' || (config.demo.mode === 'auto' && !config.database.url);
  if (!wantsDemo) return { config, demo: null };
  let embedded: EmbeddedDatabase | null = null;
  let url = config.database.url;
  if (!url) {
    const t0 = Date.now();
    embedded = await startEmbeddedDatabase({ dataDir: config.demo.data_dir });
    url = embedded.url;
    log.info({ url, ms: Date.now() - t0 }, 'embedded demo database started');
  }
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'marketplace-pulse-simulator' });
  pool.on('error', () => undefined);
  const { rows } = await pool.query<{ n: string; marker: string | null }>(
    "SELECT count(*) AS n, obj_description('sessions'::regclass, 'pg_class') AS marker FROM sessions",
  );
  // Simulated rows never go into a database that holds anything else: an external database must be
  // empty, or carry the marker the demo left when it seeded it.
  if (!embedded && Number(rows[0]!.n) > 0 && rows[0]!.marker !== DEMO_MARKER) {
    await pool.end();
    throw new DemoRefused(
      `demo error: demo.mode is on but the database at ${redactUrl(url)} already holds data the demo did not write; refusing to simulate into it (set demo.mode: off to only read it)`,
    );
  }
  if (Number(rows[0]!.n) === 0) {
    if (!embedded) await pool.query(`COMMENT ON TABLE sessions IS '${DEMO_MARKER}'`);
    const t0 = Date.now();
    const stats = await seedHistory(pool, {
      seed: config.demo.seed,
      days: config.demo.history_days,
      sessionsPerDay: config.demo.sessions_per_day,
      onProgress: ({ day, days }) => {
        if (day % 7 === 0 || day === days) process.stdout.write(`  seeding simulated history: day ${day}/${days}\n`);
      },
    });
    log.info({ ms: Date.now() - t0, rows: stats }, 'simulated history seeded');
  }
  const traffic = new LiveTraffic(pool, { seed: config.demo.seed + 1, sessionsPerMinute: config.demo.sessions_per_day / 1440, log });
  traffic.start();
  // Payment provider fakes fed from the demo database, unless the user configured real providers.
  const userProviders = config.payment_providers.stripe || config.payment_providers.paypal;
  const payments = userProviders ? null : await startPaymentFakes(pool, log, config.demo.history_days);
  if (payments) Object.assign(process.env, payments.env);
  const dbUrl = url;
  // The demo's window aggregates live in a temp dir (the embedded database is fresh per run anyway).
  const stateDir = config.collection.state_dir ?? mkdtempSync(path.join(os.tmpdir(), 'pulse-demo-state-'));
  const load = () => {
    const c = loadConfig({ file, base: payments?.config, overrides });
    return Object.freeze({
      ...c,
      database: c.database.url ? c.database : { ...c.database, url: dbUrl },
      collection: c.collection.state_dir ? c.collection : { ...c.collection, state_dir: stateDir },
    });
  };
  return { config: load(), demo: { traffic, pool, embedded, payments, load } };
}

async function main(): Promise<void> {
  const { values } = parseCli();
  if (values.help) {
    process.stdout.write(
      'usage: marketplace-pulse [--config file.yml] [--check-config file.yml] [--web.config.file web.yml] [--web.enable-lifecycle]\n',
    );
    return;
  }
  const web: Record<string, unknown> = {};
  if (values['web.config.file'] !== undefined) web.config_file = values['web.config.file'];
  if (values['web.enable-lifecycle']) web.enable_lifecycle = true;
  const overrides = Object.keys(web).length ? { web } : undefined;
  if (values['check-config'] !== undefined) {
    try {
      const c = loadConfig({ file: values['check-config'], overrides });
      // The web config file and secrets are checked as a start would (empty secrets, bad hashes).
      webSecurity(c);
      for (const w of c.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${c.source}: configuration is valid\n`);
      return;
    } catch (e) {
      fail(e instanceof ConfigError || e instanceof WebConfigError ? e.message : String((e as Error).message ?? e));
    }
  }

  let config: Config;
  try {
    config = loadConfig({ file: values.config, overrides });
    webSecurity(config);
  } catch (e) {
    fail(e instanceof ConfigError || e instanceof WebConfigError ? e.message : String((e as Error).message ?? e));
  }
  const log = createLogger(config.log.level);
  for (const w of config.warnings) log.warn(w);
  const started = Date.now();
  const { config: effective, demo } = await startDemo(config, values.config, overrides ?? {}, log).catch((e) => {
    if (e instanceof DemoRefused) fail(e.message);
    throw e;
  });

  const exporter: RunningExporter = await startExporter({
    config: effective,
    log,
    // The demo database and payment fakes stay in place across reloads.
    loadConfig: () => (demo ? demo.load() : loadConfig({ file: values.config, overrides })),
  });
  process.stdout.write(
    `Marketplace Pulse ${VERSION} serving metrics at ${exporter.url}/metrics (landing page ${exporter.url}/)` +
      `${demo ? ' — demo mode: embedded database with simulated traffic' : ''}\n`,
  );
  void exporter.ready().then(() => log.info({ seconds: (Date.now() - started) / 1000 }, 'first collection of every collector finished'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Whatever happens, the process is gone within the deadline.
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    void (async () => {
      await demo?.traffic.stop();
      await exporter.stop();
      await demo?.payments?.stop();
      await demo?.pool.end();
      await demo?.embedded?.stop();
      process.exit(0);
    })().catch((e) => {
      log.error({ err: String(e) }, 'error during shutdown');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => void exporter.reload());
}

main().catch((e) => {
  process.stderr.write(`fatal: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
