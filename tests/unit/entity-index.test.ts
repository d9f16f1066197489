/**
 * EntityIndex against a Map of the same operations: keys crowded into one probe run (collisions), the
 * table doubling past 3/4 full, and deletions (backward shift) that must leave every other key
 * findable, in random orders.
 */
import { EntityIndex, mix } from '../../exporter/src/collectors/entity-index';
import { mulberry32 } from '../../exporter/src/demo/random';

type Latest = { t: number; id: number };
const later = (a: Latest, b: Latest) => a.t > b.t || (a.t === b.t && a.id > b.id);

/** The index holds exactly `want`: same size, and each key's (t, id). */
function expectSame(index: EntityIndex, want: Map<string, Latest & { hi: number; lo: number }>): void {
  expect(index.size).toBe(want.size);
  for (const [k, w] of want) {
    const slot = index.find(w.hi, w.lo);
    if (slot < 0) throw new Error(`key ${k} lost`);
    if (index.tAt(slot) !== w.t || index.idAt(slot) !== w.id)
      throw new Error(`key ${k}: (${index.tAt(slot)}, ${index.idAt(slot)}), want (${w.t}, ${w.id})`);
  }
}

/** `n` keys whose home slot in a table of `capacity` is the same (one probe run). */
function sameHome(capacity: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  const home = mix(0, 1) & (capacity - 1);
  for (let lo = 1; out.length < n; lo++) if ((mix(7, lo) & (capacity - 1)) === home) out.push([7, lo]);
  return out;
}

test('keys of one probe run: each found, kept at its latest fact, and still found after others of the run are deleted', () => {
  const index = new EntityIndex();
  expect(index.capacity).toBe(16);
  const keys = sameHome(16, 8);
  const want = new Map<string, Latest & { hi: number; lo: number }>();
  keys.forEach(([hi, lo], i) => {
    index.setIfLater(hi, lo, 100 + i, i);
    want.set(`${hi}:${lo}`, { hi, lo, t: 100 + i, id: i });
  });
  // Earlier facts do not replace the latest; a later one (same time, larger id) does.
  index.setIfLater(7, keys[2]![1], 50, 99);
  index.setIfLater(7, keys[3]![1], 103, 4);
  want.get(`7:${keys[3]![1]}`)!.id = 4;
  expect(index.capacity).toBe(16);
  expectSame(index, want);
  // Deleting from the start, the middle and the end of the run.
  for (const i of [0, 4, 7]) {
    const [hi, lo] = keys[i]!;
    const w = want.get(`${hi}:${lo}`)!;
    expect(index.deleteIf(hi, lo, w.t + 1, w.id)).toBe(false); // not its latest fact: kept
    expect(index.deleteIf(hi, lo, w.t, w.id)).toBe(true);
    want.delete(`${hi}:${lo}`);
    expectSame(index, want);
  }
  expect(index.find(7, keys[0]![1])).toBe(-1);
});

test('int8 words: keys differing only in the high word are different entities', () => {
  const index = new EntityIndex();
  index.setIfLater(0, 5, 1, 1);
  index.setIfLater(1, 5, 2, 2);
  index.setIfLater(0xffffffff, 5, 3, 3);
  expect(index.size).toBe(3);
  expect(index.idAt(index.find(1, 5))).toBe(2);
  expect(index.idAt(index.find(0xffffffff, 5))).toBe(3);
});

test.each([1, 2, 3])('random upserts and deletes (seed %i) equal a Map, through growth from 16 slots', (seed) => {
  const r = mulberry32(seed);
  const index = new EntityIndex();
  const want = new Map<string, Latest & { hi: number; lo: number }>();
  let grown = 0;
  let capacity = index.capacity;
  for (let op = 0; op < 60_000; op++) {
    // A key space that fills well past several doublings, high words included.
    const hi = r() < 0.2 ? Math.floor(r() * 4) : 0;
    const lo = Math.floor(r() * 6000);
    const k = `${hi}:${lo}`;
    const w = want.get(k);
    if (w && r() < 0.3) {
      expect(index.deleteIf(hi, lo, w.t, w.id)).toBe(true);
      want.delete(k);
    } else {
      const fact = { t: Math.floor(r() * 1000), id: Math.floor(r() * 1e6) };
      index.setIfLater(hi, lo, fact.t, fact.id);
      if (!w || later(fact, w)) want.set(k, { hi, lo, ...fact });
    }
    // Plain checks per operation (expect() on each of 60,000 would dominate the test's time).
    if (index.size !== want.size || index.size > index.capacity * 0.75) throw new Error(`op ${op}: ${index.size} keys, want ${want.size}`);
    if (index.capacity !== capacity) {
      grown += 1;
      capacity = index.capacity;
      expectSame(index, want);
    }
    if (op % 5000 === 0) expectSame(index, want);
  }
  expect(grown).toBeGreaterThanOrEqual(5);
  expectSame(index, want);
  // Keys never inserted are not found.
  for (let lo = 6000; lo < 6100; lo++) expect(index.find(0, lo)).toBe(-1);
});
