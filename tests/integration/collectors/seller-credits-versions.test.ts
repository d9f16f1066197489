/**
 * Seller credits kept in memory across cycles, reading only the sellers whose row changed (by row
 * version, and by updated_at): each cycle must equal a model of the table kept here in integer cents,
 * and the reference aggregate (SELLER_CREDITS_SQL) run on the same database, exactly.
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
import { observed, seriesOf, testConfig, valueOf } from '../../support/collect';
import { pinClock, type PinnedClock } from '../../support/pinned-clock';

const T0 = Date.UTC(2026, 0, 15, 12);

/** Row versions, named: the reference schema's trigger would make the default (auto) read by updated_at. */
const versionsConfig = (o: Record<string, unknown> = {}) =>
  testConfig({ ...o, collection: { settle_lag: 0, seller_changes: 'row_versions' } });
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

// Writes go through the pinned clock's pool: sellers.updated_at is stamped with its now().
async function add(s: Seller): Promise<number> {
  const { rows } = await clock.pool.query<{ id: number }>(
    `INSERT INTO sellers (applied_at, approved_at, churned_at, credits_total, credits_used)
     VALUES ($1, $2, $3, $4::numeric, $5::numeric) RETURNING id`,
    [ts(T0 - 100 * DAY), ts(s.approved), ts(s.churned), amount(s.total), amount(s.used)],
  );
  const id = rows[0]!.id;
  model.set(id, { ...s });
  return id;
}

