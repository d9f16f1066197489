/**
 * Exporter start-up cost: spawn → /readyz 200 (every collector's first cycle done) and resident memory
 * once steady, alternating runs so every mode sees the same machine load. Modes:
 *   tsx       the TypeScript sources through tsx (what `npm start` ran before it transpiled)
 *   start     `npm start`'s command after a source changed: esbuild transpile to dist/, then node
 *   start-warm  `npm start`'s command with nothing changed (the transpile is skipped)
 *   compiled  node on dist/ directly (`npm run start:dist`: whatever dist/ holds)
 * Usage:
 *   tsx bench/startup.ts <database-url | demo> [runs=5] [steady-seconds=20] [modes=tsx,compiled]
 * `demo` starts with no database configured, exactly as `npm start` does for a new user: embedded
 * database, 35 days of simulated history seeded first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

const ROOT = path.join(__dirname, '..');
const START: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
// `sh -c` with the script's own text and the arguments npm would append; `exec` in it keeps the pid.
const npmStart = ['/bin/sh', ['-c', `${START} "$@"`, 'sh']] as const;
const MODES = {
  tsx: [process.execPath, ['--import', 'tsx', path.join(ROOT, 'exporter/src/main.ts')]],
  start: npmStart,
  'start-warm': npmStart,
  compiled: [process.execPath, [path.join(ROOT, 'dist/exporter/src/main.js')]],
} as const;
type Mode = keyof typeof MODES;

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

async function once(mode: Mode, config: string, steadySeconds: number): Promise<{ readySeconds: number; rssMiB: number }> {
  // A changed source makes `npm start` transpile again; forget the last transpile to measure that case.
  if (mode === 'start') rmSync(path.join(ROOT, 'dist/.transpiled'), { force: true });
  const [cmd, args] = MODES[mode];
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, [...args, '--config', config], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', PULSE_CONFIG: '', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /serving metrics at (\S+)\/metrics/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exporter exited with ${code}:\n${out}`)));
    });
    for (;;) {
      if (
        await fetch(`${url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const readySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await new Promise((r) => setTimeout(r, steadySeconds * 1000));
    return { readySeconds, rssMiB: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const [url, runsArg, steadyArg, modesArg] = process.argv.slice(2);
  if (!url) throw new Error('usage: tsx bench/startup.ts <database-url | demo> [runs] [steady-seconds] [modes]');
  const runs = Number(runsArg ?? 5);
  const steady = Number(steadyArg ?? 20);
  const modes = (modesArg ?? 'tsx,compiled').split(',') as Mode[];
  for (const m of modes) if (!(m in MODES)) throw new Error(`unknown mode ${m}; expected some of ${Object.keys(MODES).join(', ')}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-startup-'));
  const config = path.join(dir, 'config.yml');
  const common = { listen: { address: '127.0.0.1', port: 0 }, collection: { start_jitter: 0 }, log: { level: 'info' } };
  writeFileSync(config, YAML.stringify(url === 'demo' ? common : { ...common, database: { url }, demo: { mode: 'off' } }));
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results: Record<string, { readySeconds: number; rssMiB: number }[]> = Object.fromEntries(modes.map((m) => [m, []]));
  for (let i = 0; i < runs; i++) {
    for (const mode of modes) {
      const r = await once(mode, config, steady);
      results[mode]!.push(r);
      console.log(`${mode} run ${i + 1}: ready ${r.readySeconds.toFixed(2)} s, RSS ${r.rssMiB.toFixed(1)} MiB`);
    }
  }
  console.log('\n| runtime | start → /readyz (median) | steady RSS (median) |\n|---|---|---|');
  for (const [mode, rs] of Object.entries(results)) {
    console.log(`| ${mode} | ${median(rs.map((r) => r.readySeconds)).toFixed(2)} s | ${median(rs.map((r) => r.rssMiB)).toFixed(1)} MiB |`);
  }
  console.log(
    `load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
