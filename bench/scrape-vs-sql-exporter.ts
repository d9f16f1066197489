/**
 * /metrics side by side with the naive setup of issue 10: sql_exporter 0.4.5 running twelve business
 * queries every 30 s against the same database (bench/lib/sql-exporter-config.ts), and the exporter as
 * bench/scrape-latency.ts runs it (every database collector plus custom SQL metrics, collectors parked
 * at 1 h after their first cycle). Both are scraped by the same closed-loop gzip scrapers
 * (bench/lib/scrape-load.ts), alternately, one exporter running at a time: sql_exporter is started
 * for each of its phases (its queries then run on their own 30 s schedule, as in production) and
 * stopped after it, so neither side's measurement carries the other's database work. Scrapes cause
 * no writes on either side (sql_exporter's sessions are read-only), so a live_* database is fine.
 *
 *   apt-get install -y prometheus-sql-exporter
 *   npx tsx bench/scrape-vs-sql-exporter.ts --db live_1m [--rounds 2] [--scrapers 8] [--scrape-seconds 30]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { EXPORTER_APPLICATION_NAME, benchConfig } from './lib/bench-config';
import { databaseUrl, parseBenchArgs, progress } from './lib/cli';
import { startExporterProcess } from './lib/exporter-process';
import { countSeries, scrapeLoad, type LatencySummary } from './lib/scrape-load';
import { NAIVE_QUERIES } from './lib/sql-exporter-config';
import { SQL_EXPORTER_BIN, sqlExporterVersion, startSqlExporter } from './lib/sql-exporter-process';

type Side = 'marketplace-pulse' | 'sql_exporter';

export interface SidePhase {
  side: Side;
  round: number;
  series: number;
  /** Of those, the business metrics (sql_exporter's query results; the exporter's families but its own health). */
  businessSeries: number;
  /** Content-Encoding of a scrape that asked for gzip, as Prometheus does. */
  encoding: string;
  load: LatencySummary;
  /** The exporter process's user + system CPU over the phase, per scrape served. */
  cpuMsPerScrape: number;
  /** os.loadavg() (what `uptime` prints) at the start and the end of the phase. */
  loadAvg: { before: number[]; after: number[] };
}

let clockTicks = 0;
/** User + system CPU time of a process so far, from /proc/<pid>/stat. */
function processCpuMs(pid: number): number {
  clockTicks ||= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
}

const loadAvg = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

async function measure(side: Side, round: number, url: string, pid: number, o: { scrapers: number; seconds: number }): Promise<SidePhase> {
  const first = await fetch(`${url}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
  const text = await first.text();
  const series = countSeries(text);
  // sql_exporter's query results are sql_<catalogue name>; the rest is Go, process and HTTP handler metrics.
  const business = side === 'sql_exporter' ? /^sql_marketplace_/ : /^marketplace_(?!exporter_)/;
  const businessSeries = text.split('\n').filter((l) => business.test(l)).length;
  const encoding = first.headers.get('content-encoding') ?? 'identity';
  const before = loadAvg();
  const cpu0 = processCpuMs(pid);
  const load = await scrapeLoad(`${url}/metrics`, { scrapers: o.scrapers, seconds: o.seconds });
  const cpuMsPerScrape = (processCpuMs(pid) - cpu0) / Math.max(1, load.requests);
  const phase: SidePhase = { side, round, series, businessSeries, encoding, load, cpuMsPerScrape, loadAvg: { before, after: loadAvg() } };
  progress(describe(phase));
  return phase;
}

const ms = (v: number) => v.toFixed(2);

function describe(p: SidePhase): string {
  const l = p.load;
  return (
    `round ${p.round} ${p.side.padEnd(17)} ${p.series.toLocaleString('en')} series (${p.businessSeries.toLocaleString('en')} business), ${l.requestsPerSecond.toFixed(0)} scrapes/s ` +
    `(${l.requests.toLocaleString('en')}, ${l.errors} errors), p50/p90/p99 ${ms(l.p50Ms)}/${ms(l.p90Ms)}/${ms(l.p99Ms)} ms, ` +
    `${p.cpuMsPerScrape.toFixed(3)} ms CPU a scrape, ${l.bytesPerResponse.toLocaleString('en')} B ${p.encoding}; ` +
    `load average ${p.loadAvg.before.join(' ')} → ${p.loadAvg.after.join(' ')}`
  );
}

export async function runScrapeVsSqlExporter(o: {
  serverUrl: string;
  dbName: string;
  scrapers: number;
  seconds: number;
  rounds: number;
}): Promise<{ sqlExporter: string; phases: SidePhase[] }> {
  // Before anything starts: a missing binary is the likeliest failure.
  const version = sqlExporterVersion();
  progress(`sql_exporter: ${SQL_EXPORTER_BIN} (${version}), ${NAIVE_QUERIES.length} queries every 30 s`);
  const dbUrl = databaseUrl(o.serverUrl, o.dbName);
  progress(
    `${o.dbName}: starting the exporter (application_name ${EXPORTER_APPLICATION_NAME}; collectors parked at 1 h after their first cycle)`,
  );
  const exporter = await startExporterProcess(benchConfig({ databaseUrl: dbUrl, interval: '1h', customMetrics: true }), {
    readyTimeoutMs: 15 * 60_000,
  });
  const phases: SidePhase[] = [];
  try {
    progress(`${o.dbName}: exporter ready after ${exporter.readySeconds.toFixed(1)} s (pid ${exporter.pid})`);
    const ours = (round: number) => measure('marketplace-pulse', round, exporter.url, exporter.pid, o);
    const theirs = async (round: number) => {
      const sql = await startSqlExporter(dbUrl, { readyTimeoutMs: 10 * 60_000 });
      try {
        progress(`sql_exporter: first run of every query after ${sql.readySeconds.toFixed(1)} s (pid ${sql.pid})`);
        return await measure('sql_exporter', round, sql.url, sql.pid, o);
      } finally {
        await sql.stop();
      }
    };
    // Alternated, each side first in every other round.
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2 ? [ours, theirs] : [theirs, ours];
      for (const run of order) phases.push(await run(round));
    }
  } finally {
    await exporter.stop();
  }
  progress('summary:');
  for (const p of phases) progress(`  ${describe(p)}`);
  return { sqlExporter: version, phases };
}

if (require.main === module) {
  const args = parseBenchArgs();
  void runScrapeVsSqlExporter({
    serverUrl: args.url,
    dbName: args.db ?? 'live_1m',
    scrapers: args.scrapers,
    seconds: args.scrapeSeconds,
    rounds: args.rounds,
  })
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
