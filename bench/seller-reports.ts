/**
 * Seller reports benchmark (not a test): the scorecard CSV and every PDF scorecard for all sellers of
 * a month, and the streamed transaction-log export, each in its own process under /usr/bin/time for
 * wall time and peak RSS.
 *
 *   npx tsx bench/seller-reports.ts [--scorecards-db bench_10m] [--period 2026-10] [--log-db bench_1m]
 *
 * Writes bench/results/seller-reports.{json,md}. Read-only on the benchmark databases.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { machineInfo } from './lib/machine';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'scorecards-db': { type: 'string' },
    period: { type: 'string' },
    'log-db': { type: 'string' },
    skip: { type: 'string' },
  },
});
const server = values.url ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const dbUrl = (name: string) => {
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.toString();
};
const skip = new Set((values.skip ?? '').split(',').filter(Boolean));

interface Timed {
  wallSeconds: number;
  peakRssMiB: number;
  stdout: string;
}

/** The node flags `npm run report` uses (the heap cap), so the benchmark measures the same process. */
const REPORT_NODE_FLAGS =
  (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.report!.match(
    /--max-old-space-size=\d+/g,
  ) ?? [];

async function timed(args: string[]): Promise<Timed> {
  const node = [process.execPath, ...REPORT_NODE_FLAGS, '--import', 'tsx'];
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'PULSE_TIME %e %M', ...node, ...args], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const m = /PULSE_TIME ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing in: ${stderr.slice(-500)}`);
  return { wallSeconds: Number(m[1]), peakRssMiB: Number(m[2]) / 1024, stdout };
}

async function scalar(url: string, sql: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return String(Object.values((await c.query(sql)).rows[0] as object)[0]);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const scorecardsDb = values['scorecards-db'] ?? 'bench_10m';
  const logDb = values['log-db'] ?? 'bench_1m';
  const url = dbUrl(scorecardsDb);
  // Default period: the last complete month of the data.
  const period =
    values.period ??
    (await scalar(
      url,
      `SELECT to_char(date_trunc('month', max(created_at) AT TIME ZONE 'UTC') - interval '1 month', 'YYYY-MM') FROM orders`,
    ));
  const orders = Number(await scalar(url, 'SELECT count(*) FROM orders'));
  const sellers = Number(await scalar(url, 'SELECT count(*) FROM sellers'));
  const monthOrders = Number(
    await scalar(
      url,
      `SELECT count(*) FROM orders WHERE created_at >= '${period}-01T00:00:00Z'::timestamptz AND created_at < '${period}-01T00:00:00Z'::timestamptz + interval '1 month'`,
    ),
  );
  const out = await mkdtemp(path.join(os.tmpdir(), 'pulse-bench-sellers-'));
  const results: Record<string, unknown> = {
    measuredAt: new Date().toISOString(),
    command: `npx tsx bench/seller-reports.ts --scorecards-db ${scorecardsDb} --period ${period} --log-db ${logDb}`,
    machine: await machineInfo(server),
    loadAverage: os.loadavg(),
    scorecards: { database: scorecardsDb, orders, sellers, period, monthOrders },
  };
  try {
    const cli = ['scripts/report.ts', '--type', 'sellers', '--period', period, '--database-url', url];
    if (!skip.has('csv')) {
      process.stderr.write(`scorecard CSV, ${scorecardsDb} ${period} …\n`);
      const csv = await timed([...cli, '--out', path.join(out, 'csv'), '--no-pdf']);
      const rows = (await run('wc', ['-l', path.join(out, 'csv', `sellers-${period}.csv`)])).stdout.trim().split(' ')[0];
      results.csv = {
        wallSeconds: csv.wallSeconds,
        peakRssMiB: Math.round(csv.peakRssMiB),
        rows: Number(rows) - 1,
        target: 'wall ≤ 60 s, RSS ≤ 300 MiB',
      };
    }
    if (!skip.has('pdf')) {
      process.stderr.write(`scorecard CSV + every PDF, ${scorecardsDb} ${period} …\n`);
      const pdf = await timed([...cli, '--out', path.join(out, 'pdf')]);
      const pdfs = (await readdir(path.join(out, 'pdf', 'sellers'))).filter((f) => f.endsWith('.pdf')).length;
      results.pdf = { wallSeconds: pdf.wallSeconds, peakRssMiB: Math.round(pdf.peakRssMiB), pdfs, target: 'wall ≤ 300 s, RSS ≤ 300 MiB' };
    }
    if (!skip.has('log')) {
      process.stderr.write(`transaction log of every payment in ${logDb} …\n`);
      const log = await timed(['bench/lib/transaction-log-child.ts', dbUrl(logDb), path.join(out, 'transactions.csv')]);
      results.transactionLog = {
        database: logDb,
        wallSeconds: log.wallSeconds,
        peakRssMiB: Math.round(log.peakRssMiB),
        ...JSON.parse(log.stdout.trim().split('\n').pop()!),
      };
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  const json = JSON.stringify(results, null, 2);
  await writeFile(path.join(ROOT, 'bench/results/seller-reports.json'), `${json}\n`);
  await writeFile(path.join(ROOT, 'bench/results/seller-reports.md'), markdown(results));
  process.stdout.write(`${json}\n`);
}

function markdown(r: Record<string, any>): string {
  const m = r.machine;
  const lines = [
    '# Seller reports benchmark',
    '',
    `Measured ${r.measuredAt} with \`${r.command}\`.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; Node ${m.node}; PostgreSQL ${m.postgres}; database on the same host, shared with other workloads (load average at start ${r.loadAverage.map((x: number) => x.toFixed(1)).join(' / ')}).`,
    '',
    `Scorecards: \`${r.scorecards.database}\` (${r.scorecards.orders.toLocaleString('en-US')} orders, ${r.scorecards.sellers.toLocaleString('en-US')} sellers), month ${r.scorecards.period} (${r.scorecards.monthOrders.toLocaleString('en-US')} orders in the month).`,
    '',
    '| run | wall | peak RSS | output | target |',
    '|---|---:|---:|---|---|',
  ];
  if (r.csv)
    lines.push(
      `| scorecard CSV | ${r.csv.wallSeconds} s | ${r.csv.peakRssMiB} MiB | ${r.csv.rows.toLocaleString('en-US')} rows | ${r.csv.target} |`,
    );
  if (r.pdf)
    lines.push(
      `| CSV + every PDF scorecard | ${r.pdf.wallSeconds} s | ${r.pdf.peakRssMiB} MiB | ${r.pdf.pdfs.toLocaleString('en-US')} PDFs | ${r.pdf.target} |`,
    );
  if (r.transactionLog) {
    const t = r.transactionLog;
    lines.push(
      `| transaction log (\`${t.database}\`, all payments) | ${t.wallSeconds} s | ${t.peakRssMiB} MiB | ${t.rows.toLocaleString('en-US')} lines | flat memory |`,
    );
    lines.push('', `Transaction log RSS while streaming (MiB) at 10 / 25 / 50 / 75 / 100 % of the lines: ${t.rssMiBAt.join(' / ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
