/**
 * For tests of a running open count (exporter/src/collectors/running-open-count.ts: open support
 * tickets, open bug reports) over a pinned clock: every test starts at the same instant with the
 * items' table empty, and a cycle returns what the count published together with its rollup drift.
 */
import { M } from '../../shared/catalogue';
import type { CollectorFactory } from '../../exporter/src/collectors/types';
import type { Sample } from '../../exporter/src/metrics/sample';
import { build, collectOnce, testConfig, valueOf } from './collect';
import type { TestDatabase } from './db';
import type { PinnedClock } from './pinned-clock';

type Pinned = { readonly tdb: TestDatabase; readonly clock: PinnedClock };

/** A fixture timestamp as a query parameter: ISO text, or null (still open). */
export const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Registers a beforeEach that puts the clock back at `startMs`, empties `table` and then runs `reset`
 * (the test file's own bookkeeping of that table's rows).
 */
export function startEachTestEmpty(pinned: Pinned, startMs: number, table: string, reset: () => void): void {
  beforeEach(async () => {
    await pinned.clock.set(startMs);
    await pinned.tdb.pool.query(`TRUNCATE ${table}`);
    reset();
  });
}

/**
 * One collector built with `collection` settings; each call runs one cycle on the pinned clock and
 * returns the open count as `open` reads it from the samples, and the rollup drift published under
 * `countName`.
 */
export function openCountCycles<Open>(
  pinned: Pinned,
  factory: CollectorFactory,
  collection: Record<string, unknown>,
  countName: string,
  open: (samples: Sample[]) => Open,
): () => Promise<{ open: Open; drift?: number }> {
  const config = testConfig({ collection });
  const collector = build(factory, config);
  return async () => {
    const s = await collectOnce(collector, pinned.clock.pool, config);
    return { open: open(s), drift: valueOf(s, M.rollupDrift.name, { collector: countName }) };
  };
}
