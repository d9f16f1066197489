/**
 * Where linked reads (visitors: a text key; active users: an int8 key) take a new session's previous
 * one from: the entity index for entities with a fact kept, the database (linkedPrevSql) for new
 * visitors, for those lapsed past 30 days and for one whose facts were all pruned (their first session;
 * active users, which keep no first session, need nothing for them), and for a late session dated
 * before the entity's indexed fact (the clock moved back). After a restart the index is rebuilt
 * from the state file. Values equal the full-window SQL at every step, on the pinned clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { M } from '../../../shared/catalogue';
import { ACTIVE_SESSIONS_PREV_SQL, activeUsers } from '../../../exporter/src/collectors/active-users';
import type { Collector } from '../../../exporter/src/collectors/types';
import { VISITOR_PREV_SQL, visitors } from '../../../exporter/src/collectors/visitors';
import { EntityIndex } from '../../../exporter/src/collectors/entity-index';
import { type WindowFacts, windowSettings } from '../../../exporter/src/collectors/window-facts';
import type { Config } from '../../../exporter/src/config/load';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger, type Logger } from '../../../exporter/src/runtime/logger';
import { captureLogger } from '../../support/log';
import { collectOnce, observed, seriesOf, testConfig } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';
import * as ref from '../../support/reference';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 2, 10, 12);
const db = pinnedDatabase(START);
let stateDir = '';
let config: Config;

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'pulse-entity-index-'));
  config = testConfig({ database: { url: db.tdb.url }, collection: { settle_lag: 120, state_dir: stateDir } });
  await db.tdb.pool.query(`INSERT INTO users (id, created_at) SELECT g, '2025-06-01' FROM generate_series(1, 9) g`);
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const iso = (ms: number) => new Date(ms).toISOString();
/** A session of visitor `v<user>` signed in as `user`; returns its id. */
async function session(user: number, atMs: number): Promise<number> {
  const { rows } = await db.tdb.pool.query(
    `INSERT INTO sessions (user_id, visitor_id, platform, channel, started_at) VALUES ($1, $2, 'web', 'direct', $3) RETURNING id`,
    [user, `v${user}`, iso(atMs)],
  );
  return Number(rows[0].id);
}

/**
 * One cycle of both collectors; returns the session ids whose previous session each one asked the
 * database for, and checks the values against the full-window SQL.
 */
async function cycle(
  pair: Collector[],
  step: string,
  log: Logger = createLogger('silent'),
): Promise<{ visitors: number[]; users: number[] }> {
  const probed = { visitors: [] as number[], users: [] as number[] };
  const ctrl = new AbortController();
  const got = [];
  for (const c of pair) {
    got.push(
      ...(await withReadOnly(db.clock.pool, 30, ctrl.signal, (tx) =>
        c.collect({
          db: observed(tx, (sql, rows) => {
            if (sql === VISITOR_PREV_SQL) probed.visitors.push(...rows.map((r) => Number(r.id)));
            if (sql === ACTIVE_SESSIONS_PREV_SQL) probed.users.push(...rows.map((r) => Number(r.id)));
          }),
          config,
          log,
          signal: ctrl.signal,
        }),
      )),
    );
  }
  for (const [metric, reference] of [
    [M.visitors.name, ref.visitors],
    [M.activeUsers.name, ref.activeUsers],
  ] as const) {
    const want = seriesOf(await collectOnce(reference(config), db.clock.pool, config), metric);
    expect({ step, metric, values: seriesOf(got, metric) }).toEqual({ step, metric, values: want });
  }
  probed.visitors.sort((a, b) => a - b);
  probed.users.sort((a, b) => a - b);
  return probed;
}

const statesOf = (pair: Collector[]) => pair.map((c) => c.windowStates![0]! as WindowFacts<string>);
/** Whether the entity index of `state` holds user (visitor) `user`, by its facts' key words. */
function indexed(state: WindowFacts<string>, factId: number): boolean {
  const { n, id, cols } = state.store!.view();
  const k = state.spec.entityKey!;
  for (let i = 0; i < n; i++) if (id[i] === factId) return state.entities!.find(cols[k.hi]![i]!, cols[k.lo]![i]!) >= 0;
  throw new Error(`no fact ${factId}`);
}

