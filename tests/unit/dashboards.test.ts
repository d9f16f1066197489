/** Dashboard structure: builds, stable uids, provisioned datasource, panel completeness, layout. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { catalogue, M } from '../../shared/catalogue';
import { DASHBOARD_UIDS, DATASOURCES, SELECTORS } from '../../shared/conventions';
import { buildDashboard, DASHBOARDS } from '../../dashboards';
import { provisioningFiles } from '../../dashboards/generate';
import { dataPanels, queriesOf, substitute } from '../../dashboards/inspect';
import { metricNames, syntaxErrorAt } from '../../shared/promql-check';
import { buildSellerLeaderboard, POSTGRES } from '../../dashboards/seller-leaderboard';
import { DATASOURCE_VARIABLE, GRAFANA_IMAGE, MONEY } from '../../dashboards/common';
import * as q from '../../dashboards/queries/exporter';
import { driftOf, ROOT } from '../../shared/generated';

const built: [string, Dashboard][] = DASHBOARDS.map((d) => [d.file, buildDashboard(d)]);

test('one dashboard per DASHBOARD_UIDS entry, each with its fixed uid', () => {
  // The seller leaderboard (SQL tables, tests/integration/seller-leaderboard.test.ts) is built apart.
  expect([...built.map(([, d]) => d.uid), buildSellerLeaderboard().uid].sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
  expect(new Set(built.map(([, d]) => d.uid)).size).toBe(built.length);
});

test('building twice gives identical JSON (stable uids and layout)', () => {
  for (const entry of DASHBOARDS) expect(JSON.stringify(buildDashboard(entry))).toBe(JSON.stringify(buildDashboard(entry)));
});

test('every panel, query and variable uses the $datasource variable, which defaults to the provisioned Prometheus uid', () => {
  const provisioned = YAML.parse(readFileSync(path.join(ROOT, 'provisioning/grafana/datasources/marketplace-pulse.yml'), 'utf8'));
  const uids = Object.fromEntries(provisioned.datasources.map((d: { type: string; uid: string }) => [d.uid, d.type]));
  expect(uids[DATASOURCES.prometheus.uid]).toBe('prometheus');
  expect(uids[DATASOURCES.postgres.uid]).toBe(POSTGRES.type);
  expect(uids[DATASOURCES.alertmanager.uid]).toBe('alertmanager');
  for (const [, d] of built) {
    const dsVar = (d.templating?.list ?? []).find((v) => v.name === DATASOURCE_VARIABLE)!;
    expect(dsVar.type).toBe('datasource');
    expect(dsVar.query).toBe('prometheus');
    expect(dsVar.current?.value).toBe(DATASOURCES.prometheus.uid);
    const ref = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };
    for (const p of dataPanels(d)) {
      expect(p.datasource).toEqual(ref);
      for (const t of p.targets ?? []) expect((t as { datasource?: unknown }).datasource).toEqual(ref);
    }
    for (const v of d.templating?.list ?? []) if (v.type === 'query') expect(v.datasource).toEqual(ref);
    for (const a of d.annotations?.list ?? []) if (a.builtIn !== 1) expect(a.datasource).toEqual(ref);
  }
  // No fixed datasource uid anywhere in the JSON: it imports into any Grafana.
  for (const [, d] of built) expect(JSON.stringify(d)).not.toContain(`"uid":"${DATASOURCES.prometheus.uid}"`);
});

describe.each(built)('%s', (_file, d) => {
  const panels = dataPanels(d);

  test('has panels, the currency/provider/platform variables and links', () => {
    expect(panels.length).toBeGreaterThan(3);
    expect((d.templating?.list ?? []).map((v) => v.name)).toEqual([DATASOURCE_VARIABLE, 'currency', 'provider', 'platform']);
    expect((d.links ?? []).some((l) => l.type === 'dashboards' && l.tags.includes('marketplace-pulse'))).toBe(true);
  });

  test.each(panels.map((p): [string, Panel] => [p.title ?? '(untitled)', p]))(
    'panel %s: title, description, unit, thresholds, ≥1 query',
    (title, p) => {
      expect(title.length).toBeGreaterThan(2);
      expect((p.description ?? '').length).toBeGreaterThan(20);
      expect(p.fieldConfig?.defaults?.unit).toBeTruthy();
      expect(p.fieldConfig?.defaults?.thresholds?.steps?.length).toBeGreaterThan(0);
      expect((p.targets ?? []).length).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(((t as { expr?: string }).expr ?? '').length).toBeGreaterThan(0);
    },
  );

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
    // A sum over marketplace_* series must contain the replica collapse, exporter health included.
    if (/sum(\s+by\s*\([^)]*\))?\s*\(\s*(increase|rate)?\(?marketplace_/.test(q.expr))
      throw new Error(`${q.panel}: sums before collapsing replicas: ${q.expr}`);
  }
});

// --- issue 11: tables, ordering, retention, money, data age, replicas, schema, annotations ---

const panelsOf = (uid: string) => dataPanels(built.find(([, d]) => d.uid === uid)![1]);
const panelNamed = (uid: string, title: string) => {
  const p = panelsOf(uid).find((x) => x.title === title);
  if (!p) throw new Error(`${uid}: no panel "${title}"`);
  return p;
};
type Target = { expr?: string; instant?: boolean; format?: string; legendFormat?: string };
const targetsOf = (p: Panel) => (p.targets ?? []) as Target[];

test('table panels run instant queries as tables and shape them with transformations', () => {
  const tables = built.flatMap(([, d]) => dataPanels(d).filter((p) => p.type === 'table'));
  expect(tables.map((p) => p.title).sort()).toEqual([
    'Build info',
    'Provider balances',
    'Reconciliation mismatches',
    'Weekly cohort retention',
  ]);
  for (const p of tables) {
    for (const t of targetsOf(p)) {
      expect(t.instant).toBe(true);
      expect(t.format).toBe('table');
    }
    expect((p.transformations ?? []).length).toBeGreaterThan(0);
  }
  const cohort = panelNamed(DASHBOARD_UIDS.users, 'Weekly cohort retention').transformations![0]!;
  expect(cohort).toEqual({
    id: 'groupingToMatrix',
    options: expect.objectContaining({ rowField: 'cohort_weeks_ago', columnField: 'weeks_since_signup', valueField: 'Value' }),
  });
  const balances = panelNamed(DASHBOARD_UIDS.orders, 'Provider balances');
  expect(balances.transformations![0]!.options).toEqual(expect.objectContaining({ rowField: 'account', columnField: 'currency' }));
  // The matrix row label is built by the query itself from provider and type.
  expect(targetsOf(balances)[0]!.expr).toMatch(/^label_join\(.*"account", " ", "provider", "type"\)$/);
  const build = panelNamed(DASHBOARD_UIDS.exporter, 'Build info').transformations![0]!.options;
  expect(build.excludeByName).toEqual({ Time: true, Value: true });
});

test('bar gauges over an ordered label draw one query per value, in the catalogue order', () => {
  const orderedLabels = new Set(['window', 'step', 'day', 'state']);
  for (const [, d] of built) {
    for (const p of dataPanels(d).filter((x) => x.type === 'bargauge')) {
      for (const t of targetsOf(p)) {
        const templated = [...(t.legendFormat ?? '').matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);
        if (templated.some((l) => orderedLabels.has(l)))
          throw new Error(`${d.uid} / ${p.title}: legend ${t.legendFormat} sorts by label value`);
      }
    }
  }
  const legends = (uid: string, title: string) => targetsOf(panelNamed(uid, title)).map((t) => t.legendFormat);
  expect(legends(DASHBOARD_UIDS.orders, 'Funnel (sessions, last 24 h)')).toEqual([
    'visit',
    'product_view',
    'add_to_cart',
    'checkout',
    'paid',
  ]);
  expect(legends(DASHBOARD_UIDS.users, 'Retention D1 / D7 / D30')).toEqual(['D1', 'D7', 'D30']);
  expect(legends(DASHBOARD_UIDS.users, 'Active users (1d / 7d / 30d)')).toEqual(['1d', '7d', '30d']);
  expect(legends(DASHBOARD_UIDS.sellers, 'Credits')).toEqual(['total', 'used', 'unallocated']);
  // Each query selects its own value, so the bar and its legend cannot disagree.
  for (const t of targetsOf(panelNamed(DASHBOARD_UIDS.orders, 'Funnel (sessions, last 24 h)')))
    expect(t.expr).toContain(`step="${t.legendFormat}"`);
});

/** Seconds of a Prometheus duration (1d, 15d, 1w, 6h, 30m). */
function seconds(d: string): number {
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  return [...d.matchAll(/(\d+)([smhdwy])/g)].reduce((a, m) => a + Number(m[1]) * unit[m[2]!]!, 0);
}

