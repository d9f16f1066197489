/**
 * Window state on disk and the full refresh: a corrupt, truncated or foreign state file is discarded
 * with one log line and the numbers are rebuilt exactly; a change older than mutable_horizon is missed
 * by the incremental cycles, shows up as rollup drift at the next full refresh, which fixes it.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { carts } from '../../../exporter/src/collectors/carts';
import { funnel } from '../../../exporter/src/collectors/funnel';
import { labelKey } from '../../../exporter/src/metrics/labels';
import type { Collector } from '../../../exporter/src/collectors/types';
import type { Sample } from '../../../exporter/src/metrics/sample';
import { WINDOW_STATE_FORMAT } from '../../../exporter/src/collectors/window-facts';
import type { Config } from '../../../exporter/src/config/load';
import * as ref from '../../support/reference';
import { createTestDatabase } from '../../support/db';
import { collectOnce, testConfig } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';

const T0 = Date.UTC(2026, 4, 12, 9, 15);
const HOUR = 3_600_000;

const pinned = pinnedDatabase(T0, { stateDirPrefix: 'pulse-window-file-' });
beforeAll(async () => {
  await pinned.tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, '2026-01-01');
    INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at)
    SELECT g, 1, 'v' || g, 'web', 'organic', to_timestamp(${T0 / 1000}) - g * interval '37 minutes' FROM generate_series(1, 60) g;
    INSERT INTO events (session_id, type, occurred_at) SELECT id, 'product_view', started_at FROM sessions WHERE id % 3 = 0;
    INSERT INTO carts (session_id, created_at, status, abandoned_at)
    SELECT id, started_at, CASE WHEN id % 4 = 0 THEN 'abandoned' ELSE 'open' END, CASE WHEN id % 4 = 0 THEN started_at END
      FROM sessions WHERE id % 2 = 0;`);
});

/** Collects with a logger whose lines are kept (when given). */
const collect = (c: Collector, config: Config, lines?: string[]) => collectOnce(c, pinned.clock.pool, config, lines);

function gauges(samples: Sample[], names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) if (names.includes(s.metric.name) && 'value' in s) out[`${s.metric.name}{${labelKey(s.labels)}}`] = s.value;
  return out;
}

const FUNNEL = [M.funnelSessions.name, M.conversionRatio.name];

