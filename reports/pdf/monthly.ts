/**
 * The monthly management report as a PDF: executive summary, one section per area with a KPI table,
 * daily charts and breakdowns, computed insights and a definitions appendix from the catalogue.
 * Every section links to its Grafana dashboard for the same period.
 */
import PDFDocument from 'pdfkit';
import type { MetricDef } from '../../shared/catalogue';
import { SLOS } from '../../alerting/rules/slo';
import { SECTIONS, type Section } from '../kpis';
import { benchmarkText, boundsNote, change, coverageNote, formatKpi, formatValue, statusOf, valueNote, type Status } from '../format';
import { computeInsights } from '../insights';
import { dashboardUrl } from '../links';
import { formatLocal, localParts } from '../periods';
import type { KpiResult, ReportData } from '../report-data';
import { drawChart } from './charts';
import { drawTable, type Cell, type Column } from './table';
import type { SellerLists } from '../sellers/management';

type Doc = InstanceType<typeof PDFDocument>;

const STATUS_COLOR: Record<Status, string> = { good: '#1e7d32', 'needs improvement': '#c0392b', 'no data': '#888888', '—': '#222222' };
const PAGE_W = 595.28;
const MARGIN = 48;
const CONTENT_W = PAGE_W - 2 * MARGIN;

export interface MonthlyPdfOptions {
  grafanaUrl: string;
  /** Label of the comparison period, e.g. "August 2026". */
  previousLabel: string;
  /** Seller lists from the marketplace database, when the reports have database access. */
  sellers?: SellerLists;
}

function heading(doc: Doc, title: string, link?: string): void {
  if (doc.y > 640) doc.addPage();
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(15).fillColor('#0b2e59').text(title, MARGIN);
  if (link) doc.font('Helvetica').fontSize(8).fillColor('#1f5fa8').text('Open in Grafana for this period', { link, underline: true });
  doc.moveDown(0.4).fillColor('#222222');
}

function subheading(doc: Doc, title: string): void {
  if (doc.y > 700) doc.addPage();
  doc.font('Helvetica-Bold').fontSize(10).fillColor('#222222').text(title, MARGIN).moveDown(0.2);
}

function kpiRows(rows: KpiResult[], tz: string): (string | Cell)[][] {
  return rows.map((r) => {
    const s = statusOf(r.kpi, r.value);
    const prevNote = [coverageNote(r.previousCoverage), boundsNote(r.previousBounds, tz)].filter(Boolean).join('; ');
    const notes = [valueNote(r, tz), r.previous !== null && prevNote ? `previous: ${prevNote}` : ''].filter(Boolean).join('; ');
    return [
      r.kpi.title,
      formatKpi(r.kpi, r.value),
      formatKpi(r.kpi, r.previous),
      change(r.kpi.format, r.value, r.previous).text,
      r.kpi.benchmark ? benchmarkText(r.kpi.format, r.kpi.benchmark) : '',
      { text: s, color: STATUS_COLOR[s] },
      notes,
    ];
  });
}

function kpiColumns(prevLabel: string): Column[] {
  return [
    { header: 'KPI', width: 135 },
    { header: 'This period', width: 72, align: 'right' },
    { header: prevLabel, width: 72, align: 'right' },
    { header: 'Change', width: 50, align: 'right' },
    { header: 'Benchmark', width: 50, align: 'right' },
    { header: 'Status', width: 55 },
    { header: 'Data', width: CONTENT_W - 434 },
  ];
}

function charts(doc: Doc, data: ReportData, results: KpiResult[]): void {
  const charted = results.filter((r) => r.kpi.chart);
  const labels = data.dayStarts.map((d) => String(localParts(d, data.period.timeZone).d));
  const w = CONTENT_W / 2 - 6;
  const h = 120;
  for (let i = 0; i < charted.length; i += 2) {
    if (doc.y + h > 760) doc.addPage();
    const y = doc.y;
    charted.slice(i, i + 2).forEach((r, j) => {
      drawChart(
        doc,
        { x: MARGIN + j * (w + 12), y, w, h },
        {
          title: `${r.kpi.title} — per day`,
          values: r.daily,
          labels,
          format: (v) => formatValue(r.kpi.format, v),
          reference: r.kpi.benchmark?.value,
          kind: r.kpi.chart!,
        },
      );
    });
    doc.x = MARGIN;
    doc.y = y + h + 8;
  }
}

function section(doc: Doc, data: ReportData, s: Section, opts: MonthlyPdfOptions): void {
  heading(doc, s.title, dashboardUrl(opts.grafanaUrl, s.dashboard, data.period));
  const results = data.kpis.filter((r) => r.kpi.section === s.id);
  drawTable(doc, kpiColumns(opts.previousLabel), kpiRows(results, data.period.timeZone));
  charts(doc, data, results);
  for (const b of data.breakdowns.filter((x) => x.breakdown.section === s.id)) {
    subheading(doc, b.breakdown.title);
    if (!b.rows.length) {
      doc.font('Helvetica').fontSize(8).text('No data for this period.').moveDown(0.5);
      continue;
    }
    drawTable(
      doc,
      [
        { header: b.breakdown.by, width: 150 },
        { header: 'This period', width: 100, align: 'right' },
        { header: opts.previousLabel, width: 100, align: 'right' },
        { header: 'Change', width: 80, align: 'right' },
      ],
      b.rows.map((r) => [
        r.label,
        formatValue(b.breakdown.format, r.value),
        formatValue(b.breakdown.format, r.previous),
        change(b.breakdown.format, r.value, r.previous).text,
      ]),
    );
  }
}

