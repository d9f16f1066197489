/**
 * EntityIndex against a Map of the same operations: keys crowded into one probe run (collisions), the
 * table growing past MAX_LOAD full and shrinking after a generous build, and deletions (backward shift) that
 * must leave every other key findable, in random orders.
 */
import { EntityIndex, homeOf, MAX_LOAD } from '../../exporter/src/collectors/entity-index';
import { mulberry32 } from '../../exporter/src/demo/random';

type Want = Map<string, { hi: number; lo: number; t: number }>;

/** The index holds exactly `want`: same size, and each key's latest time. */
function expectSame(index: EntityIndex, want: Want): void {
  expect(index.size).toBe(want.size);
  for (const [k, w] of want) {
    const slot = index.find(w.hi, w.lo);
    // Plain checks (expect() per key would dominate the test's time).
    if (slot < 0) throw new Error(`key ${k} lost`);
    if (index.tAt(slot) !== w.t) throw new Error(`key ${k}: ${index.tAt(slot)}, want ${w.t}`);
  }
}

/** `n` keys whose home slot in a table of `capacity` is the same (one probe run). */
function sameHome(capacity: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  const home = homeOf(0, 1, capacity);
  for (let lo = 1; out.length < n; lo++) if (homeOf(7, lo, capacity) === home) out.push([7, lo]);
  return out;
}

test('keys of one probe run: each found, kept at its latest fact, and still found after others of the run are deleted', () => {
  const index = new EntityIndex();
  expect(index.capacity).toBe(16);
  const keys = sameHome(16, 8);
  const want: Want = new Map();
  keys.forEach(([hi, lo], i) => {
    index.setIfLater(hi, lo, 100 + i);
    want.set(`${hi}:${lo}`, { hi, lo, t: 100 + i });
  });
  // An earlier fact does not replace the latest; a later one does.
  index.setIfLater(7, keys[2]![1], 50);
  index.setIfLater(7, keys[3]![1], 150);
  want.get(`7:${keys[3]![1]}`)!.t = 150;
  expect(index.capacity).toBe(16);
  expectSame(index, want);
  // Deleting from the start, the middle and the end of the run.
  for (const i of [0, 4, 7]) {
    const [hi, lo] = keys[i]!;
    const w = want.get(`${hi}:${lo}`)!;
    expect(index.deleteIf(hi, lo, w.t - 1)).toBe(false); // not its latest fact: kept
    expect(index.deleteIf(hi, lo, w.t)).toBe(true);
    want.delete(`${hi}:${lo}`);
    expectSame(index, want);
  }
  expect(index.find(7, keys[0]![1])).toBe(-1);
});

test('int8 words: keys differing only in the high word are different entities', () => {
  const index = new EntityIndex();
  index.setIfLater(0, 5, 1);
  index.setIfLater(1, 5, 2);
  index.setIfLater(0xffffffff, 5, 3);
  expect(index.size).toBe(3);
  expect(index.tAt(index.find(1, 5))).toBe(2);
  expect(index.tAt(index.find(0xffffffff, 5))).toBe(3);
});

test('a build sized for more entities than it holds shrinks to fit, every key kept', () => {
  const index = new EntityIndex(100_000);
  const want: Want = new Map();
  for (let lo = 0; lo < 1000; lo++) {
    index.setIfLater(0, lo, lo);
    want.set(`0:${lo}`, { hi: 0, lo, t: lo });
  }
  expect(index.capacity).toBeGreaterThan(100_000);
  index.compact();
  expect(index.capacity).toBeLessThan(1500);
  expectSame(index, want);
});

test.each([1, 2, 3])('random upserts and deletes (seed %i) equal a Map, through growth from 16 slots', (seed) => {
  const r = mulberry32(seed);
  const index = new EntityIndex();
  const want: Want = new Map();
  let grown = 0;
  let capacity = index.capacity;
  for (let op = 0; op < 60_000; op++) {
    // A key space that fills well past several growths, high words included.
    const hi = r() < 0.2 ? Math.floor(r() * 4) : 0;
    const lo = Math.floor(r() * 6000);
    const k = `${hi}:${lo}`;
    const w = want.get(k);
    if (w && r() < 0.3) {
      expect(index.deleteIf(hi, lo, w.t)).toBe(true);
      want.delete(k);
    } else {
      const t = Math.floor(r() * 1000);
      index.setIfLater(hi, lo, t);
      if (!w || t > w.t) want.set(k, { hi, lo, t });
    }
    if (index.size !== want.size || index.size > index.capacity * MAX_LOAD)
      throw new Error(`op ${op}: ${index.size} keys, want ${want.size}`);
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
