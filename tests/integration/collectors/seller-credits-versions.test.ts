/**
 * Seller credits kept in memory across cycles, reading only the sellers whose row changed: each cycle
 * must equal a model of the table kept here in integer cents, and the reference aggregate
 * (SELLER_CREDITS_SQL) run on the same database, exactly.
 */
import pg from 'pg';
import { M } from '../../../shared/catalogue';
import { SELLER_CREDITS_SQL } from '../../../exporter/src/collectors/seller-credits';
import { sellerCredits } from '../../../exporter/src/collectors/seller-credits';
import type { Collector } from '../../../exporter/src/collectors/types';
import { withReadOnly } from '../../../exporter/src/runtime/db';
import { createLogger } from '../../../exporter/src/runtime/logger';
import { captureLogger } from '../../support/log';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { seriesOf, testConfig, valueOf } from '../../support/collect';
import { pinClock, type PinnedClock } from '../../support/pinned-clock';

const T0 = Date.UTC(2026, 0, 15, 12);
const DAY = 86_400_000;

interface Seller {
  approved: number | null; // epoch ms
  churned: number | null;
  total: bigint; // cents
  used: bigint;
}

let tdb: TestDatabase;
let clock: PinnedClock;
const model = new Map<number, Seller>();
beforeAll(async () => {
  tdb = await createTestDatabase();
  clock = await pinClock(tdb, T0);
});
afterAll(async () => {
  await clock.end();
  await tdb.drop();
});
beforeEach(async () => {
  await tdb.pool.query('DELETE FROM sellers');
  model.clear();
  await clock.set(T0);
});

const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const amount = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;

async function add(s: Seller): Promise<number> {
  const { rows } = await tdb.pool.query<{ id: number }>(
    `INSERT INTO sellers (applied_at, approved_at, churned_at, credits_total, credits_used)
     VALUES ($1, $2, $3, $4::numeric, $5::numeric) RETURNING id`,
    [ts(T0 - 100 * DAY), ts(s.approved), ts(s.churned), amount(s.total), amount(s.used)],
  );
  const id = rows[0]!.id;
  model.set(id, { ...s });
  return id;
}

async function setBalance(id: number, total: bigint, used: bigint, q: { query: typeof tdb.pool.query } = tdb.pool) {
  await q.query('UPDATE sellers SET credits_total = $2::numeric, credits_used = $3::numeric WHERE id = $1', [
    id,
    amount(total),
    amount(used),
  ]);
}

/** Ground truth from the model: live at nowMs, sums in cents, low credit with the ratio as an exact decimal. */
function expected(nowMs: number, ratio = '0.1') {
  const [int, frac = ''] = ratio.split('.');
  const den = 10n ** BigInt(frac.length);
  const num = BigInt(int + frac);
  let total = 0n;
  let used = 0n;
  let low = 0;
  for (const s of model.values()) {
    if (s.approved === null || s.approved > nowMs || (s.churned !== null && s.churned <= nowMs)) continue;
    total += s.total;
    used += s.used;
    if (s.total > 0n && (s.total - s.used) * den < num * s.total) low++;
  }
  return { total: Number(`${total}e-2`), used: Number(`${used}e-2`), low };
}

/** `ratio` must be the one `c` was built with: a collector reads its thresholds when built. */
async function cycle(c: Collector, ratio = 0.1) {
  const config = testConfig({ thresholds: { low_seller_credit_ratio: ratio } });
  const ctrl = new AbortController();
  const out = await withReadOnly(clock.pool, 30, ctrl.signal, (db) =>
    c.collect({ db, config, log: createLogger('silent'), signal: ctrl.signal }),
  );
  const credits = seriesOf(out, M.sellerCredits.name);
  return {
    total: credits['state=total'],
    used: credits['state=used'],
    low: valueOf(out, M.sellersLowCredit.name),
    unallocated: credits['state=unallocated'],
    ratio: valueOf(out, M.sellerCreditConsumptionRatio.name),
    stateBytes: valueOf(out, M.rollupStateBytes.name, { collector: c.name }),
  };
}

/** The reference aggregate, on the same pinned clock. */
async function reference(ratio = 0.1) {
  const { rows } = await clock.pool.query(SELLER_CREDITS_SQL, [ratio]);
  const r = rows[0] as { total: number; used: number; low: number };
  return { total: Number(r.total), used: Number(r.used), low: Number(r.low) };
}

async function expectCycle(c: Collector, ratio = '0.1') {
  const got = await cycle(c, Number(ratio));
  const want = expected(clock.nowMs, ratio);
  expect({ total: got.total, used: got.used, low: got.low }).toEqual(want);
  expect({ total: got.total, used: got.used, low: got.low }).toEqual(await reference(Number(ratio)));
  expect(got.unallocated).toBe(want.total - want.used);
  expect(got.ratio).toBe(want.total > 0 ? want.used / want.total : 0);
  return got;
}

const live = (total: bigint, used: bigint): Seller => ({ approved: T0 - 50 * DAY, churned: null, total, used });

