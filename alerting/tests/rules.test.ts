/**
 * Rule files: promtool accepts them, every group's promtool cases pass, every alert has a firing
 * and a quiet case, a runbook, and only catalogue or declared external metric names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { alertingFiles } from '../generate';
import { ruleGroups } from '../groups';
import { isAlert } from '../model';
import { alertNames } from '../render';
import { driftOf, ROOT } from '../../shared/generated';
import { syntaxErrorAt, unknownMetrics } from '../../shared/promql-check';
import { WATCHDOG } from '../rules/monitoring';
import { GROUP_CASES } from './promtool-cases';
import { runPromtoolTests } from './run-promtool';

const groups = ruleGroups();

test('promtool check rules accepts every generated rule file', () => {
  const files = alertingFiles()
    .filter((f) => f.path.startsWith('provisioning/prometheus/rules/'))
    .map((f) => path.join(ROOT, f.path));
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
      // The Watchdog fires always, by design: its "quiet" is the dead-man's switch paging.
      if (name === WATCHDOG) continue;
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
  for (const g of groups) {
    for (const r of g.rules) {
      const rule = 'record' in r ? r.record : r.alert;
      expect({ rule, syntaxErrorAt: syntaxErrorAt(r.expr) }).toEqual({ rule, syntaxErrorAt: null });
      expect({ rule, unknown: unknownMetrics(r.expr, recorded) }).toEqual({ rule, unknown: [] });
    }
  }
});

test('committed rule files and Alertmanager config equal a fresh generation', () => {
  expect(driftOf(alertingFiles())).toEqual([]);
});
