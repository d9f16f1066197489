/**
 * Daily and weekly summary emails (HTML and plain text): the headline KPIs against the comparison
 * period (same weekday last week, or last week), the notable deviations, and dashboard links.
 */
import { SECTIONS } from './kpis';
import { change, formatKpi, statusOf, valueNote } from './format';
import { computeInsights } from './insights';
import { dashboardUrl } from './links';
import { formatLocal } from './periods';
import type { ReportData } from './report-data';
import { sellerListsHtml, sellerListsText, type SellerLists } from './sellers/management';

export interface SummaryContent {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function comparisonLabel(data: ReportData): string {
  return data.period.type === 'daily'
    ? 'the same day last week'
    : data.period.type === 'weekly'
      ? 'the previous week'
      : 'the previous month';
}

export function renderSummary(data: ReportData, grafanaUrl: string, extra: { intro?: string; sellers?: SellerLists } = {}): SummaryContent {
  const kind = data.period.type === 'daily' ? 'Daily' : data.period.type === 'weekly' ? 'Weekly' : 'Monthly';
  const vs = comparisonLabel(data);
  const rows = data.kpis.filter((r) => r.kpi.headline || r.kpi.benchmark);
  const deviations = computeInsights(data, vs).filter((i) => i.kind !== 'data' || data.period.type !== 'daily');
  const links = SECTIONS.map((s) => ({ title: s.title, url: dashboardUrl(grafanaUrl, s.dashboard, data.period) }));
  const subject = `Marketplace Pulse ${kind.toLowerCase()} summary — ${data.period.label}`;

  const text = [
    subject,
    `Period: ${formatLocal(data.period.start, data.period.timeZone)} to ${formatLocal(data.period.end, data.period.timeZone)}; compared with ${vs}.`,
    ...(extra.intro ? ['', extra.intro] : []),
    '',
    'Key figures',
    ...rows.map((r) => {
      const note = valueNote(r, data.period.timeZone);
      const s = statusOf(r.kpi, r.value);
      return `- ${r.kpi.title}: ${formatKpi(r.kpi, r.value)} (${vs}: ${formatKpi(r.kpi, r.previous)}, ${change(r.kpi.format, r.value, r.previous).text})${s !== '—' ? ` [${s}]` : ''}${note ? ` — ${note}` : ''}`;
    }),
    '',
    'Notable deviations',
    ...(deviations.length ? deviations.map((d) => `- ${d.text}`) : ['- None: no KPI moved notably and every benchmark was met.']),
    '',
    ...(extra.sellers ? [...sellerListsText(extra.sellers), ''] : []),
    'Dashboards',
    ...links.map((l) => `- ${l.title}: ${l.url}`),
    '',
  ].join('\n');

  const html = `<!doctype html><html><body style="font-family:Helvetica,Arial,sans-serif;color:#222">
<h2 style="color:#0b2e59">${esc(subject)}</h2>
<p>Period: ${esc(formatLocal(data.period.start, data.period.timeZone))} to ${esc(formatLocal(data.period.end, data.period.timeZone))}; compared with ${esc(vs)}.</p>
${extra.intro ? `<p>${esc(extra.intro)}</p>` : ''}
<h3>Key figures</h3>
<table cellpadding="4" style="border-collapse:collapse"><tr style="background:#e8eef6"><th align="left">KPI</th><th align="right">Value</th><th align="right">${esc(vs)}</th><th align="right">Change</th><th align="left">Status</th></tr>
${rows
  .map((r) => {
    const s = statusOf(r.kpi, r.value);
    const color = s === 'good' ? '#1e7d32' : s === 'needs improvement' ? '#c0392b' : '#222';
    const note = valueNote(r, data.period.timeZone);
    return `<tr><td>${esc(r.kpi.title)}</td><td align="right">${esc(formatKpi(r.kpi, r.value))}${note ? `<br><small>${esc(note)}</small>` : ''}</td><td align="right">${esc(formatKpi(r.kpi, r.previous))}</td><td align="right">${esc(change(r.kpi.format, r.value, r.previous).text)}</td><td style="color:${color}">${esc(s)}</td></tr>`;
  })
  .join('\n')}
</table>
<h3>Notable deviations</h3>
<ul>${(deviations.length ? deviations.map((d) => d.text) : ['None: no KPI moved notably and every benchmark was met.']).map((t) => `<li>${esc(t)}</li>`).join('')}</ul>
${extra.sellers ? sellerListsHtml(extra.sellers) : ''}
<h3>Dashboards</h3>
<ul>${links.map((l) => `<li><a href="${esc(l.url)}">${esc(l.title)}</a></li>`).join('')}</ul>
</body></html>`;
  return { subject, text, html };
}
