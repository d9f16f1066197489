/**
 * /metrics under load: the exporter runs as its own process against a benchmark database with
 * every built-in database collector plus custom SQL metrics; after its first collection, collector
 * intervals are 1 h so nothing is scheduled during the scrape phase, and pg_stat_statements shows
 * whether scrapes caused any SQL (they must not: scrapes read the in-memory snapshot).
 *
 *   npx tsx bench/scrape-latency.ts --url postgres://…/postgres --sizes 1000000   (uses bench_1m)
 */
import { M } from '../shared/catalogue';
import { databaseUrl, parseBenchArgs, progress, sizeLabel } from './lib/cli';
import { EXPORTER_APPLICATION_NAME, benchConfig, defaultDatabaseCollectors } from './lib/bench-config';
import { startExporterProcess } from './lib/exporter-process';
import { countSeries, scrapeLoad, type LatencySummary } from './lib/scrape-load';
import { StatementMonitor, diffStatements, oneLine, totalOf } from './lib/statements';

export interface ScrapeLatencyResult {
  database: string;
  collectors: string[];
  customMetrics: number;
  series: { total: number; builtIn: number; custom: number };
  /** Process start → /readyz 200, collectors running concurrently as in production. */
  readySeconds: number;
  baseline: LatencySummary;
  load: LatencySummary;
  scrapers: number;
  sql: {
    statementsDuringScrapes: number;
    callsDuringScrapes: number;
    exporterQueriesSeenInActivity: number;
    activitySamples: number;
    statements: string[];
  };
  memory: { afterFirstCollection: { rssMiB: number; hwmMiB: number }; afterScrapes: { rssMiB: number; hwmMiB: number } };
}

/** Samples pg_stat_activity until `stop` resolves, collecting queries the exporter's connections started. */
async function watchActivity(
  monitor: StatementMonitor,
  appName: string,
  since: string,
  stop: Promise<unknown>,
): Promise<{ seen: Set<string>; samples: number }> {
  const seen = new Set<string>();
  let done = false;
  void stop.finally(() => (done = true));
  let samples = 0;
  while (!done) {
    for (const k of await monitor.queriesStartedSince(appName, since)) seen.add(k);
    samples++;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const k of await monitor.queriesStartedSince(appName, since)) seen.add(k);
  return { seen, samples: samples + 1 };
}

export async function runScrapeLatency(o: {
  serverUrl: string;
  dbName: string;
  scrapers: number;
  seconds: number;
}): Promise<ScrapeLatencyResult> {
  const monitor = await StatementMonitor.open(o.serverUrl, o.dbName);
  const rawConfig = benchConfig({ databaseUrl: databaseUrl(o.serverUrl, o.dbName), interval: '1h', customMetrics: true });
  const customMetrics = (rawConfig.custom_metrics as unknown[]).length;
  progress(`${o.dbName}: starting the exporter process (all database collectors, ${customMetrics} custom metrics, intervals 1h)`);
  const exporter = await startExporterProcess(rawConfig, { readyTimeoutMs: 15 * 60_000 });
  try {
    progress(`${o.dbName}: exporter ready after ${exporter.readySeconds.toFixed(1)} s (pid ${exporter.pid}, ${exporter.url})`);
    const afterFirstCollection = exporter.memory();

    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    const total = countSeries(text);
    const custom = text.split('\n').filter((l) => l.startsWith('marketplace_custom_')).length;
    const down = text.split('\n').filter((l) => l.startsWith(`${M.collectorUp.name}{`) && l.endsWith('} 0'));
    if (down.length) {
      const status = (await (await fetch(`${exporter.url}/api/collectors`)).json()) as {
        name: string;
        up: boolean;
        lastError: string | null;
      }[];
      const errors = status.filter((c) => !c.up).map((c) => `${c.name}: ${c.lastError}`);
      progress(`WARNING ${o.dbName}: ${down.length} collectors down after the first cycle:\n    ${errors.join('\n    ')}`);
    }
    progress(`${o.dbName}: /metrics exposes ${total} series (${total - custom} built-in, ${custom} from custom metrics)`);

    progress(`${o.dbName}: baseline, 1 scraper for 5 s`);
    const baseline = await scrapeLoad(`${exporter.url}/metrics`, { scrapers: 1, seconds: 5 });

    await monitor.reset();
    const before = await monitor.snapshot();
    const since = await monitor.now();
    progress(`${o.dbName}: pg_stat_statements reset; ${o.scrapers} scrapers for ${o.seconds} s`);
    const loading = scrapeLoad(`${exporter.url}/metrics`, {
      scrapers: o.scrapers,
      seconds: o.seconds,
      onProgress: (s, n) => progress(`  ${s.toFixed(0)} s: ${n} scrapes`),
    });
    const activity = await watchActivity(monitor, EXPORTER_APPLICATION_NAME, since, loading);
    const load = await loading;
    const during = diffStatements(before, await monitor.snapshot());
    const afterScrapes = exporter.memory();
    const sqlTotal = totalOf(during);
    progress(
      `${o.dbName}: ${load.requests} scrapes, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms; ` +
        `SQL during scrapes: ${sqlTotal.calls} statements, ${activity.seen.size} exporter queries seen in ${activity.samples} activity samples; RSS ${afterScrapes.rssMiB.toFixed(0)} MiB`,
    );
    return {
      database: o.dbName,
      collectors: defaultDatabaseCollectors().enabled,
      customMetrics,
      series: { total, builtIn: total - custom, custom },
      readySeconds: exporter.readySeconds,
      baseline,
      load,
      scrapers: o.scrapers,
      sql: {
        statementsDuringScrapes: during.length,
        callsDuringScrapes: sqlTotal.calls,
        exporterQueriesSeenInActivity: activity.seen.size,
        activitySamples: activity.samples,
        statements: during.map((d) => `${d.calls}× ${oneLine(d.query)}`),
      },
      memory: { afterFirstCollection, afterScrapes },
    };
  } finally {
    await exporter.stop();
    await monitor.close();
  }
}

if (require.main === module) {
  const args = parseBenchArgs();
  void (async () => {
    for (const dbName of args.db ? [args.db] : args.sizes.map((n) => `bench_${sizeLabel(n)}`)) {
      const r = await runScrapeLatency({ serverUrl: args.url, dbName, scrapers: args.scrapers, seconds: args.scrapeSeconds });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    }
  })().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
