import { BlockSums, FactStore, type FactRow } from '../../exporter/src/collectors/window-facts';

/** Deterministic generator, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Col = 'v' | 'next';
type Row = FactRow<Col>;
const KINDS = { v: 'u8', next: 'f64' } as const;

/** The plain model: an array of rows kept sorted by (t, id). */
function modelUpsert(rows: Row[], r: Row): void {
  let i = rows.length;
  while (i > 0 && (rows[i - 1]!.t > r.t || (rows[i - 1]!.t === r.t && rows[i - 1]!.id > r.id))) i--;
  if (i > 0 && rows[i - 1]!.t === r.t && rows[i - 1]!.id === r.id) rows[i - 1] = { ...r };
  else rows.splice(i, 0, { ...r });
}

describe('FactStore and BlockSums', () => {
  test('upserts, patches, prunes and window sums match a plain sorted array across blocks, relayouts and clock moves', () => {
    const rand = rng(7);
    // Small initial capacity: growth and reclaiming pruned rows both happen several times.
    const store = new FactStore<Col>(KINDS, 8);
    const model: Row[] = [];
    // acc[0]: facts with v = 1; acc[1]: facts whose `next` is after now (the active-users rule).
    const sums = new BlockSums<Col>(2);
    let now = 1_000_000;
    let nextId = 1;
    let largest = 0;
    for (let step = 0; step < 400; step++) {
      const op = rand();
      if (op < 0.55) {
        // A burst of new facts, mostly at the end, some in the past (late commits).
        for (let k = 0, m = 1 + Math.floor(rand() * 200); k < m; k++) {
          const t = now - Math.floor(rand() * (rand() < 0.8 ? 50 : 20_000));
          const next = rand() < 0.5 ? Infinity : now + Math.floor(rand() * 3_000) - 1_000;
          const r: Row = { t, id: nextId++, v: Math.floor(rand() * 3), next };
          store.upsert(r);
          modelUpsert(model, r);
        }
      } else if (op < 0.75 && model.length > 0) {
        // Re-read of an existing fact with new columns, and a patch of another one.
        const a = model[Math.floor(rand() * model.length)]!;
        const r: Row = { ...a, v: Math.floor(rand() * 3) };
        store.upsert(r);
        modelUpsert(model, r);
        const b = model[Math.floor(rand() * model.length)]!;
        const value = now + Math.floor(rand() * 2_000) - 1_000;
        store.patch({ t: b.t, id: b.id, col: 'next', value });
        b.next = value;
        // Lookups by (t, id): a held fact's column, nothing for an id it does not hold at that time.
        expect([store.get(b.t, b.id, 'next'), store.get(a.t, a.id, 'v')]).toEqual([value, r.v]);
        expect(store.get(b.t, nextId, 'v')).toBeUndefined();
      } else if (op < 0.9) {
        const minT = now - 15_000;
        store.pruneThrough(minT);
        model.splice(0, model.filter((r) => r.t <= minT).length);
      } else {
        now += Math.floor(rand() * 1_500);
      }
      // Clock sometimes read slightly earlier than the last evaluation (another collector's cycle).
      const at = now - (rand() < 0.1 ? Math.floor(rand() * 500) : 0);
      const view = store.view();
      expect(view.n).toBe(model.length);
      expect(
        model.findIndex((r, i) => r.t !== view.t[i] || r.id !== view.id[i] || r.v !== view.cols.v[i] || r.next !== view.cols.next[i]),
      ).toBe(-1);
      largest = Math.max(largest, model.length);
      const add = (acc: Float64Array, i: number, nowUs: number) => {
        if (view.cols.v[i] === 1) acc[0] += 1;
        const next = view.cols.next[i]!;
        if (next <= nowUs) return Infinity;
        acc[1] += 1;
        return next;
      };
      for (let q = 0; q < 3; q++) {
        const a = Math.floor(rand() * (model.length + 1));
        const b = a + Math.floor(rand() * (model.length - a + 1));
        const got = sums.sum(store, a, b, at, new Float64Array(2), add);
        const slice = model.slice(a, b);
        expect([got[0], got[1]]).toEqual([slice.filter((r) => r.v === 1).length, slice.filter((r) => r.next > at).length]);
      }
    }
    // Windows spanned several whole blocks of 4,096 facts, not only edges.
    expect(largest).toBeGreaterThan(3 * 4096);
    // The state file round trip keeps the facts exactly (the pruned prefix is not written).
    const { n, sections } = store.dump();
    /** A store being restored, its targets filled with the dumped bytes (as the state file reader does). */
    const filled = () => {
      const r = FactStore.restoring(KINDS, n);
      for (const [k, a] of sections.entries()) r.targets[k]!.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return r;
    };
    const back = filled().finish().view();
    // Bytes that pass the checksum but are not in (t, id) order are refused, not served.
    const bad = filled();
    new Float64Array(bad.targets[0]!.buffer, 0, n).reverse();
    expect(() => bad.finish()).toThrow('facts are not sorted');
    expect(Array.from(back.t)).toEqual(model.map((r) => r.t));
    expect(Array.from(back.cols.next)).toEqual(model.map((r) => r.next));
  });
});

describe('FactStore room', () => {
  const BYTES_PER_FACT = 8 + 8 + 1 + 8; // t, id, v (u8), next (f64)

  test('a build that announces its count allocates once, and a steady stream of prunes and appends reuses the arrays', () => {
    const store = new FactStore<Col>(KINDS);
    store.reserve(10_000);
    const sized = store.bytes();
    expect(sized).toBe((10_000 + 1_250) * BYTES_PER_FACT);
    let t = 0;
    for (; t < 10_000; t++) store.upsert({ t, id: t, v: 1, next: Infinity });
    expect(store.bytes()).toBe(sized);
    // Later traffic: as many facts left the window as arrived, and the room stayed the same.
    const sizes = new Set<number>();
    for (; t < 60_000; t++) {
      store.upsert({ t, id: t, v: 1, next: Infinity });
      store.pruneThrough(t - 10_000);
      sizes.add(store.bytes());
    }
    expect([...sizes]).toEqual([sized]);
    const { n, t: times } = store.view();
    expect(n).toBe(10_000);
    expect([times[0], times[n - 1]]).toEqual([50_000, 59_999]);
  });

  test('a store that grows without a count keeps at most an eighth spare, not double', () => {
    const store = new FactStore<Col>(KINDS);
    let over = 0;
    for (let t = 0; t < 100_000; t++) {
      store.upsert({ t, id: t, v: 0, next: t });
      if (store.bytes() > (store.size + Math.max(1024, store.size >> 3)) * BYTES_PER_FACT) over += 1;
    }
    expect(over).toBe(0);
    expect(Array.from(store.view().cols.next.subarray(99_990))).toEqual([...Array(10).keys()].map((k) => 99_990 + k));
  });
});
