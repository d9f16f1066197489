/**
 * A real Prometheus over backfilled history: OpenMetrics → `promtool tsdb create-blocks-from
 * openmetrics` → `prometheus` on a loopback free port, waited on until /-/ready.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../scripts/stack/processes';

export { freePort };

const run = promisify(execFile);

export async function createBlocks(openMetricsFile: string, tsdbDir: string): Promise<void> {
  mkdirSync(tsdbDir, { recursive: true });
  // Large blocks keep the number of blocks (and start-up time) small.
  await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=768h', openMetricsFile, tsdbDir], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface RunningPrometheus {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startPrometheus(tsdbDir: string, opts: { port?: number } = {}): Promise<RunningPrometheus> {
  const port = opts.port ?? (await freePort());
  const configFile = path.join(tsdbDir, '..', `prometheus-${port}.yml`);
  writeFileSync(configFile, 'global:\n  evaluation_interval: 1h\n');
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${tsdbDir}`,
      '--storage.tsdb.retention.time=400d',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
    if (i === 299) throw new Error(`prometheus not ready after 30s: ${stderr}`);
  }
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
