/**
 * Carts of the mutable tail whose status changes without a timestamp (`converted`, or `abandoned`
 * with no abandoned_at), read without the stamp (collection.cart_changes: open_tail): only the steady
 * cycle's probe of the tail's open carts can see them. The clock is pinned; expected ratios are counted
 * by hand from the fixture. The same changes read by carts.updated_at: carts-stamps.test.ts.
 */
import { M } from '../../../shared/catalogue';
import { carts } from '../../../exporter/src/collectors/carts';
import { insertCart, seedCartOwner } from '../../support/carts';
import { build, collectOnce, testConfig, valueOf } from '../../support/collect';
import { pinnedDatabase } from '../../support/pinned-clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T = Date.UTC(2026, 4, 12, 12, 0);

const pinned = pinnedDatabase(T);
beforeAll(() => seedCartOwner(pinned.tdb.pool));

/** Inserts a cart created at `atMs` and returns its id. */
const cartAt = (atMs: number, status = 'open', abandonedAtMs?: number) => insertCart(pinned.tdb.pool, atMs, status, abandonedAtMs);

/** Inserts a cart created `ageMs` before T and returns its id. */
const cart = (ageMs: number, status = 'open', abandonedAgeMs?: number) =>
  cartAt(T - ageMs, status, abandonedAgeMs === undefined ? undefined : T - abandonedAgeMs);

/** The open-tail path, whatever triggers the schema has. */
const tailConfig = (collection: Record<string, unknown> = {}) =>
  testConfig({ collection: { settle_lag: 0, cart_changes: 'open_tail', ...collection } });

const setStatus = (id: number, status: string) => pinned.tdb.pool.query(`UPDATE carts SET status = $2 WHERE id = $1`, [id, status]);

test('tail carts converted or abandoned without a timestamp are read; carts still open are not', async () => {
  const a = await cart(HOUR); // converts
  const c = await cart(HOUR); // abandoned, no abandoned_at
  const d = await cart(2 * HOUR); // converts on the second cycle
  for (let i = 0; i < 20; i++) await cart(3 * HOUR + i * MINUTE); // stay open
  const b = await cart(30 * HOUR); // converts
  await cart(31 * HOUR, 'abandoned', 30 * HOUR); // closed from the start
  // Just inside the tail of the next cycle: mutable_horizon (48h) before the first cycle's horizon T.
  const edge = await cart(48 * HOUR - 30_000); // converts

  const config = tailConfig();
  const collector = build(carts, config);
  const ratios = async () => {
    const s = await collectOnce(collector, pinned.clock.pool, config);
    return ['1d', '7d'].map((window) => valueOf(s, M.cartAbandonmentRatio.name, { window }));
  };
  // 1d: nothing closed; 7d: the one abandoned cart of 31h ago.
  expect(await ratios()).toEqual([0, 1]);

  await setStatus(a, 'converted');
  await setStatus(c, 'abandoned');
  await setStatus(b, 'converted');
  await setStatus(edge, 'converted');
  await pinned.clock.set(T + 2 * MINUTE);
  // 1d: a, c closed, c abandoned → 1/2. 7d: a, c, b, edge and the 31h cart → 2/5.
  expect(await ratios()).toEqual([1 / 2, 2 / 5]);

  await setStatus(d, 'converted');
  await pinned.clock.set(T + 4 * MINUTE);
  // d joins the closed carts: 1d 1/3, 7d 2/6.
  expect(await ratios()).toEqual([1 / 3, 2 / 6]);
  // A cycle with no change keeps them.
  await pinned.clock.set(T + 5 * MINUTE);
  expect(await ratios()).toEqual([1 / 3, 2 / 6]);
});

/** Collects 1d and 7d abandonment ratios at `atMs` with the carts collector `collector`. */
async function ratiosAt(collector: ReturnType<typeof build>, config: ReturnType<typeof testConfig>, atMs: number) {
  await pinned.clock.set(atMs);
  const s = await collectOnce(collector, pinned.clock.pool, config);
  return ['1d', '7d'].map((window) => valueOf(s, M.cartAbandonmentRatio.name, { window }));
}

/**
 * Counting the open carts up to now, a cart created before the previous cycle and committed after it,
 * within settle_lag, would make up for a held open cart that converted.
 */
async function convertedWhileLateCartArrives(base: number) {
  await pinned.tdb.pool.query('DELETE FROM carts');
  await cartAt(base - 5 * HOUR, 'abandoned', base - 4 * HOUR);
  await cartAt(base - 10 * MINUTE);
  const y = await cartAt(base - 3 * MINUTE); // before the first cycle's horizon (base - settle_lag): not re-read
  const config = tailConfig({ settle_lag: 120 });
  const collector = build(carts, config);
  expect(await ratiosAt(collector, config, base)).toEqual([1, 1]);

  // Created 90 s before the first cycle, committed after it: within settle_lag of its created_at.
  await cartAt(base - 90_000);
  await setStatus(y, 'converted');
  // Closed: the abandoned cart and y → 1/2.
  expect(await ratiosAt(collector, config, base + MINUTE)).toEqual([1 / 2, 1 / 2]);
}

/**
 * 300 open carts, the 256th and 257th created at the same instant: split there, the first bucket's
 * count would include the 257th and make up for a cart of that bucket that closed.
 */
async function closedBesideSameInstantCarts(base: number) {
  await pinned.tdb.pool.query('DELETE FROM carts');
  await cartAt(base - 12 * HOUR, 'abandoned', base - 11 * HOUR);
  const { rows } = await pinned.tdb.pool.query(
    `INSERT INTO carts (user_id, session_id, created_at, status)
     SELECT 1, 1, to_timestamp(($1::float8 - 10 * 3600000 + least(i, 255) * 1000 + greatest(i - 256, 0) * 1000) / 1000), 'open'
       FROM generate_series(0, 299) AS i ORDER BY i RETURNING id`,
    [base],
  );
  const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  const config = tailConfig();
  const collector = build(carts, config);
  expect(await ratiosAt(collector, config, base)).toEqual([1, 1]);

  await setStatus(ids[10]!, 'abandoned'); // without abandoned_at
  await setStatus(ids[280]!, 'converted');
  // Closed: the first abandoned cart, ids[10] (abandoned) and ids[280] → 2/3.
  expect(await ratiosAt(collector, config, base + MINUTE)).toEqual([2 / 3, 2 / 3]);
}

const DAY = 24 * HOUR;

test('a tail cart converted while a cart committed within settle_lag joins the open carts is read', () =>
  convertedWhileLateCartArrives(T + 10 * DAY));

test('open carts created at the same instant are never split between two buckets', () => closedBesideSameInstantCarts(T + 20 * DAY));

test('without carts_open_idx the same carts are read', async () => {
  await pinned.tdb.pool.query('DROP INDEX carts_open_idx');
  await convertedWhileLateCartArrives(T + 30 * DAY);
  await closedBesideSameInstantCarts(T + 40 * DAY);
});
