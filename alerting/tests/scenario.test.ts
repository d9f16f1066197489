/**
 * Scenario replay through the real promtool: no page outside the planted incidents, every incident
 * alerted within its target and for its whole duration, and README's table is this run's table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../shared/generated';
import { README_END, README_START, renderTable, replay, score } from '../scenario/replay';
import { INCIDENTS } from '../scenario/simulate';

const result = score(replay());

test('no page fires outside the planted incidents', () => {
  expect(result.pagesOutside).toBe(0);
});

test.each(INCIDENTS.map((i) => [i.key]))('incident %s is alerted within its target and until it ends', (key) => {
  const r = result.incidents.find((x) => x.incident.key === key)!;
  expect({ key, detectedAfter: r.detectedAfter !== null && r.detectedAfter <= r.incident.detectWithin, keptFiring: r.keptFiring }).toEqual({
    key,
    detectedAfter: true,
    keptFiring: true,
  });
});

test('README carries the table of this run (npm run scenario)', () => {
  const text = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const table = text.slice(text.indexOf(README_START), text.indexOf(README_END) + README_END.length);
  expect(table).toBe(renderTable(result));
});
