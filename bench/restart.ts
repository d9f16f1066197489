/**
 * Restart with state: runs the real exporter (as `npm start` does: transpiled JavaScript on node;
 * `--runtime tsx` for TypeScript through tsx) against a benchmark database with a fresh
 * `collection.state_dir`. The first run builds everything from the database and is stopped with
 * SIGTERM once every collector is up (the state is written at shutdown); each further run starts from
 * that state. Reports spawn → /readyz 200 (and the exporter's CPU time by then, which the machine's
 * load does not inflate), spawn → every collector up, each collector's first cycle,
 * RSS (steady and peak) and the load average beside each figure. Read-only on the database. Usage:
 *   tsx bench/restart.ts [--db bench_10m] [--restarts 2] [--steady 20] [--disable name,name] [--runtime node|tsx] [--no-state-dir] [--node-flags "…"]
 * `--disable` leaves collectors out (e.g. those still running full-window SQL every cycle, to see
 * what a restart costs for the collectors that resume from state). `--no-state-dir` runs the first
 * build only, without `collection.state_dir`: the collectors' memory without the state file writes.
 * The exporter runs with the node flags of `npm start` (exporter/src/cli.ts NODE_FLAGS: the heap
 * settings); `--node-flags '…'` replaces them (`--node-flags ''`: none, node's defaults).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { NODE_FLAGS } from '../exporter/src/cli';

const ROOT = path.join(__dirname, '..');
const SERVER = process.env.BENCH_SERVER_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432';

interface PublicStatus {
  name: string;
  up: boolean;
  lastDuration: number | null;
}

/** CPU seconds (user + system) the process used so far: unlike wall time, not inflated by other load. */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]) / 1024;
}

const load = () => os.loadavg()[0]!.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get<T>(url: string): Promise<T | null> {
  try {
    const r = await fetch(url);
    return r.status === 200 ? ((await r.json()) as T) : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) the process has used: less sensitive to the machine's load than wall time. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

let runtime: 'node' | 'tsx' = 'node';
/** Node flags of the exporter process: npm start's (exporter/src/cli.ts), unless --node-flags says otherwise. */
let nodeFlags: readonly string[] = NODE_FLAGS;

async function run(config: string, steadySeconds: number, label: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const entry =
    runtime === 'tsx' ? ['--import', 'tsx', path.join(ROOT, 'exporter/src/main.ts')] : [path.join(ROOT, 'dist/exporter/src/main.js')];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...nodeFlags, ...entry, '--config', config], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', PULSE_CONFIG: '', NODE_ENV: 'production' },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    let url: string | null = null;
    while (!url) {
      url = /serving metrics at (\S+)\/metrics/.exec(out)?.[1] ?? null;
      if (child.exitCode !== null) throw new Error(`exporter exited:\n${out}`);
      await sleep(10);
    }
    while (
      (await fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    )
      await sleep(20);
    const ready = since();
    const cpuAtReady = cpuSeconds(child.pid!);
    const loadAtReady = load();
    const atReady = (await get<PublicStatus[]>(`${url}/api/collectors`)) ?? [];
    let statuses = atReady;
    while (!statuses.every((s) => s.up)) {
      await sleep(200);
      statuses = (await get<PublicStatus[]>(`${url}/api/collectors`)) ?? [];
    }
    const allUp = since();
    const cpuAtUp = cpuSeconds(child.pid!);
    await sleep(steadySeconds * 1000);
    const rss = procStatus(child.pid!, 'VmRSS');
    const peak = procStatus(child.pid!, 'VmHWM');
    const slow = [...atReady]
      .sort((a, b) => (b.lastDuration ?? 0) - (a.lastDuration ?? 0))
      .slice(0, 8)
      .map((s) => `${s.name} ${((s.lastDuration ?? 0) * 1000).toFixed(0)}`)
      .join(', ');
    const restored = (out.match(/state restored/g) ?? []).length;
    const discarded = (out.match(/state discarded/g) ?? []).length;
    console.log(
      `| ${label} | ${ready.toFixed(2)} s (load ${loadAtReady}) | ${cpuAtReady.toFixed(2)} s | ${allUp.toFixed(2)} s (exporter CPU ${cpuAtUp.toFixed(1)} s) | ${rss.toFixed(0)} / ${peak.toFixed(0)} MiB (load ${load()}) | ${restored} restored, ${discarded} discarded | ${slow} |`,
    );
  } finally {
    const t = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    console.log(`|   ↳ SIGTERM → exit ${code} in ${Date.now() - t} ms | | | | | | |`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'bench_10m' },
      restarts: { type: 'string', default: '2' },
      steady: { type: 'string', default: '20' },
      disable: { type: 'string', default: '' },
      runtime: { type: 'string', default: 'node' },
      'no-state-dir': { type: 'boolean', default: false },
      'node-flags': { type: 'string' },
    },
  });
  if (values.runtime !== 'node' && values.runtime !== 'tsx') throw new Error(`--runtime: node or tsx, got ${values.runtime}`);
  runtime = values.runtime;
  if (values['node-flags'] !== undefined) nodeFlags = values['node-flags'].split(' ').filter(Boolean);
  // npm start's build step (only transpiles when a source changed).
  if (runtime === 'node') execFileSync(process.execPath, [path.join(ROOT, 'scripts/transpile.mjs')], { stdio: 'inherit' });
  const disabled = Object.fromEntries(
    values.disable
      .split(',')
      .filter(Boolean)
      .map((n) => [n, { enabled: false }]),
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-restart-'));
  const stateDir = path.join(dir, 'state');
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    YAML.stringify({
      database: { url: `${SERVER}/${values.db}`, statement_timeout: 900 },
      listen: { address: '127.0.0.1', port: 0 },
      // Generous timeouts: the first run must complete every build so that its state is worth saving.
      collection: { start_jitter: 0, default_timeout: 900, ...(values['no-state-dir'] ? {} : { state_dir: stateDir }) },
      collectors: disabled,
      demo: { mode: 'off' },
      log: { level: 'info' },
    }),
  );
  try {
    console.log(
      `restart benchmark on ${values.db} — ${new Date().toISOString()}, ${os.cpus().length} cores, runtime: ${runtime}, node flags: ${nodeFlags.join(' ') || 'none'}, disabled: ${values.disable || 'none'}`,
    );
    console.log(
      '| run | spawn → /readyz 200 | CPU used by then | spawn → every collector up | RSS steady / peak | state files | slowest first cycles at ready (ms) |',
    );
    console.log('|---|---:|---:|---:|---:|---|---|');
    await run(config, Number(values.steady), values['no-state-dir'] ? 'first build, no state dir' : 'no state (first build)');
    if (values['no-state-dir']) return;
    const bytes = readdirSync(stateDir).reduce((n, f) => n + statSync(path.join(stateDir, f)).size, 0);
    console.log(`|   ↳ state dir: ${readdirSync(stateDir).length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB | | | | | | |`);
    for (let i = 1; i <= Number(values.restarts); i++) await run(config, Number(values.steady), `restart ${i} with state`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
