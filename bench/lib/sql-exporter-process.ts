/**
 * sql_exporter 0.4.5 (Debian's prometheus-sql-exporter) as a child process of the benchmark, with
 * the naive configuration of ./sql-exporter-config: started, waited for until its first run of every
 * query is on /metrics, stopped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startChild } from '../../scripts/stack/processes';
import { NAIVE_QUERIES, sqlExporterConfig } from './sql-exporter-config';

/** Where Debian installs it; SQL_EXPORTER_BIN points elsewhere. */
export const SQL_EXPORTER_BIN = process.env.SQL_EXPORTER_BIN ?? '/usr/bin/prometheus-sql-exporter';

/** The binary's version line; throws with how to install it when it is missing. */
export function sqlExporterVersion(bin = SQL_EXPORTER_BIN): string {
  if (!existsSync(bin))
    throw new Error(
      `sql_exporter not found at ${bin}: install Debian's package (apt-get install -y prometheus-sql-exporter, version 0.4.5) or set SQL_EXPORTER_BIN to the binary`,
    );
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0) throw new Error(`${bin} -version failed (${r.status ?? r.signal}): ${out}`);
  // Debian's build prints an empty version string; its package knows it.
  // `dpkg-query -W` prints "name<TAB>version".
  const deb = spawnSync('dpkg-query', ['-W', 'prometheus-sql-exporter'], { encoding: 'utf8' });
  const debVersion = deb.status === 0 ? deb.stdout.trim().split('\t')[1] : undefined;
  const go = /go version:\s*(\S+)/.exec(out)?.[1];
  return debVersion ? `prometheus-sql-exporter ${debVersion}${go ? `, ${go}` : ''}` : out.split('\n')[0]!;
}

export interface SqlExporterProcess {
  pid: number;
  url: string;
  /** Spawn → every query's family on /metrics (its first run of all twelve). */
  readySeconds: number;
  stop(): Promise<void>;
}

export async function startSqlExporter(databaseUrl: string, opts: { readyTimeoutMs: number }): Promise<SqlExporterProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-sql-exporter-'));
  const file = path.join(dir, 'config.yml');
  writeFileSync(file, sqlExporterConfig(databaseUrl));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  const child = startChild('sql_exporter', SQL_EXPORTER_BIN, ['-config.file', file, '-web.listen-address', `127.0.0.1:${port}`], {
    env: { ...process.env, LOGLEVEL: process.env.LOGLEVEL ?? 'warn' },
  });
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  const families = NAIVE_QUERIES.map((q) => `sql_${q.name}{`);
  const deadline = t0 + opts.readyTimeoutMs;
  try {
    for (;;) {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null)
        throw new Error(`sql_exporter exited (${child.proc.exitCode ?? child.proc.signalCode}):\n${child.output()}`);
      const text = await fetch(`${url}/metrics`).then(
        (r) => (r.ok ? r.text() : ''),
        () => '',
      );
      if (families.every((f) => text.includes(f))) break;
      if (Date.now() > deadline) {
        const missing = families.filter((f) => !text.includes(f)).map((f) => f.slice(0, -1));
        throw new Error(`sql_exporter had no ${missing.join(', ')} within ${opts.readyTimeoutMs / 1000} s:\n${child.output()}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid: child.proc.pid!, url, readySeconds: (Date.now() - t0) / 1000, stop };
}
