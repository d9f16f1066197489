/**
 * Visitors' block sums against a walk over every fact of each window: the clock moves while the
 * facts stay the same, so blocks summed earlier must expire exactly when one of their sessions stops
 * being its visitor's latest or turns from new to returning (its first session a window old).
 */
import { WINDOW_SECONDS, WINDOWS } from '../../shared/catalogue';
import { type Col, visitorsByWindow } from '../../exporter/src/collectors/visitors';
import { FactStore, windowRange } from '../../exporter/src/collectors/window-facts';
import { labelKey } from '../../exporter/src/metrics/labels';

const US = 1_000_000;
const HOUR = 3600 * US;
const DAY = 24 * HOUR;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The definition, fact by fact (what visitors computed before block sums). */
function walk(store: FactStore<Col>, nowUs: number): Record<string, number> {
  const { n, t, cols } = store.view();
  const out: Record<string, number> = {};
  for (const window of WINDOWS) {
    const [a, b] = windowRange(t, n, nowUs, WINDOW_SECONDS[window]);
    const since = nowUs - WINDOW_SECONDS[window] * US;
    let fresh = 0;
    let returning = 0;
    for (let i = a; i < b; i++) {
      if (cols.next[i]! <= nowUs) continue;
      if (cols.first[i]! <= since) returning += 1;
      else fresh += 1;
    }
    out[labelKey({ visitor_type: 'new', window })] = fresh;
    out[labelKey({ visitor_type: 'returning', window })] = returning;
  }
  return out;
}

test('new and returning visitors from block sums equal the walk over every fact as the clock moves', () => {
  const rand = rng(11);
  const t0 = Date.UTC(2026, 2, 2) * 1000;
  const store = new FactStore<Col>({ next: 'f64', first: 'f64', khi: 'u32', klo: 'u32' });
  // 40,000 sessions over 31 days: several full blocks (4,096 facts) in every window.
  const times = Array.from({ length: 40_000 }, () => t0 - Math.floor(rand() * 31 * DAY)).sort((a, b) => a - b);
  let now = t0;
  times.forEach((t, id) => {
    if (t < t0 - 15 * DAY) {
      // Blocks of returning visitors only, some of whose next session starts while the clock moves:
      // those blocks change only when a session stops being its visitor's latest.
      const next = rand() < 0.8 ? Infinity : t0 + Math.floor(rand() * 5 * DAY);
      store.upsert({ t, id: id + 1, first: t0 - 400 * DAY, next, khi: 0, klo: id });
      return;
    }
    // Half the visitors first came long ago; the others within the last 10 days before this session.
    const first = rand() < 0.5 ? t0 - 400 * DAY : t - Math.floor(rand() * 10 * DAY);
    // Most sessions are their visitor's latest; some are followed by one up to 2 days later (after now, too).
    const next = rand() < 0.7 ? Infinity : t + Math.floor(rand() * 2 * DAY);
    store.upsert({ t, id: id + 1, first, next, khi: 0, klo: id });
  });
  const evaluate = visitorsByWindow();
  const newIn7d = new Set<number>();
  for (let step = 0; step < 60; step++) {
    const got: Record<string, number> = {};
    for (const s of evaluate(store, now)) got[labelKey(s.labels)] = 'value' in s ? s.value : Number.NaN;
    expect(got).toEqual(walk(store, now));
    newIn7d.add(got[labelKey({ visitor_type: 'new', window: '7d' })]!);
    // Minutes to hours: sessions stop being the latest and visitors turn returning between two cycles.
    now += Math.floor(rand() * 3 * HOUR);
  }
  // The clock moved enough for the counts to change all along.
  expect(newIn7d.size).toBeGreaterThan(40);
});
