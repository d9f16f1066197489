/**
 * Seamless reload under scrape load: concurrent scrapes of /metrics and /readyz run through several
 * reloads (unchanged config, schedule-only changes, and changes that rebuild every collector). Every
 * response must be 200, no scrape may show fewer `marketplace_` series than before the reloads, and
 * collectors whose settings did not change keep their instance (no takeover).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startExporter, type RunningExporter } from '../../exporter/src/app';
import type { Config } from '../../exporter/src/config/load';
import { seedHistory } from '../../exporter/src/demo/simulator';
import { createLogger } from '../../exporter/src/runtime/logger';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually, exporterConfig } from '../support/exporter';

const COLLECTORS = ['users', 'orders', 'sessions', 'funnel', 'visitors', 'carts'];

let tdb: TestDatabase;
let dir: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-reload-'));
  await seedHistory(tdb.pool, { seed: 7, days: 3, sessionsPerDay: 400, end: new Date() });
});
afterAll(async () => {
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

function config(extra: Record<string, unknown> = {}): Config {
  const base = { web: { enable_lifecycle: true }, collection: { settle_lag: 0, start_jitter: 0, state_dir: dir } };
  const intervals = Object.fromEntries(COLLECTORS.map((n) => [n, { interval: 1 }]));
  return exporterConfig({
    url: tdb.url,
    only: COLLECTORS,
    extra: { ...base, ...extra, collectors: { ...intervals, ...((extra.collectors as object) ?? {}) } },
  });
}

const seriesCount = (text: string) => text.split('\n').filter((l) => l.startsWith('marketplace_')).length;

test('reloads under scrape load: every response 200, no series lost, unchanged collectors kept', async () => {
  let next = config();
  const lines: string[] = [];
  const e: RunningExporter = await startExporter({
    config: next,
    log: createLogger('info', { write: (l: string) => void lines.push(l) }),
    loadConfig: () => next,
  });
  const failures: string[] = [];
  let stop = false;
  let scrapes = 0;
  let scrapesWhilePending = 0;
  let baseline = 0;
  try {
    await e.ready();
    // Every collector has published once; the count may only grow from here.
    await eventually('all collectors up', () => e.status().every((s) => s.up));
    baseline = seriesCount(await (await fetch(`${e.url}/metrics`)).text());
    expect(baseline).toBeGreaterThan(50);

    const scraper = async (worker: number) => {
      let last = baseline;
      while (!stop) {
        const pending = e.pendingReloads().length > 0;
        const readyz = worker % 2 === 1;
        const res = await fetch(`${e.url}${readyz ? '/readyz' : '/metrics'}`);
        const body = await res.text();
        scrapes += 1;
        if (pending) scrapesWhilePending += 1;
        if (res.status !== 200) failures.push(`${readyz ? '/readyz' : '/metrics'} answered ${res.status}`);
        if (!readyz) {
          const n = seriesCount(body);
          // Each worker's scrapes are sequential, so the snapshots it sees are in order.
          if (n < last || n < baseline) failures.push(`series count dropped to ${n} (worker saw ${last}, baseline ${baseline})`);
          last = Math.max(last, n);
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, i) => scraper(i));

    const takeovers = () => lines.filter((l) => l.includes('reloaded collector took over')).length;
    const reloadTo = async (c: Config, expectTakeovers: number) => {
      const before = takeovers();
      next = c;
      expect(await e.reload()).toBeNull();
      await eventually('reloaded collectors took over', () => e.pendingReloads().length === 0, 60_000);
      expect(takeovers() - before).toBe(expectTakeovers);
      // A few more cycles of every collector after the swap, under scrapes.
      const cycles = e.status().map((s) => s.lastSuccess ?? 0);
      await eventually('a cycle after the reload', () => e.status().every((s, i) => (s.lastSuccess ?? 0) > cycles[i]!), 30_000);
    };

    // Unchanged, then schedule-only changes: every instance (state, timer) is kept.
    await reloadTo(config(), 0);
    await reloadTo(config({ collectors: { orders: { interval: 2 }, sessions: { timeout: 15 } } }), 0);
    expect(e.status().find((s) => s.name === 'orders')!.interval).toBe(2);
    // A threshold and an allow-list change every collector's numbers: each new instance serves only
    // after its first success, the old one until then.
    await reloadTo(config({ thresholds: { high_value_order: { default: 400 } } }), COLLECTORS.length);
    await reloadTo(config({ allow_lists: { currencies: ['USD', 'EUR', 'GBP', 'JPY'] } }), COLLECTORS.length);
    await reloadTo(config(), COLLECTORS.length);

    stop = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(scrapes).toBeGreaterThan(100);
    // The check above is meaningful only if scrapes ran while new instances were still warming up.
    expect(scrapesWhilePending).toBeGreaterThan(0);
    expect(
      e
        .status()
        .map((s) => s.name)
        .sort(),
    ).toEqual([...COLLECTORS].sort());
  } finally {
    stop = true;
    await e.stop();
  }
});
