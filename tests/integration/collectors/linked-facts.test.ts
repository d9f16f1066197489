/**
 * The incremental reads of linked facts against neighbours computed here from the inserted rows: next
 * and previous row of the same entity in (time, id) order and the entity's first row, with ties in time
 * broken by id both ways, entities whose first row is in the range, and rows outside the range on either
 * side. Each case is read twice: by the exporter's read (readLinked: the range without probes, previous
 * rows from the same read or, with no entity index here, from linkedPrevSql), and by the reference that
 * probes every row in SQL (tests/support/reference/linked-changed.ts). A row whose next one is read in
 * the same range gets its `next_t` from that row's patch (prevPatch), as the engine applies it after the
 * rows; `first_t` comes from the read, from the facts held so far, or from a probe (queryLinked), and
 * is the same each way.
 */
import { SIGNED_IN_SESSIONS } from '../../../exporter/src/collectors/active-users';
import { VISITOR_FIRST_SQL, VISITOR_SESSIONS } from '../../../exporter/src/collectors/visitors';
import { type FactPatch, FactStore, type LinkedRows, prevPatch, readLinked } from '../../../exporter/src/collectors/window-facts';
import type { Db } from '../../../exporter/src/runtime/db';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { linkedChangedSql, queryLinked } from '../../support/reference/linked-changed';

let tdb: TestDatabase;
beforeAll(async () => (tdb = await createTestDatabase()));
afterAll(() => tdb.drop());

// A pinned instant: every row's time is an offset in seconds from it.
const BASE_US = Date.UTC(2026, 0, 10) * 1000;
const US = 1_000_000;
const at = (s: number) => new Date((BASE_US + s * US) / 1000).toISOString();

/** [id, visitor, user (0: anonymous), offset s]; ids chosen so that time order and id order disagree. */
const ROWS: [number, string, number, number][] = [
  [10, 'a', 1, -500], // before the range
  [11, 'a', 1, 10], // tie with 12 and 5 at 10 s
  [12, 'a', 1, 10],
  [5, 'a', 1, 10],
  [13, 'a', 1, 50],
  [14, 'a', 1, 500], // after the range: the next of 13
  [20, 'b', 0, 20], // first and only row in the range
  [3, 'c', 2, 30], // first row of c is in the range, ahead of its smaller id
  [21, 'c', 2, 30],
  [22, 'c', 0, 40],
  [4, 'd', 2, -5000], // user 2's first row, another visitor
  [23, 'd', 3, 60], // exactly at the range end
  [24, 'd', 3, 61], // just after it
];
const FROM = 0;
const TO = 60;

type Linked = { id: number; t: number; next_t: number | null; prev_id: number | null; prev_t: number | null; first_t?: number };

/** Ground truth: neighbours in (time, id) order among the rows sharing `keyOf`. */
function expected(keyOf: (r: (typeof ROWS)[number]) => string | null, withFirst: boolean): Linked[] {
  const out: Linked[] = [];
  for (const r of ROWS) {
    const key = keyOf(r);
    if (key === null || !(r[3] > FROM && r[3] <= TO)) continue;
    const same = ROWS.filter((o) => keyOf(o) === key).sort((x, y) => x[3] - y[3] || x[0] - y[0]);
    const i = same.indexOf(r);
    const us = (s: number) => BASE_US + s * US;
    const next = same[i + 1];
    const prev = same[i - 1];
    out.push({
      id: r[0],
      t: us(r[3]),
      next_t: next ? us(next[3]) : null,
      prev_id: prev ? prev[0] : null,
      prev_t: prev ? us(prev[3]) : null,
      ...(withFirst ? { first_t: us(Math.min(...same.map((o) => o[3]))) } : {}),
    });
  }
  return out.sort((x, y) => x.id - y.id);
}

const VISITOR_SESSIONS_SQL = linkedChangedSql(VISITOR_SESSIONS);
const SIGNED_IN_SESSIONS_SQL = linkedChangedSql(SIGNED_IN_SESSIONS);