test('balances updated, sellers inserted and deleted between cycles: every cycle equals the table', async () => {
  const ids: number[] = [];
  for (let i = 0; i < 40; i++) ids.push(await add(live(BigInt(10_000 + i * 137), BigInt(i * 211))));
  const c = sellerCredits(testConfig());
  // Five columns of at least 40 sellers: 4 doubles and a byte each.
  expect((await expectCycle(c)).stateBytes).toBeGreaterThanOrEqual(40 * 33);

  // Balances change in place: some become low, some stop being low.
  for (const [k, id] of ids.slice(0, 10).entries()) {
    const total = 10_000n + BigInt(k);
    const used = k % 2 === 0 ? 9_500n : 100n;
    await setBalance(id, total, used);
    model.set(id, { ...model.get(id)!, total, used });
  }
  const afterUpdate = await expectCycle(c);
  expect(afterUpdate.low).toBeGreaterThan(0);

  // A seller inserted.
  await add(live(123_456n, 120_000n));
  await expectCycle(c);

  // A seller deleted (the cache is then larger than the table: a full read).
  await tdb.pool.query('DELETE FROM sellers WHERE id = $1', [ids[3]]);
  model.delete(ids[3]!);
  await expectCycle(c);

  // Deleted and inserted in the same interval: the count alone would not tell.
  await tdb.pool.query('DELETE FROM sellers WHERE id = $1', [ids[4]]);
  model.delete(ids[4]!);
  await add(live(7n, 7n));
  await expectCycle(c);

  // Nothing changed: the same values again.
  await expectCycle(c);
});

test('a churn date in the future passes, and an approval date arrives, with no row changing', async () => {
  await add({ approved: T0 - DAY, churned: T0 + DAY, total: 50_000n, used: 49_000n }); // low, churns tomorrow
  await add({ approved: T0 + 2 * DAY, churned: null, total: 70_000n, used: 1n }); // approved in two days
  await add(live(10_000n, 5_000n));
  const c = sellerCredits(testConfig());
  const first = await expectCycle(c);
  expect(first.low).toBe(1);

  await clock.set(T0 + DAY); // churned_at = now(): no longer live
  const churned = await expectCycle(c);
  expect(churned.low).toBe(0);
  expect(churned.total).toBe(100);

  await clock.set(T0 + 2 * DAY); // approved_at = now(): live
  expect((await expectCycle(c)).total).toBe(800);
});

test('an update committed by a transaction that was open during the previous read is picked up', async () => {
  const id = await add(live(10_000n, 0n));
  const other = await add(live(20_000n, 1_000n));
  const c = sellerCredits(testConfig());
  await expectCycle(c);

  const writer = await tdb.pool.connect();
  try {
    await writer.query('BEGIN');
    await setBalance(id, 10_000n, 9_999n, writer);
    // A later transaction commits first, so the read's snapshot xmax lies past the open writer's xid:
    // only the snapshot's xmin still covers it.
    await setBalance(other, 20_000n, 2_000n);
    model.set(other, { ...model.get(other)!, used: 2_000n });
    await expectCycle(c); // not committed yet: the old balance
    await writer.query('COMMIT');
  } finally {
    writer.release();
  }
  model.set(id, { ...model.get(id)!, used: 9_999n });
  const after = await expectCycle(c);
  expect(after.low).toBe(1);
});

test('sums beyond 2^53 cents and a ratio with many digits stay exact', async () => {
  const max = 99_999_999_999_999n; // numeric(14, 2) at its largest
  for (let i = 0; i < 100; i++) await add(live(max - BigInt(i), max - BigInt(i * 7_777_777)));
  const ratio = '0.0000000777777'; // String(Number(ratio)) is '7.77777e-8'
  const c = sellerCredits(testConfig({ thresholds: { low_seller_credit_ratio: Number(ratio) } }));
  const got = await expectCycle(c, ratio);
  expect(got.total! * 100).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
  expect(got.low).toBeGreaterThan(0);
  expect(got.low).toBeLessThan(100);
});

/** The collector's own log lines (JSON-parsed) among those a captured logger kept. */
const creditNotes = (lines: string[]): { level: number; msg: string }[] =>
  lines.map((l) => JSON.parse(l)).filter((l) => /seller credits/.test(l.msg));