async function setBalance(id: number, total: bigint, used: bigint, q: { query: typeof tdb.pool.query } = clock.pool) {
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

/** Seller rows the last cycle's queries returned (meta rows included). */
let rowsRead = 0;

/** `ratio` must be the one `c` was built with: a collector reads its thresholds when built. */
async function cycle(c: Collector, ratio = 0.1) {
  const config = versionsConfig({ thresholds: { low_seller_credit_ratio: ratio } });
  const ctrl = new AbortController();
  rowsRead = 0;
  const out = await withReadOnly(clock.pool, 30, ctrl.signal, (db) =>
    c.collect({
      db: observed(db, (sql, rows) => {
        if (/FROM sellers/.test(sql)) rowsRead += rows.length;
      }),
      config,
      log: createLogger('silent'),
      signal: ctrl.signal,
    }),
  );
  const credits = seriesOf(out, M.sellerCredits.name);
  return {
    total: credits['state=total'],
    used: credits['state=used'],
    low: valueOf(out, M.sellersLowCredit.name),
    unallocated: credits['state=unallocated'],
    ratio: valueOf(out, M.sellerCreditConsumptionRatio.name),
    stateBytes: valueOf(out, M.rollupStateBytes.name, { collector: c.name }),
    drift: valueOf(out, M.rollupDrift.name, { collector: c.name }),
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
  const c = sellerCredits(versionsConfig());
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
  const c = sellerCredits(versionsConfig());
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
  const c = sellerCredits(versionsConfig());
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
  const c = sellerCredits(versionsConfig({ thresholds: { low_seller_credit_ratio: Number(ratio) } }));
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
    const config = versionsConfig();
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
    const config = versionsConfig();
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
      const config = versionsConfig();
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
    const config = versionsConfig();
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

describe('by updated_at (collection.seller_changes: updated_at)', () => {
  const MIN = 60_000;
  const stamped = (collection: Record<string, unknown> = {}) =>
    sellerCredits(testConfig({ collection: { settle_lag: 0, seller_changes: 'updated_at', ...collection } }));

  afterEach(async () => {
    await tdb.pool.query('ALTER TABLE sellers ENABLE TRIGGER sellers_stamp_write');
  });

  test('balances updated and sellers inserted: exact every cycle, reading only the sellers written since the last read', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await add(live(BigInt(10_000 + i * 137), BigInt(i * 211))));
    const c = stamped();
    expect((await expectCycle(c)).stateBytes).toBeGreaterThanOrEqual(40 * 33);
    expect(rowsRead).toBe(41); // every seller and the meta row
    await clock.set(T0 + MIN);
    await expectCycle(c); // the sellers written at T0 are still at or after the last read's now()
    await clock.set(T0 + 2 * MIN);
    expect((await expectCycle(c)).drift).toBe(0);
    expect(rowsRead).toBe(1); // nothing written since T0 + 1 min

    for (const [k, id] of ids.slice(0, 3).entries()) {
      await setBalance(id, 10_000n, 9_900n + BigInt(k));
      model.set(id, { ...model.get(id)!, total: 10_000n, used: 9_900n + BigInt(k) });
    }
    await add(live(123_456n, 120_000n));
    await clock.set(T0 + 3 * MIN);
    const after = await expectCycle(c);
    expect(after.low).toBeGreaterThanOrEqual(4);
    expect(rowsRead).toBe(5); // the three updated, the one inserted, the meta row
    expect(after.drift).toBe(0);
  });

  test('a write committed within settle_lag of its stamp is read; the same write with settle_lag 0 waits for the full read', async () => {
    for (const lag of [120, 0]) {
      await tdb.pool.query('DELETE FROM sellers');
      model.clear();
      await clock.set(T0);
      const id = await add(live(10_000n, 0n));
      const c = stamped({ settle_lag: lag, full_refresh: '1h' });
      await expectCycle(c);
      await clock.set(T0 + MIN);
      const writer = await clock.pool.connect();
      try {
        await writer.query('BEGIN');
        await setBalance(id, 10_000n, 9_999n, writer); // stamped T0 + 1 min
        await clock.set(T0 + 2 * MIN);
        await expectCycle(c); // not committed yet: the old balance
        await writer.query('COMMIT');
      } finally {
        writer.release();
      }
      await clock.set(T0 + 3 * MIN);
      const got = await cycle(c);
      const stale = { total: 100, used: 0, low: 0 };
      model.set(id, { ...model.get(id)!, used: 9_999n });
      if (lag > 0) expect({ total: got.total, used: got.used, low: got.low }).toEqual(expected(clock.nowMs));
      else expect({ total: got.total, used: got.used, low: got.low }).toEqual(stale);
      // Past any phase of the first full read (0.5 to 1.5 full_refresh after the build): exact either way.
      await clock.set(T0 + 2 * 3_600_000);
      const full = await expectCycle(c);
      expect(full.drift).toBeCloseTo(lag > 0 ? 0 : 99.99 + 99.99 + 0.9999 + 1, 9);
    }
  });

  test('a write that kept updated_at and a deleted seller: stale, then exact at the full read, which publishes the drift', async () => {
    const keep = await add(live(10_000n, 1_000n));
    const gone = await add(live(5_000n, 4_900n)); // low credit
    await add(live(20_000n, 2_000n));
    const c = stamped({ full_refresh: '1h' });
    const first = await expectCycle(c);
    expect(first.low).toBe(1);

    await tdb.pool.query('ALTER TABLE sellers DISABLE TRIGGER sellers_stamp_write');
    await tdb.pool.query(`UPDATE sellers SET credits_used = 95, updated_at = $2 WHERE id = $1`, [keep, ts(T0 - DAY)]);
    await tdb.pool.query('DELETE FROM sellers WHERE id = $1', [gone]);
    await clock.set(T0 + MIN);
    const stale = await cycle(c);
    expect({ total: stale.total, used: stale.used, low: stale.low, drift: stale.drift }).toEqual({
      total: first.total,
      used: first.used,
      low: first.low,
      drift: 0,
    });

    model.set(keep, { ...model.get(keep)!, used: 9_500n });
    model.delete(gone);
    await clock.set(T0 + 2 * 3_600_000);
    const fresh = await expectCycle(c);
    expect(fresh.low).toBe(1); // the kept seller is now low, the deleted one is gone
    // Kept 350 / 79 / 271 / 1 low; read 300 / 115 / 185 / 1 low: |Δ| 50 + 36 + 86 + 0, and the ratio's.
    expect(fresh.drift).toBeCloseTo(50 + 36 + 86 + Math.abs(first.ratio! - fresh.ratio!), 9);
    await clock.set(T0 + 2 * 3_600_000 + MIN);
    expect((await expectCycle(c)).drift).toBe(fresh.drift); // published until the next full read
  });
  test('a VIEW with updated_at is read by it; a sellers without the column warns once and follows row versions', async () => {
    for (const shape of ['view', 'no column'] as const) {
      const vdb = await createTestDatabase();
      try {
        await vdb.pool.query(
          shape === 'view'
            ? 'ALTER TABLE sellers RENAME TO seller_rows; CREATE VIEW sellers AS SELECT * FROM seller_rows'
            : 'DROP TRIGGER sellers_stamp_write ON sellers; ALTER TABLE sellers DROP COLUMN updated_at',
        );
        const table = shape === 'view' ? 'seller_rows' : 'sellers';
        await vdb.pool.query(
          `INSERT INTO ${table} (applied_at, approved_at, credits_total, credits_used)
           VALUES (now() - interval '2 days', now() - interval '1 day', 100, 95), (now() - interval '2 days', now() - interval '1 day', 100, 10)`,
        );
        const { lines, log } = captureLogger();
        const config = testConfig({ collection: { settle_lag: 0, seller_changes: 'updated_at' } });
        const c = sellerCredits(config);
        const run = async () => {
          const ctrl = new AbortController();
          const out = await withReadOnly(vdb.pool, 30, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
          expect(valueOf(out, M.rollupStateBytes.name, { collector: c.name })).toBeGreaterThan(0); // held, either way
          return { used: valueOf(out, M.sellerCredits.name, { state: 'used' }), low: valueOf(out, M.sellersLowCredit.name) };
        };
        expect(await run()).toEqual({ used: 105, low: 1 });
        await vdb.pool.query(`UPDATE ${table} SET credits_used = 99 WHERE credits_used = 10`);
        expect(await run()).toEqual({ used: 194, low: 2 });
        expect(creditNotes(lines).map((l) => l.level)).toEqual(shape === 'view' ? [] : [40]);
      } finally {
        await vdb.drop();
      }
    }
  });
});

describe('collection.seller_changes: auto (the default)', () => {
  const byDefault = () => sellerCredits(testConfig());
  const choice = (lines: string[]) =>
    lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => /collection\.seller_changes: auto/.test(l.msg))
      .map((l) => ({ level: l.level, msg: l.msg.replace(/;.*\(/, '; … (') }));

  afterEach(async () => {
    await tdb.pool.query('ALTER TABLE sellers ENABLE TRIGGER sellers_stamp_write');
  });

  /** One cycle of `c` on tdb through the pinned clock, logging into `log`. */
  async function collectWith(c: Collector, log: ReturnType<typeof captureLogger>['log']) {
    const config = testConfig();
    const ctrl = new AbortController();
    return withReadOnly(clock.pool, 30, ctrl.signal, (db) => c.collect({ db, config, log, signal: ctrl.signal }));
  }

  /** Two live sellers, and a collector built with the default after its cycles at T0 and T0 + 1 min. */
  async function twoSellersTwoCycles() {
    const keep = await add(live(10_000n, 1_000n));
    await add(live(20_000n, 2_000n));
    const c = byDefault();
    const { lines, log } = captureLogger();
    await collectWith(c, log);
    await clock.set(T0 + 60_000);
    const before = await expectCycle(c);
    return { keep, c, lines, before };
  }

  test("with the reference schema's trigger: reads by updated_at (a write that kept it waits for the full read), and names the trigger once", async () => {
    const { keep, c, lines, before } = await twoSellersTwoCycles();
    // The mode was chosen on the first cycle; a write now bypasses the trigger. By row version it
    // would be read on the next cycle; by updated_at it is not, which shows the stamp is followed.
    await tdb.pool.query('ALTER TABLE sellers DISABLE TRIGGER sellers_stamp_write');
    await tdb.pool.query('UPDATE sellers SET credits_used = 9999.00 WHERE id = $1', [keep]);
    await clock.set(T0 + 2 * 60_000);
    const got = await cycle(c);
    expect({ used: got.used, low: got.low }).toEqual({ used: before.used, low: 0 });
    expect(choice(lines)).toEqual([
      { level: 30, msg: 'seller credits: trigger sellers_stamp_write keeps sellers.updated_at; … (collection.seller_changes: auto)' },
    ]);
  });

  test('with the trigger disabled, or a trigger that does not assign updated_at: row versions, so a write that kept updated_at is read on the next cycle', async () => {
    for (const shape of ['disabled', 'other trigger'] as const) {
      await tdb.pool.query('DELETE FROM sellers');
      model.clear();
      await clock.set(T0);
      if (shape === 'disabled') await tdb.pool.query('ALTER TABLE sellers DISABLE TRIGGER sellers_stamp_write');
      else
        await tdb.pool.query(`
          ALTER TABLE sellers DISABLE TRIGGER sellers_stamp_write;
          CREATE FUNCTION sellers_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
          CREATE TRIGGER sellers_audit BEFORE UPDATE ON sellers FOR EACH ROW EXECUTE FUNCTION sellers_audit()`);
      try {
        const { keep, c, lines } = await twoSellersTwoCycles();
        // A batch job's raw UPDATE, its updated_at as it was: only row versions see it.
        await tdb.pool.query('UPDATE sellers SET credits_used = 9999.00 WHERE id = $1', [keep]);
        model.set(keep, { ...model.get(keep)!, used: 999_900n });
        await clock.set(T0 + 2 * 60_000);
        expect((await expectCycle(c)).low).toBe(1);
        expect(choice(lines)).toEqual([
          { level: 30, msg: 'seller credits: no enabled trigger keeps sellers.updated_at; … (collection.seller_changes: auto)' },
        ]);
      } finally {
        if (shape === 'other trigger') await tdb.pool.query('DROP TRIGGER sellers_audit ON sellers; DROP FUNCTION sellers_audit()');
      }
    }
  });
});
