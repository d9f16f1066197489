/**
 * Exporter start-up cost: spawn → /readyz 200 (every collector's first cycle done) and resident memory
 * once steady, for the TypeScript sources run through tsx and for the compiled JavaScript (`npm run
 * build`), alternating runs so both see the same machine load. Usage:
 *   npm run build && tsx bench/startup.ts <database-url> [runs=5] [steady-seconds=20]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

const ROOT = path.join(__dirname, '..');
const MODES = {
  tsx: ['--import', 'tsx', path.join(ROOT, 'exporter/src/main.ts')],
  compiled: [path.join(ROOT, 'dist/exporter/src/main.js')],
} as const;

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

async function once(mode: keyof typeof MODES, config: string, steadySeconds: number): Promise<{ readySeconds: number; rssMiB: number }> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [...MODES[mode], '--config', config], {
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
  const [url, runsArg, steadyArg] = process.argv.slice(2);
  if (!url) throw new Error('usage: tsx bench/startup.ts <database-url> [runs] [steady-seconds]');
  const runs = Number(runsArg ?? 5);
  const steady = Number(steadyArg ?? 20);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-startup-'));
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    YAML.stringify({
      database: { url },
      listen: { address: '127.0.0.1', port: 0 },
      collection: { start_jitter: 0 },
      demo: { mode: 'off' },
      log: { level: 'info' },
    }),
  );
  const results: Record<string, { readySeconds: number; rssMiB: number }[]> = { tsx: [], compiled: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of ['tsx', 'compiled'] as const) {
      const r = await once(mode, config, steady);
      results[mode]!.push(r);
      console.log(`${mode} run ${i + 1}: ready ${r.readySeconds.toFixed(2)} s, RSS ${r.rssMiB.toFixed(1)} MiB`);
    }
  }
  console.log('\n| runtime | start → /readyz (median) | steady RSS (median) |\n|---|---|---|');
  for (const [mode, rs] of Object.entries(results)) {
    console.log(`| ${mode} | ${median(rs.map((r) => r.readySeconds)).toFixed(2)} s | ${median(rs.map((r) => r.rssMiB)).toFixed(1)} MiB |`);
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
