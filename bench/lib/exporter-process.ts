/**
 * Runs the exporter as its own process (`node --import tsx exporter/src/main.ts --config …`), as it
 * runs in production: scrapers in the benchmark process do not share its event loop, and its memory
 * is read from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { NODE_FLAGS } from '../../exporter/src/cli';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

const ROOT = path.join(__dirname, '../..');

export interface ExporterProcess {
  pid: number;
  url: string;
  /** Seconds from spawn until /readyz answered 200 (first cycle of every collector done). */
  readySeconds: number;
  memory(): { rssMiB: number; hwmMiB: number };
  stop(): Promise<number | null>;
}

function readStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

export async function startExporterProcess(rawConfig: Record<string, unknown>, opts: { readyTimeoutMs: number }): Promise<ExporterProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-bench-'));
  const file = path.join(dir, 'config.yml');
  writeFileSync(file, YAML.stringify(rawConfig));
  const t0 = Date.now();
  // The heap flags npm start runs with (BENCH_NODE_FLAGS='' measures node's defaults instead).
  const flags = process.env.BENCH_NODE_FLAGS === undefined ? [...NODE_FLAGS] : process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [...flags, '--import', 'tsx', path.join(ROOT, 'exporter/src/main.ts'), '--config', file],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', PULSE_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      exited = code;
      r(code);
    }),
  );
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /serving metrics at (\S+)\/metrics/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => process.stderr.write(`  [exporter] ${b}`));
    void exit.then((code) => reject(new Error(`exporter exited with ${code} before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`exporter did not start listening within 60 s:\n${output}`)), 60_000).unref();
  }).catch((e) => {
    child.kill('SIGKILL');
    cleanup();
    throw e;
  });

  const deadline = Date.now() + opts.readyTimeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`exporter exited with ${exited} before ready`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      cleanup();
      throw new Error(`exporter not ready within ${opts.readyTimeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const readySeconds = (Date.now() - t0) / 1000;
  const pid = child.pid!;
  return {
    pid,
    url,
    readySeconds,
    memory: () => ({ rssMiB: readStatusKiB(pid, 'VmRSS') / 1024, hwmMiB: readStatusKiB(pid, 'VmHWM') / 1024 }),
    async stop() {
      child.kill('SIGTERM');
      const code = await Promise.race([exit, new Promise<'late'>((r) => setTimeout(() => r('late'), 10_000).unref())]);
      cleanup();
      if (code === 'late') {
        child.kill('SIGKILL');
        throw new Error('exporter did not exit within 10 s of SIGTERM');
      }
      return code;
    },
  };
}
