/** Links from a report to the Grafana dashboard behind a section, opened on the report's period. */
import type { Span } from './periods';

export function dashboardUrl(grafanaUrl: string, uid: string, span: Span): string {
  return `${grafanaUrl.replace(/\/+$/, '')}/d/${uid}?from=${span.start.getTime()}&to=${span.end.getTime()}`;
}
