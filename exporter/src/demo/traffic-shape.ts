/**
 * When people shop: a daily curve (quiet at night, busy evenings, UTC) and a weekly one (weekends a
 * little quieter), so dashboards show the seasonality real marketplaces have.
 */
import type { Random } from './random';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

// Relative traffic per hour of the day, UTC. Trough around 03:00–04:00, peak 19:00–21:00.
const HOURLY = [
  0.35, 0.25, 0.18, 0.14, 0.14, 0.2, 0.35, 0.6, 0.85, 1.0, 1.05, 1.1, 1.2, 1.15, 1.1, 1.1, 1.15, 1.3, 1.55, 1.8, 1.85, 1.6, 1.1, 0.6,
];
// Sunday … Saturday.
const WEEKDAY = [0.8, 1.05, 1.05, 1.05, 1.05, 1.0, 0.82];

const HOURLY_MEAN = HOURLY.reduce((a, b) => a + b, 0) / HOURLY.length;
const WEEKDAY_MEAN = WEEKDAY.reduce((a, b) => a + b, 0) / WEEKDAY.length;

/** Traffic at `ms` relative to the average over a week (mean 1). */
export function trafficFactor(ms: number): number {
  const d = new Date(ms);
  return (HOURLY[d.getUTCHours()]! / HOURLY_MEAN) * (WEEKDAY[d.getUTCDay()]! / WEEKDAY_MEAN);
}

/**
 * Start times of the sessions in [fromMs, toMs), `perDay` on an average day. The window is cut at
 * hour boundaries so each piece gets its own rate; works for a whole day and for a few seconds alike.
 */
export function sessionStarts(rng: Random, fromMs: number, toMs: number, perDay: number): number[] {
  const out: number[] = [];
  let t = fromMs;
  while (t < toMs) {
    const segEnd = Math.min(toMs, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
    const expected = (perDay * trafficFactor(t) * (segEnd - t)) / DAY_MS;
    const n = rng.poisson(expected);
    const starts: number[] = [];
    for (let i = 0; i < n; i++) starts.push(Math.floor(t + rng.float() * (segEnd - t)));
    starts.sort((a, b) => a - b);
    out.push(...starts);
    t = segEnd;
  }
  return out;
}