test('previous sessions from memory for entities with a fact kept, from the database otherwise, exact throughout', async () => {
  // 1: regular; 2: lapsed (35 days ago only); 3: its only fact pruned by the next cycle; 4: new;
  // 5: a fact pruned by the next cycle and no new session (forgotten by the index).
  await session(1, START - 10 * DAY);
  await session(1, START - HOUR);
  await session(2, START - 35 * DAY);
  await session(3, START - 30 * DAY + 30 * MIN);
  const gone = await session(5, START - 30 * DAY + 20 * MIN);
  let pair = [visitors(config), activeUsers(config)];
  await cycle(pair, 'first build');
  for (const s of statesOf(pair)) expect(s.entities!.size).toBe(3); // 1, 3 and 5 have facts kept

  await db.clock.set(START + HOUR);
  const fresh = [await session(1, START + 30 * MIN), await session(2, START + 31 * MIN), await session(3, START + 32 * MIN)];
  fresh.push(await session(4, START + 33 * MIN));
  // A second session of 4 in the same read is linked to the first in memory.
  const again = await session(4, START + 34 * MIN);
  const step1 = await cycle(pair, 'new, lapsed and pruned entities');
  // Active users need no first session: a user without a fact kept has nothing to link to.
  expect(step1).toEqual({ visitors: fresh.slice(1), users: [] });
  expect(step1.visitors).not.toContain(again);
  // 5's only fact left the window: the entity is no longer indexed (nor is its fact kept).
  for (const s of statesOf(pair)) {
    expect(s.store!.get(START * 1000 - 30 * DAY * 1000 + 20 * MIN * 1000, gone, 'next')).toBeUndefined();
    expect(s.entities!.size).toBe(4); // 1, 2, 3, 4
  }

  // Out of order: the index holds 1's session of +1h55 (settled at +1h58); the clock moves back to
  // +1h50, and a late session of 1 dated +1h45 arrives: its previous one is probed (+1h30).
  await db.clock.set(START + 2 * HOUR);
  await session(1, START + 90 * MIN);
  await session(1, START + 115 * MIN);
  expect(await cycle(pair, 'in order')).toEqual({ visitors: [], users: [] });
  await db.clock.set(START + 100 * MIN);
  expect(await cycle(pair, 'clock moved back')).toEqual({ visitors: [], users: [] });
  const late = await session(1, START + 105 * MIN);
  await db.clock.set(START + 110 * MIN);
  expect(await cycle(pair, 'a session dated before the indexed one')).toEqual({ visitors: [late], users: [late] });

  // Restart: the states saved by the last cycles are restored and their index rebuilt, so 1's next
  // session is linked from memory again.
  await db.clock.set(START + 3 * HOUR);
  await cycle(pair, 'saved');
  const idOf1 = await session(1, START + 3 * HOUR + 30_000);
  pair = [visitors(config), activeUsers(config)];
  await db.clock.set(START + 3 * HOUR + 10 * MIN);
  const { log, lines } = captureLogger();
  expect(await cycle(pair, 'restored', log)).toEqual({ visitors: [], users: [] });
  expect(lines.filter((l) => l.includes('window state restored'))).toHaveLength(2);
  for (const s of statesOf(pair)) expect(indexed(s, idOf1)).toBe(true);
});

test('a first build sizes each index for its entities, not for its facts (the larger table was all at the RSS peak)', async () => {
  // 60 more visitors and users, one in five with two sessions: 72 more facts for 60 more entities, so
  // a table sized for the facts would be too large and yet not shrink (it stays over half full).
  await db.tdb.pool.query(`INSERT INTO users (id, created_at) SELECT g, '2025-06-01' FROM generate_series(101, 160) g`);
  for (let v = 101; v <= 160; v++) {
    await session(v, START + 2 * HOUR + v * 1000);
    if (v % 5 === 0) await session(v, START + 2 * HOUR + 30 * MIN + v * 1000);
  }
  const alone = testConfig({ database: { url: db.tdb.url }, collection: { settle_lag: 120 } });
  const state = visitors(alone).windowStates![0]! as WindowFacts<string>;
  await withReadOnly(db.clock.pool, 30, new AbortController().signal, (tx) => state.cycle(tx, windowSettings(alone), () => []));
  const { n } = state.store!.view();
  expect(state.entities!.size).toBeGreaterThanOrEqual(60);
  expect(n - state.entities!.size).toBeGreaterThanOrEqual(12);
  expect(state.entities!.capacity).toBe(new EntityIndex(state.entities!.size).capacity);
});
