/** Writes a group's rules and cases to a temp dir and runs `promtool test rules` on them. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RuleGroup } from '../model';
import { renderPromTests, type PromTestCase } from '../promtest';
import { renderGroup } from '../render';

export function runPromtoolTests(group: RuleGroup, cases: PromTestCase[], evaluationInterval?: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `promtest-${group.file}-`));
  writeFileSync(path.join(dir, `${group.file}.yml`), renderGroup(group));
  writeFileSync(path.join(dir, `${group.file}.test.yml`), renderPromTests(`${group.file}.yml`, cases, evaluationInterval));
  const r = spawnSync('promtool', ['test', 'rules', `${group.file}.test.yml`], { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${dir}\n${r.stdout}${r.stderr}` };
}
