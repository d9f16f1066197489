/**
 * The scenario's input series, expanded the way promtool expands its notation (`a+dxn` adds d to a,
 * n times, in float64): every counter must never decrease, or Prometheus sees a reset and the
 * replay's rates (and its precision table) are wrong.
 */
import { simulatedSeries } from '../scenario/simulate';

/** promtool expanding notation → values (null for `_`). */
function expand(notation: string): Array<number | null> {
  const out: Array<number | null> = [];
  for (const part of notation.split(' ')) {
    const gap = /^_x(\d+)$/.exec(part);
    if (gap) {
      for (let i = 0; i < Number(gap[1]); i++) out.push(null);
      continue;
    }
    const run = /^(-?[\d.e-]+)(?:([+-][\d.e-]+))?x(\d+)$/.exec(part);
    if (!run) {
      out.push(Number(part));
      continue;
    }
    let v = Number(run[1]);
    const d = Number(run[2] ?? 0);
    for (let i = 0; i <= Number(run[3]); i++) {
      out.push(v);
      v += d;
    }
  }
  return out;
}

function firstDecrease(values: Array<number | null>): { at: number; from: number; to: number } | null {
  let prev: number | null = null;
  for (const [i, v] of values.entries()) {
    if (v === null) continue;
    if (prev !== null && v < prev) return { at: i, from: prev, to: v };
    prev = v;
  }
  return null;
}

const counters = simulatedSeries().filter((s) => /_(total|bucket|count)\{/.test(s.series));

test('the check finds a decrease: a run that ends above the next value', () => {
  expect(firstDecrease(expand('0+0.1x3 0.3'))).toEqual({ at: 4, from: expect.closeTo(0.3, 9), to: 0.3 });
  expect(firstDecrease(expand('0+0.25x3 0.75 _x2 1'))).toBeNull();
});

test('there are counters to check', () => {
  expect(counters.length).toBeGreaterThan(10);
});

test.each(counters.map((s) => [s.series, s.values]))('%s never decreases', (_series, values) => {
  expect(firstDecrease(expand(values))).toBeNull();
});
