/**
 * `npm start` exactly as package.json writes it: a source newer than the last transpile makes it
 * transpile to dist/ first, then the demo runs as JavaScript on node (no tsx at run time) with the
 * exporter's heap flags, becomes ready with live metrics, and exits 0 on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { M } from '../../shared/catalogue';
import { NODE_FLAGS } from '../../exporter/src/cli';
import { eventually, parseExposition } from '../support/exporter';

const ROOT = path.join(__dirname, '../..');
const STAMP = path.join(ROOT, 'dist/.transpiled');

test('npm start transpiles changed sources, then runs the demo from dist/ on node', async () => {
  const script: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  rmSync(STAMP, { force: true });
  // What npm runs: `sh -c <script>` in the package root.
  const child = spawn('/bin/sh', ['-c', script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PULSE_LISTEN__ADDRESS: '127.0.0.1',
      PULSE_LISTEN__PORT: '0',
      PULSE_DEMO__HISTORY_DAYS: '3',
      PULSE_COLLECTION__START_JITTER: '0',
    },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const serving = /serving metrics at (http:\/\/[\d.:]+)\/metrics/;
    await eventually("the daemon's URL", () => serving.test(out) || child.exitCode !== null, 90_000, 100);
    const url = serving.exec(out)?.[1];
    if (!url) throw new Error(`npm start did not serve:\n${out}`);
    expect(out).toMatch(/transpiled \d+ files to dist\/ in [\d.]+ s/);
    expect(existsSync(STAMP)).toBe(true);
    expect(statSync(path.join(ROOT, 'dist/exporter/src/main.js')).isFile()).toBe(true);
    // `exec` in the script: the process npm started is now node running the compiled entry point.
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('dist/exporter/src/main.js');
    // With the exporter's heap flags.
    expect(argv.filter((a) => (NODE_FLAGS as readonly string[]).includes(a))).toEqual([...NODE_FLAGS]);
    expect(argv.join(' ')).not.toMatch(/tsx/);
    await eventually('ready', async () => (await fetch(`${url}/readyz`)).status === 200, 90_000, 250);
    const m = parseExposition(await (await fetch(`${url}/metrics`)).text());
    const orders = [...m.entries()].filter(([k]) => k.startsWith(`${M.ordersTotal.name}{`)).reduce((a, [, v]) => a + v, 0);
    expect(orders).toBeGreaterThan(0);
    expect(out).toMatch(/demo mode: embedded database with simulated traffic/);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}, 240_000);
