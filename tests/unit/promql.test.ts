/**
 * Every dashboard query parses (lezer-promql, the parser of Prometheus' own UI) and every metric it
 * selects exists: in the catalogue, in the generated recording rules, or in a declared external source.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { buildDashboard, DASHBOARDS } from '../../dashboards';
import { queriesOf, substitute } from '../../dashboards/inspect';
import { metricNames, syntaxErrorAt, unknownMetrics } from '../../shared/promql-check';
import { ROOT } from '../../shared/generated';

function recordedNames(): Set<string> {
  const dir = path.join(ROOT, 'provisioning/prometheus/rules');
  const names = new Set<string>();
  if (!existsSync(dir)) return names;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) {
    const doc = YAML.parse(readFileSync(path.join(dir, f), 'utf8')) as { groups?: { rules?: { record?: string }[] }[] };
    for (const g of doc.groups ?? []) for (const r of g.rules ?? []) if (r.record) names.add(r.record);
  }
  return names;
}

const recorded = recordedNames();
const queries = DASHBOARDS.flatMap((d) => queriesOf(buildDashboard(d)));

test('the parser rejects broken PromQL and finds selected metric names (guards the checks below)', () => {
  expect(syntaxErrorAt('sum(rate(x[5m])')).not.toBeNull();
  expect(syntaxErrorAt('sum by (a) (rate(x{a=~".*"}[5m] offset 1w))')).toBeNull();
  expect(unknownMetrics('sum(rate(marketplace_no_such_total[5m])) / sum(rate(marketplace_orders_total[5m])) + up', new Set())).toEqual([
    'marketplace_no_such_total',
  ]);
  expect(unknownMetrics('rate(a:b:c[5m])', new Set(['a:b:c']))).toEqual([]);
  expect(metricNames('histogram_quantile(0.9, sum by (le) (rate(a_bucket[5m]))) / on (slo) b:c:d + vector(0)').sort()).toEqual([
    'a_bucket',
    'b:c:d',
  ]);
});

test.each(queries.map((q) => [`${q.dashboard} / ${q.panel} / ${q.refId}`, q.expr]))('%s parses', (_name, expr) => {
  const e = substitute(expr);
  expect(e).not.toMatch(/\$/);
  const at = syntaxErrorAt(e);
  if (at !== null) throw new Error(`syntax error at ${at}: ${e.slice(0, at)} <-- HERE ${e.slice(at)}`);
});

test.each(queries.map((q) => [`${q.dashboard} / ${q.panel} / ${q.refId}`, q.expr]))('%s selects only known metrics', (_name, expr) => {
  expect(metricNames(substitute(expr)).length).toBeGreaterThan(0);
  expect(unknownMetrics(substitute(expr), recorded)).toEqual([]);
});

test('recording rules used by dashboards exist in the generated rule files', () => {
  const used = new Set(queries.flatMap((q) => metricNames(substitute(q.expr))).filter((n) => n.includes(':')));
  expect(used.size).toBeGreaterThan(0);
  for (const n of used) expect(recorded.has(n)).toBe(true);
});
