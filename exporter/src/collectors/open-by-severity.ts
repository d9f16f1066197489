/** Open items per severity (bug reports, incidents): folded onto the allow-list, a zero for every known severity. */
import type { MetricDef } from '../../../shared/catalogue';
import { fold } from '../metrics/labels';
import type { Sample } from '../metrics/sample';
import type { Db } from '../runtime/db';

/** `sql` returns rows of (severity, n). */
export async function openBySeverity(db: Db, sql: string, severities: readonly string[], metric: MetricDef): Promise<Sample[]> {
  const known: ReadonlySet<string> = new Set(severities);
  const open = new Map<string, number>();
  for (const r of await db.query(sql)) {
    const severity = fold(r.severity, known);
    open.set(severity, (open.get(severity) ?? 0) + Number(r.n));
  }
  return severitySamples(open, severities, metric);
}

/**
 * Counts already folded onto `severities` (and `other`), as samples with a zero for every known
 * severity; `other` only while it counts some (a running count keeps it at 0 once seen).
 */
export function severitySamples(open: ReadonlyMap<string, number>, severities: readonly string[], metric: MetricDef): Sample[] {
  const all = new Map<string, number>(severities.map((s) => [s, 0]));
  for (const [severity, n] of open) if (n !== 0 || all.has(severity)) all.set(severity, (all.get(severity) ?? 0) + n);
  return [...all].map(([severity, value]) => ({ metric, labels: { severity }, value }));
}
