import type { AllowListName, LabelValues, MetricDef } from '../../../shared/catalogue';
import type { Config } from '../config/load';

export const OTHER = 'other';

/** Folds a raw database value into an allow-list: unknown, empty and NULL values become `other`. */
export function fold(value: unknown, allowed: ReadonlySet<string>): string {
  if (value === null || value === undefined) return OTHER;
  const s = String(value);
  return allowed.has(s) ? s : OTHER;
}

export function allowList(config: Config, list: AllowListName): ReadonlySet<string> {
  return new Set(config.allow_lists[list]);
}

/** Allowed values of one declared label, or null when the label is bounded by code (internal). */
export function allowedValues(values: LabelValues, config: Config): ReadonlySet<string> | null {
  switch (values.kind) {
    case 'fixed':
      return new Set(values.values);
    case 'config':
      return allowList(config, values.list);
    case 'internal':
      return null;
  }
}

/** A function that folds every label of a sample of `def` into its allow-list. */
export function labelFolder(def: MetricDef, config: Config): (labels: Readonly<Record<string, string>>) => Record<string, string> {
  const sets = Object.entries(def.labels as Record<string, LabelValues>).map(([k, v]) => [k, allowedValues(v, config)] as const);
  return (labels) => {
    const out: Record<string, string> = {};
    for (const [k, set] of sets) {
      const v = labels[k];
      out[k] = set === null ? String(v ?? '') : fold(v, set);
    }
    return out;
  };
}

/**
 * Stable key of a label set, for maps. JSON-encoded so that values containing `,` or `=` can never make
 * two different label sets share a key (and be summed): {a:"1,b=2"} and {a:"1",b:"2"} stay apart.
 */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}
