/** The backfill's progress line: instants done / total, rate and ETA, at most every few seconds. */
import { progressReporter } from '../../scripts/backfill';

test('progress reports done/total, rate and ETA on a pinned clock, throttled, and always the last instant', () => {
  let now = 1_000_000;
  const lines: string[] = [];
  const report = progressReporter(
    (l) => lines.push(l),
    () => now,
    5000,
  );
  now += 1000;
  report(10, 100); // within 5 s of the start: quiet
  now += 4000;
  report(50, 100); // 50 instants in 5 s
  now += 1000;
  report(60, 100); // 1 s after the last line: quiet
  now += 5000;
  report(100, 100); // the end is always reported
  expect(lines).toEqual(['  50/100 instants, 10.0/s, ETA 5 s', '  100/100 instants, 9.1/s, done in 11.0 s']);
});
