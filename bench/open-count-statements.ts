/**
 * Prints a running open count's statements, to EXPLAIN them against the whole count on a database too
 * big to copy (bench/results/open-bugs-running.md): `--count bug_reports|support_tickets` and
 * `--statement whole|build|step`. The step takes $1 (the previous instant) and $2 (the lag, seconds).
 *
 *   npx tsx bench/open-count-statements.ts --count bug_reports --statement step
 */
import { parseArgs } from 'node:util';
import { OPEN_BUG_REPORTS } from '../exporter/src/collectors/bug-reports';
import { OPEN_SUPPORT_TICKETS } from '../exporter/src/collectors/open-tickets';
import { runningOpenStatements } from '../exporter/src/collectors/running-open-count';

const SPANS = { bug_reports: OPEN_BUG_REPORTS, support_tickets: OPEN_SUPPORT_TICKETS };
const { values } = parseArgs({
  options: { count: { type: 'string', default: 'bug_reports' }, statement: { type: 'string', default: 'step' } },
});
const span = SPANS[values.count as keyof typeof SPANS];
if (!span) throw new Error(`--count: one of ${Object.keys(SPANS).join(', ')}`);
if (values.statement === 'whole') process.stdout.write(`${span.wholeSql.trim()}\n`);
else {
  const sql = runningOpenStatements(span)[values.statement as 'build' | 'step'];
  if (!sql) throw new Error('--statement: whole, build or step');
  process.stdout.write(`${sql}\n`);
}