test('at its default range, no dashboard reaches further back than Prometheus keeps data', () => {
  const compose = YAML.parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'));
  const flag = (compose.services.prometheus.command as string[]).find((c) => c.startsWith('--storage.tsdb.retention.time='))!;
  const retention = seconds(flag.split('=')[1]!);
  for (const entry of DASHBOARDS) {
    const d = buildDashboard(entry);
    const range = d.time!.from.replace('now-', '');
    for (const q of queriesOf(d)) {
      const expr = q.expr.replace(/\$__range/g, range).replace(/\$__rate_interval/g, '5m');
      // Every `[window] offset o` selector: data from now - o - window is needed.
      for (const m of expr.matchAll(/\[(\w+)\](?:\s+offset\s+(\w+))?/g)) {
        const reach = seconds(m[1]!) + (m[2] ? seconds(m[2]) : 0);
        if (reach > retention)
          throw new Error(`${q.dashboard} / ${q.panel}: needs ${reach / 86_400} days, Prometheus keeps ${retention / 86_400}`);
      }
    }
  }
  // The monthly report stays inside its own 30-day range.
  const monthly = buildDashboard(DASHBOARDS.find((e) => e.spec.uid === DASHBOARD_UIDS.monthly)!);
  for (const q of queriesOf(monthly)) {
    for (const m of q.expr.replace(/\$__range/g, '30d').matchAll(/\[(\w+)\](?:\s+offset\s+(\w+))?/g))
      expect(seconds(m[1]!) + (m[2] ? seconds(m[2]) : 0)).toBeLessThanOrEqual(seconds('30d'));
  }
});

