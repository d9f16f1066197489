/** Child processes of the local stack and the e2e test: free ports, start, wait until ready, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function installed(bin: string): boolean {
  return existsSync(bin);
}

export interface Child {
  name: string;
  proc: ChildProcess;
  /** Last lines of output, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export function startChild(
  name: string,
  bin: string,
  args: string[],
  opts: { echo?: boolean; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Child {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString()).slice(-8000);
    if (opts.echo) process.stderr.write(`[${name}] ${b.toString()}`);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return {
    name,
    proc,
    output: () => tail,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

/** Polls `url` until it answers 2xx; fails with the child's output if it exits or `attempts` run out. */
export async function waitForHttp(url: string, child?: Child, attempts = 150, delayMs = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (child && child.proc.exitCode !== null) throw new Error(`${child.name} exited (${child.proc.exitCode}):\n${child.output()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, delayMs));
  }
  throw new Error(`${url} did not become ready${child ? `:\n${child.output()}` : ''}`);
}