/** Read rows in id order, each patched by its next row's patch as the engine does; with `withFirst`, their `first_t`. */
function linked(rows: Record<string, unknown>[], patches: FactPatch<'next'>[], withFirst: boolean): Linked[] {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const out = rows
    .map((r) => ({
      id: Number(r.id),
      t: Number(r.t),
      next_t: num(r.next_t),
      prev_id: num(r.prev_id),
      prev_t: num(r.prev_t),
      ...(withFirst ? { first_t: Number(r.first_t) } : {}),
    }))
    .sort((x, y) => x.id - y.id);
  for (const p of patches) {
    const target = out.find((o) => o.id === p.id && o.t === p.t);
    if (target) target.next_t = p.value;
  }
  return out;
}

/** The rows of ($FROM, $TO] through the reference SQL, patched. */
async function read(sql: string, withFirst: boolean): Promise<Linked[]> {
  // With first, $3 (minT) before every row: first_t is left to queryLinked, tested below.
  const params = withFirst ? [at(FROM), at(TO), at(-1e6)] : [at(FROM), at(TO)];
  const { rows } = await tdb.pool.query(sql, params);
  return linked(
    rows,
    rows.flatMap((r) => prevPatch(r, 'next')),
    false,
  );
}

type Col = 'next' | 'first';
const db: Db = { query: async (text, params) => (await tdb.pool.query(text, params as unknown[])).rows };

/**
 * The rows of ($FROM, $TO] through the exporter's read (readLinked, no entity index: a row without a
 * previous one in the read is probed by linkedPrevSql) with its patches; with `first`, minT before every
 * row, so the first row comes from the probe or from the previous row in the read.
 */
async function readByExporter(o: LinkedRows): Promise<Linked[]> {
  const raw: Record<string, unknown>[] = [];
  const toFact = (r: Record<string, unknown>) => {
    raw.push(r);
    return { id: Number(r.id), t: Number(r.t), next: 0, first: 0 };
  };
  const read = readLinked<Col>(o, toFact, 'next', o.first ? 'first' : undefined);
  const { patches = [] } = await read(db, BASE_US + FROM * US, BASE_US + TO * US, BASE_US - 1e6 * US);
  return linked(raw, patches as FactPatch<'next'>[], o.first);
}

beforeAll(async () => {
  const users = [...new Set(ROWS.map((r) => r[2]).filter((u) => u > 0))];
  await tdb.pool.query(`INSERT INTO users (id, created_at) SELECT u, $2 FROM unnest($1::int8[]) u`, [users, at(-10_000)]);
  await tdb.pool.query(
    `INSERT INTO sessions (id, visitor_id, user_id, platform, channel, started_at)
     SELECT id, v, nullif(u, 0), 'web', 'direct', $5::timestamptz + make_interval(secs => s)
       FROM unnest($1::int8[], $2::text[], $3::int8[], $4::float8[]) AS x(id, v, u, s)`,
    [ROWS.map((r) => r[0]), ROWS.map((r) => r[1]), ROWS.map((r) => r[2]), ROWS.map((r) => r[3]), at(0)],
  );
});

test('visitor sessions: next, previous and first session per visitor, ties broken by id', async () => {
  const want = expected((r) => r[1], true);
  expect(want.some((w) => w.prev_id === null)).toBe(true); // the "first row without a probe" case is covered
  expect(await read(VISITOR_SESSIONS_SQL, true)).toEqual(want.map(({ first_t, ...w }) => w));
  expect(await readByExporter(VISITOR_SESSIONS)).toEqual(want);
});

