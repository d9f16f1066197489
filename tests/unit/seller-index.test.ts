import { sellerIndex } from '../../exporter/src/collectors/sellers';

// Store positions of seller ids, whichever lookup the ids call for, equal a linear search.
test.each([
  ['dense serial ids (lookup table)', [3, 1, 2, 7, 5]],
  ['sparse ids (binary search)', [9_000_000_001, 12, 4_000_000, 77]],
])('%s', (_name, ids) => {
  const id = Float64Array.from([...ids, 0, 0]); // capacity beyond n is ignored
  const indexOf = sellerIndex(id, ids.length);
  for (const probe of [...ids, 0, 4, 6, 13, 2.5, -1, 9_000_000_002]) expect(indexOf(probe)).toBe(ids.indexOf(probe));
});