function executive(doc: Doc, data: ReportData, opts: MonthlyPdfOptions): void {
  const s = SECTIONS.find((x) => x.id === 'executive')!;
  heading(doc, s.title, dashboardUrl(opts.grafanaUrl, s.dashboard, data.period));
  doc.font('Helvetica').fontSize(9).text(`Headline figures for ${data.period.label}, compared with ${opts.previousLabel}.`).moveDown(0.4);
  drawTable(
    doc,
    kpiColumns(opts.previousLabel),
    kpiRows(
      data.kpis.filter((r) => r.kpi.headline),
      data.period.timeZone,
    ),
  );
  subheading(doc, 'Benchmarks');
  const withBench = data.kpis.filter((r) => r.kpi.benchmark && !r.kpi.headline);
  drawTable(doc, kpiColumns(opts.previousLabel), kpiRows(withBench, data.period.timeZone));
  const good = data.kpis.filter((r) => statusOf(r.kpi, r.value) === 'good').length;
  const bad = data.kpis.filter((r) => statusOf(r.kpi, r.value) === 'needs improvement').length;
  doc
    .font('Helvetica')
    .fontSize(9)
    .text(`${good} benchmark${good === 1 ? '' : 's'} met, ${bad} need${bad === 1 ? 's' : ''} improvement.`);
}

/** Named sellers, from the database (per-seller figures never become Prometheus labels). */
function sellerLists(doc: Doc, l: SellerLists): void {
  heading(doc, 'Sellers: leaders, risks and dormant partners');
  doc
    .font('Helvetica')
    .fontSize(8)
    .fillColor('#555555')
    .text("From the marketplace database (read-only); each seller's full scorecard is in sellers/<seller_id>.pdf.")
    .moveDown(0.3);
  for (const list of l.lists) {
    subheading(doc, list.title);
    if (!list.lines.length) {
      doc.font('Helvetica').fontSize(8).fillColor('#222222').text('None.').moveDown(0.3);
      continue;
    }
    const rows = list.lines.map((x) => [String(x.sellerId), x.detail]);
    if (list.more) rows.push(['', `and ${list.more} more`]);
    drawTable(
      doc,
      [
        { header: 'Seller', width: 70 },
        { header: 'Why listed', width: CONTENT_W - 70 },
      ],
      rows,
    );
  }
}

function insights(doc: Doc, data: ReportData, opts: MonthlyPdfOptions): void {
  heading(doc, 'Actionable insights');
  const found = computeInsights(data, `in ${opts.previousLabel}`);
  if (!found.length) doc.font('Helvetica').fontSize(9).text('No KPI moved notably and every benchmark was met.');
  found.forEach((f, i) => {
    doc
      .font('Helvetica')
      .fontSize(9)
      .fillColor('#222222')
      .text(`${i + 1}. ${f.text}`, MARGIN, undefined, { width: CONTENT_W })
      .moveDown(0.3);
  });
}

function definitions(doc: Doc, data: ReportData): void {
  doc.addPage();
  heading(doc, 'Definitions');
  doc
    .font('Helvetica')
    .fontSize(8)
    .text(
      'Every figure comes from Prometheus; exporter replicas are merged before summing. The metrics behind the figures, as defined in the metric catalogue:',
    )
    .moveDown(0.4);
  const seen = new Map<string, MetricDef>();
  for (const r of data.kpis) for (const m of r.kpi.metrics) seen.set(m.name, m);
  for (const b of data.breakdowns) for (const m of b.breakdown.metrics) seen.set(m.name, m);
  for (const m of [...seen.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (doc.y > 740) doc.addPage();
    doc.font('Helvetica-Bold').fontSize(8).text(m.name, MARGIN, undefined, { width: CONTENT_W });
    doc
      .font('Helvetica')
      .fontSize(8)
      .text(`${m.help} ${m.definition.replace(/`/g, '')}`, { width: CONTENT_W })
      .moveDown(0.3);
  }
  doc.font('Helvetica-Bold').fontSize(8).text('Service level objectives');
  for (const s of SLOS)
    doc
      .font('Helvetica')
      .fontSize(8)
      .text(
        `${s.name}: objective ${(s.objective * 100).toFixed(2)} %, error = ${s.what}. Error budget used = error ratio / (1 - objective).`,
        { width: CONTENT_W },
      );
}

function stampPages(doc: Doc, data: ReportData): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const y = doc.page.height - 32;
    // Writing in the bottom margin must not trigger a page break.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(7.5)
      .fillColor('#777777')
      .text(`Marketplace Pulse — monthly report ${data.period.label}`, MARGIN, y, { width: CONTENT_W / 2, lineBreak: false })
      .text(`Page ${i + 1} of ${range.count}`, MARGIN + CONTENT_W / 2, y, { width: CONTENT_W / 2, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

export function renderMonthlyPdf(data: ReportData, opts: MonthlyPdfOptions): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `Marketplace Pulse monthly report ${data.period.label}`, Author: 'Marketplace Pulse', CreationDate: data.generatedAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const tz = data.period.timeZone;
  doc.font('Helvetica-Bold').fontSize(20).fillColor('#0b2e59').text('Marketplace Pulse — monthly report');
  doc.font('Helvetica').fontSize(13).fillColor('#222222').text(data.period.label);
  doc
    .fontSize(8.5)
    .fillColor('#555555')
    .text(`Period: ${formatLocal(data.period.start, tz)} to ${formatLocal(data.period.end, tz)}`)
    .text(`Compared with: ${opts.previousLabel}`)
    .text(`Generated: ${formatLocal(data.generatedAt, tz)}`)
    .moveDown(0.5);

  executive(doc, data, opts);
  for (const s of SECTIONS.filter((x) => x.id !== 'executive')) section(doc, data, s, opts);
  if (opts.sellers) sellerLists(doc, opts.sellers);
  insights(doc, data, opts);
  definitions(doc, data);
  stampPages(doc, data);
  doc.end();
  return done;
}
