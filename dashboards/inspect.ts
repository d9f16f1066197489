/**
 * Reads built dashboards back: panels with their queries, and Grafana's variables replaced by
 * concrete values so a query can be parsed or run against Prometheus outside Grafana.
 */
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

/** Panels that show data (rows are layout only). */
export function dataPanels(d: Dashboard): Panel[] {
  return (d.panels ?? []).filter((p): p is Panel => p.type !== 'row');
}

export function queriesOf(d: Dashboard): PanelQuery[] {
  return dataPanels(d).flatMap((p) =>
    (p.targets ?? []).map((t) => {
      const q = t as { refId?: string; expr?: string; instant?: boolean };
      return { dashboard: d.uid ?? '', panel: p.title ?? '', refId: q.refId ?? '', expr: q.expr ?? '', instant: q.instant === true };
    }),
  );
}

export interface Substitutions {
  range: string;
  rateInterval: string;
  /** Values for template variables; `.*` is what Grafana sends for All. */
  variables: Record<string, string>;
}

export const ALL_VALUES: Substitutions = { range: '1h', rateInterval: '5m', variables: { currency: '.*', provider: '.*', platform: '.*' } };

export function substitute(expr: string, s: Substitutions = ALL_VALUES): string {
  let out = expr
    .replace(/\$__rate_interval/g, s.rateInterval)
    .replace(/\$__range/g, s.range)
    .replace(/\$__interval/g, s.rateInterval);
  for (const [k, v] of Object.entries(s.variables)) out = out.replace(new RegExp(`\\$${k}\\b`, 'g'), v);
  return out;
}
