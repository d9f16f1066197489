/**
 * Carts of the mutable tail whose status changes without a timestamp (`converted`, or `abandoned`
 * with no abandoned_at): only the steady cycle's probe of the tail's open carts can see them. The
 * clock is pinned; expected ratios are counted by hand from the fixture.
 */
import { M } from '../../../shared/catalogue';
import { carts } from '../../../exporter/src/collectors/carts';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { build, collectOnce, testConfig, valueOf } from '../../support/collect';
import { pinClock, type PinnedClock } from '../../support/pinned-clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T = Date.UTC(2026, 4, 12, 12, 0);

let tdb: TestDatabase;
let clock: PinnedClock;
beforeAll(async () => {
  tdb = await createTestDatabase();
  clock = await pinClock(tdb, T);
  await tdb.pool.query(`
    INSERT INTO users (id, created_at) VALUES (1, '2026-01-01');
    INSERT INTO sessions (id, user_id, visitor_id, platform, channel, started_at) VALUES (1, 1, 'v1', 'web', 'direct', '2026-01-01');`);
});
afterAll(async () => {
  await clock.end();
  await tdb.drop();
});

/** Inserts a cart created `ageMs` before T and returns its id. */
async function cart(ageMs: number, status = 'open', abandonedAgeMs?: number): Promise<number> {
  const { rows } = await tdb.pool.query(
    `INSERT INTO carts (user_id, session_id, created_at, status, abandoned_at)
     VALUES (1, 1, to_timestamp($1::float8 / 1000), $2, to_timestamp($3::float8 / 1000)) RETURNING id`,
    [T - ageMs, status, abandonedAgeMs === undefined ? null : T - abandonedAgeMs],
  );
  return Number(rows[0].id);
}

const setStatus = (id: number, status: string) => tdb.pool.query(`UPDATE carts SET status = $2 WHERE id = $1`, [id, status]);

test('tail carts converted or abandoned without a timestamp are read; carts still open are not', async () => {
  const a = await cart(HOUR); // converts
  const c = await cart(HOUR); // abandoned, no abandoned_at
  const d = await cart(2 * HOUR); // converts on the second cycle
  for (let i = 0; i < 20; i++) await cart(3 * HOUR + i * MINUTE); // stay open
  const b = await cart(30 * HOUR); // converts
  await cart(31 * HOUR, 'abandoned', 30 * HOUR); // closed from the start
  // Just inside the tail of the next cycle: mutable_horizon (48h) before the first cycle's horizon T.
  const edge = await cart(48 * HOUR - 30_000); // converts

  const config = testConfig();
  const collector = build(carts, config);
  const ratios = async () => {
    const s = await collectOnce(collector, clock.pool, config);
    return ['1d', '7d'].map((window) => valueOf(s, M.cartAbandonmentRatio.name, { window }));
  };
  // 1d: nothing closed; 7d: the one abandoned cart of 31h ago.
  expect(await ratios()).toEqual([0, 1]);

  await setStatus(a, 'converted');
  await setStatus(c, 'abandoned');
  await setStatus(b, 'converted');
  await setStatus(edge, 'converted');
  await clock.set(T + 2 * MINUTE);
  // 1d: a, c closed, c abandoned → 1/2. 7d: a, c, b, edge and the 31h cart → 2/5.
  expect(await ratios()).toEqual([1 / 2, 2 / 5]);

  await setStatus(d, 'converted');
  await clock.set(T + 4 * MINUTE);
  // d joins the closed carts: 1d 1/3, 7d 2/6.
  expect(await ratios()).toEqual([1 / 3, 2 / 6]);
  // A cycle with no change keeps them.
  await clock.set(T + 5 * MINUTE);
  expect(await ratios()).toEqual([1 / 3, 2 / 6]);
});