describe('state file', () => {
  const config = () => testConfig({ collection: { settle_lag: 0, state_dir: pinned.stateDir } });
  const file = () => path.join(pinned.stateDir, 'funnel.window-state.bin');
  /** Where the raw columns start (layout in runtime/durable-file.ts: 44 bytes, then the header). */
  const bodyStart = (b: Buffer) => 44 + b.readUInt32LE(8);
  const flip = (b: Buffer, at: number) => {
    b[at]! ^= 0x01;
    return b;
  };
  /** Replaces `from` by `to` (same length) in the header, leaving the checksum as it was. */
  const edit = (from: string, to: string) => (b: Buffer) => {
    const at = b.indexOf(from);
    expect(at).toBeGreaterThan(0);
    b.write(to, at, 'latin1');
    return b;
  };

  test.each<[string, (b: Buffer) => Buffer, string]>([
    ['truncated body', (b) => b.subarray(0, b.length - 64), 'truncated'],
    ['one byte of a fact flipped', (b) => flip(b, bodyStart(b) + 5), 'checksum mismatch'],
    // Still valid JSON with plausible numbers: only the checksum stands between it and wrong values.
    ['one digit of the saved horizon changed in the header', (b) => flip(b, b.indexOf('"horizonUs":') + 13), 'checksum mismatch'],
    [
      'another version',
      edit(`"version":${WINDOW_STATE_FORMAT.version}`, '"version":7'),
      `version 7, expected ${WINDOW_STATE_FORMAT.version}`,
    ],
    ['another format', edit('"format":"window-facts"', '"format":"window-fucts"'), 'format "window-fucts", expected "window-facts"'],
    ['not a state file', (b) => flip(b, 0), 'not a binary state file'],
  ])('%s: discarded with one log line, moved aside, numbers rebuilt exactly', async (_name, damage, reason) => {
    await collect(funnel(config()), config());
    writeFileSync(file(), damage(readFileSync(file())));
    const lines: string[] = [];
    const got = gauges(await collect(funnel(config()), config(), lines), FUNNEL);
    const warnings = lines.filter((l) => l.includes('window state discarded'));
    expect(warnings).toHaveLength(1);
    const warning = JSON.parse(warnings[0]!) as { file: string; reason: string };
    expect(warning.reason).toContain(reason);
    expect(warning.file).toBe(file());
    expect(lines.filter((l) => l.includes('window state restored'))).toHaveLength(0);
    expect(readdirSync(pinned.stateDir).filter((f) => f.startsWith('funnel.window-state.bin.refused-')).length).toBeGreaterThan(0);
    expect(got).toEqual(gauges(await collect(ref.funnel(config()), config()), FUNNEL));
    // The rebuilt state was saved and is resumed by the next start.
    const again: string[] = [];
    await collect(funnel(config()), config(), again);
    expect(again.filter((l) => l.includes('window state restored'))).toHaveLength(1);
  });

  test('a JSON state file of the earlier format is refused with one log line, moved aside and rebuilt', async () => {
    await collect(funnel(config()), config());
    rmSync(file());
    const legacy = path.join(pinned.stateDir, 'funnel.window-state.json');
    // What version 1 wrote: a JSON envelope with base64 columns.
    writeFileSync(
      legacy,
      '{"format":"window-facts","version":1,"sha256":"00","payload":{"fingerprint":"x","horizonUs":0,"nextRefreshUs":0,"store":{"n":0,"t":"","id":"","cols":{}}}}',
    );
    const lines: string[] = [];
    const got = gauges(await collect(funnel(config()), config(), lines), FUNNEL);
    const warnings = lines.filter((l) => l.includes('window state discarded'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('JSON state file of an earlier version');
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(file())).toBe(true);
    expect(got).toEqual(gauges(await collect(ref.funnel(config()), config()), FUNNEL));
  });

  test('foreign: a state built under another configuration is refused', async () => {
    await collect(funnel(config()), config());
    const other = testConfig({ collection: { settle_lag: 30, state_dir: pinned.stateDir } });
    const lines: string[] = [];
    const got = gauges(await collect(funnel(other), other, lines), FUNNEL);
    expect(lines.filter((l) => l.includes('built from another database or configuration'))).toHaveLength(1);
    expect(got).toEqual(gauges(await collect(ref.funnel(other), other), FUNNEL));
  });

  test('foreign: a state saved from another database is refused', async () => {
    await collect(funnel(config()), config());
    const other = await createTestDatabase();
    const dir2 = mkdtempSync(path.join(os.tmpdir(), 'pulse-window-file-'));
    try {
      copyFileSync(file(), path.join(dir2, 'funnel.window-state.bin'));
      const cfg = testConfig({ collection: { settle_lag: 0, state_dir: dir2 } });
      const lines: string[] = [];
      const run = async (c: Collector, l?: string[]) => gauges(await collectOnce(c, other.pool, cfg, l), FUNNEL);
      const got = await run(funnel(cfg), lines);
      expect(lines.filter((l) => l.includes('built from another database or configuration'))).toHaveLength(1);
      expect(got).toEqual(await run(ref.funnel(cfg)));
    } finally {
      rmSync(dir2, { recursive: true, force: true });
      await other.drop();
    }
  });

  test('intact: resumed without a rebuild, and not rewritten by the first cycle after it', async () => {
    await collect(funnel(config()), config());
    const written = statSync(file()).ino;
    const lines: string[] = [];
    await collect(funnel(config()), config(), lines);
    expect(lines.filter((l) => l.includes('window state restored'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('discarded'))).toHaveLength(0);
    // Same clock, so no periodic save is due: a write (a new file renamed in place) would only cost
    // a restart time.
    expect(statSync(file()).ino).toBe(written);
  });
});

test('a change older than mutable_horizon is drift at the next full refresh, which fixes it', async () => {
  // The open tail's limit (a change read by carts.updated_at is read whatever its age: carts-stamps.test.ts).
  const config = testConfig({ collection: { settle_lag: 0, mutable_horizon: '1h', full_refresh: '1d', cart_changes: 'open_tail' } });
  const names = [M.cartAbandonmentRatio.name];
  const c = carts(config);
  await collect(c, config);
  // Carts created 3 h ago turn `converted`: no timestamp of their own, outside the 1 h tail.
  await pinned.tdb.pool.query(
    `UPDATE carts SET status = 'converted' WHERE status = 'open' AND created_at < to_timestamp(${T0 / 1000}) - interval '3 hours'`,
  );
  await pinned.clock.set(T0 + HOUR / 6);
  const stale = gauges(await collect(c, config), names);
  const truth = gauges(await collect(ref.carts(config), config), names);
  expect(stale).not.toEqual(truth);
  expect(c.windowStates![0]!.drift).toBe(0);
  // The first refresh comes within 1.5 × full_refresh (spread by a per-collector phase).
  await pinned.clock.set(T0 + 36 * HOUR);
  const refreshed = await collect(c, config);
  expect(gauges(refreshed, names)).toEqual(gauges(await collect(ref.carts(config), config), names));
  const drift = refreshed.find((s) => s.metric.name === M.rollupDrift.name && s.labels.collector === 'carts');
  expect(drift && 'value' in drift ? drift.value : NaN).toBeGreaterThan(0);
});
