/** Fault matrix: a collector that ignores its abort signal still ends its cycle at the deadline. */
import type { Collector } from '../../exporter/src/collectors/types';
import { parseConfig } from '../../exporter/src/config/load';
import { MetricStore } from '../../exporter/src/metrics/store';
import { createLogger } from '../../exporter/src/runtime/logger';
import { Scheduler } from '../../exporter/src/runtime/scheduler';

test('a non-database collector that never settles is cut off at its timeout and counted as a timeout', async () => {
  const config = parseConfig({ collection: { start_jitter: 0 } }, { env: {} });
  const hung: Collector = { name: 'hung', usesDatabase: false, metrics: [], collect: () => new Promise(() => undefined) };
  const entry = { collector: hung, interval: 3600, timeout: 0.2 };
  const scheduler = new Scheduler([entry], {
    config,
    store: new MetricStore(config),
    pool: null,
    log: createLogger('silent'),
    version: 'test',
  });
  try {
    await scheduler.runOnce(entry); // without the deadline race this never returns
    const s = scheduler.status()[0]!;
    expect(s.attempted).toBe(true);
    expect(s.up).toBe(false);
    expect(s.errors).toEqual({ timeout: 1 });
  } finally {
    await scheduler.stop(0);
  }
});