test('money panels (catalogue unit currency) carry a currency unit per currency, never short', () => {
  const moneyMetrics = new Set(catalogue.filter((m) => m.unit === 'currency').map((m) => m.name));
  let checked = 0;
  for (const [, d] of built) {
    for (const p of dataPanels(d)) {
      const names = targetsOf(p).flatMap((t) => metricNames(t.expr ?? '').map((n) => n.replace(/_(sum|count|bucket)$/, '')));
      if (!names.some((n) => moneyMetrics.has(n)) || p.fieldConfig?.defaults?.unit === 'percentunit') continue;
      // Counts of money-related events (orders, high-value orders) are not amounts.
      if (names.every((n) => !moneyMetrics.has(n) || n.endsWith('_count'))) continue;
      checked++;
      expect([p.title, p.fieldConfig?.defaults?.unit]).toEqual([p.title, MONEY]);
      const overrides = (p.fieldConfig?.overrides ?? []).map((o) => [o.matcher.options, o.properties[0]?.value]);
      for (const code of ['USD', 'EUR', 'GBP']) expect(overrides).toContainEqual([expect.stringContaining(code), `currency${code}`]);
    }
  }
  expect(checked).toBeGreaterThanOrEqual(12);
});

test('dashboards declare the schemaVersion of the Grafana image pinned in docker-compose.yml', () => {
  const compose = YAML.parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'));
  expect(compose.services.grafana.image).toBe(GRAFANA_IMAGE.image);
  for (const [, d] of built) expect(d.schemaVersion).toBe(GRAFANA_IMAGE.schemaVersion);
});

