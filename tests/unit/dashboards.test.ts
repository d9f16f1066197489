/** Dashboard structure: builds, stable uids, provisioned datasource, panel completeness, layout. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS, DATASOURCES } from '../../shared/conventions';
import { buildDashboard, DASHBOARDS } from '../../dashboards';
import { provisioningFiles } from '../../dashboards/generate';
import { dataPanels, queriesOf } from '../../dashboards/inspect';
import { driftOf, ROOT } from '../../shared/generated';

const built: [string, Dashboard][] = DASHBOARDS.map((d) => [d.file, buildDashboard(d)]);

test('one dashboard per DASHBOARD_UIDS entry, each with its fixed uid', () => {
  expect(built.map(([, d]) => d.uid).sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
  expect(new Set(built.map(([, d]) => d.uid)).size).toBe(built.length);
});

test('building twice gives identical JSON (stable uids and layout)', () => {
  for (const entry of DASHBOARDS) expect(JSON.stringify(buildDashboard(entry))).toBe(JSON.stringify(buildDashboard(entry)));
});

test('every panel and query uses the provisioned Prometheus datasource uid', () => {
  const provisioned = YAML.parse(readFileSync(path.join(ROOT, 'provisioning/grafana/datasources/marketplace-pulse.yml'), 'utf8'));
  const uids = Object.fromEntries(provisioned.datasources.map((d: { type: string; uid: string }) => [d.type, d.uid]));
  expect(uids).toEqual({ prometheus: DATASOURCES.prometheus.uid, alertmanager: DATASOURCES.alertmanager.uid });
  for (const [, d] of built) {
    for (const p of dataPanels(d)) {
      expect(p.datasource?.uid).toBe(uids.prometheus);
      for (const t of p.targets ?? []) expect((t as { datasource?: { uid?: string } }).datasource?.uid).toBe(uids.prometheus);
    }
    for (const v of d.templating?.list ?? []) expect(v.datasource?.uid).toBe(uids.prometheus);
  }
});

describe.each(built)('%s', (_file, d) => {
  const panels = dataPanels(d);

  test('has panels, the currency/provider/platform variables and links', () => {
    expect(panels.length).toBeGreaterThan(3);
    expect((d.templating?.list ?? []).map((v) => v.name)).toEqual(['currency', 'provider', 'platform']);
    expect((d.links ?? []).some((l) => l.type === 'dashboards' && l.tags.includes('marketplace-pulse'))).toBe(true);
  });

  test.each(panels.map((p): [string, Panel] => [p.title ?? '(untitled)', p]))('panel %s: title, description, unit, thresholds, ≥1 query', (title, p) => {
    expect(title.length).toBeGreaterThan(2);
    expect((p.description ?? '').length).toBeGreaterThan(20);
    expect(p.fieldConfig?.defaults?.unit).toBeTruthy();
    expect(p.fieldConfig?.defaults?.thresholds?.steps?.length).toBeGreaterThan(0);
    expect((p.targets ?? []).length).toBeGreaterThan(0);
    for (const t of p.targets ?? []) expect(((t as { expr?: string }).expr ?? '').length).toBeGreaterThan(0);
  });

  test('no two panels overlap and all fit the 24-column grid', () => {
    const boxes = (d.panels ?? []).map((p) => ({ title: p.title, ...p.gridPos! }));
    for (const b of boxes) expect(b.x + b.w).toBeLessThanOrEqual(24);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        if (overlap) throw new Error(`"${a.title}" overlaps "${b.title}"`);
      }
    }
  });

  test('panel titles are unique within the dashboard', () => {
    const titles = panels.map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
  });
});

test('links between dashboards point at existing uids', () => {
  const uids = new Set<string>(Object.values(DASHBOARD_UIDS));
  for (const [, d] of built) {
    for (const l of d.links ?? []) if (l.type === 'link') expect(uids.has((l.url ?? '').replace('/d/', ''))).toBe(true);
  }
});

test('every dashboard is provisioned as JSON under a folder, and the committed files match a fresh generation', () => {
  const files = provisioningFiles();
  for (const d of DASHBOARDS) expect(files.map((f) => f.path)).toContain(`provisioning/grafana/dashboards/${d.folder}/${d.file}.json`);
  expect(driftOf(files)).toEqual([]);
});

test('queries reference HA-collapsed exporter series before summing', () => {
  const all = built.flatMap(([, d]) => queriesOf(d));
  expect(all.length).toBeGreaterThan(100);
  for (const q of all) {
    // A sum over marketplace_* series must contain the replica collapse (exporter-health keeps replicas on purpose).
    if (q.dashboard === DASHBOARD_UIDS.exporter) continue;
    if (/sum(\s+by\s*\([^)]*\))?\s*\(\s*(increase|rate)?\(?marketplace_/.test(q.expr)) throw new Error(`${q.panel}: sums before collapsing replicas: ${q.expr}`);
  }
});