test('a VIEW named sellers has no row versions: every cycle aggregates, and says so once at info', async () => {
  const vdb = await createTestDatabase();
  try {
    await vdb.pool.query(`ALTER TABLE sellers RENAME TO seller_rows; CREATE VIEW sellers AS SELECT * FROM seller_rows`);
    await vdb.pool.query(
      `INSERT INTO seller_rows (applied_at, approved_at, credits_total, credits_used)
       VALUES (now() - interval '2 days', now() - interval '1 day', 100, 95), (now() - interval '2 days', now() - interval '1 day', 100, 10)`,
    );
    const { lines, log } = captureLogger();
    const config = testConfig();
    const c = sellerCredits(config);
    const run = async () => {
      const ctrl = new AbortController();
      const out = await withReadOnly(vdb.pool, 30, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
      expect(valueOf(out, M.rollupStateBytes.name, { collector: c.name })).toBe(0); // nothing held
      return { total: valueOf(out, M.sellerCredits.name, { state: 'total' }), low: valueOf(out, M.sellersLowCredit.name) };
    };
    expect(await run()).toEqual({ total: 200, low: 1 });
    await vdb.pool.query(`UPDATE seller_rows SET credits_used = 99 WHERE credits_used = 10`);
    expect(await run()).toEqual({ total: 200, low: 2 });
    const notes = creditNotes(lines);
    expect(notes.map((l) => l.level)).toEqual([30]); // one line, at info
  } finally {
    await vdb.drop();
  }
});

test('a partitioned sellers table follows row versions too', async () => {
  const pdb = await createTestDatabase();
  try {
    await pdb.pool.query(`
      ALTER TABLE sellers RENAME TO seller_rows;
      CREATE TABLE sellers (LIKE seller_rows INCLUDING DEFAULTS) PARTITION BY RANGE (id);
      CREATE TABLE sellers_low PARTITION OF sellers FOR VALUES FROM (0) TO (100);
      CREATE TABLE sellers_high PARTITION OF sellers FOR VALUES FROM (100) TO (MAXVALUE);
      INSERT INTO sellers (id, applied_at, approved_at, credits_total, credits_used)
      VALUES (1, now() - interval '2 days', now() - interval '1 day', 100, 10),
             (200, now() - interval '2 days', now() - interval '1 day', 100, 20)`);
    const { lines, log } = captureLogger();
    const config = testConfig();
    const c = sellerCredits(config);
    const run = async () => {
      const ctrl = new AbortController();
      const out = await withReadOnly(pdb.pool, 30, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
      return {
        used: valueOf(out, M.sellerCredits.name, { state: 'used' }),
        low: valueOf(out, M.sellersLowCredit.name),
        held: valueOf(out, M.rollupStateBytes.name, { collector: c.name })! > 0,
      };
    };
    expect(await run()).toEqual({ used: 30, low: 0, held: true });
    await pdb.pool.query(`UPDATE sellers SET credits_used = 95 WHERE id = 200`);
    expect(await run()).toEqual({ used: 105, low: 1, held: true });
    expect(creditNotes(lines)).toEqual([]);
  } finally {
    await pdb.drop();
  }
});

test('a server whose row-version read fails: one warning, and the aggregate from then on, in the same cycle', async () => {
  const bdb = await createTestDatabase();
  try {
    // A pg_current_snapshot() that raises, found before pg_catalog's.
    await bdb.pool.query(`
      CREATE SCHEMA no_snapshots;
      CREATE FUNCTION no_snapshots.pg_current_snapshot() RETURNS pg_snapshot LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'snapshots are not available here'; END $$;
      ALTER DATABASE ${bdb.name} SET search_path = no_snapshots, pg_catalog, public;
      INSERT INTO sellers (applied_at, approved_at, credits_total, credits_used)
      VALUES (now() - interval '2 days', now() - interval '1 day', 100, 95)`);
    const pool = new pg.Pool({ connectionString: bdb.url, max: 1 });
    try {
      const { lines, log } = captureLogger();
      const config = testConfig();
      const c = sellerCredits(config);
      for (let i = 0; i < 2; i++) {
        const ctrl = new AbortController();
        const out = await withReadOnly(pool, 30, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
        expect(valueOf(out, M.sellerCredits.name, { state: 'used' })).toBe(95);
        expect(valueOf(out, M.sellersLowCredit.name)).toBe(1);
      }
      expect(creditNotes(lines).map((l) => l.level)).toEqual([40]); // one warning
    } finally {
      await pool.end();
    }
  } finally {
    await bdb.drop();
  }
});

test('seller ids that repeat (partitions without a common key) fall back to the aggregate', async () => {
  const pdb = await createTestDatabase();
  try {
    await pdb.pool.query(`
      ALTER TABLE sellers RENAME TO seller_rows;
      CREATE TABLE sellers (LIKE seller_rows INCLUDING DEFAULTS) PARTITION BY LIST (credits_total);
      CREATE TABLE sellers_a PARTITION OF sellers FOR VALUES IN (100);
      CREATE TABLE sellers_b PARTITION OF sellers DEFAULT;
      INSERT INTO sellers (id, applied_at, approved_at, credits_total, credits_used)
      VALUES (1, now() - interval '2 days', now() - interval '1 day', 100, 95),
             (1, now() - interval '2 days', now() - interval '1 day', 200, 20)`);
    const { lines, log } = captureLogger();
    const config = testConfig();
    const c = sellerCredits(config);
    const ctrl = new AbortController();
    const out = await withReadOnly(pdb.pool, 30, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
    expect(seriesOf(out, M.sellerCredits.name)).toEqual({ 'state=total': 300, 'state=used': 115, 'state=unallocated': 185 });
    expect(valueOf(out, M.sellersLowCredit.name)).toBe(1);
    expect(creditNotes(lines).map((l) => l.level)).toEqual([40]);
  } finally {
    await pdb.drop();
  }
});
