/** The small HTML page at `/`: every collector with its state, last success, duration and error. */
import type { CollectorStatus } from '../runtime/scheduler';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function state(s: CollectorStatus): string {
  if (!s.attempted) return 'pending';
  if (s.stale) return 'stale';
  return s.up ? 'up' : 'down';
}

export function landingPage(statuses: CollectorStatus[], version: string): string {
  const rows = statuses
    .map((s) => {
      const st = state(s);
      return `<tr class="${st}"><td>${esc(s.name)}</td><td>${st}</td><td>${s.interval}s / ${s.timeout}s</td><td>${
        s.lastSuccess ? new Date(s.lastSuccess).toISOString() : '—'
      }</td><td>${s.lastDuration === null ? '—' : `${(s.lastDuration * 1000).toFixed(1)} ms`}</td><td>${esc(s.lastError ?? '')}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Marketplace Pulse</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}
tr.up td:nth-child(2){color:#1a7f37}tr.down td:nth-child(2),tr.stale td:nth-child(2){color:#cf222e;font-weight:bold}tr.pending td:nth-child(2){color:#9a6700}
</style></head><body>
<h1>Marketplace Pulse exporter</h1>
<p>Version ${esc(version)} · <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a> · <a href="/api/collectors">/api/collectors</a></p>
<table><thead><tr><th>collector</th><th>state</th><th>interval / timeout</th><th>last success</th><th>last duration</th><th>last error</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
