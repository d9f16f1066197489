/** The seller lists appear in the monthly PDF and in the daily/weekly summaries when provided. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dailyPeriod, monthlyPeriod, type Period } from '../../reports/periods';
import { renderMonthlyPdf } from '../../reports/pdf/monthly';
import type { ReportData } from '../../reports/report-data';
import type { SellerLists } from '../../reports/sellers/management';
import { renderSummary } from '../../reports/summary';

const data = (period: Period): ReportData => ({
  period,
  generatedAt: new Date('2026-11-01T07:00:00Z'),
  dayStarts: [],
  kpis: [],
  breakdowns: [],
});
const lists = (period: Period): SellerLists => ({
  period,
  lists: [
    { title: 'Top 10 by GMV (EUR)', lines: [{ sellerId: 42, detail: 'GMV EUR 1,234.00 (12 orders)' }], more: 0 },
    { title: 'Dormant sellers (0 orders in 90 days)', lines: [], more: 0 },
    { title: 'Sellers below 10.0 % of their credits', lines: [{ sellerId: 7, detail: '2.0 % left (1.00 of 50.00)' }], more: 3 },
  ],
});

test('daily summary lists the sellers by id, in text and HTML', () => {
  const p = dailyPeriod('2026-10-05', 'UTC');
  const s = renderSummary(data(p), 'http://grafana', { sellers: lists(p) });
  expect(s.text).toContain(
    'Sellers\nTop 10 by GMV (EUR):\n  - seller 42: GMV EUR 1,234.00 (12 orders)\nDormant sellers (0 orders in 90 days):\n  - none\n',
  );
  expect(s.text).toContain('  - seller 7: 2.0 % left (1.00 of 50.00)\n  - and 3 more');
  expect(s.html).toContain('<li>seller 42: GMV EUR 1,234.00 (12 orders)</li>');
  expect(renderSummary(data(p), 'http://grafana').text).not.toContain('seller 42');
});

test('monthly PDF has a Sellers section with the lists', async () => {
  const p = monthlyPeriod('2026-10', 'UTC');
  const pdf = await renderMonthlyPdf(data(p), { grafanaUrl: 'http://grafana', previousLabel: 'September 2026', sellers: lists(p) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulse-lists-'));
  try {
    writeFileSync(path.join(dir, 'r.pdf'), pdf);
    const text = execFileSync('pdftotext', [path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Sellers: leaders, risks and dormant partners');
    expect(text).toContain('GMV EUR 1,234.00 (12 orders)');
    expect(text).toContain('and 3 more');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
