/** The machine the figures were measured on, for the results table. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  postgres: string;
  postgresSettings: Record<string, string>;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export async function machineInfo(serverUrl: string): Promise<MachineInfo> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    const v = await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const s = await c.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'max_parallel_workers_per_gather', 'jit')`,
    );
    return {
      cpu: cpuModel(),
      cores: os.cpus().length,
      ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: v.rows[0]!.v,
      postgresSettings: Object.fromEntries(s.rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting])),
    };
  } finally {
    await c.end();
  }
}