/** Visitor facts of the range through queryLinked: (id, first) in id order. */
async function firsts(minTUs: number, store?: FactStore<Col>): Promise<{ id: number; first: number }[]> {
  const toFact = (r: Record<string, unknown>) => ({ id: Number(r.id), t: Number(r.t), next: 0, first: Number(r.first_t) });
  const fromUs = BASE_US + FROM * US;
  const toUs = BASE_US + TO * US;
  const { rows } = await queryLinked<Col>(db, VISITOR_SESSIONS_SQL, fromUs, toUs, toFact, 'next', {
    col: 'first',
    minTUs,
    store,
    byIdSql: VISITOR_FIRST_SQL,
  });
  return rows.map((r) => ({ id: r.id, first: r.first })).sort((a, b) => a.id - b.id);
}

test('visitor sessions: the first session is the same from a probe, from the facts held and from the same read', async () => {
  const want = expected((r) => r[1], true).map((w) => ({ id: w.id, first: w.first_t! }));
  // Row 10 (visitor a, -500 s) older than the oldest fact: probed in SQL.
  expect(await firsts(BASE_US - 400 * US)).toEqual(want);
  // Row 10 after it but not held (committed late): probed by id.
  expect(await firsts(BASE_US - 1000 * US)).toEqual(want);
  // Row 10 held, with the first its own read gave it: copied, with no probe.
  const store = new FactStore<Col>({ next: 'f64', first: 'f64' });
  store.upsert({ t: BASE_US - 500 * US, id: 10, next: 0, first: BASE_US - 500 * US });
  expect(await firsts(BASE_US - 1000 * US, store)).toEqual(want);
  // A held first is passed on as it is (a first load's lower bound stands for "before the window").
  store.upsert({ t: BASE_US - 500 * US, id: 10, next: 0, first: BASE_US - 900 * US });
  const copied = await firsts(BASE_US - 1000 * US, store);
  expect(copied.filter((r) => r.first === BASE_US - 900 * US).map((r) => r.id)).toEqual([5, 11, 12, 13]);
});

test('signed-in sessions: next and previous session per user, anonymous ones left out', async () => {
  const want = expected((r) => (r[2] > 0 ? String(r[2]) : null), false);
  expect(await read(SIGNED_IN_SESSIONS_SQL, false)).toEqual(want);
  expect(await readByExporter(SIGNED_IN_SESSIONS)).toEqual(want);
});

test('with more than a thousand rows after the range (a history replayed at a past instant) the read probes per entity, same neighbours', async () => {
  // 1,200 later sessions of another visitor (signed in as user 3), and one later session of visitor b,
  // whose row in the range now has a next one only the per-entity probe can find.
  const later: (typeof ROWS)[number][] = Array.from({ length: 1200 }, (_, i) => [100_000 + i, 'zz', 3, 1000 + i]);
  later.push([9000, 'b', 0, 700]);
  await tdb.pool.query(
    `INSERT INTO sessions (id, visitor_id, user_id, platform, channel, started_at)
     SELECT id, v, nullif(u, 0), 'web', 'direct', $5::timestamptz + make_interval(secs => s)
       FROM unnest($1::int8[], $2::text[], $3::int8[], $4::float8[]) AS x(id, v, u, s)`,
    [later.map((r) => r[0]), later.map((r) => r[1]), later.map((r) => r[2]), later.map((r) => r[3]), at(0)],
  );
  ROWS.push(...later);
  try {
    const visitors = expected((r) => r[1], true);
    expect(visitors.find((w) => w.id === 20)?.next_t).toBe(BASE_US + 700 * US);
    expect(await read(VISITOR_SESSIONS_SQL, true)).toEqual(visitors.map(({ first_t, ...w }) => w));
    expect(await readByExporter(VISITOR_SESSIONS)).toEqual(visitors);
    const users = expected((r) => (r[2] > 0 ? String(r[2]) : null), false);
    expect(await read(SIGNED_IN_SESSIONS_SQL, false)).toEqual(users);
    expect(await readByExporter(SIGNED_IN_SESSIONS)).toEqual(users);
  } finally {
    ROWS.splice(ROWS.length - later.length);
    await tdb.pool.query(`DELETE FROM sessions WHERE id = ANY($1::int8[])`, [later.map((r) => r[0])]);
  }
});
