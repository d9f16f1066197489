/**
 * Settled results on disk (cohort retention, computed once per ISO week): a restart in the same week
 * serves the saved result without computing it again; in the next week, or from a corrupt or foreign
 * file (discarded with one log line), it is computed from the database exactly as without state.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { cohortRetention } from '../../../exporter/src/collectors/cohort-retention';
import type { Collector } from '../../../exporter/src/collectors/types';
import type { Config } from '../../../exporter/src/config/load';
import { labelKey } from '../../../exporter/src/metrics/labels';
import { collectOnce, testConfig } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';

// A Wednesday: the previous twelve ISO weeks are complete and settled (settle_lag 0).
const T0 = Date.UTC(2026, 4, 13, 12, 0);
const DAY = 86_400_000;

const pinned = pinnedDatabase(T0, { stateDirPrefix: 'pulse-period-state-' });
beforeAll(async () => {
  // 60 users signed up over the last 10 weeks; each comes back on a few later days.
  await pinned.tdb.pool.query(`
    INSERT INTO users (id, created_at) SELECT g, to_timestamp(${T0 / 1000}) - g * interval '28 hours' FROM generate_series(1, 60) g;
    INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at)
    SELECT u.id, 'v' || u.id, 'web', 'organic', u.created_at + d * interval '3 days'
      FROM users u, generate_series(0, 20) d
     WHERE u.created_at + d * interval '3 days' < to_timestamp(${T0 / 1000}) AND (u.id + d) % 4 <> 0;`);
});

async function ratios(c: Collector, config: Config, lines?: string[]): Promise<Record<string, number>> {
  const samples = await collectOnce(c, pinned.clock.pool, config, lines);
  const out: Record<string, number> = {};
  for (const s of samples) if (s.metric.name === M.cohortRetentionRatio.name && 'value' in s) out[labelKey(s.labels)] = s.value;
  return out;
}

const withState = () => testConfig({ collection: { settle_lag: 0, state_dir: pinned.stateDir } });
/** The value computed from the database now, as an exporter without state computes it. */
const fromDatabase = () => ratios(cohortRetention(testConfig()), testConfig());
const file = () => path.join(pinned.stateDir, 'cohort_retention.period-state.json');

test('a restart in the same week serves the saved result; the next week computes it again', async () => {
  const saved = await ratios(cohortRetention(withState()), withState());
  expect(Object.values(saved).some((v) => v > 0 && v < 1)).toBe(true);
  // Sessions vanish after the result was settled: a computation would now differ from the saved one.
  await pinned.tdb.pool.query(`DELETE FROM sessions WHERE id % 3 = 0`);
  expect(await fromDatabase()).not.toEqual(saved);

  const lines: string[] = [];
  expect(await ratios(cohortRetention(withState()), withState(), lines)).toEqual(saved);
  expect(lines.filter((l) => l.includes('period state restored'))).toHaveLength(1);

  await pinned.clock.set(T0 + 7 * DAY);
  const nextWeek: string[] = [];
  expect(await ratios(cohortRetention(withState()), withState(), nextWeek)).toEqual(await fromDatabase());
  expect(nextWeek.filter((l) => l.includes('period state'))).toHaveLength(1); // restored, then superseded
});

test.each<[string, () => Config, (text: string) => string, string]>([
  ['corrupt', withState, (t) => t.replace(/"values":\[(\d)/, (_m, d: string) => `"values":[${d === '0' ? '1' : '0'}`), 'checksum mismatch'],
  ['truncated', withState, (t) => t.slice(0, t.length - 10), 'not JSON'],
  [
    'from another configuration',
    () => testConfig({ collection: { settle_lag: 60, state_dir: pinned.stateDir } }),
    (t) => t,
    'built from another database or configuration',
  ],
])('%s: discarded with one log line, computed from the database', async (_name, config, damage, reason) => {
  await ratios(cohortRetention(withState()), withState());
  writeFileSync(file(), damage(readFileSync(file(), 'utf8')));
  const lines: string[] = [];
  const got = await ratios(cohortRetention(config()), config(), lines);
  const warnings = lines.filter((l) => l.includes('period state discarded'));
  expect(warnings).toHaveLength(1);
  expect((JSON.parse(warnings[0]!) as { reason: string }).reason).toContain(reason);
  expect(lines.filter((l) => l.includes('period state restored'))).toHaveLength(0);
  expect(got).toEqual(await fromDatabase());
});
