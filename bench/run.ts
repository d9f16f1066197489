/**
 * The exporter benchmarks of the performance targets, end to end:
 *
 *   npm run bench -- --sizes 1000000,10000000 --url postgres://postgres:postgres@127.0.0.1:5432/postgres
 *
 * For each size: make sure bench_<size> exists (bench/generate-data.ts), measure /metrics under
 * concurrent scrapers with zero SQL (bench/scrape-latency.ts) and the exporter's memory, then the
 * database cost of the first and of steady-state collection cycles (bench/collection-cost.ts).
 * Writes bench/results/latest.md and latest.json. Needs pg_stat_statements in shared_preload_libraries.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCollectionCost } from './collection-cost';
import { defaultDatabaseCollectors } from './lib/bench-config';
import { ensureBenchDatabase } from './lib/bench-db';
import { parseBenchArgs, progress, sizeLabel } from './lib/cli';
import { machineInfo } from './lib/machine';
import { renderMarkdown, type BenchResults, type SizeResult } from './lib/report';
import { runScrapeLatency } from './scrape-latency';

const RESULTS = path.join(__dirname, 'results');

async function main(): Promise<void> {
  const args = parseBenchArgs();
  const startedAt = new Date().toISOString();
  const machine = await machineInfo(args.url);
  progress(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB; PostgreSQL ${machine.postgres}`);
  const { enabled, missing } = defaultDatabaseCollectors();
  progress(
    `collectors: ${enabled.length} built-in database collectors${missing.length ? `; not in this build: ${missing.join(', ')}` : ''}`,
  );

  // Databases first, so a long generation fails early rather than after an hour of measuring.
  const dbs = [];
  for (const orders of args.sizes) dbs.push({ orders, db: await ensureBenchDatabase(args.url, `bench_${sizeLabel(orders)}`, orders) });

  const sizes: SizeResult[] = [];
  for (const { orders, db } of dbs) {
    progress(`=== ${orders.toLocaleString('en')} orders (${db.name}) ===`);
    const scrape = await runScrapeLatency({ serverUrl: args.url, dbName: db.name, scrapers: args.scrapers, seconds: args.scrapeSeconds });
    const cost = await runCollectionCost({ serverUrl: args.url, dbName: db.name, cycles: args.cycles });
    sizes.push({ orders, database: db.name, rows: db.rows, generatedSeconds: db.generatedSeconds, scrape, cost });
  }

  // The documented local default password is shown as is; any other is not written to the results.
  const urlForDisplay = new URL(args.url);
  if (urlForDisplay.password && urlForDisplay.password !== 'postgres') urlForDisplay.password = 'PASSWORD';
  const results: BenchResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `npm run bench -- --sizes ${args.sizes.join(',')} --url ${urlForDisplay.toString()}`,
    machine,
    sizes,
  };
  mkdirSync(RESULTS, { recursive: true });
  const md = renderMarkdown(results);
  writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, 'latest.md'), md);
  process.stdout.write(`${md}\n`);
  progress(`wrote ${path.relative(process.cwd(), path.join(RESULTS, 'latest.md'))} and latest.json`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
