/**
 * Reload cost as scrapers see it: runs the real exporter (tsx, `--web.enable-lifecycle`) against a
 * fixture database seeded by the simulator, scrapes /metrics and /readyz continuously from 4 loops,
 * and sends POST /-/reload: once with the config unchanged, once with a threshold changed (which
 * changes every collector's numbers). For each reload: `marketplace_` series lost (baseline minus the
 * lowest count seen), time /readyz was not 200, failed scrapes. `--root` runs another source tree (an
 * older checkout with its own node_modules link) on the same fixture, for before/after. Usage:
 *   tsx bench/reload.ts [--root .] [--days 14] [--sessions-per-day 2000] [--watch 30]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import YAML from 'yaml';
import { seedHistory } from '../exporter/src/demo/simulator';
import { SCHEMA_SQL } from '../tests/support/db';

const SERVER = process.env.BENCH_SERVER_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seriesCount = (text: string) => text.split('\n').filter((l) => l.startsWith('marketplace_')).length;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: path.join(__dirname, '..') },
      days: { type: 'string', default: '14' },
      'sessions-per-day': { type: 'string', default: '2000' },
      watch: { type: 'string', default: '30' },
      db: { type: 'string' },
    },
  });
  const root = path.resolve(values.root);
  const own = !values.db;
  const dbName = values.db ?? `pulse_reload_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  if (own) {
    await admin.query(`CREATE DATABASE ${dbName}`);
    const pool = new pg.Pool({ connectionString: `${SERVER}/${dbName}`, max: 2 });
    await pool.query(SCHEMA_SQL);
    await seedHistory(pool, { seed: 11, days: Number(values.days), sessionsPerDay: Number(values['sessions-per-day']), end: new Date() });
    await pool.end();
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-reload-bench-'));
  const config = path.join(dir, 'config.yml');
  const write = (threshold: number) =>
    writeFileSync(
      config,
      YAML.stringify({
        database: { url: `${SERVER}/${dbName}` },
        listen: { address: '127.0.0.1', port: 0 },
        collection: { start_jitter: 0 },
        thresholds: { high_value_order: { default: threshold } },
        demo: { mode: 'off' },
        log: { level: 'warn' },
      }),
    );
  write(500);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'exporter/src/main.ts'), '--config', config, '--web.enable-lifecycle'],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', PULSE_CONFIG: '' },
    },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  try {
    let url: string | null = null;
    while (!url) {
      url = /serving metrics at (\S+)\/metrics/.exec(out)?.[1] ?? null;
      if (child.exitCode !== null) throw new Error(`exporter exited:\n${out}`);
      await sleep(20);
    }
    for (;;) {
      const st = (await (await fetch(`${url}/api/collectors`)).json()) as { up: boolean }[];
      if (st.every((s) => s.up)) break;
      await sleep(500);
    }
    console.log(`reload benchmark — ${new Date().toISOString()}, tree ${root}, database ${dbName}`);
    console.log('| reload | baseline series | lowest seen | series lost | /readyz not 200 | failed scrapes | scrapes |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [label, threshold] of [
      ['unchanged config', 500],
      ['high_value_order 500 → 400', 400],
    ] as const) {
      const baseline = seriesCount(await (await fetch(`${url}/metrics`)).text());
      let lowest = baseline;
      let failed = 0;
      let scrapes = 0;
      let notReadyMs = 0;
      let stop = false;
      const metricsLoop = async () => {
        while (!stop) {
          const r = await fetch(`${url}/metrics`).catch(() => null);
          scrapes += 1;
          if (r?.status !== 200) failed += 1;
          else lowest = Math.min(lowest, seriesCount(await r.text()));
        }
      };
      const readyLoop = async () => {
        let last = performance.now();
        while (!stop) {
          const r = await fetch(`${url}/readyz`).catch(() => null);
          const now = performance.now();
          if (r?.status !== 200) notReadyMs += now - last;
          last = now;
          await sleep(50);
        }
      };
      const loops = [metricsLoop(), metricsLoop(), metricsLoop(), readyLoop()];
      write(threshold);
      const res = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`reload answered ${res.status}: ${await res.text()}`);
      await sleep(Number(values.watch) * 1000);
      stop = true;
      await Promise.all(loops);
      console.log(
        `| ${label} | ${baseline} | ${lowest} | ${baseline - lowest} | ${(notReadyMs / 1000).toFixed(1)} s | ${failed} | ${scrapes} | (load ${os.loadavg()[0]!.toFixed(1)})`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
    if (own) await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
