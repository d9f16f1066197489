/**
 * Rule files: promtool accepts them, every group's promtool cases pass, every alert has a firing
 * and a quiet case, a runbook, and only catalogue or declared external metric names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { metricByName } from '../../shared/catalogue';
import { alertingFiles } from '../generate';
import { ruleGroups } from '../groups';
import { isAlert } from '../model';
import { alertNames } from '../render';
import { driftOf, ROOT } from '../../scripts/generate';
import { GROUP_CASES } from './promtool-cases';
import { runPromtoolTests } from './run-promtool';

const groups = ruleGroups();
const EXTERNAL = new Set(['up', 'scrape_duration_seconds', 'probe_success', 'probe_duration_seconds', 'probe_ssl_earliest_cert_expiry']);

test('promtool check rules accepts every generated rule file', () => {
  const files = alertingFiles().filter((f) => f.path.startsWith('provisioning/prometheus/rules/')).map((f) => path.join(ROOT, f.path));
  expect(files).toHaveLength(groups.length);
  const r = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
  expect(`${r.stdout}${r.stderr}`).not.toContain('FAILED');
  expect(r.status).toBe(0);
});

describe.each(GROUP_CASES.map((g) => [g.group.file, g] as const))('promtool test rules: %s', (_file, g) => {
  test('every case passes', () => {
    const r = runPromtoolTests(g.group, g.cases, g.evaluationInterval);
    if (!r.ok) throw new Error(r.output);
  });

  test('every alert has a case where it fires and one where it stays quiet', () => {
    const checks = g.cases.flatMap((c) => c.alerts ?? []);
    for (const name of alertNames([g.group])) {
      expect({ name, fires: checks.some((a) => a.alert === name && a.fires.length > 0) }).toEqual({ name, fires: true });
      expect({ name, quiet: checks.some((a) => a.alert === name && a.fires.length === 0) }).toEqual({ name, quiet: true });
    }
  });
});

test('every alert has a written runbook with meaning, first checks, mitigation and escalation', () => {
  for (const name of alertNames(groups)) {
    const file = path.join(__dirname, '..', 'runbooks', `${name}.md`);
    expect({ name, exists: existsSync(file) }).toEqual({ name, exists: true });
    const text = readFileSync(file, 'utf8');
    for (const section of ['## Meaning', '## First checks', '## Mitigation', '## Escalation']) {
      expect({ name, section, present: text.includes(section) }).toEqual({ name, section, present: true });
    }
    expect(text.length).toBeGreaterThan(600);
  }
});

test('alert names are PascalCase and every alert carries severity, team and feed', () => {
  for (const r of groups.flatMap((g) => g.rules).filter(isAlert)) {
    expect(r.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    expect(['page', 'ticket', 'info']).toContain(r.severity);
    expect(['sre', 'payments', 'growth', 'security']).toContain(r.team);
    expect(r.description).toMatch(/\{\{ \$(value|labels)/);
  }
});

test('rules use only catalogue metrics and declared external sources', () => {
  const recorded = new Set(groups.flatMap((g) => g.rules.filter((r) => !isAlert(r)).map((r) => (r as { record: string }).record)));
  const fns = new Set(['sum', 'by', 'without', 'max', 'rate', 'increase', 'avg', 'avg_over_time', 'and', 'or', 'on', 'offset', 'vector', 'time', 'label_replace', 'ignoring']);
  for (const g of groups) {
    for (const r of g.rules) {
      // Identifiers followed by { [ or ) or whitespace that are not functions, keywords or labels.
      const exprNoStrings = r.expr.replace(/offset [0-9a-z]+/g, '').replace(/"[^"]*"/g, '""').replace(/\[[^\]]*\]/g, '[]').replace(/\{[^}]*\}/g, '{}').replace(/\([a-z_, ]+\)/g, '()');
      for (const name of exprNoStrings.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []) {
        if (fns.has(name) || /^\d/.test(name) || /^(\d+[smhdw])+$/.test(name)) continue;
        const base = name.replace(/_(bucket|count|sum)$/, '');
        const known = EXTERNAL.has(name) || recorded.has(name) || !!metricByName(name) || !!metricByName(base);
        expect({ rule: 'record' in r ? r.record : r.alert, name, known }).toEqual({ rule: 'record' in r ? r.record : r.alert, name, known: true });
      }
    }
  }
});

test('committed rule files and Alertmanager config equal a fresh generation', () => {
  expect(driftOf(alertingFiles())).toEqual([]);
});
