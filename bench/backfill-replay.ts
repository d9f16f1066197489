/**
 * Backfill replay cost, side by side: seeds the embedded PGlite database once (fixed end, so runs
 * compare), then replays the same instants in process and through the socket server with `pg`,
 * printing wall time, CPU seconds (PGlite runs in this process, so its work is included) and CPU per
 * collector. Record `uptime` beside the figures: the build machine is shared.
 *
 *   npx tsx bench/backfill-replay.ts [days=2] [modes=direct,socket] [max instants]
 */
import os from 'node:os';
import pg from 'pg';
import { scheduledCollectors } from '../exporter/src/app';
import { parseConfig } from '../exporter/src/config/load';
import { startEmbeddedDatabase } from '../exporter/src/demo/embedded';
import { DEFAULT_SESSIONS_PER_DAY, seedHistory } from '../exporter/src/demo/simulator';
import {
  type CycleRunner,
  historyInstants,
  pgliteReplayDatabase,
  pgReplayDatabase,
  type ReplayDatabase,
  simulateHistory,
} from '../scripts/stack/history';

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};
const load = () => os.loadavg()[0]!.toFixed(1);

async function main(): Promise<void> {
  const days = Number(process.argv[2] ?? 2);
  const modes = (process.argv[3] ?? 'direct,socket').split(',');
  const limit = Number(process.argv[4] ?? Infinity);
  const db = await startEmbeddedDatabase({ maxConnections: 4 });
  const end = new Date('2026-11-29T21:00:00Z');
  try {
    let c = process.cpuUsage();
    let t = Date.now();
    const seedPool = new pg.Pool({ connectionString: db.url, max: 1 });
    await seedHistory(seedPool, { seed: 42, days, sessionsPerDay: DEFAULT_SESSIONS_PER_DAY, end }).finally(() => seedPool.end());
    console.log(`seed ${days} d: ${((Date.now() - t) / 1000).toFixed(1)} s wall, ${cpuSeconds(c).toFixed(1)} s CPU, load ${load()}`);
    const config = parseConfig(
      { database: { url: db.url }, collection: { settle_lag: 0 }, demo: { mode: 'off' }, log: { level: 'silent' } },
      { env: {} },
    );
    const names = scheduledCollectors(config)
      .filter((e) => e.collector.usesDatabase)
      .map((e) => e.collector.name);
    const instants = historyInstants(end, days, 3600).slice(0, limit);
    for (const mode of modes) {
      const inner = mode === 'direct' ? await pgliteReplayDatabase(db.pglite) : await pgReplayDatabase(config);
      const per = new Map<string, number>();
      // Cycles run in the collectors' order, so the k-th cycle of an instant is the k-th collector.
      const timed: ReplayDatabase = {
        at: (at, fn) =>
          inner.at(at, (cycle) => {
            let k = 0;
            const wrapped: CycleRunner = async (timeout, f) => {
              const s = process.cpuUsage();
              const out = await cycle(timeout, f);
              const name = names[k++ % names.length]!;
              per.set(name, (per.get(name) ?? 0) + cpuSeconds(s));
              return out;
            };
            return fn(wrapped);
          }),
        end: () => inner.end(),
      };
      const before = load();
      c = process.cpuUsage();
      t = Date.now();
      await simulateHistory({ config, instants, job: 'bench', instance: 'bench:9464', database: timed });
      const top = [...per]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ');
      console.log(
        `${mode}: ${instants.length} instants, ${((Date.now() - t) / 1000).toFixed(1)} s wall, ${cpuSeconds(c).toFixed(1)} s CPU, load ${before} → ${load()}\n  CPU s per collector: ${top}`,
      );
    }
  } finally {
    await db.stop();
  }
}

void main();
