/**
 * Scenario replay: every generated rule file, the simulated days as promtool input, and a check of
 * `ALERTS{alertstate="firing"}` every 5 minutes. promtool prints what fired wherever a check expects
 * nothing, which gives the alert timeline; precision and recall are computed from it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ruleGroups } from '../groups';
import { isAlert, type Severity } from '../model';
import { renderGroup } from '../render';
import { DAYS, HOLIDAY_DAY, INCIDENTS, MINUTES_PER_DAY, simulatedSeries, type Incident } from './simulate';

export const CHECK_EVERY_MINUTES = 5;
/** After an incident ends, alerts may take this long to resolve (windows drain, keep_firing_for). */
export const RESOLVE_GRACE_MINUTES = 90;

const duration = (minutes: number) => `${minutes}m`;

function parseDuration(s: string): number {
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)([dhms])/g))
    total += Number(n) * { d: 1440, h: 60, m: 1, s: 1 / 60 }[unit as 'd' | 'h' | 'm' | 's'];
  return total;
}

export interface Firing {
  minute: number;
  alertname: string;
  severity: Severity;
}

/** Runs promtool over the simulation and returns every firing alert at every check. */
export function replay(): Firing[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scenario-replay-'));
  const groups = ruleGroups();
  for (const g of groups) writeFileSync(path.join(dir, `${g.file}.yml`), renderGroup(g));
  const checks = [];
  for (let m = CHECK_EVERY_MINUTES; m < DAYS * MINUTES_PER_DAY; m += CHECK_EVERY_MINUTES) {
    checks.push({ expr: 'ALERTS{alertstate="firing"}', eval_time: duration(m), exp_samples: [] });
  }
  const doc = {
    rule_files: groups.map((g) => `${g.file}.yml`),
    // Rules every 5 minutes over 9 days keeps promtool to minutes; detection targets allow for it.
    evaluation_interval: `${CHECK_EVERY_MINUTES}m`,
    tests: [{ name: 'scenario replay', interval: '1m', input_series: simulatedSeries(), promql_expr_test: checks }],
  };
  writeFileSync(path.join(dir, 'replay.test.yml'), YAML.stringify(doc, { lineWidth: 0 }));
  const r = spawnSync('promtool', ['test', 'rules', 'replay.test.yml'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const out = `${r.stdout}${r.stderr}`;
  // A clean run exits 0 (nothing ever fired); a failed run must be our checks, not a broken file.
  if (r.status !== 0 && !out.includes('got:')) throw new Error(`promtool failed in ${dir}: ${out.slice(0, 2000)}`);
  const firings: Firing[] = [];
  let minute = -1;
  for (const line of out.split('\n')) {
    const t = /time: ([0-9dhms]+),/.exec(line);
    if (t) minute = parseDuration(t[1]);
    if (!line.trim().startsWith('got:')) continue;
    for (const [, labels] of line.matchAll(/\{(__name__="ALERTS"[^}]*)\}/g)) {
      const l = Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
      firings.push({ minute, alertname: l.alertname, severity: l.severity as Severity });
    }
  }
  return firings;
}

export interface IncidentResult {
  incident: Incident;
  /** Minutes from the incident's start to the first check with its alert firing; null: never. */
  detectedAfter: number | null;
  /** Firing at every check from detection target to the incident's end. */
  keptFiring: boolean;
}

export interface AlertResult {
  alertname: string;
  severity: Severity;
  /** Checks with the alert firing inside an incident (start to end + grace) vs outside any. */
  inIncident: number;
  outside: number;
}

const inAnyIncident = (minute: number) => INCIDENTS.some((i) => minute >= i.start && minute <= i.end + RESOLVE_GRACE_MINUTES);

export function score(firings: Firing[]): { incidents: IncidentResult[]; alerts: AlertResult[]; pagesOutside: number } {
  const incidents = INCIDENTS.map((incident) => {
    const at = new Set(firings.filter((f) => f.alertname === incident.alert).map((f) => f.minute));
    let detectedAfter: number | null = null;
    for (let m = incident.start; m <= incident.end; m += 1)
      if (at.has(m)) {
        detectedAfter = m - incident.start;
        break;
      }
    let keptFiring = detectedAfter !== null && detectedAfter <= incident.detectWithin;
    const from = Math.ceil((incident.start + incident.detectWithin) / CHECK_EVERY_MINUTES) * CHECK_EVERY_MINUTES;
    for (let m = from; m < incident.end; m += CHECK_EVERY_MINUTES) if (!at.has(m)) keptFiring = false;
    return { incident, detectedAfter, keptFiring };
  });
  const names = [...new Set(ruleGroups().flatMap((g) => g.rules.filter(isAlert).map((r) => `${r.alert}/${r.severity}`)))].sort();
  const alerts = names.map((key) => {
    const [alertname, severity] = key.split('/') as [string, Severity];
    const mine = firings.filter((f) => f.alertname === alertname && f.severity === severity);
    return {
      alertname,
      severity,
      inIncident: mine.filter((f) => inAnyIncident(f.minute)).length,
      outside: mine.filter((f) => !inAnyIncident(f.minute)).length,
    };
  });
  const pagesOutside = firings.filter((f) => f.severity === 'page' && !inAnyIncident(f.minute)).length;
  return { incidents, alerts, pagesOutside };
}

export const README_START = '<!-- scenario-replay:start (generated by npm run scenario; do not edit) -->';
export const README_END = '<!-- scenario-replay:end -->';

/** The README table: recall per planted incident, precision per alert that fired. */
export function renderTable(result: ReturnType<typeof score>): string {
  const lines = [
    README_START,
    `Simulated ${DAYS} days, one sample a minute, rules evaluated every ${CHECK_EVERY_MINUTES} minutes, checked every ${CHECK_EVERY_MINUTES} minutes: quiet nights (3 page views a minute), busy evenings (80 a minute, 4 % buyer declines), a holiday at 60 % traffic (day ${HOLIDAY_DAY + 1}), then planted incidents.`,
    '',
    '| planted incident | alert | detection target | detected after | kept firing to the end |',
    '|---|---|---|---|---|',
    ...result.incidents.map(
      (r) =>
        `| ${r.incident.what} | ${r.incident.alert} | ${r.incident.detectWithin} min | ${r.detectedAfter === null ? 'never' : `${r.detectedAfter} min`} | ${r.keptFiring ? 'yes' : 'no'} |`,
    ),
    '',
    `Pages outside planted incidents (a check with a page firing more than ${RESOLVE_GRACE_MINUTES} minutes away from any incident): **${result.pagesOutside}**.`,
    '',
    '| alert (severity) | checks firing during incidents | checks firing outside incidents | precision |',
    '|---|---|---|---|',
    ...result.alerts
      .filter((a) => a.inIncident + a.outside > 0)
      .map(
        (a) =>
          `| ${a.alertname} (${a.severity}) | ${a.inIncident} | ${a.outside} | ${a.alertname === 'Watchdog' || a.severity === 'info' ? 'n/a (information)' : `${Math.round((100 * a.inIncident) / (a.inIncident + a.outside))} %`} |`,
      ),
    README_END,
  ];
  return lines.join('\n');
}
