/**
 * Every dashboard query parses (lezer-promql, the parser of Prometheus' own UI) and every metric it
 * selects exists: in the catalogue, in the generated recording rules, or in a declared external source.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { catalogue, exposedSeriesNames } from '../../shared/catalogue';
import { buildDashboard, DASHBOARDS } from '../../dashboards';
import { metricNames, queriesOf, substitute, syntaxErrorAt } from '../../dashboards/inspect';
import { ROOT } from '../../scripts/generate';

/** Series that come from Prometheus itself or the blackbox exporter, not from our catalogue. */
const EXTERNAL = [/^probe_/, /^up$/, /^scrape_duration_seconds$/];

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

const known = new Set(catalogue.flatMap(exposedSeriesNames));
const recorded = recordedNames();
const queries = DASHBOARDS.flatMap((d) => queriesOf(buildDashboard(d)));

test('the parser rejects broken PromQL and finds selected metric names (guards the checks below)', () => {
  expect(syntaxErrorAt('sum(rate(x[5m])')).not.toBeNull();
  expect(syntaxErrorAt('sum by (a) (rate(x{a=~".*"}[5m] offset 1w))')).toBeNull();
  expect(metricNames('histogram_quantile(0.9, sum by (le) (rate(a_bucket[5m]))) / on (slo) b:c:d + vector(0)').sort()).toEqual(['a_bucket', 'b:c:d']);
});

test.each(queries.map((q) => [`${q.dashboard} / ${q.panel} / ${q.refId}`, q.expr]))('%s parses', (_name, expr) => {
  const e = substitute(expr);
  expect(e).not.toMatch(/\$/);
  const at = syntaxErrorAt(e);
  if (at !== null) throw new Error(`syntax error at ${at}: ${e.slice(0, at)} <-- HERE ${e.slice(at)}`);
});

test.each(queries.map((q) => [`${q.dashboard} / ${q.panel} / ${q.refId}`, q.expr]))('%s selects only known metrics', (_name, expr) => {
  const names = metricNames(substitute(expr));
  expect(names.length).toBeGreaterThan(0);
  const unknown = names.filter((n) => !known.has(n) && !recorded.has(n) && !EXTERNAL.some((re) => re.test(n)));
  expect(unknown).toEqual([]);
});

test('recording rules used by dashboards exist in the generated rule files', () => {
  const used = new Set(queries.flatMap((q) => metricNames(substitute(q.expr))).filter((n) => n.includes(':')));
  expect(used.size).toBeGreaterThan(0);
  for (const n of used) expect(recorded.has(n)).toBe(true);
});
