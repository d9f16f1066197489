/**
 * A full scrape of the exporter over simulated marketplace data: every catalogue family from the
 * database collectors is present, and the exposition passes `promtool check metrics` (the lint
 * Prometheus itself ships).
 */
import { execFile } from 'node:child_process';
import request from 'supertest';
import { catalogue, collectorsOf } from '../../shared/catalogue';
import { COLLECTOR_DEFAULTS } from '../../exporter/src/collectors';
import type { RunningExporter } from '../../exporter/src/app';
import { seedHistory } from '../../exporter/src/demo/simulator';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { exporterConfig, startTestExporter } from '../support/exporter';

let tdb: TestDatabase;
let e: RunningExporter;
const enabled = Object.entries(COLLECTOR_DEFAULTS)
  .filter(([, d]) => d.enabled)
  .map(([n]) => n);

beforeAll(async () => {
  tdb = await createTestDatabase();
  await seedHistory(tdb.pool, { seed: 7, days: 40, sessionsPerDay: 300 });
  e = await startTestExporter(exporterConfig({ url: tdb.url, only: enabled }));
  await e.ready();
}, 120_000);
afterAll(async () => {
  await e?.stop();
  await tdb?.drop();
});

test('every collector succeeds on simulated data', () => {
  expect(
    e
      .status()
      .filter((s) => !s.up)
      .map((s) => `${s.name}: ${s.lastError}`),
  ).toEqual([]);
});

test('every catalogue family produced by an enabled collector has series', async () => {
  const text = (await request(e.url).get('/metrics')).text;
  const present = new Set(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.slice(0, l.search(/[{ ]/)).replace(/_(bucket|sum|count)$/, '')),
  );
  const missing = catalogue
    .filter((m) => collectorsOf(m).some((c) => enabled.includes(c) || c === 'runtime'))
    .filter((m) => !present.has(m.name))
    .map((m) => m.name);
  // series_dropped only appears once something was dropped.
  expect(missing.filter((n) => !n.endsWith('series_dropped_total'))).toEqual([]);
  const series = text.split('\n').filter((l) => l.startsWith('marketplace_')).length;
  expect(series).toBeGreaterThan(500);
});

test('the exposition passes promtool check metrics', async () => {
  const text = (await request(e.url).get('/metrics')).text;
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin!.end(text);
  });
  // prom-client's default Node.js gauges carry a _total suffix that promtool flags; they are the
  // library's names, not ours. Anything else promtool reports fails the test.
  const PROM_CLIENT_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
  const findings = out.split('\n').filter((l) => l && !PROM_CLIENT_DEFAULTS.some((n) => l.startsWith(`${n} `)));
  expect(findings).toEqual([]);
  expect([0, 3]).toContain(code); // 3 = lint findings (only the library ones above)
});
