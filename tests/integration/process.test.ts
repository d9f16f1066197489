/**
 * The daemon as users run it, from its sources (`npm run start:tsx`) as a child process — graceful
 * shutdown with a query in flight, SIGHUP reload with a bad file, and the zero-setup demo
 * (npm-start.test.ts runs `npm start` itself, on the transpiled JavaScript).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { M } from '../../shared/catalogue';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../support/db';
import { eventually, parseExposition } from '../support/exporter';

const ROOT = path.join(__dirname, '../..');

interface Daemon {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDaemon(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Daemon> {
  // Exactly what `npm run start:tsx` runs: node itself with tsx as a loader, so signals reach the daemon.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'exporter/src/main.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PULSE_LISTEN__ADDRESS: '127.0.0.1', PULSE_LISTEN__PORT: '0', ...env },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not print its URL:\n${out}`)), 60_000);
    const onData = () => {
      const m = /serving metrics at (http:\/\/[\d.:]+)\/metrics/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error(`daemon exited early:\n${out}`)));
  });
}

async function metrics(url: string): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

test('SIGTERM with a query in flight: cancelled, pool closed, exit code 0', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-proc-'));
  const cfg = path.join(dir, 'config.yml');
  writeFileSync(
    cfg,
    `collection: { start_jitter: 0, settle_lag: 0 }
collectors: { orders: { interval: 1s } }
custom_metrics:
  - { name: shop_long_report, help: A report query that takes a minute., type: gauge, query: "SELECT 1 AS value FROM pg_sleep(60)", interval: 1h, timeout: 2m }
`,
  );
  const d = await startDaemon({ DATABASE_URL: tdb.url }, ['--config', cfg]);
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  const backends = async () =>
    Number(
      (
        await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'marketplace-pulse'`, [
          tdb.name,
        ])
      ).rows[0].n,
    );
  try {
    await eventually(
      'the slow query is running',
      async () =>
        (
          await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(60)%' AND state = 'active'`, [
            tdb.name,
          ])
        ).rowCount === 1,
    );
    d.child.kill('SIGTERM');
    const { code } = await d.exited;
    expect(code).toBe(0);
    expect(d.output()).toMatch(/"msg":"shutting down"/);
    // Pool closed and the in-flight statement cancelled on the server, not left running.
    await eventually('no exporter backends left', async () => (await backends()) === 0, 5_000);
  } finally {
    await admin.end();
    d.child.kill('SIGKILL');
  }
});

test('SIGHUP with a broken config keeps the running one; a fixed config is applied', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-hup-'));
  const cfg = path.join(dir, 'config.yml');
  writeFileSync(cfg, 'collection: { start_jitter: 0 }\nlabels: { marketplace: before }\n');
  const d = await startDaemon({ DATABASE_URL: tdb.url }, ['--config', cfg]);
  try {
    await eventually('serving', async () => [...(await metrics(d.url)).keys()].some((k) => k.includes('marketplace="before"')));
    writeFileSync(cfg, 'collection: { start_jitter: -1s }\n');
    d.child.kill('SIGHUP');
    await eventually('reload rejected and logged', () => /configuration reload rejected/.test(d.output()));
    expect(d.output()).toMatch(/collection\.start_jitter/);
    expect([...(await metrics(d.url)).keys()].some((k) => k.includes('marketplace="before"'))).toBe(true);
    writeFileSync(cfg, 'collection: { start_jitter: 0 }\nlabels: { marketplace: after }\n');
    d.child.kill('SIGHUP');
    await eventually('new labels served', async () => [...(await metrics(d.url)).keys()].some((k) => k.includes('marketplace="after"')));
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
  }
});

test('npm start with no database: embedded database, simulated history, live metrics', async () => {
  const d = await startDaemon({ PULSE_DEMO__HISTORY_DAYS: '3', PULSE_COLLECTION__START_JITTER: '0' });
  try {
    await eventually('ready', async () => (await fetch(`${d.url}/readyz`)).status === 200, 60_000, 250);
    const m = await metrics(d.url);
    const orders = [...m.entries()].filter(([k]) => k.startsWith(`${M.ordersTotal.name}{`)).reduce((a, [, v]) => a + v, 0);
    expect(orders).toBeGreaterThan(0);
    expect(m.get(`${M.collectorUp.name}{collector="orders"}`)).toBe(1);
    expect(d.output()).toMatch(/demo mode: embedded database with simulated traffic/);
  } finally {
    d.child.kill('SIGTERM');
    const { code } = await d.exited;
    expect(code).toBe(0);
  }
}, 120_000);