test('business dashboards draw firing alerts of their teams as annotations; operations dashboards need not', () => {
  for (const entry of DASHBOARDS) {
    const d = buildDashboard(entry);
    const alerts = (d.annotations?.list ?? []).filter((a) => a.expr?.startsWith('ALERTS{'));
    if (entry.folder !== 'Business') continue;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.expr).toMatch(/alertstate="firing", team=~"[a-z|]+"/);
    expect(alerts[0]!.enable).toBe(true);
    expect(syntaxErrorAt(alerts[0]!.expr!)).toBeNull();
  }
});

/**
 * Exporter-health queries evaluated by promtool on two exporter replicas: a collector that never
 * succeeded reads "never" (-1), not 56 years; stale collectors and errors are not doubled.
 */
test('exporter-health queries collapse replicas and show "never" instead of epoch ages (promtool)', () => {
  const job = `job="${SELECTORS.exporterJob}"`;
  const series = (name: string, labels: string, values: string) => ({ series: `${name}{${job},${labels}}`, values });
  const both = (name: string, labels: string, a: string, b: string) => [
    series(name, `${labels},instance="a:9464"`, a),
    series(name, `${labels},instance="b:9464"`, b),
  ];
  // Samples every minute; evaluated at 10m = 600 s of time().
  const doc = {
    rule_files: ['empty.yml'],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          // orders succeeded at t=480 on both replicas; sellers never on replica a, at 300 on b; users never anywhere.
          ...both(M.collectorLastSuccessTimestampSeconds.name, 'collector="orders"', '480x10', '480x10'),
          ...both(M.collectorLastSuccessTimestampSeconds.name, 'collector="sellers"', '0x10', '300x10'),
          ...both(M.collectorLastSuccessTimestampSeconds.name, 'collector="users"', '0x10', '0x10'),
          ...both(M.collectorStale.name, 'collector="orders"', '1x10', '1x10'),
          ...both(M.collectorUp.name, 'collector="orders"', '1x10', '0x10'),
          ...both(M.collectorUp.name, 'collector="users"', '1x10', '1x10'),
          ...both(M.collectorErrorsTotal.name, 'collector="orders",kind="timeout"', '0+60x10', '0+60x10'),
        ],
        promql_expr_test: [
          {
            expr: q.dataAge(),
            eval_time: '10m',
            exp_samples: [
              { labels: '{collector="orders"}', value: 120 },
              { labels: '{collector="sellers"}', value: -1 },
              { labels: '{collector="users"}', value: -1 },
            ],
          },
          { expr: q.staleCollectors(), eval_time: '10m', exp_samples: [{ labels: '{}', value: 1 }] },
          { expr: q.collectorsUpShare(), eval_time: '10m', exp_samples: [{ labels: '{}', value: 0.5 }] },
          {
            expr: substitute(q.collectorErrors()),
            eval_time: '10m',
            exp_samples: [{ labels: '{collector="orders",kind="timeout"}', value: 1 }],
          },
        ],
      },
    ],
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dash-promtool-'));
  writeFileSync(path.join(dir, 'empty.yml'), 'groups: []\n');
  writeFileSync(path.join(dir, 'test.yml'), YAML.stringify(doc));
  const r = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
  expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
  expect(r.status).toBe(0);
  // The panel maps the sentinel to text.
  const age = panelNamed(DASHBOARD_UIDS.exporter, 'Data age');
  expect(JSON.stringify(age.fieldConfig?.defaults?.mappings)).toContain(`"${q.NEVER_SUCCEEDED}":{"text":"never"`);
});
